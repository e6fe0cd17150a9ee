// Entry point of the generic recurrence loop: the only place a timestep calls into R.
#include "bind-common.h"
#include "core/rnn/driver.h"

namespace core = recurrent::core;
using core::Tensor;

namespace {

// The R step function returns list(output, list(state, ...)) with the states already
// flattened (stacked cells) by the R side; anything else is the cell's mistake.
core::rnn::StepResult check_step_result(SEXP res, size_t n_states) {
  if (TYPEOF(res) != VECSXP || Rf_xlength(res) != 2)
    throw core::Error("layer_rnn: the cell's `call()` must return list(output, new_states)");
  core::rnn::StepResult out;
  SEXP o = VECTOR_ELT(res, 0);
  if (!bind::is_tensor_handle(o)) throw core::Error("layer_rnn: the cell's output must be a tensor");
  out.output = bind::as_tensor(o);
  SEXP st = VECTOR_ELT(res, 1);
  if (TYPEOF(st) != VECSXP || static_cast<size_t>(Rf_xlength(st)) != n_states)
    throw core::Error("layer_rnn: the cell returned " + std::to_string(TYPEOF(st) == VECSXP ? Rf_xlength(st) : 1) +
                      " states, expected " + std::to_string(n_states));
  for (R_xlen_t i = 0; i < Rf_xlength(st); ++i) {
    SEXP s = VECTOR_ELT(st, i);
    if (!bind::is_tensor_handle(s))
      throw core::Error("layer_rnn: state " + std::to_string(i + 1) + " returned by the cell is not a tensor");
    out.states.push_back(bind::as_tensor(s));
  }
  return out;
}

}  // namespace

// [[Rcpp::export]]
Rcpp::List cpp_rnn_loop(Rcpp::Function step, SEXP x, Rcpp::List states, SEXP mask, bool go_backwards,
                        bool return_sequences, bool zero_output_for_mask) {
  Tensor xt = bind::as_tensor(x);
  std::vector<Tensor> init;
  for (R_xlen_t i = 0; i < states.size(); ++i) init.push_back(bind::as_tensor(states[i], xt));
  Tensor m = Rf_isNull(mask) ? Tensor() : bind::as_tensor(mask);
  const size_t n_states = init.size();
  core::rnn::StepFn fn = [&step, n_states](const Tensor& x_t, const std::vector<Tensor>& s, int t) {
    // R errors unwind through here as C++ exceptions and are re-raised at the entry point
    SEXP res = step(bind::wrap(x_t), bind::wrap_all(s), t + 1);
    return check_step_result(res, n_states);
  };
  core::rnn::LoopOptions opts;
  opts.go_backwards = go_backwards;
  opts.return_sequences = return_sequences;
  opts.zero_output_for_mask = zero_output_for_mask;
  core::rnn::LoopResult r = core::rnn::run_loop(fn, xt, init, m, opts);
  return Rcpp::List::create(bind::wrap(r.output), bind::wrap_all(r.states));
}
