// Walking every index of a shape while tracking where that element sits in each of a few
// operands, each through its own strides: the loop behind broadcasting, batched matmul,
// transpose, slices, flips and the R array conversion.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <tuple>
#include <vector>

#include "tensor.h"

namespace recurrent {
namespace core {
namespace kernels {

// Per-dim element strides of an operand; 0 along a broadcast dim, negative along a flipped one.
using Strides = std::vector<int64_t>;

// Strides of a contiguous row-major tensor of `shape`.
inline Strides row_major_strides(const Shape& shape) {
  Strides st(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;) st[i - 1] = st[i] * shape[i];
  return st;
}

namespace detail {

// An odometer over the first `nd` dims of `shape`: each step adds one dim's stride and,
// when that dim wraps, takes back its whole extent, so no offset is ever recomputed from
// the index.
template <size_t N, typename F>
void walk(const Shape& shape, size_t nd, const std::array<const int64_t*, N>& strides, F& visit) {
  for (size_t d = 0; d < shape.size(); ++d)
    if (shape[d] == 0) return;
  std::array<int64_t, N> off{};
  std::vector<int64_t> idx(nd, 0);
  for (;;) {
    std::apply(visit, off);
    size_t d = nd;
    for (;;) {
      if (d == 0) return;  // every dim wrapped
      --d;
      for (size_t k = 0; k < N; ++k) off[k] += strides[k][d];
      if (++idx[d] < shape[d]) break;
      for (size_t k = 0; k < N; ++k) off[k] -= strides[k][d] * shape[d];
      idx[d] = 0;
    }
  }
}

inline size_t leading_dims(const Shape& shape) { return shape.empty() ? 0 : shape.size() - 1; }

}  // namespace detail

// visit(off_a[, off_b]) for every index of `shape` in row-major order, with the offset of
// that element in each operand.
template <typename F>
void for_each_offset(const Shape& shape, const Strides& a, F&& visit) {
  detail::walk<1>(shape, shape.size(), {a.data()}, visit);
}
template <typename F>
void for_each_offset(const Shape& shape, const Strides& a, const Strides& b, F&& visit) {
  detail::walk<2>(shape, shape.size(), {a.data(), b.data()}, visit);
}

// Like for_each_offset, once per row (index of all dims but the last; a 0-d shape is one
// row of one element) with the offsets of the row's first element. The visitor runs
// along the last dim itself, so that innermost loop stays a plain loop the compiler can
// vectorise instead of a call per element.
template <typename F>
void for_each_row(const Shape& shape, const Strides& a, F&& visit) {
  detail::walk<1>(shape, detail::leading_dims(shape), {a.data()}, visit);
}
template <typename F>
void for_each_row(const Shape& shape, const Strides& a, const Strides& b, F&& visit) {
  detail::walk<2>(shape, detail::leading_dims(shape), {a.data(), b.data()}, visit);
}

// dst = src element for element over `shape`, each side through its own strides.
template <typename T>
void strided_copy(const Shape& shape, const T* src, const Strides& src_strides, T* dst, const Strides& dst_strides) {
  const int64_t len = shape.empty() ? 1 : shape.back();
  const int64_t ss = shape.empty() ? 1 : src_strides.back(), ds = shape.empty() ? 1 : dst_strides.back();
  for_each_row(shape, src_strides, dst_strides, [&](int64_t s, int64_t d) {
    if (ss == 1 && ds == 1) {  // rows of slices and of most transposes
      std::memcpy(dst + d, src + s, sizeof(T) * static_cast<size_t>(len));
    } else {
      for (int64_t j = 0; j < len; ++j) dst[d + j * ds] = src[s + j * ss];
    }
  });
}

}  // namespace kernels
}  // namespace core
}  // namespace recurrent
