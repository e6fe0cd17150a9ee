// Shape ops: reshape, transpose, concatenate/split, stack/unstack, expand_dims/squeeze,
// slice, take, flip, tile, one_hot, copy, with their gradients. Views (reshape,
// expand_dims, squeeze) share the input's buffer.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels.h"
#include "ops.h"

namespace recurrent {
namespace core {
namespace ops {

namespace {

std::string ints_str(const std::vector<int64_t>& v, int64_t add = 0) {
  std::string s = "(";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i] + add);
  return s + ")";
}

// Copies n elements of a tensor's buffer, whatever its dtype.
template <typename T>
inline void copy_n(const T* src, int64_t n, T* dst) {
  if (n > 0) std::memcpy(dst, src, sizeof(T) * static_cast<size_t>(n));
}

int64_t prod_range(const Shape& s, size_t from, size_t to) {
  int64_t p = 1;
  for (size_t i = from; i < to; ++i) p *= s[i];
  return p;
}

// ---- raw kernels (no autograd); inputs share one dtype

// Join along `axis`; all other dims already checked equal.
Tensor concat_raw(const std::vector<Tensor>& xs, int axis, const Shape& out_shape) {
  Tensor out(out_shape, xs[0].dtype());
  const int64_t outer = prod_range(out_shape, 0, static_cast<size_t>(axis));
  const int64_t inner = prod_range(out_shape, static_cast<size_t>(axis) + 1, out_shape.size());
  dispatch(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* po = out.data<T>();
    for (int64_t o = 0; o < outer; ++o)
      for (const auto& x : xs) {
        const int64_t chunk = x.dim(axis) * inner;
        copy_n(x.data<T>() + o * chunk, chunk, po);
        po += chunk;
      }
    return 0;
  });
  return out;
}

// Pieces of `sizes` along `axis` (sizes already checked to sum to the dim).
std::vector<Tensor> split_raw(const Tensor& x, const std::vector<int64_t>& sizes, int axis) {
  const Shape& s = x.shape();
  const int64_t outer = prod_range(s, 0, static_cast<size_t>(axis));
  const int64_t inner = prod_range(s, static_cast<size_t>(axis) + 1, s.size());
  const int64_t row = s[static_cast<size_t>(axis)] * inner;
  std::vector<Tensor> out;
  int64_t offset = 0;
  for (int64_t n : sizes) {
    Shape ps = s;
    ps[static_cast<size_t>(axis)] = n;
    Tensor p(ps, x.dtype());
    dispatch(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* px = x.data<T>() + offset * inner;
      T* pp = p.data<T>();
      for (int64_t o = 0; o < outer; ++o) copy_n(px + o * row, n * inner, pp + o * n * inner);
      return 0;
    });
    out.push_back(p);
    offset += n;
  }
  return out;
}

// out[...] (x's shape) = x permuted: out dim i is x dim perm[i].
Tensor transpose_raw(const Tensor& x, const std::vector<int>& perm) {
  const Shape& s = x.shape();
  const size_t nd = s.size();
  Shape os(nd);
  for (size_t i = 0; i < nd; ++i) os[i] = s[static_cast<size_t>(perm[i])];
  Tensor out(os, x.dtype());
  if (out.size() == 0) return out;
  // Merge output dims that stay adjacent and in order in the input: fewer, longer loops.
  const std::vector<int64_t> st = kernels::row_major_strides(s);
  Shape ms;                     // merged output dims
  std::vector<int64_t> mst;     // their input strides
  for (size_t i = 0; i < nd; ++i) {
    const size_t p = static_cast<size_t>(perm[i]);
    if (s[p] == 1) continue;
    if (!ms.empty() && mst.back() == st[p] * s[p]) {
      ms.back() *= s[p];
      mst.back() = st[p];
    } else {
      ms.push_back(s[p]);
      mst.push_back(st[p]);
    }
  }
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data<T>();
    T* po = out.data<T>();
    const size_t md = ms.size();
    if (md <= 1) {  // the identity permutation in disguise
      copy_n(px, x.size(), po);
      return 0;
    }
    if (md == 2 && mst[1] != 1) {
      // a 2-D transpose: cache-sized tiles, reading rows of the input
      const int64_t R = ms[0], C = ms[1], sr = mst[0], sc = mst[1];
      const int64_t B = 32;
      for (int64_t r0 = 0; r0 < R; r0 += B)
        for (int64_t c0 = 0; c0 < C; c0 += B) {
          const int64_t r1 = std::min(R, r0 + B), c1 = std::min(C, c0 + B);
          for (int64_t c = c0; c < c1; ++c)
            for (int64_t r = r0; r < r1; ++r) po[r * C + c] = px[r * sr + c * sc];
        }
      return 0;
    }
    kernels::strided_copy(ms, px, mst, po, kernels::row_major_strides(ms));
    return 0;
  });
  return out;
}

