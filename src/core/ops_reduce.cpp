// Reductions (sum, mean, max, min, prod), softmax, log_softmax, argmax/argmin and
// cumsum, with their gradients.
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "kernels.h"
#include "ops.h"

namespace recurrent {
namespace core {
namespace ops {

namespace {

const char* reduce_name(Reduce op) {
  switch (op) {
    case Reduce::Sum: return "op_sum";
    case Reduce::Mean: return "op_mean";
    case Reduce::Max: return "op_max";
    case Reduce::Min: return "op_min";
    case Reduce::Prod: return "op_prod";
  }
  return "op_reduce";
}

// 0-based, sorted, unique axes; negative axes count from the end.
std::vector<int> normalize_axes(std::vector<int> axes, int ndim, const char* op) {
  for (auto& a : axes) a = normalize_axis(a, ndim, op);
  std::sort(axes.begin(), axes.end());
  for (size_t i = 1; i < axes.size(); ++i)
    if (axes[i] == axes[i - 1])
      throw Error(std::string(op) + ": axis " + std::to_string(axes[i] + 1) + " is given more than once");
  return axes;
}

// Bool sums count and integer means are fractions (as in NumPy and Keras).
DType reduce_dtype(Reduce op, DType in) {
  if (is_float(in)) return in;
  if (op == Reduce::Mean) return DType::Float32;
  if (in == DType::Bool && (op == Reduce::Sum || op == Reduce::Prod)) return DType::Int32;
  return in;
}

// Max keeps NaN (as NumPy does): once the running value is NaN nothing replaces it.
template <typename T>
inline T pick(Reduce op, T m, T v) {
  if (op == Reduce::Max) return (v > m || v != v) ? v : m;
  return (v < m || v != v) ? v : m;
}

// x viewed as (outer, n, inner) -> out (outer, inner). Sums and products accumulate in
// double; Mean is a sum here (the caller scales).
template <typename T>
void reduce_block(Reduce op, const T* x, T* out, int64_t outer, int64_t n, int64_t inner) {
  const bool extremum = op == Reduce::Max || op == Reduce::Min;
  if (inner == 1) {  // reduce the last (contiguous) axis
    for (int64_t o = 0; o < outer; ++o) {
      const T* row = x + o * n;
      if (extremum) {
        T m = row[0];
        for (int64_t j = 1; j < n; ++j) m = pick(op, m, row[j]);
        out[o] = m;
      } else if (op == Reduce::Prod) {
        double acc = 1;
        for (int64_t j = 0; j < n; ++j) acc *= row[j];
        out[o] = static_cast<T>(acc);
      } else {
        double a0 = 0, a1 = 0, a2 = 0, a3 = 0;  // four chains: fewer dependent adds
        int64_t j = 0;
        for (; j + 4 <= n; j += 4) {
          a0 += row[j];
          a1 += row[j + 1];
          a2 += row[j + 2];
          a3 += row[j + 3];
        }
        for (; j < n; ++j) a0 += row[j];
        out[o] = static_cast<T>((a0 + a1) + (a2 + a3));
      }
    }
    return;
  }
  // reduce a leading or middle axis: whole contiguous rows of `inner` combine at once
  std::vector<double> acc(extremum ? 0 : static_cast<size_t>(inner));
  for (int64_t o = 0; o < outer; ++o) {
    const T* src = x + o * n * inner;
    T* dst = out + o * inner;
    if (extremum) {
      std::copy(src, src + inner, dst);
      for (int64_t j = 1; j < n; ++j) {
        const T* r = src + j * inner;
        for (int64_t i = 0; i < inner; ++i) dst[i] = pick(op, dst[i], r[i]);
      }
    } else {
      double* a = acc.data();
      const double init = op == Reduce::Prod ? 1.0 : 0.0;
      std::fill(a, a + inner, init);
      for (int64_t j = 0; j < n; ++j) {
        const T* r = src + j * inner;
        if (op == Reduce::Prod) {
          for (int64_t i = 0; i < inner; ++i) a[i] *= r[i];
        } else {
          for (int64_t i = 0; i < inner; ++i) a[i] += r[i];
        }
      }
      for (int64_t i = 0; i < inner; ++i) dst[i] = static_cast<T>(a[i]);
    }
  }
}

// Forward only: the reduction of x over sorted unique axes, with keepdims shape.
Tensor reduce_raw(Reduce op, const Tensor& x0, const std::vector<int>& axes, const Shape& keep_shape) {
  const DType dt = reduce_dtype(op, x0.dtype());
  // bool/int tensors share the double buffer; integer means compute in double then cast
  const DType work = x0.dtype() == DType::Float32 ? DType::Float32 : DType::Float64;
  const Tensor& x = x0;
  int64_t count = 1;
  for (int a : axes) count *= x.dim(a);

  Tensor out(keep_shape, work);
  if (count == 0) {
    if (op == Reduce::Max || op == Reduce::Min)
      throw Error(std::string(reduce_name(op)) + ": cannot reduce an empty axis of a tensor of shape " +
                  shape_str(x.shape()) + " (there is no identity for max or min)");
    const double fill = op == Reduce::Prod ? 1.0 : (op == Reduce::Mean ? std::nan("") : 0.0);
    return cast(Tensor::full(keep_shape, work, fill), dt);
  }

  // Group consecutive dims by whether they are reduced (size-1 dims do not matter), then
  // reduce one reduced group at a time, the last first, so each pass is (outer, n, inner).
  std::vector<int64_t> sizes;
  std::vector<bool> red;
  for (int i = 0; i < x.ndim(); ++i) {
    const int64_t d = x.dim(i);
    if (d == 1) continue;
    const bool r = std::binary_search(axes.begin(), axes.end(), i);
    if (!sizes.empty() && red.back() == r) {
      sizes.back() *= d;
    } else {
      sizes.push_back(d);
      red.push_back(r);
    }
  }

  dispatch(work, [&](auto tag) {
    using T = decltype(tag);
    const T* src = x.data<T>();
    std::vector<T> tmp_a, tmp_b;
    bool reduced_any = false;
    for (int g = static_cast<int>(sizes.size()) - 1; g >= 0; --g) {
      if (!red[static_cast<size_t>(g)]) continue;
      int64_t outer = 1, inner = 1;
      for (int k = 0; k < g; ++k) outer *= sizes[static_cast<size_t>(k)];
      for (size_t k = static_cast<size_t>(g) + 1; k < sizes.size(); ++k) inner *= sizes[k];
      const int64_t n = sizes[static_cast<size_t>(g)];
      std::vector<T>& dst = reduced_any && src == tmp_a.data() ? tmp_b : tmp_a;
      dst.assign(static_cast<size_t>(outer * inner), T(0));
      reduce_block<T>(op == Reduce::Mean ? Reduce::Sum : op, src, dst.data(), outer, n, inner);
      src = dst.data();
      reduced_any = true;
      sizes.erase(sizes.begin() + g);
      red.erase(red.begin() + g);
    }
    T* po = out.data<T>();
    const int64_t m = out.size();
    if (!reduced_any) {  // only size-1 axes were reduced
      std::copy(src, src + m, po);
    } else if (op == Reduce::Mean) {
      const double scale = 1.0 / static_cast<double>(count);
      for (int64_t i = 0; i < m; ++i) po[i] = static_cast<T>(src[i] * scale);
    } else {
      std::copy(src, src + m, po);
    }
    return 0;
  });
  if (out.dtype() != dt) out = cast(out, dt);
  return out;
}

// Product of all entries but the i-th, for each i of each row (prefix and suffix
// products, so zeros are handled exactly); rows are the last axis of x, (rows, n).
template <typename T>
void prod_others(const T* x, T* out, int64_t rows, int64_t n) {
  for (int64_t r = 0; r < rows; ++r) {
    const T* xr = x + r * n;
    T* o = out + r * n;
    double acc = 1;
    for (int64_t j = 0; j < n; ++j) {
      o[j] = static_cast<T>(acc);
      acc *= xr[j];
    }
    acc = 1;
    for (int64_t j = n - 1; j >= 0; --j) {
      o[j] = static_cast<T>(o[j] * acc);
      acc *= xr[j];
    }
  }
}

}  // namespace

Tensor reduce(Reduce op, const Tensor& x, std::vector<int> axes_in, bool keepdims) {
  const char* name = reduce_name(op);
  std::vector<int> axes;
  if (axes_in.empty()) {
    for (int i = 0; i < x.ndim(); ++i) axes.push_back(i);
  } else {
    axes = normalize_axes(std::move(axes_in), x.ndim(), name);
  }
  Shape keep_shape = x.shape(), out_shape;
  for (int a : axes) keep_shape[static_cast<size_t>(a)] = 1;
  for (int i = 0; i < x.ndim(); ++i)
    if (keepdims || !std::binary_search(axes.begin(), axes.end(), i)) out_shape.push_back(keep_shape[static_cast<size_t>(i)]);

  Tensor out;
  {
    GradModeGuard off(false);
    out = reduce_raw(op, x, axes, keep_shape);
    if (!keepdims) out = out.view(out_shape);
  }
  if (!recording(x)) return out;

  const Shape sx = x.shape();
  Tensor xd = x.detach(), od = out.detach().view(keep_shape);
  int64_t count = 1;
  for (int a : axes) count *= x.dim(a);
  record(name, {x}, out, [op, sx, keep_shape, axes, xd, od, count](const std::vector<Tensor>& go) {
    Tensor g = as_dtype(go[0], xd.dtype()).view(keep_shape);
    switch (op) {
      case Reduce::Sum: return std::vector<Tensor>{broadcast_to(g, sx)};
      case Reduce::Mean:
        return std::vector<Tensor>{broadcast_to(mul(g, Tensor::scalar(1.0 / static_cast<double>(count), g.dtype())), sx)};
      case Reduce::Max:
      case Reduce::Min: {
        // The gradient goes to the extreme entries, split evenly among ties (as
        // TensorFlow and JAX do), so it sums to the output gradient.
        Tensor hit = cast(compare(Compare::Eq, xd, od), xd.dtype());
        Tensor ties = reduce(Reduce::Sum, hit, axes, true);
        return std::vector<Tensor>{mul(hit, div(g, ties))};
      }
      case Reduce::Prod: {
        // Move the reduced axes last: (kept..., reduced...) -> (rows, n).
        std::vector<int> perm;
        for (int i = 0; i < static_cast<int>(sx.size()); ++i)
          if (!std::binary_search(axes.begin(), axes.end(), i)) perm.push_back(i);
        for (int a : axes) perm.push_back(a);
        std::vector<int> inv(perm.size());
        for (size_t i = 0; i < perm.size(); ++i) inv[static_cast<size_t>(perm[i])] = static_cast<int>(i);
        Tensor xt = transpose(xd, perm);
        Tensor others(xt.shape(), xt.dtype());
        const int64_t n = count, rows = n == 0 ? 0 : xt.size() / n;
        dispatch(xt.dtype(), [&](auto tag) {
          using T = decltype(tag);
          prod_others<T>(xt.data<T>(), others.data<T>(), rows, n);
          return 0;
        });
        Tensor gx = transpose(others, inv);
        return std::vector<Tensor>{mul(gx, g)};
      }
    }
    return std::vector<Tensor>{Tensor()};
  });
  return out;
}

// ---------------------------------------------------------------- softmax

namespace {

template <typename T>
void exp_in_place(T* p, int64_t n) {
  if constexpr (std::is_same<T, float>::value) {
    kernels::exp_floats(p, p, n);  // vectorised
  } else {
    for (int64_t i = 0; i < n; ++i) p[i] = std::exp(p[i]);
  }
}

// y = softmax (or log_softmax) of x along the middle axis of (outer, n, inner).
template <typename T>
void softmax_kernel(const T* x, T* y, int64_t outer, int64_t n, int64_t inner, bool log) {
  if (n == 0) return;
  if (inner == 1) {
    for (int64_t o = 0; o < outer; ++o) {
      const T* xr = x + o * n;
      T* yr = y + o * n;
      T m = xr[0];
      for (int64_t j = 1; j < n; ++j) m = xr[j] > m ? xr[j] : m;
      for (int64_t j = 0; j < n; ++j) yr[j] = xr[j] - m;
      exp_in_place(yr, n);
      double s = 0;
      for (int64_t j = 0; j < n; ++j) s += yr[j];
      if (log) {
        const T lse = static_cast<T>(m + std::log(s));
        for (int64_t j = 0; j < n; ++j) yr[j] = xr[j] - lse;
      } else {
        const T inv = static_cast<T>(1.0 / s);
        for (int64_t j = 0; j < n; ++j) yr[j] *= inv;
      }
    }
    return;
  }
  std::vector<T> m(static_cast<size_t>(inner));
  std::vector<double> s(static_cast<size_t>(inner));
  for (int64_t o = 0; o < outer; ++o) {
    const T* xb = x + o * n * inner;
    T* yb = y + o * n * inner;
    std::copy(xb, xb + inner, m.begin());
    for (int64_t j = 1; j < n; ++j)
      for (int64_t i = 0; i < inner; ++i) m[i] = xb[j * inner + i] > m[i] ? xb[j * inner + i] : m[i];
    std::fill(s.begin(), s.end(), 0.0);
    for (int64_t j = 0; j < n; ++j)
      for (int64_t i = 0; i < inner; ++i) {
        const T e = std::exp(xb[j * inner + i] - m[i]);
        yb[j * inner + i] = e;
        s[i] += e;
      }
    for (int64_t i = 0; i < inner; ++i) s[i] = log ? m[i] + std::log(s[i]) : 1.0 / s[i];
    for (int64_t j = 0; j < n; ++j)
      for (int64_t i = 0; i < inner; ++i) {
        T& v = yb[j * inner + i];
        v = log ? static_cast<T>(xb[j * inner + i] - s[i]) : static_cast<T>(v * s[i]);
      }
  }
}

// Backward of softmax (gx = y * (g - sum(g * y))) or log_softmax (gx = g - exp(y) * sum(g)).
template <typename T>
void softmax_grad_kernel(const T* y, const T* g, T* gx, int64_t outer, int64_t n, int64_t inner, bool log) {
  std::vector<double> s(static_cast<size_t>(inner));
  for (int64_t o = 0; o < outer; ++o) {
    const int64_t base = o * n * inner;
    std::fill(s.begin(), s.end(), 0.0);
    for (int64_t j = 0; j < n; ++j)
      for (int64_t i = 0; i < inner; ++i) {
        const int64_t k = base + j * inner + i;
        s[i] += log ? g[k] : g[k] * y[k];
      }
    for (int64_t j = 0; j < n; ++j)
      for (int64_t i = 0; i < inner; ++i) {
        const int64_t k = base + j * inner + i;
        gx[k] = log ? static_cast<T>(g[k] - std::exp(y[k]) * s[i]) : static_cast<T>(y[k] * (g[k] - s[i]));
      }
  }
}

void split_at(const Shape& s, int axis, int64_t& outer, int64_t& n, int64_t& inner) {
  outer = 1;
  inner = 1;
  for (int i = 0; i < axis; ++i) outer *= s[static_cast<size_t>(i)];
  n = s[static_cast<size_t>(axis)];
  for (size_t i = static_cast<size_t>(axis) + 1; i < s.size(); ++i) inner *= s[i];
}

Tensor softmax_impl(const Tensor& x0, int axis_in, bool log) {
  const char* name = log ? "op_log_softmax" : "op_softmax";
  Tensor x = is_float(x0.dtype()) ? x0 : cast(x0, DType::Float32);
  if (x.ndim() == 0) throw Error(std::string(name) + ": needs a tensor with at least one dimension, got a scalar");
  const int axis = normalize_axis(axis_in, x.ndim(), name);
  int64_t outer, n, inner;
  split_at(x.shape(), axis, outer, n, inner);
  Tensor out(x.shape(), x.dtype());
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    softmax_kernel<T>(x.data<T>(), out.data<T>(), outer, n, inner, log);
    return 0;
  });
  if (!recording(x)) return out;
  Tensor od = out.detach();
  record(name, {x}, out, [od, outer, n, inner, log](const std::vector<Tensor>& go) {
    Tensor g = as_dtype(go[0], od.dtype());
    Tensor gx(od.shape(), od.dtype());
    dispatch(od.dtype(), [&](auto tag) {
      using T = decltype(tag);
      softmax_grad_kernel<T>(od.data<T>(), g.data<T>(), gx.data<T>(), outer, n, inner, log);
      return 0;
    });
    return std::vector<Tensor>{gx};
  });
  return out;
}

}  // namespace

Tensor softmax(const Tensor& x, int axis) { return softmax_impl(x, axis, false); }
Tensor log_softmax(const Tensor& x, int axis) { return softmax_impl(x, axis, true); }

// ---------------------------------------------------------------- argmax / argmin

namespace {

// First index of the extreme value; a NaN counts as the extreme (as in NumPy).
Tensor arg_extreme(const Tensor& x, int axis_in, bool keepdims, bool is_max) {
  const char* name = is_max ? "op_argmax" : "op_argmin";
  if (x.ndim() == 0) throw Error(std::string(name) + ": needs a tensor with at least one dimension, got a scalar");
  const int axis = normalize_axis(axis_in, x.ndim(), name);
  int64_t outer, n, inner;
  split_at(x.shape(), axis, outer, n, inner);
  if (n == 0)
    throw Error(std::string(name) + ": cannot search an empty axis of a tensor of shape " + shape_str(x.shape()));
  Shape out_shape;
  for (int i = 0; i < x.ndim(); ++i) {
    if (i != axis) out_shape.push_back(x.dim(i));
    else if (keepdims) out_shape.push_back(1);
  }
  Tensor out(out_shape, DType::Int32);
  double* po = out.data<double>();
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data<T>();
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        const T* p = px + o * n * inner + i;
        int64_t best = 0;
        T bv = p[0];
        if (bv == bv) {
          for (int64_t j = 1; j < n; ++j) {
            const T v = p[j * inner];
            if (v != v) {
              best = j;
              break;
            }
            if (is_max ? v > bv : v < bv) {
              bv = v;
              best = j;
            }
          }
        }
        po[o * inner + i] = static_cast<double>(best);
      }
    return 0;
  });
  return out;
}

}  // namespace

