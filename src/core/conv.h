// Convolution over channels-last inputs (1-, 2- and 3-D), as a direct convolution
// (conv_kernels.cpp, on the register tiles of conv_tiles.h), with hand-written backward
// passes for the input and the kernel. Transposed convolution is the input-gradient of a
// forward convolution, and depthwise convolution is a grouped one, so three kernels
// serve all of them. The kernels keep scratch buffers per thread, so that calling them
// at every timestep allocates nothing once the buffers have grown.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "tensor.h"

namespace recurrent {
namespace core {
namespace conv {

// The shape of one convolution. Spatial dims are kept as three, with leading 1s for 1-D
// and 2-D, so that one loop nest serves every rank. x is (batch, in..., cin), the kernel
// (k..., cin / groups, cout), y (batch, out..., cout).
struct Geometry {
  int rank = 1;
  int64_t batch = 0, cin = 0, cout = 0, groups = 1;
  std::array<int64_t, 3> in{{1, 1, 1}}, kernel{{1, 1, 1}}, out{{1, 1, 1}};
  std::array<int64_t, 3> stride{{1, 1, 1}}, dilation{{1, 1, 1}}, pad{{0, 0, 0}};  // pad: before

  int64_t in_positions() const { return in[0] * in[1] * in[2]; }
  int64_t out_positions() const { return out[0] * out[1] * out[2]; }
  int64_t kernel_positions() const { return kernel[0] * kernel[1] * kernel[2]; }
  int64_t cin_per_group() const { return cin / groups; }
  int64_t cout_per_group() const { return cout / groups; }
  // A 1x1 convolution with stride 1 and no padding is a plain product of x and the kernel.
  bool pointwise() const;
};

// The output length of one spatial dim for padding "valid", "same" or "causal", and the
// padding before it.
void output_length(int64_t in, int64_t kernel, int64_t stride, int64_t dilation, const std::string& padding,
                   int64_t* out, int64_t* pad_before);

// Checks shapes and arguments (naming the op in errors) and fills in a geometry for the
// forward convolution of x (batch, in..., cin) with kernel (k..., cin / groups, cout).
Geometry forward_geometry(const Shape& x, const Shape& kernel, const std::vector<int64_t>& strides,
                          const std::string& padding, const std::vector<int64_t>& dilation, const char* op);

// y = conv(x, w); y written in full.
template <typename T>
void forward(const Geometry& g, const T* x, const T* w, T* y);
// dx = d(sum(y * dy)) / dx; dx written in full.
template <typename T>
void backward_input(const Geometry& g, const T* dy, const T* w, T* dx);
// dw = d(sum(y * dy)) / dw; dw written in full.
template <typename T>
void backward_kernel(const Geometry& g, const T* x, const T* dy, T* dw);

}  // namespace conv

namespace ops {

// Keras's ops.conv: x (batch, spatial..., cin), kernel (k..., cin / groups, cout); the
// number of groups is cin over the kernel's input-channel dim. padding "valid", "same",
// or "causal" (1-D only). strides and dilation have one entry per spatial dim.
Tensor conv(const Tensor& x, const Tensor& kernel, const std::vector<int64_t>& strides, const std::string& padding,
            const std::vector<int64_t>& dilation);

// Keras's ops.depthwise_conv: kernel (k..., cin, multiplier); output channel c * multiplier + m.
Tensor depthwise_conv(const Tensor& x, const Tensor& kernel, const std::vector<int64_t>& strides,
                      const std::string& padding, const std::vector<int64_t>& dilation);

// Keras's ops.conv_transpose: x (batch, spatial..., cin), kernel (k..., cout, cin);
// output_padding empty = None.
Tensor conv_transpose(const Tensor& x, const Tensor& kernel, const std::vector<int64_t>& strides,
                      const std::string& padding, const std::vector<int64_t>& output_padding,
                      const std::vector<int64_t>& dilation);

}  // namespace ops
}  // namespace core
}  // namespace recurrent

namespace recurrent {
namespace core {
namespace ops {

// Max or average pooling over the spatial dims of x (batch, spatial..., channels), one
// window per channel; padding "valid" or "same". Averages count only the window's
// positions inside the input (the padding is left out), as Keras does.
enum class Pool { Max, Average };
Tensor pool(Pool mode, const Tensor& x, const std::vector<int64_t>& pool_size, const std::vector<int64_t>& strides,
            const std::string& padding);

}  // namespace ops
}  // namespace core
}  // namespace recurrent
