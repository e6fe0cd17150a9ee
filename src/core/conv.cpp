// Convolution kernels (im2col + the packed GEMM) and the differentiable conv ops.
#include "conv.h"

#include <algorithm>
#include <vector>

#include "autograd.h"
#include "kernels.h"
#include "ops.h"
#include "rnn/gemm.h"

namespace recurrent {
namespace core {
namespace conv {

namespace {

using rnn::detail::gemm_strided;

// Rows of the im2col matrix made at a time: about 4 MB of float32, so the matrix stays
// in cache while the GEMM reads it, and memory stays bounded for large inputs.
int64_t chunk_rows(int64_t row_len, int64_t rows) {
  const int64_t budget = int64_t(1) << 20;
  return std::max<int64_t>(1, std::min(rows, budget / std::max<int64_t>(row_len, 1)));
}

// Visits the input positions one output row (b, p) reads, in kernel order: fn(offset)
// with the offset of the input position's first channel, or fn(-1) where the kernel
// falls on padding.
template <typename Fn>
void for_each_tap(const Geometry& g, int64_t b, int64_t p, Fn fn) {
  const int64_t o2 = p % g.out[2], o1 = (p / g.out[2]) % g.out[1], o0 = p / (g.out[2] * g.out[1]);
  const int64_t base = b * g.in_positions();
  for (int64_t k0 = 0; k0 < g.kernel[0]; ++k0) {
    const int64_t i0 = o0 * g.stride[0] - g.pad[0] + k0 * g.dilation[0];
    const bool v0 = i0 >= 0 && i0 < g.in[0];
    for (int64_t k1 = 0; k1 < g.kernel[1]; ++k1) {
      const int64_t i1 = o1 * g.stride[1] - g.pad[1] + k1 * g.dilation[1];
      const bool v1 = v0 && i1 >= 0 && i1 < g.in[1];
      for (int64_t k2 = 0; k2 < g.kernel[2]; ++k2) {
        const int64_t i2 = o2 * g.stride[2] - g.pad[2] + k2 * g.dilation[2];
        const bool v = v1 && i2 >= 0 && i2 < g.in[2];
        fn(v ? (base + (i0 * g.in[1] + i1) * g.in[2] + i2) * g.cin : int64_t(-1));
      }
    }
  }
}

// col (rows r0..r1, kernel positions x channels of group grp) from x.
template <typename T>
void im2col(const Geometry& g, const T* x, int64_t r0, int64_t r1, int64_t grp, T* col) {
  const int64_t cg = g.cin_per_group(), P = g.out_positions();
  const T* xg = x + grp * cg;
  for (int64_t r = r0; r < r1; ++r) {
    T* dst = col + (r - r0) * g.kernel_positions() * cg;
    for_each_tap(g, r / P, r % P, [&](int64_t off) {
      if (off < 0) {
        std::fill(dst, dst + cg, T(0));
      } else {
        std::copy(xg + off, xg + off + cg, dst);
      }
      dst += cg;
    });
  }
}

// dx += the columns scattered back to the input positions they were read from.
template <typename T>
void col2im_add(const Geometry& g, const T* col, int64_t r0, int64_t r1, int64_t grp, T* dx) {
  const int64_t cg = g.cin_per_group(), P = g.out_positions();
  T* dg = dx + grp * cg;
  for (int64_t r = r0; r < r1; ++r) {
    const T* src = col + (r - r0) * g.kernel_positions() * cg;
    for_each_tap(g, r / P, r % P, [&](int64_t off) {
      if (off >= 0)
        for (int64_t c = 0; c < cg; ++c) dg[off + c] += src[c];
      src += cg;
    });
  }
}

// Stride 1 and no dilation, with enough channels: no im2col. In a zero-padded copy of x
// whose grid is exactly what the kernel sweeps, the input rows that kernel offset
// (k0, k1) reads for every grid position form one matrix with row stride cin (a row
// runs on over the last k2 * cin values), so the convolution is K0 * K1 products
// accumulated into an output over the whole padded grid; positions past the output's
// end along a dim are computed and dropped. Returns false when it does not apply.
template <typename T>
bool forward_shifted(const Geometry& g, const T* x, const T* w, T* y) {
  for (int d = 0; d < 3; ++d)
    if (g.stride[d] != 1 || g.dilation[d] != 1) return false;
  const int64_t row_len = g.kernel[2] * g.cin;
  if (g.groups != 1 || row_len < 16) return false;
  std::array<int64_t, 3> P;
  for (int d = 0; d < 3; ++d) P[d] = g.out[d] + g.kernel[d] - 1;
  const int64_t grid = P[0] * P[1] * P[2];
  // rows read past a batch item's grid spill into the next item or this tail of zeros
  const int64_t tail = ((g.kernel[0] - 1) * P[1] * P[2] + (g.kernel[1] - 1) * P[2] + g.kernel[2]) * g.cin;
  const int64_t per_chunk = std::max<int64_t>(1, (int64_t(1) << 21) / std::max<int64_t>(grid * std::max(g.cin, g.cout), 1));
  std::vector<T> xp, acc;
  for (int64_t b0 = 0; b0 < g.batch; b0 += per_chunk) {
    const int64_t nb = std::min(per_chunk, g.batch - b0);
    const int64_t rows = nb * grid;
    xp.assign(static_cast<size_t>(rows * g.cin + tail), T(0));
    acc.resize(static_cast<size_t>(rows * g.cout));
    for (int64_t b = 0; b < nb; ++b)
      for (int64_t i0 = 0; i0 < g.in[0]; ++i0) {
        const int64_t q0 = i0 + g.pad[0];
        if (q0 >= P[0]) continue;
        for (int64_t i1 = 0; i1 < g.in[1]; ++i1) {
          const int64_t q1 = i1 + g.pad[1];
          if (q1 >= P[1]) continue;
          const int64_t n2 = std::min(g.in[2], P[2] - g.pad[2]);
          const T* src = x + (((b0 + b) * g.in[0] + i0) * g.in[1] + i1) * g.in[2] * g.cin;
          T* dst = xp.data() + (((b * P[0] + q0) * P[1] + q1) * P[2] + g.pad[2]) * g.cin;
          std::copy(src, src + n2 * g.cin, dst);
        }
      }
    bool first = true;
    for (int64_t k0 = 0; k0 < g.kernel[0]; ++k0)
      for (int64_t k1 = 0; k1 < g.kernel[1]; ++k1) {
        const T* a = xp.data() + (k0 * P[1] + k1) * P[2] * g.cin;
        const T* wk = w + (k0 * g.kernel[1] + k1) * row_len * g.cout;
        gemm_strided<T>(!first, rows, g.cout, row_len, a, g.cin, 1, wk, g.cout, 1, acc.data(), g.cout);
        first = false;
      }
    for (int64_t b = 0; b < nb; ++b)
      for (int64_t o0 = 0; o0 < g.out[0]; ++o0)
        for (int64_t o1 = 0; o1 < g.out[1]; ++o1) {
          const T* src = acc.data() + (((b * P[0] + o0) * P[1] + o1) * P[2]) * g.cout;
          T* dst = y + ((((b0 + b) * g.out[0] + o0) * g.out[1] + o1) * g.out[2]) * g.cout;
          std::copy(src, src + g.out[2] * g.cout, dst);
        }
  }
  return true;
}

// The kernel gradient on the same padded grid as forward_shifted(): for kernel offset
// (k0, k1), dW (k2 * cin, cout) = the shifted input rows, transposed, times dy laid out
// on the grid (zeros where forward computed positions it then dropped).
template <typename T>
bool backward_kernel_shifted(const Geometry& g, const T* x, const T* dy, T* dw) {
  for (int d = 0; d < 3; ++d)
    if (g.stride[d] != 1 || g.dilation[d] != 1) return false;
  const int64_t row_len = g.kernel[2] * g.cin;
  // the product's height is row_len: short ones leave the GEMM's register tiles mostly
  // empty. Measured (inst/bench/bench-conv.R), this beats im2col for 1-D convolutions only.
  if (g.rank != 1 || g.groups != 1 || row_len < 64) return false;
  std::array<int64_t, 3> P;
  for (int d = 0; d < 3; ++d) P[d] = g.out[d] + g.kernel[d] - 1;
  const int64_t grid = P[0] * P[1] * P[2];
  const int64_t tail = ((g.kernel[0] - 1) * P[1] * P[2] + (g.kernel[1] - 1) * P[2] + g.kernel[2]) * g.cin;
  const int64_t per_chunk = std::max<int64_t>(1, (int64_t(1) << 21) / std::max<int64_t>(grid * std::max(g.cin, g.cout), 1));
  std::vector<T> xp, dyg;
  for (int64_t b0 = 0; b0 < g.batch; b0 += per_chunk) {
    const int64_t nb = std::min(per_chunk, g.batch - b0);
    const int64_t rows = nb * grid;
    xp.assign(static_cast<size_t>(rows * g.cin + tail), T(0));
    dyg.assign(static_cast<size_t>(rows * g.cout), T(0));
    for (int64_t b = 0; b < nb; ++b) {
      for (int64_t i0 = 0; i0 < g.in[0]; ++i0) {
        const int64_t q0 = i0 + g.pad[0];
        if (q0 >= P[0]) continue;
        for (int64_t i1 = 0; i1 < g.in[1]; ++i1) {
          const int64_t q1 = i1 + g.pad[1];
          if (q1 >= P[1]) continue;
          const int64_t n2 = std::min(g.in[2], P[2] - g.pad[2]);
          const T* src = x + (((b0 + b) * g.in[0] + i0) * g.in[1] + i1) * g.in[2] * g.cin;
          std::copy(src, src + n2 * g.cin, xp.data() + (((b * P[0] + q0) * P[1] + q1) * P[2] + g.pad[2]) * g.cin);
        }
      }
      for (int64_t o0 = 0; o0 < g.out[0]; ++o0)
        for (int64_t o1 = 0; o1 < g.out[1]; ++o1) {
          const T* src = dy + ((((b0 + b) * g.out[0] + o0) * g.out[1] + o1) * g.out[2]) * g.cout;
          std::copy(src, src + g.out[2] * g.cout, dyg.data() + (((b * P[0] + o0) * P[1] + o1) * P[2]) * g.cout);
        }
    }
    for (int64_t k0 = 0; k0 < g.kernel[0]; ++k0)
      for (int64_t k1 = 0; k1 < g.kernel[1]; ++k1) {
        const T* a = xp.data() + (k0 * P[1] + k1) * P[2] * g.cin;
        T* dwk = dw + (k0 * g.kernel[1] + k1) * row_len * g.cout;
        gemm_strided<T>(b0 > 0, row_len, g.cout, rows, a, 1, g.cin, dyg.data(), g.cout, 1, dwk, g.cout);
      }
  }
  return true;
}

// The input gradient of a stride-1 convolution is a forward convolution of dy with the
// kernel flipped in space and transposed in channels, padded by kernel - 1 - pad before.
template <typename T>
bool backward_input_shifted(const Geometry& g, const T* dy, const T* w, T* dx) {
  for (int d = 0; d < 3; ++d)
    if (g.stride[d] != 1 || g.dilation[d] != 1) return false;
  // the product's width is cin: narrow ones leave the GEMM's register tiles mostly empty.
  // Measured (inst/bench/bench-conv.R), this beats im2col for 1-D convolutions only.
  if (g.rank != 1 || g.groups != 1 || g.kernel[2] * g.cout < 16 || g.cin < 16) return false;
  Geometry t = g;
  t.cin = g.cout;
  t.cout = g.cin;
  for (int d = 0; d < 3; ++d) {
    t.in[d] = g.out[d];
    t.out[d] = g.in[d];
    t.pad[d] = g.kernel[d] - 1 - g.pad[d];
  }
  const int64_t kp = g.kernel_positions();
  std::vector<T> wt(static_cast<size_t>(kp * g.cin * g.cout));
  for (int64_t k = 0; k < kp; ++k)
    for (int64_t ci = 0; ci < g.cin; ++ci)
      for (int64_t co = 0; co < g.cout; ++co)
        wt[static_cast<size_t>(((kp - 1 - k) * g.cout + co) * g.cin + ci)] = w[(k * g.cin + ci) * g.cout + co];
  return forward_shifted(t, dy, wt.data(), dx);
}

}  // namespace

bool Geometry::pointwise() const {
  for (int d = 0; d < 3; ++d)
    if (kernel[d] != 1 || stride[d] != 1 || pad[d] != 0 || in[d] != out[d]) return false;
  return groups == 1;
}

void output_length(int64_t in, int64_t kernel, int64_t stride, int64_t dilation, const std::string& padding,
                   int64_t* out, int64_t* pad_before) {
  const int64_t k_eff = (kernel - 1) * dilation + 1;
  if (padding == "valid") {
    *out = in >= k_eff ? (in - k_eff) / stride + 1 : 0;
    *pad_before = 0;
  } else if (padding == "same") {
    *out = (in + stride - 1) / stride;
    *pad_before = std::max<int64_t>((*out - 1) * stride + k_eff - in, 0) / 2;
  } else {  // causal: all the padding before
    *out = in > 0 ? (in - 1) / stride + 1 : 0;
    *pad_before = k_eff - 1;
  }
}

Geometry forward_geometry(const Shape& x, const Shape& kernel, const std::vector<int64_t>& strides,
                          const std::string& padding, const std::vector<int64_t>& dilation, const char* op) {
  const std::string name(op);
  const int rank = static_cast<int>(x.size()) - 2;
  if (rank < 1 || rank > 3)
    throw Error(name + ": `inputs` must be 3-, 4- or 5-D (batch, spatial..., channels), got shape " + shape_str(x));
  if (static_cast<int>(kernel.size()) != rank + 2)
    throw Error(name + ": `kernel` must have " + std::to_string(rank + 2) +
                " dims (kernel size..., input channels, output channels) for " + std::to_string(rank) +
                "-D inputs, got shape " + shape_str(kernel));
  if (static_cast<int>(strides.size()) != rank || static_cast<int>(dilation.size()) != rank)
    throw Error(name + ": `strides` and `dilation_rate` need one entry per spatial dim (" + std::to_string(rank) + ")");
  if (padding != "valid" && padding != "same" && padding != "causal")
    throw Error(name + ": `padding` must be \"valid\", \"same\" or \"causal\", got \"" + padding + "\"");
  if (padding == "causal" && rank != 1) throw Error(name + ": `padding = \"causal\"` is only for 1-D convolution");
  Geometry g;
  g.rank = rank;
  g.batch = x[0];
  g.cin = x.back();
  const int64_t kin = kernel[static_cast<size_t>(rank)];
  g.cout = kernel.back();
  if (kin <= 0 || g.cin % kin != 0)
    throw Error(name + ": the kernel's input channels (" + std::to_string(kin) +
                ") must divide the input's channels (" + std::to_string(g.cin) + "); kernel shape " +
                shape_str(kernel) + ", input shape " + shape_str(x));
  g.groups = g.cin / kin;
  if (g.cout <= 0 || g.cout % g.groups != 0)
    throw Error(name + ": the kernel's output channels (" + std::to_string(g.cout) + ") must be a multiple of the " +
                std::to_string(g.groups) + " groups");
  const int off = 3 - rank;
  for (int d = 0; d < rank; ++d) {
    const size_t i = static_cast<size_t>(d), j = static_cast<size_t>(off + d);
    if (strides[i] < 1 || dilation[i] < 1)
      throw Error(name + ": `strides` and `dilation_rate` must be positive");
    if (kernel[i] < 1) throw Error(name + ": the kernel size must be positive, got shape " + shape_str(kernel));
    g.in[j] = x[i + 1];
    g.kernel[j] = kernel[i];
    g.stride[j] = strides[i];
    g.dilation[j] = dilation[i];
    output_length(g.in[j], g.kernel[j], g.stride[j], g.dilation[j], padding, &g.out[j], &g.pad[j]);
    if (g.out[j] <= 0)
      throw Error(name + ": the input (shape " + shape_str(x) + ") is smaller than the dilated kernel (shape " +
                  shape_str(kernel) + ") along spatial dim " + std::to_string(d + 1) + " with padding \"" +
                  padding + "\"");
  }
  return g;
}

template <typename T>
void forward(const Geometry& g, const T* x, const T* w, T* y) {
  const int64_t rows = g.batch * g.out_positions();
  if (rows == 0) return;
  if (g.pointwise()) {
    gemm_strided<T>(false, rows, g.cout, g.cin, x, g.cin, 1, w, g.cout, 1, y, g.cout);
    return;
  }
  if (forward_shifted(g, x, w, y)) return;
  const int64_t og = g.cout_per_group(), K = g.kernel_positions() * g.cin_per_group();
  const int64_t chunk = chunk_rows(K, rows);
  std::vector<T> col(static_cast<size_t>(chunk * K));
  for (int64_t r0 = 0; r0 < rows; r0 += chunk) {
    const int64_t r1 = std::min(rows, r0 + chunk);
    for (int64_t grp = 0; grp < g.groups; ++grp) {
      im2col(g, x, r0, r1, grp, col.data());
      gemm_strided<T>(false, r1 - r0, og, K, col.data(), K, 1, w + grp * og, g.cout, 1, y + r0 * g.cout + grp * og,
                      g.cout);
    }
  }
}

template <typename T>
void backward_input(const Geometry& g, const T* dy, const T* w, T* dx) {
  const int64_t rows = g.batch * g.out_positions();
  std::fill(dx, dx + g.batch * g.in_positions() * g.cin, T(0));
  if (rows == 0) return;
  if (g.pointwise()) {
    gemm_strided<T>(false, rows, g.cin, g.cout, dy, g.cout, 1, w, 1, g.cout, dx, g.cin);
    return;
  }
  if (backward_input_shifted(g, dy, w, dx)) return;
  const int64_t og = g.cout_per_group(), K = g.kernel_positions() * g.cin_per_group();
  const int64_t chunk = chunk_rows(K, rows);
  std::vector<T> col(static_cast<size_t>(chunk * K));
  for (int64_t r0 = 0; r0 < rows; r0 += chunk) {
    const int64_t r1 = std::min(rows, r0 + chunk);
    for (int64_t grp = 0; grp < g.groups; ++grp) {
      // the columns' gradient: dy (rows, og) times the group's kernel transposed (og, K)
      gemm_strided<T>(false, r1 - r0, K, og, dy + r0 * g.cout + grp * og, g.cout, 1, w + grp * og, 1, g.cout,
                      col.data(), K);
      col2im_add(g, col.data(), r0, r1, grp, dx);
    }
  }
}

template <typename T>
void backward_kernel(const Geometry& g, const T* x, const T* dy, T* dw) {
  const int64_t rows = g.batch * g.out_positions();
  const int64_t og = g.cout_per_group(), K = g.kernel_positions() * g.cin_per_group();
  if (rows == 0) {
    std::fill(dw, dw + K * g.cout, T(0));
    return;
  }
  if (g.pointwise()) {
    gemm_strided<T>(false, g.cin, g.cout, rows, x, 1, g.cin, dy, g.cout, 1, dw, g.cout);
    return;
  }
  if (backward_kernel_shifted(g, x, dy, dw)) return;
  const int64_t chunk = chunk_rows(K, rows);
  std::vector<T> col(static_cast<size_t>(chunk * K));
  for (int64_t r0 = 0; r0 < rows; r0 += chunk) {
    const int64_t r1 = std::min(rows, r0 + chunk);
    for (int64_t grp = 0; grp < g.groups; ++grp) {
      im2col(g, x, r0, r1, grp, col.data());
      // dw_group (K, og) += col^T (K, rows) dy (rows, og)
      gemm_strided<T>(r0 > 0, K, og, r1 - r0, col.data(), 1, K, dy + r0 * g.cout + grp * og, g.cout, 1,
                      dw + grp * og, g.cout);
    }
  }
}

template void forward<float>(const Geometry&, const float*, const float*, float*);
template void forward<double>(const Geometry&, const double*, const double*, double*);
template void backward_input<float>(const Geometry&, const float*, const float*, float*);
template void backward_input<double>(const Geometry&, const double*, const double*, double*);
template void backward_kernel<float>(const Geometry&, const float*, const float*, float*);
template void backward_kernel<double>(const Geometry&, const double*, const double*, double*);

}  // namespace conv

namespace ops {

namespace {

// Both operands in one float dtype (int inputs compute in float32).
void float_operands(const Tensor& x0, const Tensor& w0, Tensor& x, Tensor& w) {
  DType dt = promote(x0.dtype(), w0.dtype());
  if (!is_float(dt)) dt = DType::Float32;
  x = as_dtype(x0, dt);
  w = as_dtype(w0, dt);
}

Shape output_shape(const conv::Geometry& g, bool of_input) {
  Shape s{g.batch};
  for (int d = 3 - g.rank; d < 3; ++d) s.push_back(of_input ? g.in[static_cast<size_t>(d)] : g.out[static_cast<size_t>(d)]);
  s.push_back(of_input ? g.cin : g.cout);
  return s;
}

// y = conv(x, w) when `transposed` is false; y = the input-gradient of conv with dy = x
// (conv_transpose) when true. The backward passes follow from the same three kernels.
Tensor run(const conv::Geometry& g, const Tensor& x, const Tensor& w, bool transposed, const char* name) {
  Tensor y = Tensor::empty(output_shape(g, transposed), x.dtype());
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (transposed) {
      conv::backward_input<T>(g, x.data<T>(), w.data<T>(), y.data<T>());
    } else {
      conv::forward<T>(g, x.data<T>(), w.data<T>(), y.data<T>());
    }
    return 0;
  });
  if (!recording(x, w)) return y;
  const Tensor xd = x.detach(), wd = w.detach();
  const bool need_x = x.requires_grad(), need_w = w.requires_grad();
  record(name, {x, w}, y, [g, xd, wd, need_x, need_w, transposed](const std::vector<Tensor>& go) {
    const Tensor gy = as_dtype(go[0], xd.dtype());
    Tensor gx, gw;
    dispatch(xd.dtype(), [&](auto tag) {
      using T = decltype(tag);
      if (need_x) {
        gx = Tensor::empty(xd.shape(), xd.dtype());
        if (transposed) {
          conv::forward<T>(g, gy.data<T>(), wd.data<T>(), gx.data<T>());
        } else {
          conv::backward_input<T>(g, gy.data<T>(), wd.data<T>(), gx.data<T>());
        }
      }
      if (need_w) {
        gw = Tensor::empty(wd.shape(), wd.dtype());
        if (transposed) {
          conv::backward_kernel<T>(g, gy.data<T>(), xd.data<T>(), gw.data<T>());
        } else {
          conv::backward_kernel<T>(g, xd.data<T>(), gy.data<T>(), gw.data<T>());
        }
      }
      return 0;
    });
    return std::vector<Tensor>{gx, gw};
  });
  return y;
}

}  // namespace

Tensor conv(const Tensor& x0, const Tensor& w0, const std::vector<int64_t>& strides, const std::string& padding,
            const std::vector<int64_t>& dilation) {
  Tensor x, w;
  float_operands(x0, w0, x, w);
  const conv::Geometry g = conv::forward_geometry(x.shape(), w.shape(), strides, padding, dilation, "op_conv");
  return run(g, x, w, false, "op_conv");
}

Tensor depthwise_conv(const Tensor& x0, const Tensor& w0, const std::vector<int64_t>& strides,
                      const std::string& padding, const std::vector<int64_t>& dilation) {
  Tensor x, w;
  float_operands(x0, w0, x, w);
  if (x.ndim() < 3 || w.ndim() != x.ndim() || w.dim(w.ndim() - 2) != x.dim(x.ndim() - 1))
    throw Error("op_depthwise_conv: `kernel` must have shape (kernel size..., input channels, multiplier) with " +
                std::to_string(x.ndim() - 2) + " kernel dims and input channels " +
                (x.ndim() > 0 ? std::to_string(x.dim(x.ndim() - 1)) : std::string("?")) + ", got " +
                shape_str(w.shape()) + " for inputs " + shape_str(x.shape()));
  // (k..., cin, m) read as (k..., 1, cin * m): a convolution with one group per channel
  Shape s(w.shape().begin(), w.shape().end() - 2);
  s.push_back(1);
  s.push_back(w.dim(w.ndim() - 2) * w.dim(w.ndim() - 1));
  const Tensor wg = reshape(w, s);
  const conv::Geometry g = conv::forward_geometry(x.shape(), wg.shape(), strides, padding, dilation,
                                                  "op_depthwise_conv");
  return run(g, x, wg, false, "op_depthwise_conv");
}

Tensor conv_transpose(const Tensor& x0, const Tensor& w0, const std::vector<int64_t>& strides,
                      const std::string& padding, const std::vector<int64_t>& output_padding,
                      const std::vector<int64_t>& dilation) {
  const std::string name = "op_conv_transpose";
  Tensor x, w;
  float_operands(x0, w0, x, w);
  const int rank = x.ndim() - 2;
  if (rank < 1 || rank > 3)
    throw Error(name + ": `inputs` must be 3-, 4- or 5-D (batch, spatial..., channels), got shape " +
                shape_str(x.shape()));
  if (w.ndim() != rank + 2 || w.dim(rank + 1) != x.dim(rank + 1))
    throw Error(name + ": `kernel` must have shape (kernel size..., output channels, input channels) with " +
                std::to_string(rank) + " kernel dims and input channels " + std::to_string(x.dim(rank + 1)) +
                ", got " + shape_str(w.shape()));
  if (static_cast<int>(strides.size()) != rank || static_cast<int>(dilation.size()) != rank ||
      (!output_padding.empty() && static_cast<int>(output_padding.size()) != rank))
    throw Error(name + ": `strides`, `dilation_rate` and `output_padding` need one entry per spatial dim");
  if (padding != "valid" && padding != "same")
    throw Error(name + ": `padding` must be \"valid\" or \"same\", got \"" + padding + "\"");
  // The geometry of the forward convolution whose input-gradient this is: from the
  // output (length per Keras's conv-transpose formula) to x.
  conv::Geometry g;
  g.rank = rank;
  g.batch = x.dim(0);
  g.cin = w.dim(rank);
  g.cout = x.dim(rank + 1);
  const int off = 3 - rank;
  for (int d = 0; d < rank; ++d) {
    const size_t i = static_cast<size_t>(d), j = static_cast<size_t>(off + d);
    const int64_t in = x.dim(d + 1), k = w.dim(d), s = strides[i], dil = dilation[i];
    if (s < 1 || dil < 1 || k < 1) throw Error(name + ": `strides`, `dilation_rate` and the kernel size must be positive");
    const int64_t k_eff = (k - 1) * dil + 1;
    int64_t len;
    if (output_padding.empty()) {
      len = padding == "valid" ? in * s + std::max<int64_t>(k_eff - s, 0) : in * s;
    } else {
      const int64_t op = output_padding[i];
      if (op < 0 || op >= s)
        throw Error(name + ": each `output_padding` must be at least 0 and less than its stride, got " +
                    std::to_string(op) + " with stride " + std::to_string(s));
      len = (in - 1) * s + k_eff - 2 * (padding == "same" ? k_eff / 2 : 0) + op;
    }
    if (len <= 0) throw Error(name + ": the output would be empty along spatial dim " + std::to_string(d + 1));
    g.in[j] = len;
    g.out[j] = in;
    g.kernel[j] = k;
    g.stride[j] = s;
    g.dilation[j] = dil;
    g.pad[j] = padding == "same" ? std::max<int64_t>((in - 1) * s + k_eff - len, 0) / 2 : 0;
  }
  return run(g, x, w, true, "op_conv_transpose");
}

}  // namespace ops
}  // namespace core
}  // namespace recurrent
