// Entry points for the op_* family: convert the R arguments, call the core op, wrap.
// Axes arrive 0-based (the R wrappers convert keras3's 1-based axes); negative axes
// count from the end.
#include <cmath>

#include "bind-common.h"
#include "core/ops_math.h"

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
    if (is_tensorish(VECTOR_ELT(xs, i))) like = bind::peek_tensor(VECTOR_ELT(xs, i));
  std::vector<Tensor> out;
  out.reserve(static_cast<size_t>(n));
  for (R_xlen_t i = 0; i < n; ++i) out.push_back(bind::as_tensor(VECTOR_ELT(xs, i), like));
  return out;
}

// A variable (an R6 environment holding a tensor) is updated in place by assign() and
// the optimizers. Ops that could hand back the variable's own storage (views, identity
// permutations, same-dtype casts) work on a copy instead, so their result is a
// snapshot, as reading a variable is in Keras; gradients still reach the variable
// through the copy.
bool is_variable(SEXP x) { return TYPEOF(x) == ENVSXP; }
Tensor snapshot(const Tensor& t, bool variable) { return variable ? ops::copy(t) : t; }

// Concatenating or stacking a single variable could hand back its storage.
bool lone_variable(SEXP xs) { return Rf_xlength(xs) == 1 && is_variable(VECTOR_ELT(xs, 0)); }
bind::Inputs snapshot(const bind::Inputs& ts, bool lone_variable) {
  if (!lone_variable) return ts;
  return {ops::copy(ts[0])};
}

Tensor flat(const Tensor& x) { return ops::reshape(x, Shape{x.size()}); }

}  // namespace

// ---- elementwise

// op: the index of core::ops::Binary (Add, Sub, Mul, Div, Max, Min, Pow).
// [[Rcpp::export(rng = false)]]
SEXP cpp_binary(int op, SEXP a, SEXP b) {
  if (op < 0 || op > 6) throw Error("cpp_binary: unknown op code");
  Tensor ta, tb;
  operands(a, b, ta, tb);
  return bind::run_op("binary", bind::params(op), {ta, tb}, [op](const bind::Inputs& in) {
    return ops::binary(static_cast<ops::Binary>(op), in[0], in[1]);
  });
}

// op: the index of core::ops::Compare (Eq, Ne, Gt, Ge, Lt, Le, And, Or).
// [[Rcpp::export(rng = false)]]
SEXP cpp_compare(int op, SEXP a, SEXP b) {
  if (op < 0 || op > 7) throw Error("cpp_compare: unknown op code");
  Tensor ta, tb;
  operands(a, b, ta, tb);
  return bind::run_op("compare", bind::params(op), {ta, tb}, [op](const bind::Inputs& in) {
    return ops::compare(static_cast<ops::Compare>(op), in[0], in[1]);
  });
}

// [[Rcpp::export(rng = false)]]
SEXP cpp_logical_not(SEXP x) {
  return bind::run_op("logical_not", {}, {bind::as_tensor(x)}, [](const bind::Inputs& in) {
    return ops::logical_not(in[0]);
  });
}

// op: the index of core::ops::Unary (Neg, Square, Sqrt, Exp, Log, ...).
// [[Rcpp::export(rng = false)]]
SEXP cpp_unary(int op, SEXP x) {
  if (op < 0 || op > static_cast<int>(ops::Unary::Reciprocal)) throw Error("cpp_unary: unknown op code");
  return bind::run_op("unary", bind::params(op), {bind::as_tensor(x)}, [op](const bind::Inputs& in) {
    return ops::unary(static_cast<ops::Unary>(op), in[0]);
  });
}

// [[Rcpp::export(rng = false)]]
SEXP cpp_elu(SEXP x, double alpha) {
  return bind::run_op("elu", bind::params(alpha), {bind::as_tensor(x)},
                      [alpha](const bind::Inputs& in) { return ops::elu(in[0], alpha); });
}

// [[Rcpp::export(rng = false)]]
SEXP cpp_leaky_relu(SEXP x, double negative_slope) {
  return bind::run_op("leaky_relu", bind::params(negative_slope), {bind::as_tensor(x)},
                      [negative_slope](const bind::Inputs& in) { return ops::leaky_relu(in[0], negative_slope); });
}

// [[Rcpp::export(rng = false)]]
SEXP cpp_clip(SEXP x, double lo, double hi) {
  return bind::run_op("clip", bind::params(lo, hi), {bind::as_tensor(x)},
                      [lo, hi](const bind::Inputs& in) { return ops::clip(in[0], lo, hi); });
}

