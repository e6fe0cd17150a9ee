// Recording a cell's timestep as a straight-line program of ops, and replaying it.
//
// A cell written in R nearly always runs the same ops at every timestep. The recurrence
// driver records the ops of two timesteps; when both recordings are the same program
// (same ops, same arguments, same constants), the later timesteps run the program in
// C++ without calling R. Keras does the same in substance: TensorFlow and JAX trace a
// cell's call() once and loop over the traced graph.
//
// A recording is spoiled, and the driver keeps calling R, when something it cannot
// replay happens: an entry point that records nothing read a value of the step (a
// tensor copied into R, an op without a forward function here), or an entry point
// declared itself unrecordable (assigning a variable, an optimizer step).
#pragma once

#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "tensor.h"

namespace recurrent {
namespace core {
namespace trace {

// Computes an op's outputs from its tensor inputs; non-tensor arguments are captured.
using Forward = std::function<std::vector<Tensor>(const std::vector<Tensor>& inputs)>;

// Where a value of the program comes from: the step's inputs, an earlier op's outputs
// (numbered in recording order), or a tensor that existed before the step (weights,
// constants made in R).
struct Ref {
  enum Kind : int { Input, Value, Constant } kind;
  int index;
  bool operator==(const Ref& o) const { return kind == o.kind && index == o.index; }
};

struct Entry {
  std::string op;              // with params, says which computation fn does
  std::vector<double> params;
  std::vector<Ref> inputs;
  int n_outputs;
  Forward fn;
};

class Program {
 public:
  // The program's outputs for new inputs (as many as were recorded, same shapes).
  std::vector<Tensor> run(const std::vector<Tensor>& inputs) const;
  // Same ops with the same arguments wired the same way, and equal constants.
  bool same_as(const Program& other) const;
  size_t size() const { return entries_.size(); }

 private:
  friend class Recorder;
  int n_inputs_ = 0;
  std::vector<Entry> entries_;
  std::vector<Tensor> constants_;
  std::vector<Ref> outputs_;
};

// Buffer serials (next_buffer_serial()) that tell a step's constants from data an
// earlier timestep made: data made before the loop, or during its first timestep
// (which is never recorded: weights a cell builds lazily, dropout masks it draws
// once), is a constant; data made after `loop_start` by any other earlier timestep
// (a tensor the cell kept in R from a previous call) is not, and spoils the recording.
// A tensor the cell keeps from each timestep for the next is thus caught at the third
// timestep, if not at the second; both recordings must be clean.
struct DataAge {
  uint64_t loop_start = 0;
  uint64_t first_step_begin = 0, first_step_end = 0;
};

// Records the ops run while it is alive (the innermost recorder when they nest).
class Recorder {
 public:
  Recorder(const std::vector<Tensor>& inputs, const DataAge& age);
  ~Recorder();
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  // An op an entry point ran on tensors it took from R.
  void record(const char* op, std::vector<double> params, const std::vector<Tensor>& inputs,
              const std::vector<Tensor>& outputs, Forward fn);
  // An entry point took t from R. Its next record() must take t as an input (as often
  // as it was read): a value read by an entry point that records nothing (a copy into
  // R) reached code the recording cannot see, and spoils it.
  void note_read(const Tensor& t);
  void spoil() { spoiled_ = true; }

  // Stops recording. False when the recording is spoiled; else *program is filled.
  bool finish(const std::vector<Tensor>& outputs, Program* program);

 private:
  Ref ref_of(const Tensor& t);
  void settle_reads(const std::vector<Tensor>& inputs);
  bool is_step_value(const Tensor& t) const;
  bool from_earlier_step(const Tensor& t) const;

  Program program_;
  std::unordered_map<const TensorImpl*, Ref> known_;
  std::vector<Tensor> alive_;  // every tensor in known_, so no address is reused while recording
  std::vector<const TensorImpl*> reads_;  // step values read since the last record()
  int n_values_ = 0;  // outputs of the recorded ops so far
  DataAge age_;
  uint64_t step_start_;
  bool spoiled_ = false;
  bool active_ = true;
  Recorder* outer_;
};

// The recorder of the step being recorded, or nullptr (almost always).
Recorder* active();

}  // namespace trace
}  // namespace core
}  // namespace recurrent
