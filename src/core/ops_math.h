// Ops a custom cell reaches for beyond the basic family: erf, sorting, cumulative
// products. Axes are 0-based (the R layer converts keras3's 1-based ones).
#pragma once

#include "tensor.h"

namespace recurrent {
namespace core {
namespace ops {

Tensor erf(const Tensor& x);                        // gradient 2/sqrt(pi) exp(-x^2)
Tensor argsort(const Tensor& x, int axis, bool descending);  // int32, 0-based, stable
Tensor cumprod(const Tensor& x, int axis);          // with gradient (exact with zeros)

}  // namespace ops
}  // namespace core
}  // namespace recurrent
