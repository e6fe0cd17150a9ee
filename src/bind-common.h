// Shared helpers of the Rcpp entry points: R values <-> core tensors.
#pragma once

#include <Rcpp.h>

#include <vector>

#include "core/autograd.h"
#include "core/ops.h"
#include "core/tensor.h"
#include "core/trace.h"

namespace bind {

using recurrent::core::DType;
using recurrent::core::Shape;
using recurrent::core::Tensor;

// The dtype R doubles become (config_floatx()).
DType default_float();
void set_default_float(DType d);

// An R value as a tensor: a recurrent_tensor handle, a variable (an environment
// whose `handle` is one), or an R numeric/integer/logical vector or array
// (copied, index for index). `like` gives the dtype for R doubles when defined.
// While a timestep is being recorded (core/trace.h), the tensor counts as read: an op
// must record it as an input, or the recording is spoiled.
Tensor as_tensor(SEXP x, const Tensor& like = Tensor());
bool is_tensor_handle(SEXP x);
std::vector<Tensor> as_tensors(SEXP list);

// The tensor of a handle or variable, not counted as read: for its shape or dtype, and
// for what a cell hands back to the loop.
Tensor peek_tensor(SEXP x);

// A new R handle (class recurrent_tensor) owning a reference to t.
SEXP wrap(const Tensor& t);
Rcpp::List wrap_all(const std::vector<Tensor>& ts);

// R array (column-major, dim attribute) <-> row-major tensor with the same index order.
Tensor from_r_array(SEXP x, DType dtype);
SEXP to_r_array(const Tensor& t);

DType dtype_arg(SEXP x);  // NULL -> default float, else a dtype name
Shape shape_arg(SEXP x);  // an integer/double vector of known dims

using Inputs = std::vector<Tensor>;

// The non-tensor arguments of an op, for recordings: numbers, and vectors of numbers
// (each preceded by its length, so that different splits never compare equal).
inline void add_params(std::vector<double>&) {}
template <typename T, typename... Rest>
void add_params(std::vector<double>& p, const std::vector<T>& v, const Rest&... rest);
template <typename T, typename... Rest>
void add_params(std::vector<double>& p, T x, const Rest&... rest) {
  p.push_back(static_cast<double>(x));
  add_params(p, rest...);
}
template <typename T, typename... Rest>
void add_params(std::vector<double>& p, const std::vector<T>& v, const Rest&... rest) {
  p.push_back(static_cast<double>(v.size()));
  for (const T& x : v) p.push_back(static_cast<double>(x));
  add_params(p, rest...);
}
template <typename... Args>
std::vector<double> params(const Args&... args) {
  std::vector<double> p;
  add_params(p, args...);
  return p;
}

// Runs fn(ins) -- an op on tensors taken from R -- and wraps its result. While a
// timestep is being recorded, the op is recorded too, under `name` and `params` (which
// must say everything fn depends on besides its inputs), so that the step can be
// replayed without R.
template <typename Fn>
SEXP run_op(const char* name, std::vector<double> params, Inputs ins, Fn fn) {
  Tensor out = fn(ins);
  if (recurrent::core::trace::Recorder* rec = recurrent::core::trace::active())
    rec->record(name, std::move(params), ins, {out}, [fn](const Inputs& in) { return Inputs{fn(in)}; });
  return wrap(out);
}

// The same for ops with several results, returned as a list.
template <typename Fn>
Rcpp::List run_op_list(const char* name, std::vector<double> params, Inputs ins, Fn fn) {
  Inputs outs = fn(ins);
  if (recurrent::core::trace::Recorder* rec = recurrent::core::trace::active())
    rec->record(name, std::move(params), ins, outs, fn);
  return wrap_all(outs);
}

// Entry points whose effect a replayed timestep would miss (assigning a variable,
// switching gradient recording) call this: a step that runs them is never replayed.
inline void not_replayable() {
  if (recurrent::core::trace::Recorder* rec = recurrent::core::trace::active()) rec->spoil();
}

}  // namespace bind
