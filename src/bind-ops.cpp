// Entry points for the op_* family: convert the R arguments, call the core op, wrap.
// Axes arrive 0-based (the R wrappers convert keras3's 1-based axes); negative axes
// count from the end.
#include <cmath>

#include "bind-common.h"

using recurrent::core::DType;
using recurrent::core::Error;
using recurrent::core::Shape;
using recurrent::core::Tensor;
namespace ops = recurrent::core::ops;

namespace {

bool is_tensorish(SEXP x) { return bind::is_tensor_handle(x) || TYPEOF(x) == ENVSXP; }

// Two operands, R numbers taking the dtype of the tensor operand (tensor_f32 + 1 stays
// float32), whichever side it is on.
void operands(SEXP a, SEXP b, Tensor& ta, Tensor& tb) {
  if (is_tensorish(a) || !is_tensorish(b)) {
    ta = bind::as_tensor(a);
    tb = bind::as_tensor(b, ta);
  } else {
    tb = bind::as_tensor(b);
    ta = bind::as_tensor(a, tb);
  }
}

std::vector<int> int_vector(SEXP x) {
  std::vector<int> out;
  if (Rf_isNull(x)) return out;
  Rcpp::IntegerVector v(x);
  out.assign(v.begin(), v.end());
  return out;
}

std::vector<int64_t> int64_vector(SEXP x) {
  std::vector<int64_t> out;
  if (Rf_isNull(x)) return out;
  Rcpp::NumericVector v(x);
  for (double d : v) out.push_back(static_cast<int64_t>(d));
  return out;
}

// A list of R arrays and tensors; R numbers take the dtype of the first tensor.
std::vector<Tensor> tensor_list(SEXP xs, const char* op) {
  if (TYPEOF(xs) != VECSXP) throw Error(std::string(op) + ": expected a list of tensors");
  Tensor like;
  const R_xlen_t n = Rf_xlength(xs);
  for (R_xlen_t i = 0; i < n && !like.defined(); ++i)
    if (is_tensorish(VECTOR_ELT(xs, i))) like = bind::as_tensor(VECTOR_ELT(xs, i));
  std::vector<Tensor> out;
  out.reserve(static_cast<size_t>(n));
  for (R_xlen_t i = 0; i < n; ++i) out.push_back(bind::as_tensor(VECTOR_ELT(xs, i), like));
  if (n == 1 && TYPEOF(VECTOR_ELT(xs, 0)) == ENVSXP) out[0] = ops::copy(out[0]);  // see snapshot()
  return out;
}

Tensor flat(const Tensor& x) { return ops::reshape(x, Shape{x.size()}); }

// A variable (an R6 environment holding a tensor) is updated in place by assign() and
// the optimizers. Ops that could hand back the variable's own storage (views, identity
// permutations, same-dtype casts) work on a copy instead, so their result is a
// snapshot, as reading a variable is in Keras; gradients still reach the variable
// through the copy.
Tensor snapshot(SEXP x) {
  Tensor t = bind::as_tensor(x);
  return TYPEOF(x) == ENVSXP ? ops::copy(t) : t;
}

}  // namespace

// ---- elementwise

// op: the index of core::ops::Binary (Add, Sub, Mul, Div, Max, Min, Pow).
// [[Rcpp::export(rng = false)]]
SEXP cpp_binary(int op, SEXP a, SEXP b) {
  if (op < 0 || op > 6) throw Error("cpp_binary: unknown op code");
  Tensor ta, tb;
  operands(a, b, ta, tb);
  return bind::wrap(ops::binary(static_cast<ops::Binary>(op), ta, tb));
}

// op: the index of core::ops::Compare (Eq, Ne, Gt, Ge, Lt, Le, And, Or).
// [[Rcpp::export(rng = false)]]
SEXP cpp_compare(int op, SEXP a, SEXP b) {
  if (op < 0 || op > 7) throw Error("cpp_compare: unknown op code");
  Tensor ta, tb;
  operands(a, b, ta, tb);
  return bind::wrap(ops::compare(static_cast<ops::Compare>(op), ta, tb));
}

// [[Rcpp::export(rng = false)]]
SEXP cpp_logical_not(SEXP x) { return bind::wrap(ops::logical_not(bind::as_tensor(x))); }

// op: the index of core::ops::Unary (Neg, Square, Sqrt, Exp, Log, ...).
// [[Rcpp::export(rng = false)]]
SEXP cpp_unary(int op, SEXP x) {
  if (op < 0 || op > static_cast<int>(ops::Unary::Reciprocal)) throw Error("cpp_unary: unknown op code");
  return bind::wrap(ops::unary(static_cast<ops::Unary>(op), bind::as_tensor(x)));
}

