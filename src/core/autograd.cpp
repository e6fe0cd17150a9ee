// Recording, the backward walk, and the iterative teardown of long graphs.
#include "autograd.h"

#include <unordered_map>
#include <unordered_set>

#include "ops.h"

namespace recurrent {
namespace core {

namespace {
bool g_grad_enabled = false;

// Destroying the last handle on a graph that is thousands of steps deep would
// recurse once per node and can overflow the C stack; nodes hand their inputs to
// this queue instead, and the outermost destructor drains it in a loop.
struct Teardown {
  bool draining = false;
  std::vector<Tensor> pending;
};
Teardown& teardown() {
  static Teardown t;
  return t;
}
}  // namespace

}  // namespace core
}  // namespace recurrent

namespace recurrent {
namespace core {

bool grad_enabled() { return g_grad_enabled; }
void set_grad_enabled(bool on) { g_grad_enabled = on; }

bool needs_record(const std::vector<Tensor>& inputs) {
  if (!g_grad_enabled) return false;
  for (const auto& t : inputs)
    if (t.defined() && t.requires_grad() && is_float(t.dtype())) return true;
  return false;
}

void record(const std::string& name, const std::vector<Tensor>& inputs, std::vector<Tensor*> outputs,
            BackwardFn backward) {
  auto node = std::make_shared<Node>();
  node->name = name;
  node->inputs = inputs;
  node->backward = std::move(backward);
  for (auto* o : outputs) node->output_shapes.push_back(o->shape());
  node->output_dtype = outputs.empty() ? DType::Float32 : outputs[0]->dtype();
  for (size_t i = 0; i < outputs.size(); ++i) outputs[i]->set_node(node, static_cast<int>(i));
}

Node::~Node() {
  Teardown& td = teardown();
  for (auto& t : inputs) td.pending.push_back(std::move(t));
  inputs.clear();
  backward = nullptr;
  if (td.draining) return;
  td.draining = true;
  while (!td.pending.empty()) {
    Tensor t = std::move(td.pending.back());
    td.pending.pop_back();
  }
  td.draining = false;
}

namespace {

void accumulate(Tensor& slot, const Tensor& g) {
  if (!slot.defined()) {
    slot = g;
  } else {
    slot = ops::add(slot, g);
  }
}

// Nodes reachable from root, inputs before the nodes that consume them. An explicit
// stack: an RNN graph is (timesteps x ops) deep.
std::vector<Node*> topo_order(Node* root) {
  std::vector<Node*> order;
  std::unordered_set<Node*> seen{root};
  std::vector<std::pair<Node*, size_t>> stack{{root, 0}};
  while (!stack.empty()) {
    Node* node = stack.back().first;
    size_t next = stack.back().second;
    if (next == node->inputs.size()) {
      order.push_back(node);
      stack.pop_back();
      continue;
    }
    stack.back().second++;
    const Tensor& in = node->inputs[next];
    if (!in.defined() || !in.node()) continue;
    Node* child = in.node().get();
    if (seen.insert(child).second) stack.push_back({child, 0});
  }
  return order;
}

}  // namespace

std::vector<Tensor> gradients(const Tensor& loss, const std::vector<Tensor>& wrt) {
  GradModeGuard no_record(false);
  std::vector<Tensor> result(wrt.size());
  if (!is_float(loss.dtype())) throw Error("gradients: the loss must be a float tensor");
  Tensor seed = Tensor::full(loss.shape(), loss.dtype(), 1.0);

  std::unordered_map<const TensorImpl*, Tensor> leaf_grads;
  if (loss.node()) {
    std::unordered_map<Node*, std::vector<Tensor>> out_grads;
    // intermediate tensors asked for by the caller, looked up by (node, output)
    std::unordered_map<Node*, std::vector<std::pair<int, size_t>>> wanted;
    for (size_t i = 0; i < wrt.size(); ++i)
      if (wrt[i].defined() && wrt[i].node()) wanted[wrt[i].node().get()].push_back({wrt[i].output_index(), i});

    Node* root = loss.node().get();
    out_grads[root].resize(root->output_shapes.size());
    out_grads[root][static_cast<size_t>(loss.output_index())] = seed;
    std::vector<Node*> order = topo_order(root);
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      Node* node = *it;
      auto found = out_grads.find(node);
      if (found == out_grads.end()) continue;
      std::vector<Tensor> gout = std::move(found->second);
      out_grads.erase(found);
      gout.resize(node->output_shapes.size());
      for (size_t k = 0; k < gout.size(); ++k)
        if (!gout[k].defined()) gout[k] = Tensor::zeros(node->output_shapes[k], node->output_dtype);
      auto w = wanted.find(node);
      if (w != wanted.end())
        for (auto& pr : w->second) result[pr.second] = gout[static_cast<size_t>(pr.first)];
      std::vector<Tensor> gin = node->backward(gout);
      if (gin.size() != node->inputs.size())
        throw std::logic_error("backward of " + node->name + " returned the wrong number of gradients");
      for (size_t i = 0; i < gin.size(); ++i) {
        const Tensor& in = node->inputs[i];
        if (!in.defined() || !gin[i].defined() || !in.requires_grad() || !is_float(in.dtype())) continue;
        if (gin[i].shape() != in.shape())
          throw std::logic_error("backward of " + node->name + " gave a gradient of shape " +
                                 shape_str(gin[i].shape()) + " for an input of shape " + shape_str(in.shape()));
        Tensor g = gin[i].dtype() == in.dtype() ? gin[i] : ops::cast(gin[i], in.dtype());
        if (in.node()) {
          auto& slots = out_grads[in.node().get()];
          slots.resize(in.node()->output_shapes.size());
          accumulate(slots[static_cast<size_t>(in.output_index())], g);
        } else {
          accumulate(leaf_grads[in.impl()], g);
        }
      }
    }
  }
  for (size_t i = 0; i < wrt.size(); ++i) {
    if (result[i].defined() || !wrt[i].defined()) continue;
    if (wrt[i].same(loss)) {
      result[i] = seed;
      continue;
    }
    auto f = leaf_grads.find(wrt[i].impl());
    result[i] = f != leaf_grads.end() ? f->second : Tensor::zeros(wrt[i].shape(), wrt[i].dtype());
  }
  return result;
}

}  // namespace core
}  // namespace recurrent
