// Reverse-mode autograd: nodes recorded by ops while gradients are wanted, and backward.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "tensor.h"

namespace recurrent {
namespace core {

// Gradients of a node's inputs given the gradients of its outputs. A missing
// output gradient arrives as zeros; an input that needs no gradient may get an
// undefined Tensor back.
using BackwardFn = std::function<std::vector<Tensor>(const std::vector<Tensor>& grad_outputs)>;

struct Node {
  std::string name;
  std::vector<Tensor> inputs;          // only those that require gradients matter
  std::vector<Shape> output_shapes;
  DType output_dtype = DType::Float32;
  BackwardFn backward;  // captures detached tensors only, so graphs link through `inputs`
  ~Node();
};

// Recording is off by default and switched on around a forward pass that will be
// differentiated (a training step, a gradient check).
bool grad_enabled();
void set_grad_enabled(bool on);

class GradModeGuard {
 public:
  explicit GradModeGuard(bool on) : prev_(grad_enabled()) { set_grad_enabled(on); }
  ~GradModeGuard() { set_grad_enabled(prev_); }
 private:
  bool prev_;
};

// True when an op with these inputs must record a node.
bool needs_record(const std::vector<Tensor>& inputs);

// Attach one node to the outputs of an op (one output for most ops; the fused RNN
// kernels have several: sequence or last output, then the final states).
void record(const std::string& name, const std::vector<Tensor>& inputs,
            std::vector<Tensor*> outputs, BackwardFn backward);
inline void record(const std::string& name, const std::vector<Tensor>& inputs, Tensor& output,
                   BackwardFn backward) {
  record(name, inputs, std::vector<Tensor*>{&output}, std::move(backward));
}

// d(loss)/d(wrt) for a scalar (or any-shape, seeded with ones) loss. A wrt tensor
// the loss does not depend on gets zeros.
std::vector<Tensor> gradients(const Tensor& loss, const std::vector<Tensor>& wrt);

// Reduce a broadcast gradient back to the shape of the operand it belongs to.
Tensor sum_to(const Tensor& grad, const Shape& shape);

}  // namespace core
}  // namespace recurrent
