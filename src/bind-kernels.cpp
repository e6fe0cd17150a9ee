// Entry points of the kernels' instruction-set dispatch (core/kernels/dispatch.h):
// what config_cpu_features() reports and what config_set_cpu_level() changes.
#include <Rcpp.h>

#include "core/kernels/dispatch.h"

namespace k = recurrent::core::kernels;

// [[Rcpp::export(rng = false)]]
Rcpp::List cpp_cpu_features() {
  Rcpp::CharacterVector available;
  for (int level = 0; level <= k::best_level(); ++level)
    if (const k::Table* t = k::table_for(level)) available.push_back(t->name);
  const k::Table& t = k::active();
  const std::vector<std::string> flags = k::cpu_flags();
  return Rcpp::List::create(Rcpp::Named("level") = std::string(t.name),
                            Rcpp::Named("level_index") = t.level,
                            Rcpp::Named("vector_bits") = 8 * t.vector_bytes,
                            Rcpp::Named("available") = available,
                            Rcpp::Named("cpu") = Rcpp::CharacterVector(flags.begin(), flags.end()),
                            Rcpp::Named("request") = k::level_request(),
                            Rcpp::Named("request_valid") = k::level_request_valid());
}

// The level named `name` when this build has it and the CPU runs it; -1 otherwise.
// [[Rcpp::export(rng = false)]]
int cpp_cpu_level_index(std::string name) {
  const int level = k::parse_level(name);
  return level >= 0 && k::table_for(level) ? level : -1;
}

// [[Rcpp::export(rng = false)]]
std::string cpp_set_cpu_level(int level) {
  const int old = k::set_level(level);
  return k::table_for(old)->name;
}
