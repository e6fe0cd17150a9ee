// The differentiable ops: NumPy broadcasting, 0-based axes (the R layer converts
// keras3's 1-based axes), a recorded node whenever gradients are wanted.
#pragma once

#include <string>
#include <vector>

#include "autograd.h"
#include "tensor.h"

namespace recurrent {
namespace core {
namespace ops {

// ---- elementwise, binary (broadcasting) ----
enum class Binary { Add, Sub, Mul, Div, Max, Min, Pow };
Tensor binary(Binary op, const Tensor& a, const Tensor& b);
inline Tensor add(const Tensor& a, const Tensor& b) { return binary(Binary::Add, a, b); }
inline Tensor sub(const Tensor& a, const Tensor& b) { return binary(Binary::Sub, a, b); }
inline Tensor mul(const Tensor& a, const Tensor& b) { return binary(Binary::Mul, a, b); }
inline Tensor div(const Tensor& a, const Tensor& b) { return binary(Binary::Div, a, b); }

// comparisons and logic give bool tensors and have no gradient
enum class Compare { Eq, Ne, Gt, Ge, Lt, Le, And, Or };
Tensor compare(Compare op, const Tensor& a, const Tensor& b);
Tensor logical_not(const Tensor& a);

// ---- elementwise, unary ----
enum class Unary {
  Neg, Square, Sqrt, Exp, Log, Abs, Tanh, Sigmoid, Relu, Sign, Softplus, Silu,
  Selu, HardSigmoid, Gelu, GeluTanh, Log1p, Expm1, Sin, Cos, Floor, Ceil, Round, Reciprocal
};
Tensor unary(Unary op, const Tensor& x);
Tensor unary_from_name(const std::string& name, const Tensor& x);  // "tanh", "relu", ...
Tensor elu(const Tensor& x, double alpha);
Tensor leaky_relu(const Tensor& x, double negative_slope);
Tensor clip(const Tensor& x, double lo, double hi);
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
Tensor cast(const Tensor& x, DType dtype);   // differentiable between float dtypes
Tensor stop_gradient(const Tensor& x);

// ---- linear algebra ----
// NumPy matmul: 1-D operands are promoted, leading dims broadcast.
Tensor matmul(const Tensor& a, const Tensor& b);

// ---- reductions (axes 0-based, already normalised and unique; empty = all) ----
enum class Reduce { Sum, Mean, Max, Min, Prod };
Tensor reduce(Reduce op, const Tensor& x, std::vector<int> axes, bool keepdims);
Tensor softmax(const Tensor& x, int axis);
Tensor log_softmax(const Tensor& x, int axis);
Tensor argmax(const Tensor& x, int axis, bool keepdims);  // int32, 0-based
Tensor argmin(const Tensor& x, int axis, bool keepdims);
Tensor cumsum(const Tensor& x, int axis);

// ---- shape ----
Tensor reshape(const Tensor& x, Shape shape);  // one -1 allowed
Tensor transpose(const Tensor& x, std::vector<int> perm);  // empty = reverse
Tensor concatenate(const std::vector<Tensor>& xs, int axis);
std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& sizes, int axis);
Tensor stack(const std::vector<Tensor>& xs, int axis);
std::vector<Tensor> unstack(const Tensor& x, int axis);
Tensor expand_dims(const Tensor& x, int axis);
Tensor squeeze(const Tensor& x, std::vector<int> axes);  // empty = all size-1 dims
Tensor slice(const Tensor& x, const std::vector<int64_t>& start, const std::vector<int64_t>& size);
Tensor take(const Tensor& x, const Tensor& indices, int axis);  // 0-based indices; axis -1 = flat
Tensor broadcast_to(const Tensor& x, const Shape& shape);
Tensor flip(const Tensor& x, std::vector<int> axes);
Tensor tile(const Tensor& x, const std::vector<int64_t>& reps);
Tensor one_hot(const Tensor& indices, int64_t num_classes, DType dtype);  // last axis
Tensor copy(const Tensor& x);  // a new buffer; the gradient passes through

// ---- helpers used by several ops ----
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);
int normalize_axis(int axis, int ndim, const char* op);  // accepts negative, 0-based

}  // namespace ops
}  // namespace core
}  // namespace recurrent