// A box of x: out[i] = x[start + i].
Tensor slice_raw(const Tensor& x, const std::vector<int64_t>& start, const Shape& size) {
  Tensor out(size, x.dtype());
  if (out.size() == 0) return out;
  const kernels::Strides st = kernels::row_major_strides(x.shape());
  int64_t base = 0;
  for (size_t i = 0; i < size.size(); ++i) base += start[i] * st[i];
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    kernels::strided_copy(size, x.data<T>() + base, st, out.data<T>(), kernels::row_major_strides(size));
    return 0;
  });
  return out;
}

// dst[start + i] = src[i], in place (dst is a fresh tensor owned by the caller).
void slice_assign_raw(Tensor& dst, const Tensor& src, const std::vector<int64_t>& start) {
  if (src.size() == 0) return;
  const Shape& size = src.shape();
  const kernels::Strides st = kernels::row_major_strides(dst.shape());
  int64_t base = 0;
  for (size_t i = 0; i < size.size(); ++i) base += start[i] * st[i];
  dispatch(dst.dtype(), [&](auto tag) {
    using T = decltype(tag);
    kernels::strided_copy(size, src.data<T>(), kernels::row_major_strides(size), dst.data<T>() + base, st);
    return 0;
  });
}

// x reversed along the flagged dims.
Tensor flip_raw(const Tensor& x, const std::vector<bool>& flipped) {
  Tensor out(x.shape(), x.dtype());
  if (out.size() == 0) return out;
  const Shape& s = x.shape();
  const size_t nd = s.size();
  if (nd == 0) return x.clone();
  const std::vector<int64_t> st = kernels::row_major_strides(s);
  // walk the output in order; the input offset moves backwards along flipped dims
  std::vector<int64_t> step(nd);
  int64_t base = 0;
  for (size_t i = 0; i < nd; ++i) {
    step[i] = flipped[i] ? -st[i] : st[i];
    if (flipped[i]) base += (s[i] - 1) * st[i];
  }
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    kernels::strided_copy(s, x.data<T>() + base, step, out.data<T>(), st);
    return 0;
  });
  return out;
}

// Index values as whole numbers, wrapped from the end when negative, checked against n.
std::vector<int64_t> index_values(const Tensor& indices, int64_t n, const char* op, const std::string& what) {
  std::vector<int64_t> out(static_cast<size_t>(indices.size()));
  for (int64_t i = 0; i < indices.size(); ++i) {
    const double v = indices.at(i);
    if (!(v == std::floor(v)))
      throw Error(std::string(op) + ": indices must be whole numbers, got " + std::to_string(v));
    int64_t k = static_cast<int64_t>(v);
    if (k < 0) k += n;
    if (k < 0 || k >= n)
      throw Error(std::string(op) + ": index " + std::to_string(static_cast<int64_t>(v)) + " (0-based) is out of range for " +
                  what + " of size " + std::to_string(n));
    out[static_cast<size_t>(i)] = k;
  }
  return out;
}

// Gather rows: x as (outer, n, inner), out (outer, k, inner).
Tensor take_raw(const Tensor& x, const std::vector<int64_t>& idx, int64_t outer, int64_t n, int64_t inner,
                const Shape& out_shape) {
  Tensor out(out_shape, x.dtype());
  const int64_t k = static_cast<int64_t>(idx.size());
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data<T>();
    T* po = out.data<T>();
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t j = 0; j < k; ++j) {
        copy_n(px + (o * n + idx[static_cast<size_t>(j)]) * inner, inner, po);
        po += inner;
      }
    return 0;
  });
  return out;
}

