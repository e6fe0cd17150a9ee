// Max and average pooling: the convolution geometry with one window per channel.
#include <algorithm>
#include <limits>
#include <memory>
#include <vector>

#include "autograd.h"
#include "conv.h"
#include "kernels.h"

namespace recurrent {
namespace core {
namespace ops {

namespace {

// Calls fn(input offset) for each position of the window of output row (b, p) that
// falls inside the input (offsets of the position's first channel).
template <typename Fn>
void for_each_inside(const conv::Geometry& g, int64_t b, int64_t p, Fn fn) {
  const int64_t o2 = p % g.out[2], o1 = (p / g.out[2]) % g.out[1], o0 = p / (g.out[2] * g.out[1]);
  const int64_t base = b * g.in_positions();
  for (int64_t k0 = 0; k0 < g.kernel[0]; ++k0) {
    const int64_t i0 = o0 * g.stride[0] - g.pad[0] + k0;
    if (i0 < 0 || i0 >= g.in[0]) continue;
    for (int64_t k1 = 0; k1 < g.kernel[1]; ++k1) {
      const int64_t i1 = o1 * g.stride[1] - g.pad[1] + k1;
      if (i1 < 0 || i1 >= g.in[1]) continue;
      for (int64_t k2 = 0; k2 < g.kernel[2]; ++k2) {
        const int64_t i2 = o2 * g.stride[2] - g.pad[2] + k2;
        if (i2 < 0 || i2 >= g.in[2]) continue;
        fn((base + (i0 * g.in[1] + i1) * g.in[2] + i2) * g.cin);
      }
    }
  }
}

conv::Geometry pool_geometry(const Shape& x, const std::vector<int64_t>& pool_size, const std::vector<int64_t>& strides,
                             const std::string& padding) {
  const int rank = static_cast<int>(x.size()) - 2;
  if (rank < 1 || rank > 3)
    throw Error("pooling: `inputs` must be 3-, 4- or 5-D (batch, spatial..., channels), got shape " + shape_str(x));
  if (static_cast<int>(pool_size.size()) != rank || static_cast<int>(strides.size()) != rank)
    throw Error("pooling: `pool_size` and `strides` need one entry per spatial dim (" + std::to_string(rank) + ")");
  if (padding != "valid" && padding != "same")
    throw Error("pooling: `padding` must be \"valid\" or \"same\", got \"" + padding + "\"");
  conv::Geometry g;
  g.rank = rank;
  g.batch = x[0];
  g.cin = g.cout = g.groups = x.back();
  const int off = 3 - rank;
  for (int d = 0; d < rank; ++d) {
    const size_t i = static_cast<size_t>(d), j = static_cast<size_t>(off + d);
    if (pool_size[i] < 1 || strides[i] < 1) throw Error("pooling: `pool_size` and `strides` must be positive");
    g.in[j] = x[i + 1];
    g.kernel[j] = pool_size[i];
    g.stride[j] = strides[i];
    conv::output_length(g.in[j], g.kernel[j], g.stride[j], 1, padding, &g.out[j], &g.pad[j]);
    if (g.out[j] <= 0)
      throw Error("pooling: the input (shape " + shape_str(x) + ") is smaller than the pool size along spatial dim " +
                  std::to_string(d + 1) + " with padding \"valid\"");
  }
  return g;
}

}  // namespace

Tensor pool(Pool mode, const Tensor& x0, const std::vector<int64_t>& pool_size, const std::vector<int64_t>& strides,
            const std::string& padding) {
  const Tensor x = is_float(x0.dtype()) ? x0 : as_dtype(x0, DType::Float32);
  const conv::Geometry g = pool_geometry(x.shape(), pool_size, strides, padding);
  Shape out_shape{g.batch};
  for (int d = 3 - g.rank; d < 3; ++d) out_shape.push_back(g.out[static_cast<size_t>(d)]);
  out_shape.push_back(g.cin);
  Tensor y = Tensor::empty(out_shape, x.dtype());
  const int64_t rows = g.batch * g.out_positions(), C = g.cin, P = g.out_positions();
  const bool rec = recording(x);
  // max: where each output's value came from (flat input index), for backward
  auto argmax = std::make_shared<std::vector<int64_t>>();
  if (rec && mode == Pool::Max) argmax->resize(static_cast<size_t>(rows * C));
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* xp = x.data<T>();
    T* yp = y.data<T>();
    for (int64_t r = 0; r < rows; ++r) {
      T* yr = yp + r * C;
      if (mode == Pool::Max) {
        std::fill(yr, yr + C, -std::numeric_limits<T>::infinity());
        int64_t* am = rec ? argmax->data() + r * C : nullptr;
        bool first = true;
        for_each_inside(g, r / P, r % P, [&](int64_t off) {
          for (int64_t c = 0; c < C; ++c) {
            const T v = xp[off + c];
            if (first || v > yr[c] || v != v) {
              yr[c] = v;
              if (am) am[c] = off + c;
            }
          }
          first = false;
        });
      } else {
        std::fill(yr, yr + C, T(0));
        int64_t n = 0;
        for_each_inside(g, r / P, r % P, [&](int64_t off) {
          for (int64_t c = 0; c < C; ++c) yr[c] += xp[off + c];
          ++n;
        });
        const T inv = T(1) / static_cast<T>(std::max<int64_t>(n, 1));
        for (int64_t c = 0; c < C; ++c) yr[c] *= inv;
      }
    }
    return 0;
  });
  if (!rec) return y;
  const Shape xs = x.shape();
  record(mode == Pool::Max ? "max_pool" : "average_pool", {x}, y, [g, xs, argmax, mode](const std::vector<Tensor>& go) {
    const Tensor& gy = go[0];
    Tensor gx = Tensor::zeros(xs, gy.dtype());
    const int64_t rows = g.batch * g.out_positions(), C = g.cin, P = g.out_positions();
    dispatch(gy.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* gp = gy.data<T>();
      T* dx = gx.data<T>();
      if (mode == Pool::Max) {
        for (int64_t i = 0; i < rows * C; ++i) dx[(*argmax)[static_cast<size_t>(i)]] += gp[i];
      } else {
        for (int64_t r = 0; r < rows; ++r) {
          int64_t n = 0;
          for_each_inside(g, r / P, r % P, [&](int64_t) { ++n; });
          const T inv = T(1) / static_cast<T>(std::max<int64_t>(n, 1));
          for_each_inside(g, r / P, r % P, [&](int64_t off) {
            for (int64_t c = 0; c < C; ++c) dx[off + c] += gp[r * C + c] * inv;
          });
        }
      }
      return 0;
    });
    return std::vector<Tensor>{gx};
  });
  return y;
}

}  // namespace ops
}  // namespace core
}  // namespace recurrent
