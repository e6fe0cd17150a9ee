// Recording a slow step twice, comparing the recordings, then replaying.
#include "replay.h"

namespace recurrent {
namespace core {
namespace rnn {

namespace {

std::vector<Tensor> step_inputs(const Tensor& x_t, const std::vector<Tensor>& states) {
  std::vector<Tensor> in;
  in.reserve(states.size() + 1);
  in.push_back(x_t);
  in.insert(in.end(), states.begin(), states.end());
  return in;
}

}  // namespace

StepResult ReplayingStep::operator()(const Tensor& x_t, const std::vector<Tensor>& states, int t) {
  if (replaying_) {
    std::vector<Tensor> out = program_.run(step_inputs(x_t, states));
    StepResult r;
    r.output = std::move(out[0]);
    r.states.assign(std::make_move_iterator(out.begin() + 1), std::make_move_iterator(out.end()));
    return r;
  }
  ++slow_calls_;
  if (given_up_) return slow_(x_t, states, t);
  if (slow_calls_ == 1) {
    age_.first_step_begin = next_buffer_serial();
    StepResult r = slow_(x_t, states, t);
    age_.first_step_end = next_buffer_serial();
    return r;
  }

  trace::Program program;
  bool recorded;
  StepResult r;
  {
    trace::Recorder recorder(step_inputs(x_t, states), age_);
    r = slow_(x_t, states, t);  // an R error unwinds through the recorder
    recorded = recorder.finish(step_inputs(r.output, r.states), &program);
  }
  const bool second_recording = slow_calls_ == 3;  // calls 2 and 3 are recorded
  if (!recorded || (second_recording && !first_.same_as(program))) {
    given_up_ = true;
    first_ = trace::Program();
  } else if (!second_recording) {
    first_ = std::move(program);
  } else {
    program_ = std::move(program);
    first_ = trace::Program();
    replaying_ = true;
  }
  return r;
}

}  // namespace rnn
}  // namespace core
}  // namespace recurrent