// The transpose of take_raw: rows of g added into a zero tensor of x's shape.
Tensor take_grad_raw(const Tensor& g, const std::vector<int64_t>& idx, int64_t outer, int64_t n, int64_t inner,
                     const Shape& x_shape) {
  Tensor out = Tensor::zeros(x_shape, g.dtype());
  const int64_t k = static_cast<int64_t>(idx.size());
  dispatch(g.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* pg = g.data<T>();
    T* po = out.data<T>();
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t j = 0; j < k; ++j) {
        T* dst = po + (o * n + idx[static_cast<size_t>(j)]) * inner;
        for (int64_t i = 0; i < inner; ++i) dst[i] += pg[i];
        pg += inner;
      }
    return 0;
  });
  return out;
}

// Bring a list of tensors to one dtype (promoting as the binary ops do).
std::vector<Tensor> common_dtype(const std::vector<Tensor>& xs) {
  DType dt = xs[0].dtype();
  for (const auto& x : xs) dt = promote(dt, x.dtype());
  bool all_bool = true;
  for (const auto& x : xs) all_bool = all_bool && x.dtype() == DType::Bool;
  if (all_bool) dt = DType::Bool;
  std::vector<Tensor> out;
  out.reserve(xs.size());
  for (const auto& x : xs) out.push_back(as_dtype(x, dt));
  return out;
}

// A view of x with another shape, recording a node that maps the gradient back.
Tensor view_op(const Tensor& x, const Shape& s, const char* name) {
  if (s == x.shape() && !recording(x)) return x;
  Tensor out = x.view(s);
  if (!recording(x)) return out;
  const Shape sx = x.shape();
  record(name, {x}, out, [sx](const std::vector<Tensor>& go) { return std::vector<Tensor>{go[0].view(sx)}; });
  return out;
}

}  // namespace

// ---------------------------------------------------------------- reshape & views

Tensor reshape(const Tensor& x, Shape shape) {
  int unknown = -1;
  int64_t known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (unknown >= 0)
        throw Error("op_reshape: the new shape " + shape_str(shape) + " has more than one unknown (-1) dimension");
      unknown = static_cast<int>(i);
    } else if (shape[i] < 0) {
      throw Error("op_reshape: the new shape " + shape_str(shape) + " has a negative dimension");
    } else {
      known *= shape[i];
    }
  }
  const Shape asked = shape;
  if (unknown >= 0) {
    if (known == 0 || x.size() % known != 0)
      throw Error("op_reshape: cannot reshape a tensor of shape " + shape_str(x.shape()) + " (" +
                  std::to_string(x.size()) + " elements) into shape " + shape_str(asked));
    shape[static_cast<size_t>(unknown)] = x.size() / known;
  }
  if (numel(shape) != x.size())
    throw Error("op_reshape: cannot reshape a tensor of shape " + shape_str(x.shape()) + " (" +
                std::to_string(x.size()) + " elements) into shape " + shape_str(asked) + " (" +
                std::to_string(numel(shape)) + " elements)");
  return view_op(x, shape, "op_reshape");
}

Tensor expand_dims(const Tensor& x, int axis_in) {
  const int axis = normalize_axis(axis_in, x.ndim() + 1, "op_expand_dims");
  Shape s = x.shape();
  s.insert(s.begin() + axis, 1);
  return view_op(x, s, "op_expand_dims");
}

Tensor squeeze(const Tensor& x, std::vector<int> axes) {
  std::vector<bool> drop(static_cast<size_t>(x.ndim()), false);
  if (axes.empty()) {
    for (int i = 0; i < x.ndim(); ++i) drop[static_cast<size_t>(i)] = x.dim(i) == 1;
  } else {
    for (int a : axes) {
      const int k = normalize_axis(a, x.ndim(), "op_squeeze");
      if (x.dim(k) != 1)
        throw Error("op_squeeze: cannot squeeze axis " + std::to_string(k + 1) + " of a tensor of shape " +
                    shape_str(x.shape()) + ": its size is " + std::to_string(x.dim(k)) + ", not 1");
      drop[static_cast<size_t>(k)] = true;
    }
  }
  Shape s;
  for (int i = 0; i < x.ndim(); ++i)
    if (!drop[static_cast<size_t>(i)]) s.push_back(x.dim(i));
  return view_op(x, s, "op_squeeze");
}

Tensor copy(const Tensor& x) {
  Tensor out = x.clone();
  if (recording(x))
    record("op_copy", {x}, out, [](const std::vector<Tensor>& go) { return std::vector<Tensor>{go[0]}; });
  return out;
}

