// Ops a custom cell reaches for beyond the basic family: erf, sorting, cumulative
// products, gathering along an axis. Axes are 0-based (the R layer converts keras3's
// 1-based ones).
#pragma once

#include "tensor.h"

namespace recurrent {
namespace core {
namespace ops {

Tensor erf(const Tensor& x);                        // gradient 2/sqrt(pi) exp(-x^2)
Tensor argsort(const Tensor& x, int axis, bool descending);  // int32, 0-based, stable
Tensor cumprod(const Tensor& x, int axis);          // with gradient (exact with zeros)
// NumPy's take_along_axis: x and indices of one rank, broadcast on the other axes;
// indices 0-based (negative from the end). The gradient flows to the picked entries.
Tensor take_along_axis(const Tensor& x, const Tensor& indices, int axis);

}  // namespace ops
}  // namespace core
}  // namespace recurrent
