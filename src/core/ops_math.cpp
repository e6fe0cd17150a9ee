// erf, argsort, cumprod and take_along_axis (see ops_math.h).
#include "ops_math.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "kernels.h"
#include "ops.h"

namespace recurrent {
namespace core {
namespace ops {

namespace {

void split_axis(const Shape& s, int axis, int64_t& outer, int64_t& n, int64_t& inner) {
  outer = 1;
  inner = 1;
  for (int i = 0; i < axis; ++i) outer *= s[static_cast<size_t>(i)];
  n = s[static_cast<size_t>(axis)];
  for (size_t i = static_cast<size_t>(axis) + 1; i < s.size(); ++i) inner *= s[i];
}

Tensor float_input(const Tensor& x) { return is_float(x.dtype()) ? x : as_dtype(x, DType::Float32); }

}  // namespace

Tensor erf(const Tensor& x_in) {
  const Tensor x = float_input(x_in);
  Tensor out(x.shape(), x.dtype());
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data<T>();
    T* po = out.data<T>();
    for (int64_t i = 0; i < x.size(); ++i) po[i] = std::erf(px[i]);
    return 0;
  });
  if (!recording(x)) return out;
  const Tensor xd = x.detach();
  record("op_erf", {x}, out, [xd](const std::vector<Tensor>& go) {
    Tensor g(xd.shape(), xd.dtype());
    const Tensor gout = as_dtype(go[0], xd.dtype());
    dispatch(xd.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* px = xd.data<T>();
      const T* pg = gout.data<T>();
      T* o = g.data<T>();
      const T c = static_cast<T>(2.0 / std::sqrt(3.14159265358979323846));
      for (int64_t i = 0; i < xd.size(); ++i) o[i] = pg[i] * c * std::exp(-px[i] * px[i]);
      return 0;
    });
    return std::vector<Tensor>{g};
  });
  return out;
}

Tensor argsort(const Tensor& x, int axis_in, bool descending) {
  if (x.ndim() == 0) throw Error("op_argsort: needs a tensor with at least one dimension, got a scalar");
  const int axis = normalize_axis(axis_in, x.ndim(), "op_argsort");
  int64_t outer, n, inner;
  split_axis(x.shape(), axis, outer, n, inner);
  Tensor out(x.shape(), DType::Int32);
  double* po = out.data<double>();
  std::vector<int64_t> idx(static_cast<size_t>(n));
  std::vector<double> v(static_cast<size_t>(n));
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      const int64_t base = o * n * inner + i;
      for (int64_t j = 0; j < n; ++j) v[static_cast<size_t>(j)] = x.at(base + j * inner);
      std::iota(idx.begin(), idx.end(), 0);
      // NaN sorts last, as in NumPy
      std::stable_sort(idx.begin(), idx.end(), [&](int64_t a, int64_t b) {
        const double va = v[static_cast<size_t>(a)], vb = v[static_cast<size_t>(b)];
        if (std::isnan(va)) return false;
        if (std::isnan(vb)) return true;
        return descending ? va > vb : va < vb;
      });
      for (int64_t j = 0; j < n; ++j) po[base + j * inner] = static_cast<double>(idx[static_cast<size_t>(j)]);
    }
  return out;
}

namespace {

template <typename T>
void cumprod_kernel(const T* x, T* y, int64_t outer, int64_t n, int64_t inner) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      const int64_t base = o * n * inner + i;
      double acc = 1.0;
      for (int64_t j = 0; j < n; ++j) {
        acc *= static_cast<double>(x[base + j * inner]);
        y[base + j * inner] = static_cast<T>(acc);
      }
    }
}

}  // namespace

