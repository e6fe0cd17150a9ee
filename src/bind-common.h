// Shared helpers of the Rcpp entry points: R values <-> core tensors.
#pragma once

#include <Rcpp.h>

#include <vector>

#include "core/autograd.h"
#include "core/ops.h"
#include "core/tensor.h"

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
Tensor as_tensor(SEXP x, const Tensor& like = Tensor());
bool is_tensor_handle(SEXP x);
std::vector<Tensor> as_tensors(SEXP list);

// A new R handle (class recurrent_tensor) owning a reference to t.
SEXP wrap(const Tensor& t);
Rcpp::List wrap_all(const std::vector<Tensor>& ts);

// R array (column-major, dim attribute) <-> row-major tensor with the same index order.
Tensor from_r_array(SEXP x, DType dtype);
SEXP to_r_array(const Tensor& t);

DType dtype_arg(SEXP x);  // NULL -> default float, else a dtype name
Shape shape_arg(SEXP x);  // an integer/double vector of known dims

}  // namespace bind
