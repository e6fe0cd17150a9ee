// Entry points for tensors themselves: conversion, inspection, variables, config, gradients.
#include "bind-common.h"

using recurrent::core::DType;
using recurrent::core::Tensor;
namespace core = recurrent::core;

// [[Rcpp::export(rng = false)]]
SEXP cpp_tensor(SEXP x, SEXP dtype) {
  if (bind::is_tensor_handle(x) || TYPEOF(x) == ENVSXP) {
    if (Rf_isNull(dtype))
      return bind::run_op("identity", {}, {bind::as_tensor(x)}, [](const bind::Inputs& in) { return in[0]; });
    const DType d = bind::dtype_arg(dtype);
    return bind::run_op("cast", bind::params(static_cast<int>(d), false), {bind::as_tensor(x)},
                        [d](const bind::Inputs& in) { return core::ops::cast(in[0], d); });
  }
  DType dt;
  if (!Rf_isNull(dtype)) {
    dt = bind::dtype_arg(dtype);
  } else if (TYPEOF(x) == INTSXP) {
    dt = DType::Int32;
  } else if (TYPEOF(x) == LGLSXP) {
    dt = DType::Bool;
  } else {
    dt = bind::default_float();
  }
  if (TYPEOF(x) != REALSXP && TYPEOF(x) != INTSXP && TYPEOF(x) != LGLSXP)
    throw core::Error(std::string("op_convert_to_tensor: `x` must be a numeric, integer or logical array, got ") +
                      Rf_type2char(TYPEOF(x)));
  return bind::wrap(bind::from_r_array(x, dt));
}

// [[Rcpp::export(rng = false)]]
SEXP cpp_to_r(SEXP x) { return bind::to_r_array(bind::as_tensor(x)); }

// [[Rcpp::export(rng = false)]]
Rcpp::IntegerVector cpp_shape(SEXP x) {
  Tensor t = bind::peek_tensor(x);
  Rcpp::IntegerVector out(t.ndim());
  for (int i = 0; i < t.ndim(); ++i) out[i] = static_cast<int>(t.dim(i));
  return out;
}

// [[Rcpp::export(rng = false)]]
std::string cpp_dtype(SEXP x) { return core::dtype_name(bind::peek_tensor(x).dtype()); }

// [[Rcpp::export(rng = false)]]
bool cpp_is_tensor(SEXP x) { return bind::is_tensor_handle(x); }

// [[Rcpp::export(rng = false)]]
SEXP cpp_zeros(SEXP shape, SEXP dtype) { return bind::wrap(Tensor::zeros(bind::shape_arg(shape), bind::dtype_arg(dtype))); }

// [[Rcpp::export(rng = false)]]
SEXP cpp_full(SEXP shape, double value, SEXP dtype) {
  return bind::wrap(Tensor::full(bind::shape_arg(shape), bind::dtype_arg(dtype), value));
}

// Flat values in row-major order (for printing without a full R array copy).
// [[Rcpp::export(rng = false)]]
Rcpp::NumericVector cpp_values(SEXP x, double first, double count) {
  Tensor t = bind::as_tensor(x);
  const int64_t from = static_cast<int64_t>(first), n = std::min<int64_t>(static_cast<int64_t>(count), t.size() - from);
  Rcpp::NumericVector out(std::max<int64_t>(n, 0));
  for (int64_t i = 0; i < n; ++i) out[i] = t.at(from + i);
  return out;
}

// ---- variables: a leaf tensor that wants gradients and is updated in place

// [[Rcpp::export(rng = false)]]
SEXP cpp_variable(SEXP value, SEXP dtype) {
  // R numbers go straight to the requested dtype: through floatx first, float64
  // variables would keep only float32 precision
  const bool r_values = !bind::is_tensor_handle(value) && TYPEOF(value) != ENVSXP;
  Tensor v = r_values && !Rf_isNull(dtype) ? bind::from_r_array(value, bind::dtype_arg(dtype)) : bind::as_tensor(value);
  DType dt = Rf_isNull(dtype) ? (core::is_float(v.dtype()) ? v.dtype() : bind::default_float()) : bind::dtype_arg(dtype);
  Tensor t = core::ops::cast(v.detach(), dt).clone();
  t.set_requires_grad(core::is_float(dt));
  return bind::wrap(t);
}

// [[Rcpp::export(rng = false)]]
void cpp_assign(SEXP variable, SEXP value) {
  bind::not_replayable();
  Tensor v = bind::as_tensor(variable);
  v.copy_from(bind::as_tensor(value, v));
}

// [[Rcpp::export(rng = false)]]
void cpp_set_trainable(SEXP variable, bool trainable) {
  bind::not_replayable();
  Tensor v = bind::as_tensor(variable);
  v.set_requires_grad(trainable && core::is_float(v.dtype()));
}

// [[Rcpp::export(rng = false)]]
SEXP cpp_detach(SEXP x) {
  return bind::run_op("detach", {}, {bind::as_tensor(x)}, [](const bind::Inputs& in) { return in[0].detach(); });
}

// [[Rcpp::export(rng = false)]]
SEXP cpp_clone(SEXP x) {
  return bind::run_op("clone", {}, {bind::as_tensor(x)}, [](const bind::Inputs& in) { return in[0].clone(); });
}

// ---- config

// [[Rcpp::export(rng = false)]]
std::string cpp_floatx() { return core::dtype_name(bind::default_float()); }

// [[Rcpp::export(rng = false)]]
void cpp_set_floatx(std::string name) {
  bind::not_replayable();
  DType d = core::dtype_from_name(name);
  if (!core::is_float(d)) throw core::Error("floatx must be \"float32\" or \"float64\", got \"" + name + "\"");
  bind::set_default_float(d);
}

// ---- autograd

// [[Rcpp::export(rng = false)]]
bool cpp_grad_enabled() { return core::grad_enabled(); }

// [[Rcpp::export(rng = false)]]
bool cpp_set_grad_enabled(bool on) {
  bind::not_replayable();
  const bool prev = core::grad_enabled();
  core::set_grad_enabled(on);
  return prev;
}

// [[Rcpp::export(rng = false)]]
Rcpp::List cpp_gradients(SEXP loss, Rcpp::List wrt) {
  bind::not_replayable();
  std::vector<Tensor> targets;
  for (R_xlen_t i = 0; i < wrt.size(); ++i) targets.push_back(bind::as_tensor(wrt[i]));
  return bind::wrap_all(core::gradients(bind::as_tensor(loss), targets));
}

// [[Rcpp::export(rng = false)]]
double cpp_live_bytes() { return static_cast<double>(core::live_buffer_bytes()); }