// [[Rcpp::export(rng = false)]]
SEXP cpp_where(SEXP condition, SEXP a, SEXP b) {
  Tensor ta, tb;
  operands(a, b, ta, tb);
  return bind::run_op("where", {}, {bind::as_tensor(condition), ta, tb},
                      [](const bind::Inputs& in) { return ops::where(in[0], in[1], in[2]); });
}

// [[Rcpp::export(rng = false)]]
SEXP cpp_cast(SEXP x, std::string dtype) {
  const DType d = recurrent::core::dtype_from_name(dtype);
  const bool var = is_variable(x);
  return bind::run_op("cast", bind::params(static_cast<int>(d), var), {bind::as_tensor(x)},
                      [d, var](const bind::Inputs& in) {
                        return ops::cast(in[0].dtype() == d ? snapshot(in[0], var) : in[0], d);
                      });
}

// [[Rcpp::export(rng = false)]]
SEXP cpp_stop_gradient(SEXP x) {
  const bool var = is_variable(x);
  return bind::run_op("stop_gradient", bind::params(var), {bind::as_tensor(x)},
                      [var](const bind::Inputs& in) { return ops::stop_gradient(snapshot(in[0], var)); });
}

// [[Rcpp::export(rng = false)]]
SEXP cpp_copy(SEXP x) {
  return bind::run_op("copy", {}, {bind::as_tensor(x)}, [](const bind::Inputs& in) { return ops::copy(in[0]); });
}

// [[Rcpp::export(rng = false)]]
SEXP cpp_matmul(SEXP a, SEXP b) {
  Tensor ta, tb;
  operands(a, b, ta, tb);
  return bind::run_op("matmul", {}, {ta, tb}, [](const bind::Inputs& in) { return ops::matmul(in[0], in[1]); });
}

// ---- reductions

// op: the index of core::ops::Reduce (Sum, Mean, Max, Min, Prod); axes NULL = all.
// [[Rcpp::export(rng = false)]]
SEXP cpp_reduce(int op, SEXP x, SEXP axes, bool keepdims) {
  if (op < 0 || op > 4) throw Error("cpp_reduce: unknown op code");
  std::vector<int> ax = int_vector(axes);
  return bind::run_op("reduce", bind::params(op, ax, keepdims), {bind::as_tensor(x)},
                      [op, ax, keepdims](const bind::Inputs& in) {
                        return ops::reduce(static_cast<ops::Reduce>(op), in[0], ax, keepdims);
                      });
}

// [[Rcpp::export(rng = false)]]
SEXP cpp_softmax(SEXP x, int axis, bool log) {
  return bind::run_op("softmax", bind::params(axis, log), {bind::as_tensor(x)}, [axis, log](const bind::Inputs& in) {
    return log ? ops::log_softmax(in[0], axis) : ops::softmax(in[0], axis);
  });
}

// axis NULL: over the flattened tensor. The result is 0-based.
// [[Rcpp::export(rng = false)]]
SEXP cpp_argmax(SEXP x, SEXP axis, bool keepdims, bool is_max) {
  const bool flatten = Rf_isNull(axis);
  const int a = flatten ? 0 : Rcpp::as<int>(axis);
  return bind::run_op("argmax", bind::params(flatten, a, keepdims, is_max), {bind::as_tensor(x)},
                      [flatten, a, keepdims, is_max](const bind::Inputs& in) {
                        const Tensor& t = in[0];
                        if (flatten) {
                          Tensor r = is_max ? ops::argmax(flat(t), 0, false) : ops::argmin(flat(t), 0, false);
                          return keepdims ? r.view(Shape(static_cast<size_t>(t.ndim()), 1)) : r;
                        }
                        return is_max ? ops::argmax(t, a, keepdims) : ops::argmin(t, a, keepdims);
                      });
}

// axis NULL: over the flattened tensor.
// [[Rcpp::export(rng = false)]]
SEXP cpp_cumsum(SEXP x, SEXP axis) {
  const bool flatten = Rf_isNull(axis);
  const int a = flatten ? 0 : Rcpp::as<int>(axis);
  return bind::run_op("cumsum", bind::params(flatten, a), {bind::as_tensor(x)}, [flatten, a](const bind::Inputs& in) {
    return flatten ? ops::cumsum(flat(in[0]), 0) : ops::cumsum(in[0], a);
  });
}

// ---- shape