Tensor cumprod(const Tensor& x_in, int axis_in) {
  if (x_in.ndim() == 0) throw Error("op_cumprod: needs a tensor with at least one dimension, got a scalar");
  const int axis = normalize_axis(axis_in, x_in.ndim(), "op_cumprod");
  const Tensor x = x_in.dtype() == DType::Bool ? as_dtype(x_in, DType::Int32) : x_in;
  int64_t outer, n, inner;
  split_axis(x.shape(), axis, outer, n, inner);
  Tensor out(x.shape(), x.dtype());
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    cumprod_kernel<T>(x.data<T>(), out.data<T>(), outer, n, inner);
    return 0;
  });
  if (!is_float(x.dtype()) || !recording(x)) return out;
  const Tensor xd = x.detach();
  record("op_cumprod", {x}, out, [xd, outer, n, inner](const std::vector<Tensor>& go) {
    // d y_j / d x_i = prod_{k <= j, k != i} x_k for j >= i: exact with zeros, O(n^2)
    // per line, so the gradient never divides by x_i.
    Tensor g(xd.shape(), xd.dtype());
    const Tensor gout = as_dtype(go[0], xd.dtype());
    dispatch(xd.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* px = xd.data<T>();
      const T* pg = gout.data<T>();
      T* o = g.data<T>();
      std::vector<double> prefix(static_cast<size_t>(n) + 1);
      for (int64_t ou = 0; ou < outer; ++ou)
        for (int64_t in = 0; in < inner; ++in) {
          const int64_t base = ou * n * inner + in;
          prefix[0] = 1.0;
          for (int64_t j = 0; j < n; ++j)
            prefix[static_cast<size_t>(j) + 1] = prefix[static_cast<size_t>(j)] * static_cast<double>(px[base + j * inner]);
          for (int64_t i = 0; i < n; ++i) {
            double s = 0.0, after = 1.0;  // after = prod_{i < k <= j} x_k
            for (int64_t j = i; j < n; ++j) {
              if (j > i) after *= static_cast<double>(px[base + j * inner]);
              s += static_cast<double>(pg[base + j * inner]) * prefix[static_cast<size_t>(i)] * after;
            }
            o[base + i * inner] = static_cast<T>(s);
          }
        }
      return 0;
    });
    return std::vector<Tensor>{g};
  });
  return out;
}

// Each output element's position in the flattened x, then one flat take (which carries
// the gradient back to x).
Tensor take_along_axis(const Tensor& x, const Tensor& indices, int axis_in) {
  const char* op = "op_take_along_axis";
  if (x.ndim() == 0) throw Error(std::string(op) + ": cannot take from a scalar");
  if (indices.ndim() != x.ndim())
    throw Error(std::string(op) + ": indices must have the rank of x (" + std::to_string(x.ndim()) + "), got rank " +
                std::to_string(indices.ndim()));
  const int axis = normalize_axis(axis_in, x.ndim(), op);
  const size_t nd = static_cast<size_t>(x.ndim());
  const Shape& dx = x.shape();
  const Shape& di = indices.shape();
  Shape out = di;
  for (size_t i = 0; i < nd; ++i) {
    if (static_cast<int>(i) == axis) continue;
    if (dx[i] != di[i] && dx[i] != 1 && di[i] != 1)
      throw Error(std::string(op) + ": x and indices must broadcast on the axes other than axis " +
                  std::to_string(axis + 1) + ", got sizes " + std::to_string(dx[i]) + " and " + std::to_string(di[i]) +
                  " on axis " + std::to_string(i + 1));
    out[i] = std::max(dx[i], di[i]);
  }
  std::vector<int64_t> stride_x(nd, 1), stride_i(nd, 1);
  for (size_t i = nd - 1; i > 0; --i) {
    stride_x[i - 1] = stride_x[i] * dx[i];
    stride_i[i - 1] = stride_i[i] * di[i];
  }
  const int64_t n_ax = dx[static_cast<size_t>(axis)];
  Tensor pos(out, DType::Int32);
  double* pp = pos.data<double>();
  std::vector<int64_t> coord(nd, 0);
  for (int64_t e = 0; e < pos.size(); ++e) {
    int64_t at_i = 0, at_x = 0;
    for (size_t i = 0; i < nd; ++i) {
      at_i += (di[i] == 1 ? 0 : coord[i]) * stride_i[i];
      if (static_cast<int>(i) != axis) at_x += (dx[i] == 1 ? 0 : coord[i]) * stride_x[i];
    }
    const double v = indices.at(at_i);
    if (!(v == std::floor(v))) throw Error(std::string(op) + ": indices must be whole numbers, got " + std::to_string(v));
    int64_t k = static_cast<int64_t>(v);
    if (k < 0) k += n_ax;
    if (k < 0 || k >= n_ax)
      throw Error(std::string(op) + ": index " + std::to_string(static_cast<int64_t>(v)) +
                  " (0-based) is out of range for axis " + std::to_string(axis + 1) + " of size " + std::to_string(n_ax));
    pp[e] = static_cast<double>(at_x + k * stride_x[static_cast<size_t>(axis)]);
    for (size_t i = nd; i-- > 0;) {  // next output coordinate, row-major
      if (++coord[i] < out[i]) break;
      coord[i] = 0;
    }
  }
  return take(x, pos, -1);
}

}  // namespace ops
}  // namespace core
}  // namespace recurrent
