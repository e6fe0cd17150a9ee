// The fused ConvLSTM recurrence (Keras's ConvLSTM1D/2D/3D): the entry point the bindings call.
#pragma once

#include <string>
#include <vector>

#include "../tensor.h"

namespace recurrent {
namespace core {
namespace rnn {

struct ConvLstmSpec {
  std::string activation = "tanh";
  std::string recurrent_activation = "sigmoid";
  bool go_backwards = false;
  bool return_sequences = false;
};

// The recurrence of a ConvLSTM whose input convolution is already done. Layout and gate
// order follow Keras (keras/src/layers/rnn/conv_lstm.py), channels last:
//   z (B, T, out..., 4F): the input convolution of every timestep, gates i f c o;
//   bias (4F), added to z here (its gradient is a column sum of z's), or undefined;
//   states {h, c}, each (B, out..., F), or empty for zeros;
//   recurrent_kernel (k..., F, 4F), applied per step as a convolution of h with stride
//     1, "same" padding and no dilation (Keras's recurrent_conv);
//   mask (B, T) (nonzero = keep) or undefined: a masked step keeps both states and its
//     output repeats the previous output (zeros before the first unmasked step);
//   recurrent_dropout (B, out..., F), or one per gate (4, B, out..., F), already scaled by
//     1 / (1 - rate), or undefined.
// Returns {output, h, c}: output (B, T, out..., F) in processing order when
// return_sequences, else (B, out..., F). When gradients are recorded, one node covers all
// outputs and gives gradients for z, the given states, recurrent_kernel and bias.
std::vector<Tensor> conv_lstm(const ConvLstmSpec& spec, const Tensor& z, const std::vector<Tensor>& states,
                              const Tensor& recurrent_kernel, const Tensor& bias, const Tensor& mask,
                              const Tensor& recurrent_dropout);

}  // namespace rnn
}  // namespace core
}  // namespace recurrent
