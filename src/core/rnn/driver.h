// The generic recurrence loop: time order, masking and output collection around any step function.
#pragma once

#include <functional>
#include <vector>

#include "../tensor.h"

namespace recurrent {
namespace core {
namespace rnn {

struct StepResult {
  Tensor output;               // (batch, output_size)
  std::vector<Tensor> states;  // one (batch, size) tensor per state, flattened over stacked cells
};

// x_t (batch, features), the states at t, and t (0-based position in the input sequence).
using StepFn = std::function<StepResult(const Tensor& x_t, const std::vector<Tensor>& states, int t)>;

struct LoopOptions {
  bool go_backwards = false;
  bool return_sequences = false;
  bool zero_output_for_mask = false;
};

struct LoopResult {
  Tensor output;               // (batch, time, output_size) or (batch, output_size)
  std::vector<Tensor> states;  // final states
};

// Runs step over the time axis of x (batch, time, features). Every tensor op used is a
// recorded op, so gradients flow through the whole loop when recording is on. A masked
// step keeps the previous states; its output repeats the previous output (zeros before
// the first unmasked step), or is zeros with zero_output_for_mask. Nothing outside the
// returned value is modified, so a step that throws leaves no partial state behind.
LoopResult run_loop(const StepFn& step, const Tensor& x, const std::vector<Tensor>& initial_states,
                    const Tensor& mask, const LoopOptions& opts);

}  // namespace rnn
}  // namespace core
}  // namespace recurrent
