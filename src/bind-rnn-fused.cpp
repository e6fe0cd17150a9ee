// Entry points of the fused SimpleRNN / GRU / LSTM kernels: convert, check, call.
#include "bind-common.h"
#include "core/rnn/fused.h"

namespace core = recurrent::core;
namespace rnn = recurrent::core::rnn;
using core::Tensor;

namespace {

Tensor optional_tensor(SEXP x, const Tensor& like) { return Rf_isNull(x) ? Tensor() : bind::as_tensor(x, like); }

// options$name as a flag or string, or the default when absent or NULL.
bool option_flag(const Rcpp::List& options, const char* name, bool dflt) {
  if (!options.containsElementNamed(name)) return dflt;
  SEXP v = options[name];
  if (Rf_isNull(v)) return dflt;
  if ((TYPEOF(v) != LGLSXP && TYPEOF(v) != INTSXP && TYPEOF(v) != REALSXP) || Rf_xlength(v) != 1)
    throw core::Error(std::string("fused_rnn: option `") + name + "` must be TRUE or FALSE");
  return Rcpp::as<bool>(v);
}

std::string option_string(const Rcpp::List& options, const char* name, const std::string& dflt) {
  if (!options.containsElementNamed(name)) return dflt;
  SEXP v = options[name];
  if (Rf_isNull(v)) return "linear";  // Keras: activation = None means no activation
  if (TYPEOF(v) != STRSXP || Rf_xlength(v) != 1)
    throw core::Error(std::string("fused_rnn: option `") + name + "` must be a single activation name");
  return Rcpp::as<std::string>(v);
}

}  // namespace

// kind: "simple", "gru" or "lstm"; NULL for absent tensors; states NULL (zeros) or a
// list of tensors. Returns list(output, state...) of tensor handles.
// [[Rcpp::export]]
Rcpp::List cpp_fused_rnn(std::string kind, SEXP x, SEXP states, SEXP kernel, SEXP recurrent_kernel, SEXP bias,
                         SEXP mask, SEXP input_dropout, SEXP recurrent_dropout, Rcpp::List options) {
  rnn::FusedSpec spec;
  spec.kind = rnn::fused_kind_from_name(kind);
  spec.activation = option_string(options, "activation", "tanh");
  spec.recurrent_activation = option_string(options, "recurrent_activation", "sigmoid");
  spec.reset_after = option_flag(options, "reset_after", true);
  spec.go_backwards = option_flag(options, "go_backwards", false);
  spec.return_sequences = option_flag(options, "return_sequences", false);
  spec.zero_output_for_mask = option_flag(options, "zero_output_for_mask", false);

  Tensor xt = bind::as_tensor(x);
  std::vector<Tensor> init;
  if (!Rf_isNull(states)) {
    if (TYPEOF(states) != VECSXP) {
      init.push_back(bind::as_tensor(states, xt));
    } else {
      for (R_xlen_t i = 0; i < Rf_xlength(states); ++i) init.push_back(bind::as_tensor(VECTOR_ELT(states, i), xt));
    }
  }
  Tensor m = Rf_isNull(mask) ? Tensor() : bind::as_tensor(mask);
  std::vector<Tensor> out = rnn::fused_rnn(spec, xt, init, bind::as_tensor(kernel, xt),
                                           bind::as_tensor(recurrent_kernel, xt), optional_tensor(bias, xt), m,
                                           optional_tensor(input_dropout, xt), optional_tensor(recurrent_dropout, xt));
  return bind::wrap_all(out);
}

// Whether `name` has a fused kernel (else the layer uses the per-step path).
// [[Rcpp::export]]
bool cpp_fused_activation_supported(std::string name) { return rnn::fused_activation_supported(name); }
