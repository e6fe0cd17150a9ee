// Loop kernels shared by the ops: broadcasting iteration and dtype promotion.
#pragma once

#include <vector>

#include "autograd.h"
#include "tensor.h"

namespace recurrent {
namespace core {
namespace ops {
DType promote(DType a, DType b);          // NumPy-like: float64 > float32 > int
Tensor as_dtype(const Tensor& x, DType d);  // cast only when needed

// needs_record() that builds no vector of inputs while recording is off: the usual case
// (inference, and the ops a cell written in R runs at every timestep).
template <typename... Ts>
inline bool recording(const Ts&... inputs) {
  return grad_enabled() && needs_record({inputs...});
}
}  // namespace ops

namespace kernels {

// y = exp(x) for n float32 values, vectorised (ops_elementwise.cpp; y may be x): op_exp, softmax.
void exp_floats(const float* x, float* y, int64_t n);

// Row-major strides of `shape` aligned to `out_ndim` dims; broadcast dims get 0.
inline std::vector<int64_t> broadcast_strides(const Shape& shape, size_t out_ndim, const Shape& out) {
  std::vector<int64_t> st(out_ndim, 0);
  int64_t s = 1;
  for (size_t k = 0; k < shape.size(); ++k) {
    const size_t i = shape.size() - 1 - k;
    const size_t o = out_ndim - 1 - k;
    st[o] = (shape[i] == 1 && out[o] != 1) ? 0 : s;
    s *= shape[i];
  }
  return st;
}

// out[idx] = f(a[idx'], b[idx'']) over the broadcast shape; the innermost dim is a
// plain strided loop, the outer dims advance like an odometer.
template <typename T, typename F>
void broadcast_binary(const Shape& out, const T* a, const Shape& as, const T* b, const Shape& bs, T* o, F f) {
  const size_t nd = out.size();
  if (nd == 0) {
    o[0] = f(a[0], b[0]);
    return;
  }
  const std::vector<int64_t> sa = broadcast_strides(as, nd, out), sb = broadcast_strides(bs, nd, out);
  const int64_t inner = out[nd - 1], ia = sa[nd - 1], ib = sb[nd - 1];
  const int64_t outer = inner == 0 ? 0 : numel(out) / inner;
  std::vector<int64_t> idx(nd, 0);
  int64_t offa = 0, offb = 0;
  for (int64_t r = 0; r < outer; ++r) {
    for (int64_t j = 0; j < inner; ++j) o[j] = f(a[offa + j * ia], b[offb + j * ib]);
    o += inner;
    for (int d = static_cast<int>(nd) - 2; d >= 0; --d) {
      idx[static_cast<size_t>(d)]++;
      offa += sa[static_cast<size_t>(d)];
      offb += sb[static_cast<size_t>(d)];
      if (idx[static_cast<size_t>(d)] < out[static_cast<size_t>(d)]) break;
      offa -= sa[static_cast<size_t>(d)] * out[static_cast<size_t>(d)];
      offb -= sb[static_cast<size_t>(d)] * out[static_cast<size_t>(d)];
      idx[static_cast<size_t>(d)] = 0;
    }
  }
}

}  // namespace kernels
}  // namespace core
}  // namespace recurrent
