// A step function that stops calling a slow step (a cell written in R) once its ops are known.
#pragma once

#include "../trace.h"
#include "driver.h"

namespace recurrent {
namespace core {
namespace rnn {

// Calls `slow` for the first timestep as it is, records its ops at the second and
// third (core/trace.h), and, when both recordings are the same program, runs that
// program for every later timestep instead of calling `slow`. The first timestep is
// left out because a cell may build weights or draw dropout masks there. A spoiled or
// differing recording means `slow` is called for every timestep, as without replay.
class ReplayingStep {
 public:
  // Make it before the loop makes its first tensor (core/trace.h, DataAge).
  explicit ReplayingStep(StepFn slow) : slow_(std::move(slow)) { age_.loop_start = next_buffer_serial(); }
  StepResult operator()(const Tensor& x_t, const std::vector<Tensor>& states, int t);

 private:
  StepFn slow_;
  trace::DataAge age_;
  int slow_calls_ = 0;
  bool replaying_ = false;
  bool given_up_ = false;
  trace::Program first_, program_;
};

}  // namespace rnn
}  // namespace core
}  // namespace recurrent