// ---------------------------------------------------------------- transpose

Tensor transpose(const Tensor& x, std::vector<int> perm) {
  const int nd = x.ndim();
  if (perm.empty()) {
    for (int i = nd - 1; i >= 0; --i) perm.push_back(i);
  } else {
    std::vector<bool> seen(static_cast<size_t>(nd), false);
    bool ok = static_cast<int>(perm.size()) == nd;
    for (auto& p : perm) {
      if (!ok) break;
      p = p < 0 ? p + nd : p;
      if (p < 0 || p >= nd || seen[static_cast<size_t>(p)]) ok = false;
      else seen[static_cast<size_t>(p)] = true;
    }
    if (!ok)
      throw Error("op_transpose: `axes` must be a permutation of the " + std::to_string(nd) +
                  " axes of a tensor of shape " + shape_str(x.shape()));
  }
  bool identity = true;
  for (int i = 0; i < nd; ++i) identity = identity && perm[static_cast<size_t>(i)] == i;
  if (identity) return x;
  Tensor out = transpose_raw(x, perm);
  if (!recording(x)) return out;
  std::vector<int> inv(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) inv[static_cast<size_t>(perm[i])] = static_cast<int>(i);
  record("op_transpose", {x}, out, [inv](const std::vector<Tensor>& go) {
    return std::vector<Tensor>{transpose_raw(go[0], inv)};
  });
  return out;
}

// ---------------------------------------------------------------- concatenate / split

Tensor concatenate(const std::vector<Tensor>& xs0, int axis_in) {
  if (xs0.empty()) throw Error("op_concatenate: needs at least one tensor");
  if (xs0[0].ndim() == 0) throw Error("op_concatenate: cannot join scalars (tensors of shape ())");
  const int axis = normalize_axis(axis_in, xs0[0].ndim(), "op_concatenate");
  for (const auto& x : xs0) {
    bool ok = x.ndim() == xs0[0].ndim();
    for (int i = 0; ok && i < x.ndim(); ++i) ok = i == axis || x.dim(i) == xs0[0].dim(i);
    if (!ok)
      throw Error("op_concatenate: cannot join tensors of shapes " + shape_str(xs0[0].shape()) + " and " +
                  shape_str(x.shape()) + " along axis " + std::to_string(axis + 1) +
                  ": all other dimensions must match");
  }
  if (xs0.size() == 1) return xs0[0];
  std::vector<Tensor> xs = common_dtype(xs0);
  Shape s = xs[0].shape();
  s[static_cast<size_t>(axis)] = 0;
  std::vector<int64_t> sizes;
  for (const auto& x : xs) {
    sizes.push_back(x.dim(axis));
    s[static_cast<size_t>(axis)] += x.dim(axis);
  }
  Tensor out = concat_raw(xs, axis, s);
  if (!needs_record(xs)) return out;
  record("op_concatenate", xs, out, [sizes, axis](const std::vector<Tensor>& go) {
    return split_raw(go[0], sizes, axis);
  });
  return out;
}

std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& sizes, int axis_in) {
  if (x.ndim() == 0) throw Error("op_split: cannot split a scalar");
  const int axis = normalize_axis(axis_in, x.ndim(), "op_split");
  int64_t total = 0;
  for (int64_t n : sizes) {
    if (n < 0) throw Error("op_split: piece sizes cannot be negative, got " + ints_str(sizes));
    total += n;
  }
  if (total != x.dim(axis))
    throw Error("op_split: pieces of sizes " + ints_str(sizes) + " do not add up to the size " +
                std::to_string(x.dim(axis)) + " of axis " + std::to_string(axis + 1) + " of a tensor of shape " +
                shape_str(x.shape()));
  std::vector<Tensor> out = split_raw(x, sizes, axis);
  if (!recording(x)) return out;
  std::vector<Tensor*> ptrs;
  for (auto& t : out) ptrs.push_back(&t);
  Shape sx = x.shape();
  record("op_split", {x}, ptrs, [axis, sx](const std::vector<Tensor>& go) {
    return std::vector<Tensor>{concat_raw(go, axis, sx)};
  });
  return out;
}

// ---------------------------------------------------------------- stack / unstack

