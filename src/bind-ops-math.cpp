// Entry points for erf, argsort and cumprod (core/ops_math.h). Axes arrive 0-based.
#include "bind-common.h"
#include "core/ops_math.h"

namespace ops = recurrent::core::ops;
using recurrent::core::Shape;
using recurrent::core::Tensor;

// [[Rcpp::export(rng = false)]]
SEXP cpp_erf(SEXP x) {
  return bind::run_op("erf", bind::params(), {bind::as_tensor(x)},
                      [](const bind::Inputs& in) { return ops::erf(in[0]); });
}

// [[Rcpp::export(rng = false)]]
SEXP cpp_argsort(SEXP x, int axis, bool descending) {
  return bind::run_op("argsort", bind::params(axis, descending), {bind::as_tensor(x)},
                      [axis, descending](const bind::Inputs& in) { return ops::argsort(in[0], axis, descending); });
}

// axis NULL: over the flattened tensor.
// [[Rcpp::export(rng = false)]]
SEXP cpp_cumprod(SEXP x, SEXP axis) {
  const bool flatten = Rf_isNull(axis);
  const int a = flatten ? 0 : Rcpp::as<int>(axis);
  return bind::run_op("cumprod", bind::params(flatten, a), {bind::as_tensor(x)}, [flatten, a](const bind::Inputs& in) {
    return flatten ? ops::cumprod(ops::reshape(in[0], Shape{in[0].size()}), 0) : ops::cumprod(in[0], a);
  });
}