Tensor argmax(const Tensor& x, int axis, bool keepdims) { return arg_extreme(x, axis, keepdims, true); }
Tensor argmin(const Tensor& x, int axis, bool keepdims) { return arg_extreme(x, axis, keepdims, false); }

// ---------------------------------------------------------------- cumsum

namespace {

// Running sums along the middle axis of (outer, n, inner), forwards or backwards.
template <typename T>
void cumsum_kernel(const T* x, T* y, int64_t outer, int64_t n, int64_t inner, bool reverse) {
  std::vector<double> acc(static_cast<size_t>(inner));
  for (int64_t o = 0; o < outer; ++o) {
    std::fill(acc.begin(), acc.end(), 0.0);
    const int64_t base = o * n * inner;
    for (int64_t jj = 0; jj < n; ++jj) {
      const int64_t j = reverse ? n - 1 - jj : jj;
      const T* r = x + base + j * inner;
      T* w = y + base + j * inner;
      for (int64_t i = 0; i < inner; ++i) {
        acc[static_cast<size_t>(i)] += r[i];
        w[i] = static_cast<T>(acc[static_cast<size_t>(i)]);
      }
    }
  }
}

Tensor cumsum_raw(const Tensor& x, int axis, bool reverse) {
  int64_t outer, n, inner;
  split_at(x.shape(), axis, outer, n, inner);
  const DType dt = x.dtype() == DType::Bool ? DType::Int32 : x.dtype();
  Tensor out(x.shape(), dt);
  dispatch(dt, [&](auto tag) {
    using T = decltype(tag);
    cumsum_kernel<T>(x.data<T>(), out.data<T>(), outer, n, inner, reverse);
    return 0;
  });
  return out;
}

}  // namespace

Tensor cumsum(const Tensor& x, int axis_in) {
  if (x.ndim() == 0) throw Error("op_cumsum: needs a tensor with at least one dimension, got a scalar");
  const int axis = normalize_axis(axis_in, x.ndim(), "op_cumsum");
  Tensor out = cumsum_raw(x, axis, false);
  if (!recording(x)) return out;
  const DType dt = x.dtype();
  record("op_cumsum", {x}, out, [axis, dt](const std::vector<Tensor>& go) {
    return std::vector<Tensor>{cumsum_raw(as_dtype(go[0], dt), axis, true)};
  });
  return out;
}

}  // namespace ops
}  // namespace core
}  // namespace recurrent
