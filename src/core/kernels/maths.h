// Elementwise float32 maths of the dispatched kernels (dispatch.h): about 2e-7 relative
// error, against ~50 ns per element for std::tanh and friends.
#pragma once

#include <cstdint>

namespace recurrent {
namespace core {
namespace kernels {

void exp_floats(const float* x, float* y, int64_t n);  // y = exp(x); y may be x; IEEE overflow/underflow
void tanh_floats(float* p, int64_t n);                 // in place
void sigmoid_floats(float* p, int64_t n);              // in place

}  // namespace kernels
}  // namespace core
}  // namespace recurrent
