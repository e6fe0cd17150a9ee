// The generic recurrence loop for cells without a fused kernel (cells written in R).
#include "driver.h"

#include "../ops.h"

namespace recurrent {
namespace core {
namespace rnn {

LoopResult run_loop(const StepFn& step, const Tensor& x, const std::vector<Tensor>& initial_states,
                    const Tensor& mask, const LoopOptions& opts) {
  if (x.ndim() != 3)
    throw Error("layer_rnn: inputs must be 3-D (batch, timesteps, features), got shape " + shape_str(x.shape()));
  const int64_t batch = x.dim(0), steps = x.dim(1);
  if (steps == 0) throw Error("layer_rnn: inputs have no timesteps, got shape " + shape_str(x.shape()));
  if (mask.defined() && (mask.ndim() != 2 || mask.dim(0) != batch || mask.dim(1) != steps))
    throw Error("layer_rnn: `mask` must have shape (" + std::to_string(batch) + ", " + std::to_string(steps) +
                ") to match the inputs, got " + shape_str(mask.shape()));

  std::vector<Tensor> xs = ops::unstack(x, 1);
  std::vector<Tensor> ms;
  if (mask.defined()) {
    // (batch, 1) bool columns, broadcast over each state's width by where()
    Tensor m = ops::cast(mask, DType::Bool);
    for (const Tensor& col : ops::unstack(m, 1)) ms.push_back(col.view({batch, 1}));
  }

  std::vector<Tensor> states = initial_states;
  std::vector<Tensor> outputs;
  outputs.reserve(static_cast<size_t>(steps));
  Tensor prev_output;
  for (int64_t i = 0; i < steps; ++i) {
    const int64_t t = opts.go_backwards ? steps - 1 - i : i;
    StepResult r = step(xs[static_cast<size_t>(t)], states, static_cast<int>(t));
    if (r.states.size() != states.size())
      throw Error("layer_rnn: the cell returned " + std::to_string(r.states.size()) + " states, expected " +
                  std::to_string(states.size()));
    for (size_t k = 0; k < states.size(); ++k)
      if (r.states[k].shape() != states[k].shape())
        throw Error("layer_rnn: state " + std::to_string(k + 1) + " returned by the cell has shape " +
                    shape_str(r.states[k].shape()) + ", expected " + shape_str(states[k].shape()));
    if (r.output.ndim() < 1 || r.output.dim(0) != batch)
      throw Error("layer_rnn: the cell's output must have the batch size " + std::to_string(batch) +
                  " as its first dimension, got shape " + shape_str(r.output.shape()));
    if (!outputs.empty() && r.output.shape() != outputs.back().shape())
      throw Error("layer_rnn: the cell's output changed shape from " + shape_str(outputs.back().shape()) + " to " +
                  shape_str(r.output.shape()) + " between timesteps");
    Tensor out = r.output;
    if (mask.defined()) {
      const Tensor& m = ms[static_cast<size_t>(t)];
      Tensor m_out = out.ndim() == 2 ? m : m.view([&] {
        Shape s(static_cast<size_t>(out.ndim()), 1);
        s[0] = batch;
        return s;
      }());
      if (!prev_output.defined()) prev_output = Tensor::zeros(out.shape(), out.dtype());
      Tensor fallback = opts.zero_output_for_mask ? Tensor::zeros(out.shape(), out.dtype()) : prev_output;
      out = ops::where(m_out, out, fallback);
      for (size_t k = 0; k < states.size(); ++k) {
        Tensor m_state = states[k].ndim() == 2 ? m : m.view([&] {
          Shape s(static_cast<size_t>(states[k].ndim()), 1);
          s[0] = batch;
          return s;
        }());
        r.states[k] = ops::where(m_state, r.states[k], states[k]);
      }
      prev_output = out;  // what the next masked step repeats
    }
    states = std::move(r.states);
    outputs.push_back(out);
  }
  LoopResult res;
  res.output = opts.return_sequences ? ops::stack(outputs, 1) : outputs.back();
  res.states = std::move(states);
  return res;
}

}  // namespace rnn
}  // namespace core
}  // namespace recurrent