// [[Rcpp::export(rng = false)]]
SEXP cpp_reshape(SEXP x, SEXP shape) {
  const bool var = is_variable(x);
  std::vector<int64_t> s = int64_vector(shape);
  return bind::run_op("reshape", bind::params(var, s), {bind::as_tensor(x)},
                      [var, s](const bind::Inputs& in) { return ops::reshape(snapshot(in[0], var), s); });
}

// perm NULL: reverse the axes.
// [[Rcpp::export(rng = false)]]
SEXP cpp_transpose(SEXP x, SEXP perm) {
  const bool var = is_variable(x);
  std::vector<int> p = int_vector(perm);
  return bind::run_op("transpose", bind::params(var, p), {bind::as_tensor(x)},
                      [var, p](const bind::Inputs& in) { return ops::transpose(snapshot(in[0], var), p); });
}

// [[Rcpp::export(rng = false)]]
SEXP cpp_concatenate(SEXP xs, int axis) {
  const bool var = lone_variable(xs);
  return bind::run_op("concatenate", bind::params(axis, var), tensor_list(xs, "op_concatenate"),
                      [axis, var](const bind::Inputs& in) { return ops::concatenate(snapshot(in, var), axis); });
}

// [[Rcpp::export(rng = false)]]
Rcpp::List cpp_split(SEXP x, SEXP sizes, int axis) {
  std::vector<int64_t> sz = int64_vector(sizes);
  return bind::run_op_list("split", bind::params(sz, axis), {bind::as_tensor(x)},
                           [sz, axis](const bind::Inputs& in) { return ops::split(in[0], sz, axis); });
}

// [[Rcpp::export(rng = false)]]
SEXP cpp_stack(SEXP xs, int axis) {
  const bool var = lone_variable(xs);
  return bind::run_op("stack", bind::params(axis, var), tensor_list(xs, "op_stack"),
                      [axis, var](const bind::Inputs& in) { return ops::stack(snapshot(in, var), axis); });
}

// [[Rcpp::export(rng = false)]]
Rcpp::List cpp_unstack(SEXP x, int axis) {
  return bind::run_op_list("unstack", bind::params(axis), {bind::as_tensor(x)},
                           [axis](const bind::Inputs& in) { return ops::unstack(in[0], axis); });
}

// [[Rcpp::export(rng = false)]]
SEXP cpp_expand_dims(SEXP x, int axis) {
  const bool var = is_variable(x);
  return bind::run_op("expand_dims", bind::params(var, axis), {bind::as_tensor(x)},
                      [var, axis](const bind::Inputs& in) { return ops::expand_dims(snapshot(in[0], var), axis); });
}

// axes NULL: every axis of size 1.
// [[Rcpp::export(rng = false)]]
SEXP cpp_squeeze(SEXP x, SEXP axes) {
  const bool var = is_variable(x);
  std::vector<int> ax = int_vector(axes);
  return bind::run_op("squeeze", bind::params(var, ax), {bind::as_tensor(x)},
                      [var, ax](const bind::Inputs& in) { return ops::squeeze(snapshot(in[0], var), ax); });
}

// start 0-based; size -1 = to the end.
// [[Rcpp::export(rng = false)]]
SEXP cpp_slice(SEXP x, SEXP start, SEXP size) {
  std::vector<int64_t> from = int64_vector(start), n = int64_vector(size);
  return bind::run_op("slice", bind::params(from, n), {bind::as_tensor(x)},
                      [from, n](const bind::Inputs& in) { return ops::slice(in[0], from, n); });
}

// keras3's positions as the core's 0-based ones: with one_based, positive indices
// count from 1 and negative ones from the end (-1 is the last); checked against n here
// so that an error names the index the user gave.
static Tensor zero_based_positions(const Tensor& idx, int64_t n, bool one_based, const char* op, const std::string& what) {
  Tensor z(idx.shape(), DType::Int32);
  double* pz = z.data<double>();
  for (int64_t i = 0; i < idx.size(); ++i) {
    const double v = idx.at(i);
    if (std::isnan(v) || v != std::floor(v)) throw Error(std::string(op) + ": `indices` must be whole numbers");
    double k = v;
    if (one_based) {
      if (v == 0)
        throw Error(std::string(op) + ": `indices` are 1-based, so 0 is not an index (use zero_indexed = TRUE for 0-based indices)");
      if (v > 0) k = v - 1;
    }
    if (k < -static_cast<double>(n) || k >= static_cast<double>(n))
      throw Error(std::string(op) + ": index " + std::to_string(static_cast<long long>(v)) + " is out of range for " +
                  what + " of size " + std::to_string(n));
    pz[i] = k;
  }
  return z;
}