// [[Rcpp::export(rng = false)]]
SEXP cpp_elu(SEXP x, double alpha) { return bind::wrap(ops::elu(bind::as_tensor(x), alpha)); }

// [[Rcpp::export(rng = false)]]
SEXP cpp_leaky_relu(SEXP x, double negative_slope) {
  return bind::wrap(ops::leaky_relu(bind::as_tensor(x), negative_slope));
}

// [[Rcpp::export(rng = false)]]
SEXP cpp_clip(SEXP x, double lo, double hi) { return bind::wrap(ops::clip(bind::as_tensor(x), lo, hi)); }

// [[Rcpp::export(rng = false)]]
SEXP cpp_where(SEXP condition, SEXP a, SEXP b) {
  Tensor ta, tb;
  operands(a, b, ta, tb);
  return bind::wrap(ops::where(bind::as_tensor(condition), ta, tb));
}

// [[Rcpp::export(rng = false)]]
SEXP cpp_cast(SEXP x, std::string dtype) {
  const DType d = recurrent::core::dtype_from_name(dtype);
  Tensor t = bind::as_tensor(x);
  return bind::wrap(ops::cast(t.dtype() == d ? snapshot(x) : t, d));
}

// [[Rcpp::export(rng = false)]]
SEXP cpp_stop_gradient(SEXP x) { return bind::wrap(ops::stop_gradient(snapshot(x))); }

// [[Rcpp::export(rng = false)]]
SEXP cpp_copy(SEXP x) { return bind::wrap(ops::copy(bind::as_tensor(x))); }

// [[Rcpp::export(rng = false)]]
SEXP cpp_matmul(SEXP a, SEXP b) {
  Tensor ta, tb;
  operands(a, b, ta, tb);
  return bind::wrap(ops::matmul(ta, tb));
}

// ---- reductions

// op: the index of core::ops::Reduce (Sum, Mean, Max, Min, Prod); axes NULL = all.
// [[Rcpp::export(rng = false)]]
SEXP cpp_reduce(int op, SEXP x, SEXP axes, bool keepdims) {
  if (op < 0 || op > 4) throw Error("cpp_reduce: unknown op code");
  return bind::wrap(ops::reduce(static_cast<ops::Reduce>(op), bind::as_tensor(x), int_vector(axes), keepdims));
}

// [[Rcpp::export(rng = false)]]
SEXP cpp_softmax(SEXP x, int axis, bool log) {
  Tensor t = bind::as_tensor(x);
  return bind::wrap(log ? ops::log_softmax(t, axis) : ops::softmax(t, axis));
}

// axis NULL: over the flattened tensor. The result is 0-based.
// [[Rcpp::export(rng = false)]]
SEXP cpp_argmax(SEXP x, SEXP axis, bool keepdims, bool is_max) {
  Tensor t = bind::as_tensor(x);
  if (Rf_isNull(axis)) {
    Tensor r = is_max ? ops::argmax(flat(t), 0, false) : ops::argmin(flat(t), 0, false);
    if (!keepdims) return bind::wrap(r);
    return bind::wrap(r.view(Shape(static_cast<size_t>(t.ndim()), 1)));
  }
  const int a = Rcpp::as<int>(axis);
  return bind::wrap(is_max ? ops::argmax(t, a, keepdims) : ops::argmin(t, a, keepdims));
}

// axis NULL: over the flattened tensor.
// [[Rcpp::export(rng = false)]]
SEXP cpp_cumsum(SEXP x, SEXP axis) {
  Tensor t = bind::as_tensor(x);
  if (Rf_isNull(axis)) return bind::wrap(ops::cumsum(flat(t), 0));
  return bind::wrap(ops::cumsum(t, Rcpp::as<int>(axis)));
}

// ---- shape

// [[Rcpp::export(rng = false)]]
SEXP cpp_reshape(SEXP x, SEXP shape) { return bind::wrap(ops::reshape(snapshot(x), int64_vector(shape))); }

// perm NULL: reverse the axes.
// [[Rcpp::export(rng = false)]]
SEXP cpp_transpose(SEXP x, SEXP perm) { return bind::wrap(ops::transpose(snapshot(x), int_vector(perm))); }

