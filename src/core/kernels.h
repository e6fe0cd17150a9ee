// Loop kernels shared by the ops: broadcasting iteration and dtype promotion.
#pragma once

#include <vector>

#include "autograd.h"
#include "kernels/maths.h"
#include "strided.h"
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

// exp_floats(), tanh_floats(), sigmoid_floats(): kernels/maths.h (op_exp, softmax, activations).

// Row-major strides of `shape` aligned to `out_ndim` dims; broadcast dims get 0.
inline Strides broadcast_strides(const Shape& shape, size_t out_ndim, const Shape& out) {
  Strides st(out_ndim, 0);
  int64_t s = 1;
  for (size_t k = 0; k < shape.size(); ++k) {
    const size_t i = shape.size() - 1 - k;
    const size_t o = out_ndim - 1 - k;
    st[o] = (shape[i] == 1 && out[o] != 1) ? 0 : s;
    s *= shape[i];
  }
  return st;
}

// out[idx] = f(a[idx'], b[idx'']) over the broadcast shape.
template <typename T, typename F>
void broadcast_binary(const Shape& out, const T* a, const Shape& as, const T* b, const Shape& bs, T* o, F f) {
  const size_t nd = out.size();
  if (nd == 0) {
    o[0] = f(a[0], b[0]);
    return;
  }
  // The inner loop gets its strides as constants in the common cases (contiguous, or
  // one operand broadcast along the row) so that the compiler vectorises it.
  auto row = [&f](int64_t n, const T* __restrict pa, int64_t ia, const T* __restrict pb, int64_t ib,
                  T* __restrict po) {
    if (ia == 1 && ib == 1) {
      for (int64_t j = 0; j < n; ++j) po[j] = f(pa[j], pb[j]);
    } else if (ia == 1 && ib == 0) {
      const T vb = pb[0];
      for (int64_t j = 0; j < n; ++j) po[j] = f(pa[j], vb);
    } else if (ia == 0 && ib == 1) {
      const T va = pa[0];
      for (int64_t j = 0; j < n; ++j) po[j] = f(va, pb[j]);
    } else {
      for (int64_t j = 0; j < n; ++j) po[j] = f(pa[j * ia], pb[j * ib]);
    }
  };
  if (as == out && bs == out) {
    row(numel(out), a, 1, b, 1, o);
    return;
  }
  const Strides sa = broadcast_strides(as, nd, out), sb = broadcast_strides(bs, nd, out);
  const int64_t inner = out[nd - 1], ia = sa[nd - 1], ib = sb[nd - 1];
  for_each_row(out, sa, sb, [&](int64_t oa, int64_t ob) {
    row(inner, a + oa, ia, b + ob, ib, o);
    o += inner;
  });
}

}  // namespace kernels
}  // namespace core
}  // namespace recurrent
