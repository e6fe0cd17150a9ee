// Fused whole-sequence RNN kernels (SimpleRNN, GRU, LSTM): the entry point the bindings call.
#pragma once

#include <string>
#include <vector>

#include "../tensor.h"

namespace recurrent {
namespace core {
namespace rnn {

// What one call computes. Weight layout and gate order follow Keras
// (keras/src/layers/rnn/{simple_rnn,gru,lstm}.py): kernel (I, k*H), recurrent_kernel
// (H, k*H), gates LSTM i f c o (k = 4), GRU z r h (k = 3), SimpleRNN k = 1.
struct FusedSpec {
  enum class Kind { Simple, Gru, Lstm };
  Kind kind = Kind::Lstm;
  std::string activation = "tanh";
  std::string recurrent_activation = "sigmoid";  // unused by SimpleRNN
  bool reset_after = true;                        // GRU only
  bool go_backwards = false;
  bool return_sequences = false;
  bool zero_output_for_mask = false;
};

FusedSpec::Kind fused_kind_from_name(const std::string& name);  // "simple", "gru", "lstm"
int fused_gate_count(FusedSpec::Kind kind);                     // k
int fused_state_count(FusedSpec::Kind kind);                    // 2 for LSTM, else 1

// Whether an activation name has a fused implementation (the R side falls back to
// the per-step path for the others).
bool fused_activation_supported(const std::string& name);

// x (B, T, I); states: LSTM {h, c}, GRU / SimpleRNN {h}, each (B, H), or empty for
// zeros; kernel (I, k*H); recurrent_kernel (H, k*H); bias (k*H), or (2, 3*H) for GRU
// with reset_after, or undefined (use_bias = FALSE); mask (B, T) (true = keep) or
// undefined; input_dropout (B, I) or per gate (k, B, I), recurrent_dropout (B, H) or
// per gate (k, B, H), already scaled by 1 / (1 - rate), or undefined.
//
// Returns {output, final states...}: output is (B, T, H) in processing order when
// return_sequences, else (B, H). When gradients are recorded, one node covers all
// outputs and gives gradients for x, the given states, kernel, recurrent_kernel and bias.
std::vector<Tensor> fused_rnn(const FusedSpec& spec, const Tensor& x, const std::vector<Tensor>& states,
                              const Tensor& kernel, const Tensor& recurrent_kernel, const Tensor& bias,
                              const Tensor& mask, const Tensor& input_dropout, const Tensor& recurrent_dropout);

}  // namespace rnn
}  // namespace core
}  // namespace recurrent