// [[Rcpp::export(rng = false)]]
SEXP cpp_concatenate(SEXP xs, int axis) { return bind::wrap(ops::concatenate(tensor_list(xs, "op_concatenate"), axis)); }

// [[Rcpp::export(rng = false)]]
Rcpp::List cpp_split(SEXP x, SEXP sizes, int axis) {
  return bind::wrap_all(ops::split(bind::as_tensor(x), int64_vector(sizes), axis));
}

// [[Rcpp::export(rng = false)]]
SEXP cpp_stack(SEXP xs, int axis) { return bind::wrap(ops::stack(tensor_list(xs, "op_stack"), axis)); }

// [[Rcpp::export(rng = false)]]
Rcpp::List cpp_unstack(SEXP x, int axis) { return bind::wrap_all(ops::unstack(bind::as_tensor(x), axis)); }

// [[Rcpp::export(rng = false)]]
SEXP cpp_expand_dims(SEXP x, int axis) { return bind::wrap(ops::expand_dims(snapshot(x), axis)); }

// axes NULL: every axis of size 1.
// [[Rcpp::export(rng = false)]]
SEXP cpp_squeeze(SEXP x, SEXP axes) { return bind::wrap(ops::squeeze(snapshot(x), int_vector(axes))); }

// start 0-based; size -1 = to the end.
// [[Rcpp::export(rng = false)]]
SEXP cpp_slice(SEXP x, SEXP start, SEXP size) {
  return bind::wrap(ops::slice(bind::as_tensor(x), int64_vector(start), int64_vector(size)));
}

// axis NULL: over the flattened tensor. With one_based, positive indices count from 1
// and negative ones from the end (-1 is the last), as keras3's op_take does.
// [[Rcpp::export(rng = false)]]
SEXP cpp_take(SEXP x, SEXP indices, SEXP axis, bool one_based) {
  Tensor t = bind::as_tensor(x);
  Tensor idx = bind::as_tensor(indices);
  if (!Rf_isNull(axis) && t.ndim() == 0) throw Error("op_take: cannot take from a scalar");
  // the core reads a negative axis as "flattened"; a user's negative axis counts from the end
  const int ax = Rf_isNull(axis) ? -1 : ops::normalize_axis(Rcpp::as<int>(axis), t.ndim(), "op_take");
  const int64_t n = ax < 0 ? t.size() : t.dim(ax);
  const std::string what = ax < 0 ? "the flattened tensor" : "axis " + std::to_string(ax + 1);
  Tensor z(idx.shape(), DType::Int32);
  double* pz = z.data<double>();
  for (int64_t i = 0; i < idx.size(); ++i) {
    const double v = idx.at(i);
    if (std::isnan(v) || v != std::floor(v)) throw Error("op_take: `indices` must be whole numbers");
    double k = v;
    if (one_based) {
      if (v == 0) throw Error("op_take: `indices` are 1-based, so 0 is not an index (use zero_indexed = TRUE for 0-based indices)");
      if (v > 0) k = v - 1;
    }
    if (k < -static_cast<double>(n) || k >= static_cast<double>(n))
      throw Error("op_take: index " + std::to_string(static_cast<long long>(v)) + " is out of range for " + what +
                  " of size " + std::to_string(n));
    pz[i] = k;
  }
  return bind::wrap(ops::take(t, z, ax));
}

// [[Rcpp::export(rng = false)]]
SEXP cpp_broadcast_to(SEXP x, SEXP shape) {
  return bind::wrap(ops::broadcast_to(snapshot(x), bind::shape_arg(shape)));
}

// axes NULL: every axis.
// [[Rcpp::export(rng = false)]]
SEXP cpp_flip(SEXP x, SEXP axes) { return bind::wrap(ops::flip(bind::as_tensor(x), int_vector(axes))); }

// [[Rcpp::export(rng = false)]]
SEXP cpp_tile(SEXP x, SEXP repeats) { return bind::wrap(ops::tile(bind::as_tensor(x), int64_vector(repeats))); }

// The new axis is last; `indices` are class ids, shifted down by one when one_based.
// [[Rcpp::export(rng = false)]]
SEXP cpp_one_hot(SEXP indices, double num_classes, SEXP dtype, bool one_based) {
  Tensor idx = bind::as_tensor(indices);
  if (one_based) idx = ops::binary(ops::Binary::Sub, ops::cast(idx, DType::Float64), Tensor::scalar(1.0, DType::Float64));
  return bind::wrap(ops::one_hot(idx, static_cast<int64_t>(num_classes), bind::dtype_arg(dtype)));
}
