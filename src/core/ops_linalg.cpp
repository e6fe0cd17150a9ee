// matmul: NumPy semantics (1-D promotion, broadcast batch dims) on the dispatched GEMM kernels (kernels/gemm.h).
#include <algorithm>
#include <vector>

#include "kernels.h"
#include "kernels/gemm.h"
#include "ops.h"

namespace recurrent {
namespace core {
namespace ops {

namespace {

Shape batch_of(const Shape& s) { return Shape(s.begin(), s.end() - 2); }

// Products up to this many multiply-adds take kernels::small_gemm() (no packing, a
// cell's per-step product is about 32^3); above, the packed GEMM wins
// (inst/bench/bench-rnn-callback.R).
constexpr int64_t kSmallGemm = int64_t(1) << 18;

// x (rows, cols) row-major as it is, or, when `transpose`, its transpose copied into
// `scratch` (cols, rows).
template <typename T>
const T* transposed_copy(const T* x, int64_t rows, int64_t cols, bool transpose, std::vector<T>& scratch) {
  if (!transpose) return x;
  scratch.resize(static_cast<size_t>(rows * cols));
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) scratch[static_cast<size_t>(j * rows + i)] = x[i * cols + j];
  return scratch.data();
}

template <typename T>
struct Scratch {
  std::vector<T> a, b;
};

// C = op(A) op(B) for row-major A (ar, ac), B (br, bc), where op transposes when asked.
// Small products (a cell's per-step products and their gradients) skip the packing: a
// transposed operand is copied to row-major, which costs less than packing both.
template <typename T>
void product(const T* a, int64_t ar, int64_t ac, bool ta, const T* b, int64_t br, int64_t bc, bool tb, T* c,
             Scratch<T>& scratch) {
  const int64_t m = ta ? ac : ar, k = ta ? ar : ac, n = tb ? br : bc;
  if (k == 0) {
    std::fill(c, c + m * n, T(0));
    return;
  }
  if (m * k * n <= kSmallGemm) {
    kernels::small_gemm(m, k, n, transposed_copy(a, ar, ac, ta, scratch.a), transposed_copy(b, br, bc, tb, scratch.b),
                        c);
    return;
  }
  // element (i, p) of op(A) and (p, j) of op(B), as strides into the row-major operands
  kernels::gemm_strided(false, m, n, k, a, ta ? 1 : ac, ta ? ac : 1, b, tb ? 1 : bc, tb ? bc : 1, c, n);
}

// op(a) @ op(b) for a (..., r, c) and b (..., r, c) with broadcast batch dims, where
// op transposes the last two dims when asked. Inputs must share a float dtype.
Tensor batched_gemm(const Tensor& a, const Tensor& b, bool ta, bool tb) {
  const int64_t ar = a.dim(a.ndim() - 2), ac = a.dim(a.ndim() - 1);
  const int64_t br = b.dim(b.ndim() - 2), bc = b.dim(b.ndim() - 1);
  const int64_t m = ta ? ac : ar, k = ta ? ar : ac;
  const int64_t kb = tb ? bc : br, n = tb ? br : bc;
  if (k != kb)
    throw Error("op_matmul: inner dimensions do not match: shapes " + shape_str(a.shape()) + " and " +
                shape_str(b.shape()));
  const Shape ba = batch_of(a.shape()), bb = batch_of(b.shape());
  Shape batch = broadcast_shapes(ba, bb, "op_matmul");
  Shape out_shape = batch;
  out_shape.push_back(m);
  out_shape.push_back(n);
  Tensor out = Tensor::empty(out_shape, a.dtype());  // product() writes every element
  const int64_t nb = numel(batch);
  if (nb == 0 || m == 0 || n == 0) return out;
  dispatch(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    // strides over the batch dims, in whole matrices
    const kernels::Strides sa = kernels::broadcast_strides(ba, batch.size(), batch);
    const kernels::Strides sb = kernels::broadcast_strides(bb, batch.size(), batch);
    T* pc = out.data<T>();
    Scratch<T> scratch;
    kernels::for_each_offset(batch, sa, sb, [&](int64_t ma, int64_t mb) {
      product(a.data<T>() + ma * ar * ac, ar, ac, ta, b.data<T>() + mb * br * bc, br, bc, tb, pc, scratch);
      pc += m * n;
    });
    return 0;
  });
  return out;
}

// (..., m, k) @ (k, n) as one GEMM over the flattened leading dims: the common case
// of a dense layer on a batch of sequences.
Tensor flat_gemm(const Tensor& a, const Tensor& b) {
  const int64_t k = a.dim(a.ndim() - 1), n = b.dim(1);
  if (k != b.dim(0))
    throw Error("op_matmul: inner dimensions do not match: shapes " + shape_str(a.shape()) + " and " +
                shape_str(b.shape()));
  Shape out_shape(a.shape().begin(), a.shape().end() - 1);
  out_shape.push_back(n);
  if (k == 0) return Tensor::zeros(out_shape, a.dtype());
  const int64_t rows = a.size() / k;
  Tensor out = Tensor::empty(out_shape, a.dtype());  // both kernels write every element
  dispatch(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (rows * k * n <= kSmallGemm) {
      kernels::small_gemm(rows, k, n, a.data<T>(), b.data<T>(), out.data<T>());
    } else {
      kernels::gemm_strided(false, rows, n, k, a.data<T>(), k, 1, b.data<T>(), n, 1, out.data<T>(), n);
    }
    return 0;
  });
  return out;
}

Tensor matmul_nd(const Tensor& a, const Tensor& b) {
  if (b.ndim() == 2) return flat_gemm(a, b);
  return batched_gemm(a, b, false, false);
}

}  // namespace

