// Step recordings: building a program from the ops of one timestep, comparing and replaying it.
#include "trace.h"

#include <algorithm>
#include <cstring>

namespace recurrent {
namespace core {
namespace trace {

namespace {

Recorder* g_active = nullptr;

// A constant made afresh at each step (a number from R, a tensor built from an R array)
// is a new tensor with the same values; one that carries gradients must be the very
// same tensor, or replaying would send gradients elsewhere.
bool same_constant(const Tensor& a, const Tensor& b) {
  if (a.same(b)) return true;
  if (a.requires_grad() || b.requires_grad()) return false;
  if (a.dtype() != b.dtype() || a.shape() != b.shape()) return false;
  const int64_t n = a.size();
  if (a.dtype() == DType::Float32) return std::memcmp(a.data<float>(), b.data<float>(), sizeof(float) * n) == 0;
  return std::memcmp(a.data<double>(), b.data<double>(), sizeof(double) * n) == 0;
}

}  // namespace

Recorder* active() { return g_active; }

std::vector<Tensor> Program::run(const std::vector<Tensor>& inputs) const {
  if (static_cast<int>(inputs.size()) != n_inputs_)
    throw Error("internal: a step program got " + std::to_string(inputs.size()) + " inputs, expected " +
                std::to_string(n_inputs_));
  std::vector<Tensor> values;
  auto get = [&](const Ref& r) -> const Tensor& {
    switch (r.kind) {
      case Ref::Input: return inputs[static_cast<size_t>(r.index)];
      case Ref::Value: return values[static_cast<size_t>(r.index)];
      default: return constants_[static_cast<size_t>(r.index)];
    }
  };
  std::vector<Tensor> ins;
  for (const Entry& e : entries_) {
    ins.clear();
    for (const Ref& r : e.inputs) ins.push_back(get(r));
    std::vector<Tensor> outs = e.fn(ins);
    if (static_cast<int>(outs.size()) != e.n_outputs)
      throw Error("internal: replaying " + e.op + " gave " + std::to_string(outs.size()) + " outputs, recorded " +
                  std::to_string(e.n_outputs));
    for (Tensor& o : outs) values.push_back(std::move(o));
  }
  std::vector<Tensor> out;
  out.reserve(outputs_.size());
  for (const Ref& r : outputs_) out.push_back(get(r));
  return out;
}

bool Program::same_as(const Program& o) const {
  if (n_inputs_ != o.n_inputs_ || entries_.size() != o.entries_.size() || constants_.size() != o.constants_.size() ||
      !(outputs_ == o.outputs_))
    return false;
  for (size_t i = 0; i < entries_.size(); ++i) {
    const Entry &a = entries_[i], &b = o.entries_[i];
    if (a.op != b.op || a.params != b.params || !(a.inputs == b.inputs) || a.n_outputs != b.n_outputs) return false;
  }
  for (size_t i = 0; i < constants_.size(); ++i)
    if (!same_constant(constants_[i], o.constants_[i])) return false;
  return true;
}

Recorder::Recorder(const std::vector<Tensor>& inputs, const DataAge& age)
    : age_(age), step_start_(next_buffer_serial()), outer_(g_active) {
  program_.n_inputs_ = static_cast<int>(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    // a tensor given twice (one state returned for two) keeps its first place
    known_.emplace(inputs[i].impl(), Ref{Ref::Input, static_cast<int>(i)});
    alive_.push_back(inputs[i]);
  }
  g_active = this;
}

Recorder::~Recorder() {
  if (active_) g_active = outer_;
}

bool Recorder::is_step_value(const Tensor& t) const {
  auto it = known_.find(t.impl());
  return it != known_.end() && it->second.kind != Ref::Constant;
}

bool Recorder::from_earlier_step(const Tensor& t) const {
  const uint64_t serial = t.buffer_serial();
  if (serial >= age_.first_step_begin && serial < age_.first_step_end) return false;
  return serial >= age_.loop_start && serial < step_start_;
}

Ref Recorder::ref_of(const Tensor& t) {
  auto it = known_.find(t.impl());
  if (it != known_.end()) return it->second;
  if (from_earlier_step(t)) spoiled_ = true;
  Ref r{Ref::Constant, static_cast<int>(program_.constants_.size())};
  program_.constants_.push_back(t);
  known_.emplace(t.impl(), r);
  alive_.push_back(t);
  return r;
}

void Recorder::note_read(const Tensor& t) {
  if (!t.defined()) return;
  if (is_step_value(t))
    reads_.push_back(t.impl());
  else if (from_earlier_step(t))
    spoiled_ = true;
}

// Each input settles one read of it; reads left over were not recorded.
void Recorder::settle_reads(const std::vector<Tensor>& inputs) {
  for (const Tensor& t : inputs) {
    auto it = std::find(reads_.begin(), reads_.end(), t.impl());
    if (it != reads_.end()) reads_.erase(it);
  }
  if (!reads_.empty()) spoiled_ = true;
  reads_.clear();
}

void Recorder::record(const char* op, std::vector<double> params, const std::vector<Tensor>& inputs,
                      const std::vector<Tensor>& outputs, Forward fn) {
  settle_reads(inputs);
  if (spoiled_) return;
  Entry e;
  e.op = op;
  e.params = std::move(params);
  e.n_outputs = static_cast<int>(outputs.size());
  e.fn = std::move(fn);
  for (const Tensor& t : inputs) e.inputs.push_back(ref_of(t));
  program_.entries_.push_back(std::move(e));
  for (const Tensor& t : outputs) {
    // an op that hands back one of its inputs makes that tensor this output from now on
    known_[t.impl()] = Ref{Ref::Value, n_values_++};
    alive_.push_back(t);
  }
}

bool Recorder::finish(const std::vector<Tensor>& outputs, Program* program) {
  g_active = outer_;
  active_ = false;
  for (const Tensor& t : outputs) program_.outputs_.push_back(ref_of(t));
  if (spoiled_ || !reads_.empty()) return false;
  *program = std::move(program_);
  return true;
}

}  // namespace trace
}  // namespace core
}  // namespace recurrent
