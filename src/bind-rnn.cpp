// Entry point of the generic recurrence loop: the only place a timestep calls into R.
#include "bind-common.h"
#include "core/rnn/driver.h"
#include "core/rnn/replay.h"

namespace core = recurrent::core;
using core::Tensor;

namespace {

// True for list(output, list(state, ...)) with exactly n_states states, all tensor
// handles: what a cell returns almost always, so it is taken as is. Anything else goes
// through the R side's `normalize` (flattening, variables, clear errors) first.
bool plain_result(SEXP res, R_xlen_t n_states) {
  if (TYPEOF(res) != VECSXP || Rf_xlength(res) != 2 || OBJECT(res)) return false;
  if (!bind::is_tensor_handle(VECTOR_ELT(res, 0))) return false;
  SEXP st = VECTOR_ELT(res, 1);
  if (TYPEOF(st) != VECSXP || OBJECT(st) || Rf_xlength(st) != n_states) return false;
  for (R_xlen_t i = 0; i < n_states; ++i)
    if (!bind::is_tensor_handle(VECTOR_ELT(st, i))) return false;
  return true;
}

// The R step function returns list(output, list(state, ...)) with the states already
// flattened (stacked cells) by the R side; anything else is the cell's mistake.
core::rnn::StepResult check_step_result(SEXP res, size_t n_states) {
  if (TYPEOF(res) != VECSXP || Rf_xlength(res) != 2)
    throw core::Error("layer_rnn: the cell's `call()` must return list(output, new_states)");
  core::rnn::StepResult out;
  SEXP o = VECTOR_ELT(res, 0);
  if (!bind::is_tensor_handle(o)) throw core::Error("layer_rnn: the cell's output must be a tensor");
  out.output = bind::peek_tensor(o);
  SEXP st = VECTOR_ELT(res, 1);
  if (TYPEOF(st) != VECSXP || static_cast<size_t>(Rf_xlength(st)) != n_states)
    throw core::Error("layer_rnn: the cell returned " + std::to_string(TYPEOF(st) == VECSXP ? Rf_xlength(st) : 1) +
                      " states, expected " + std::to_string(n_states));
  out.states.reserve(n_states);
  for (R_xlen_t i = 0; i < Rf_xlength(st); ++i) {
    SEXP s = VECTOR_ELT(st, i);
    if (!bind::is_tensor_handle(s))
      throw core::Error("layer_rnn: state " + std::to_string(i + 1) + " returned by the cell is not a tensor");
    out.states.push_back(bind::peek_tensor(s));
  }
  return out;
}

// One timestep in R: evaluates `call(inputs, states)` in a small environment holding
// the cell's function and the step's arguments, so that an error raised by the cell
// reads "Error in call(inputs, states)" like a direct call. The call is built once.
// The states list the cell returned stays bound to `states` and is passed to the next
// step as it is, unless the loop replaced a state (a masked step): no re-wrapping.
// Everything here runs per timestep: see inst/bench/bench-rnn-callback.R.
class RStep {
 public:
  RStep(SEXP fn, SEXP normalize, SEXP at, size_t n_states)
      : env_(R_NewEnv(R_BaseEnv, FALSE, 0)),
        normalize_(normalize),
        at_(at),
        n_states_(n_states),
        sym_inputs_(Rf_install("inputs")),
        sym_states_(Rf_install("states")),
        sym_t_(Rf_install("t")) {
    SEXP sym_call = Rf_install("call");
    Rf_defineVar(sym_call, fn, env_);
    call_ = Rf_lang3(sym_call, sym_inputs_, sym_states_);
  }

  core::rnn::StepResult operator()(const Tensor& x_t, const std::vector<Tensor>& states, int t) {
    Rf_defineVar(sym_t_, Rf_ScalarInteger(t + 1), at_);  // for the R side's error message
    Rf_defineVar(sym_inputs_, bind::wrap(x_t), env_);
    if (!bound_states(states)) Rf_defineVar(sym_states_, bind::wrap_all(states), env_);
    // an R error unwinds through here as a C++ exception and is re-raised at the entry point
    Rcpp::Shield<SEXP> res(Rcpp::Rcpp_fast_eval(call_, env_));
    SEXP plain = res;
    Rcpp::RObject normalized;
    if (!plain_result(plain, static_cast<R_xlen_t>(n_states_))) {
      normalized = normalize_(plain);
      plain = normalized;
    }
    core::rnn::StepResult r = check_step_result(plain, n_states_);
    Rf_defineVar(sym_states_, VECTOR_ELT(plain, 1), env_);
    bound_.assign(r.states.begin(), r.states.end());
    has_bound_ = true;
    return r;
  }

 private:
  // true when `states` in env_ holds handles of exactly these tensors
  bool bound_states(const std::vector<Tensor>& states) const {
    if (!has_bound_ || states.size() != bound_.size()) return false;
    for (size_t k = 0; k < states.size(); ++k)
      if (!states[k].same(bound_[k])) return false;
    return true;
  }

  Rcpp::Environment env_;  // call, inputs, states
  Rcpp::Language call_;
  Rcpp::Function normalize_;
  SEXP at_;  // protected by the caller
  size_t n_states_;
  SEXP sym_inputs_, sym_states_, sym_t_;
  std::vector<Tensor> bound_;  // the tensors behind the handles bound to `states`
  bool has_bound_ = false;
};

}  // namespace

// fn(inputs, states) is the cell's step, normalize(res) turns any other result shape into
// list(output, flat_states) or an R error, and at$t receives the 1-based timestep
// before each call (for error messages). With replay, timesteps after the third run
// the recorded ops of the cell instead of calling fn when that is safe
// (core/rnn/replay.h).
// [[Rcpp::export(rng = false)]]
Rcpp::List cpp_rnn_loop(SEXP fn, SEXP normalize, SEXP at, SEXP x, Rcpp::List states, SEXP mask, bool go_backwards,
                        bool return_sequences, bool zero_output_for_mask, bool replay) {
  bind::not_replayable();  // a loop inside a recorded timestep is not one op
  Tensor xt = bind::as_tensor(x);
  std::vector<Tensor> init;
  for (R_xlen_t i = 0; i < states.size(); ++i) init.push_back(bind::as_tensor(states[i], xt));
  Tensor m = Rf_isNull(mask) ? Tensor() : bind::as_tensor(mask);
  RStep r_step(fn, normalize, at, init.size());
  core::rnn::StepFn slow = [&r_step](const Tensor& x_t, const std::vector<Tensor>& s, int t) {
    return r_step(x_t, s, t);
  };
  core::rnn::ReplayingStep replaying(slow);
  core::rnn::StepFn step = slow;
  if (replay) step = [&replaying](const Tensor& x_t, const std::vector<Tensor>& s, int t) { return replaying(x_t, s, t); };
  core::rnn::LoopOptions opts;
  opts.go_backwards = go_backwards;
  opts.return_sequences = return_sequences;
  opts.zero_output_for_mask = zero_output_for_mask;
  core::rnn::LoopResult r = core::rnn::run_loop(step, xt, init, m, opts);
  return Rcpp::List::create(bind::wrap(r.output), bind::wrap_all(r.states));
}
