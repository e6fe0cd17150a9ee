// Convolution geometry (shapes, padding) and the differentiable conv ops; the kernels
// are in conv_kernels.cpp.
#include "conv.h"

#include <algorithm>
#include <vector>

#include "autograd.h"
#include "kernels.h"
#include "ops.h"

namespace recurrent {
namespace core {
namespace conv {

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
        (transposed ? conv::forward<T> : conv::backward_input<T>)(g, gy.data<T>(), wd.data<T>(), gx.data<T>());
      }
      if (need_w) {  // the forward convolution's input and output gradient, whichever op this is
        gw = Tensor::empty(wd.shape(), wd.dtype());
        const T* input = (transposed ? gy : xd).template data<T>();
        const T* output_grad = (transposed ? xd : gy).template data<T>();
        conv::backward_kernel<T>(g, input, output_grad, gw.data<T>());
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