Tensor stack(const std::vector<Tensor>& xs0, int axis_in) {
  if (xs0.empty()) throw Error("op_stack: needs at least one tensor");
  for (const auto& x : xs0)
    if (x.shape() != xs0[0].shape())
      throw Error("op_stack: all tensors must have the same shape, got " + shape_str(xs0[0].shape()) + " and " +
                  shape_str(x.shape()));
  const int axis = normalize_axis(axis_in, xs0[0].ndim() + 1, "op_stack");
  std::vector<Tensor> xs = common_dtype(xs0);
  Shape one = xs[0].shape();
  one.insert(one.begin() + axis, 1);
  std::vector<Tensor> views;
  for (const auto& x : xs) views.push_back(x.view(one));
  Shape s = one;
  s[static_cast<size_t>(axis)] = static_cast<int64_t>(xs.size());
  Tensor out = concat_raw(views, axis, s);
  if (!needs_record(xs)) return out;
  const Shape sx = xs[0].shape();
  const std::vector<int64_t> sizes(xs.size(), 1);
  record("op_stack", xs, out, [sizes, axis, sx](const std::vector<Tensor>& go) {
    std::vector<Tensor> parts = split_raw(go[0], sizes, axis);
    for (auto& p : parts) p = p.view(sx);
    return parts;
  });
  return out;
}

std::vector<Tensor> unstack(const Tensor& x, int axis_in) {
  if (x.ndim() == 0) throw Error("op_unstack: cannot unstack a scalar");
  const int axis = normalize_axis(axis_in, x.ndim(), "op_unstack");
  const std::vector<int64_t> sizes(static_cast<size_t>(x.dim(axis)), 1);
  Shape part = x.shape();
  part.erase(part.begin() + axis);
  std::vector<Tensor> out = split_raw(x, sizes, axis);
  for (auto& t : out) t = t.view(part);
  if (!recording(x)) return out;
  std::vector<Tensor*> ptrs;
  for (auto& t : out) ptrs.push_back(&t);
  Shape sx = x.shape(), one = part;
  one.insert(one.begin() + axis, 1);
  record("op_unstack", {x}, ptrs, [axis, sx, one](const std::vector<Tensor>& go) {
    std::vector<Tensor> views;
    for (const auto& g : go) views.push_back(g.view(one));
    return std::vector<Tensor>{concat_raw(views, axis, sx)};
  });
  return out;
}

// ---------------------------------------------------------------- slice / take

Tensor slice(const Tensor& x, const std::vector<int64_t>& start, const std::vector<int64_t>& size_in) {
  const size_t nd = static_cast<size_t>(x.ndim());
  if (start.size() != nd || size_in.size() != nd)
    throw Error("op_slice: a tensor of shape " + shape_str(x.shape()) + " needs " + std::to_string(nd) +
                " start indices and " + std::to_string(nd) + " sizes, got " + std::to_string(start.size()) +
                " and " + std::to_string(size_in.size()));
  Shape size = size_in;
  for (size_t i = 0; i < nd; ++i) {
    if (size[i] == -1) size[i] = x.shape()[i] - start[i];  // -1: to the end
    if (start[i] < 0 || size[i] < 0 || start[i] + size[i] > x.shape()[i])
      throw Error("op_slice: a slice of shape " + ints_str(size_in) + " starting at " + ints_str(start, 1) +
                  " (1-based) does not fit in a tensor of shape " + shape_str(x.shape()));
  }
  Tensor out = slice_raw(x, start, size);
  if (!recording(x)) return out;
  const Shape sx = x.shape();
  record("op_slice", {x}, out, [start, sx](const std::vector<Tensor>& go) {
    Tensor g = Tensor::zeros(sx, go[0].dtype());
    slice_assign_raw(g, go[0], start);
    return std::vector<Tensor>{g};
  });
  return out;
}