Tensor matmul(const Tensor& a0, const Tensor& b0) {
  if (a0.ndim() == 0 || b0.ndim() == 0)
    throw Error("op_matmul: both operands need at least one dimension, got shapes " + shape_str(a0.shape()) +
                " and " + shape_str(b0.shape()));
  DType dt = promote(a0.dtype(), b0.dtype());
  if (!is_float(dt)) dt = DType::Float32;
  Tensor a = as_dtype(a0, dt), b = as_dtype(b0, dt);
  // NumPy promotes 1-D operands to matrices and drops the added dim afterwards.
  const bool a_vec = a.ndim() == 1, b_vec = b.ndim() == 1;
  // the backward closure keeps detached operands; without recording, the operands serve
  // (this op runs once per timestep in cells written in R)
  const bool rec = recording(a, b);
  Tensor a2 = a_vec ? a.view({1, a.dim(0)}) : (rec ? a.detach() : a);
  Tensor b2 = b_vec ? b.view({b.dim(0), 1}) : (rec ? b.detach() : b);
  Tensor out = matmul_nd(a2, b2);
  if (a_vec || b_vec) {
    Shape s = out.shape();
    if (b_vec) s.erase(s.end() - 1);
    if (a_vec) s.erase(s.end() - (b_vec ? 1 : 2));
    out = out.view(s);
  }
  if (!rec) return out;
  record("op_matmul", {a, b}, out, [a2, b2](const std::vector<Tensor>& go) {
    const Tensor& ad = a2;
    const Tensor& bd = b2;
    // the gradient in the promoted (matrix) shapes
    Shape gs(ad.shape().begin(), ad.shape().end() - 1);
    if (bd.ndim() > 2) {
      gs = broadcast_shapes(batch_of(ad.shape()), batch_of(bd.shape()), "op_matmul");
      gs.push_back(ad.dim(ad.ndim() - 2));
    }
    gs.push_back(bd.dim(bd.ndim() - 1));
    Tensor g = go[0].view(gs);
    Tensor ga, gb;
    if (bd.ndim() == 2) {
      // a (..., m, k), b (k, n), g (..., m, n)
      const int64_t k = bd.dim(0), n = bd.dim(1);
      const int64_t rows = g.size() / (n == 0 ? 1 : n);
      ga = Tensor::empty(ad.shape(), ad.dtype());  // product() writes every element
      gb = Tensor::empty(bd.shape(), bd.dtype());
      dispatch(ad.dtype(), [&](auto tag) {
        using T = decltype(tag);
        Scratch<T> scratch;
        product(g.data<T>(), rows, n, false, bd.data<T>(), k, n, true, ga.data<T>(), scratch);
        product(ad.data<T>(), rows, k, true, g.data<T>(), rows, n, false, gb.data<T>(), scratch);
        return 0;
      });
    } else {
      ga = sum_to(batched_gemm(g, bd, false, true), ad.shape());
      gb = sum_to(batched_gemm(ad, g, true, false), bd.shape());
    }
    return std::vector<Tensor>{ga, gb};
  });
  // the recorded inputs are the user's tensors, so gradients must come back in their shapes
  Node* node = out.node().get();
  const Shape sa = a.shape(), sb = b.shape();
  BackwardFn inner = std::move(node->backward);
  node->backward = [inner, sa, sb](const std::vector<Tensor>& go) {
    std::vector<Tensor> g = inner(go);
    g[0] = g[0].view(sa);
    g[1] = g[1].view(sb);
    return g;
  };
  return out;
}

}  // namespace ops
}  // namespace core
}  // namespace recurrent