// axis NULL: over the flattened tensor. The indices are an input of the recorded op
// (converted and checked in it), so a cell that computes them (op_argmax(), ...)
// still replays.
// [[Rcpp::export(rng = false)]]
SEXP cpp_take(SEXP x, SEXP indices, SEXP axis, bool one_based) {
  Tensor t = bind::as_tensor(x);
  Tensor idx = bind::as_tensor(indices);
  if (!Rf_isNull(axis) && t.ndim() == 0) throw Error("op_take: cannot take from a scalar");
  // the core reads a negative axis as "flattened"; a user's negative axis counts from the end
  const int ax = Rf_isNull(axis) ? -1 : ops::normalize_axis(Rcpp::as<int>(axis), t.ndim(), "op_take");
  return bind::run_op("take", bind::params(ax, one_based), {t, idx}, [ax, one_based](const bind::Inputs& in) {
    const int64_t n = ax < 0 ? in[0].size() : in[0].dim(ax);
    const std::string what = ax < 0 ? "the flattened tensor" : "axis " + std::to_string(ax + 1);
    return ops::take(in[0], zero_based_positions(in[1], n, one_based, "op_take", what), ax);
  });
}

// axis NULL: x and indices flattened (row-major) first. Recorded with the indices as an
// input, as cpp_take().
// [[Rcpp::export(rng = false)]]
SEXP cpp_take_along_axis(SEXP x, SEXP indices, SEXP axis, bool one_based) {
  Tensor t = bind::as_tensor(x);
  Tensor idx = bind::as_tensor(indices);
  const bool flat = Rf_isNull(axis);
  const int ax = flat ? 0 : Rcpp::as<int>(axis);
  return bind::run_op("take_along_axis", bind::params(flat, ax, one_based), {t, idx},
                      [flat, ax, one_based](const bind::Inputs& in) {
                        Tensor xs = flat ? ops::reshape(in[0], Shape{in[0].size()}) : in[0];
                        Tensor is = flat ? ops::reshape(in[1], Shape{in[1].size()}) : in[1];
                        if (xs.ndim() == 0) throw Error("op_take_along_axis: cannot take from a scalar");
                        const int a = ops::normalize_axis(ax, xs.ndim(), "op_take_along_axis");
                        // positions checked per axis by the core; only 1-based ones shift here
                        if (one_based)
                          is = zero_based_positions(is, xs.dim(a), true, "op_take_along_axis",
                                                    "axis " + std::to_string(a + 1));
                        return ops::take_along_axis(xs, is, a);
                      });
}

// [[Rcpp::export(rng = false)]]
SEXP cpp_broadcast_to(SEXP x, SEXP shape) {
  const bool var = is_variable(x);
  const Shape s = bind::shape_arg(shape);
  return bind::run_op("broadcast_to", bind::params(var, s), {bind::as_tensor(x)},
                      [var, s](const bind::Inputs& in) { return ops::broadcast_to(snapshot(in[0], var), s); });
}

// axes NULL: every axis.
// [[Rcpp::export(rng = false)]]
SEXP cpp_flip(SEXP x, SEXP axes) {
  std::vector<int> ax = int_vector(axes);
  return bind::run_op("flip", bind::params(ax), {bind::as_tensor(x)},
                      [ax](const bind::Inputs& in) { return ops::flip(in[0], ax); });
}

// [[Rcpp::export(rng = false)]]
SEXP cpp_tile(SEXP x, SEXP repeats) {
  std::vector<int64_t> r = int64_vector(repeats);
  return bind::run_op("tile", bind::params(r), {bind::as_tensor(x)},
                      [r](const bind::Inputs& in) { return ops::tile(in[0], r); });
}

// The new axis is last; `indices` are class ids, shifted down by one when one_based.
// [[Rcpp::export(rng = false)]]
SEXP cpp_one_hot(SEXP indices, double num_classes, SEXP dtype, bool one_based) {
  const DType d = bind::dtype_arg(dtype);
  const int64_t k = static_cast<int64_t>(num_classes);
  return bind::run_op("one_hot", bind::params(k, static_cast<int>(d), one_based), {bind::as_tensor(indices)},
                      [k, d, one_based](const bind::Inputs& in) {
                        Tensor idx = in[0];
                        if (one_based)
                          idx = ops::binary(ops::Binary::Sub, ops::cast(idx, DType::Float64),
                                            Tensor::scalar(1.0, DType::Float64));
                        return ops::one_hot(idx, k, d);
                      });
}