Tensor take(const Tensor& x0, const Tensor& indices, int axis_in) {
  const bool flat = axis_in < 0;
  Tensor x = flat ? x0.view(Shape{x0.size()}) : x0;
  if (x.ndim() == 0) throw Error("op_take: cannot take from a scalar");
  const int axis = flat ? 0 : normalize_axis(axis_in, x.ndim(), "op_take");
  const int64_t n = x.dim(axis);
  const std::string what = flat ? "a flattened tensor" : "axis " + std::to_string(axis + 1);
  std::vector<int64_t> idx = index_values(indices, n, "op_take", what);
  const int64_t outer = prod_range(x.shape(), 0, static_cast<size_t>(axis));
  const int64_t inner = prod_range(x.shape(), static_cast<size_t>(axis) + 1, x.shape().size());
  Shape s(x.shape().begin(), x.shape().begin() + axis);
  s.insert(s.end(), indices.shape().begin(), indices.shape().end());
  s.insert(s.end(), x.shape().begin() + axis + 1, x.shape().end());
  Tensor out = take_raw(x, idx, outer, n, inner, s);
  if (!recording(x0)) return out;
  const Shape sx = x0.shape();
  record("op_take", {x0}, out, [idx, outer, n, inner, sx](const std::vector<Tensor>& go) {
    return std::vector<Tensor>{take_grad_raw(go[0], idx, outer, n, inner, sx)};
  });
  return out;
}

// ---------------------------------------------------------------- flip / tile / one_hot

Tensor flip(const Tensor& x, std::vector<int> axes) {
  std::vector<bool> flipped(static_cast<size_t>(x.ndim()), axes.empty());
  for (int a : axes) flipped[static_cast<size_t>(normalize_axis(a, x.ndim(), "op_flip"))] = true;
  Tensor out = flip_raw(x, flipped);
  if (!recording(x)) return out;
  record("op_flip", {x}, out, [flipped](const std::vector<Tensor>& go) {
    return std::vector<Tensor>{flip_raw(go[0], flipped)};
  });
  return out;
}

Tensor tile(const Tensor& x, const std::vector<int64_t>& reps_in) {
  for (int64_t r : reps_in)
    if (r < 0) throw Error("op_tile: repeats cannot be negative, got " + ints_str(reps_in));
  // NumPy: the shorter of shape and repeats is padded with leading 1s
  const size_t nd = std::max(reps_in.size(), static_cast<size_t>(x.ndim()));
  std::vector<int64_t> reps(nd - reps_in.size(), 1);
  reps.insert(reps.end(), reps_in.begin(), reps_in.end());
  Shape s(nd - static_cast<size_t>(x.ndim()), 1);
  s.insert(s.end(), x.shape().begin(), x.shape().end());
  Shape os(nd);
  for (size_t i = 0; i < nd; ++i) os[i] = s[i] * reps[i];
  Tensor t = x.view(s);
  if (numel(os) == 0) {
    t = Tensor::zeros(os, x.dtype());
  } else {
    for (size_t d = 0; d < nd; ++d) {  // one dim at a time: the tensor joined to itself
      if (reps[d] == 1) continue;
      Shape js = t.shape();
      js[d] *= reps[d];
      t = concat_raw(std::vector<Tensor>(static_cast<size_t>(reps[d]), t), static_cast<int>(d), js);
    }
    if (t.same(x) || t.impl()->buf == x.impl()->buf) t = t.clone();
  }
  if (!recording(x)) return t;
  const Shape sx = x.shape();
  record("op_tile", {x}, t, [reps, s, sx](const std::vector<Tensor>& go) {
    // (r0 s0, r1 s1, ...) -> (r0, s0, r1, s1, ...), then sum over the repeats
    Shape split_shape;
    std::vector<int> rep_axes;
    for (size_t i = 0; i < s.size(); ++i) {
      rep_axes.push_back(static_cast<int>(split_shape.size()));
      split_shape.push_back(reps[i]);
      split_shape.push_back(s[i]);
    }
    Tensor g = go[0].view(split_shape);
    return std::vector<Tensor>{reduce(Reduce::Sum, g, rep_axes, false).view(sx)};
  });
  return t;
}

Tensor one_hot(const Tensor& indices, int64_t num_classes, DType dtype) {
  if (num_classes < 0) throw Error("op_one_hot: `num_classes` cannot be negative");
  Shape s = indices.shape();
  s.push_back(num_classes);
  Tensor out = Tensor::zeros(s, dtype);
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* po = out.data<T>();
    for (int64_t i = 0; i < indices.size(); ++i) {
      const double v = indices.at(i);
      // out-of-range classes give a row of zeros, as in TensorFlow
      if (v >= 0 && v < static_cast<double>(num_classes) && v == std::floor(v))
        po[i * num_classes + static_cast<int64_t>(v)] = T(1);
    }
    return 0;
  });
  return out;
}

}  // namespace ops
}  // namespace core
}  // namespace recurrent
