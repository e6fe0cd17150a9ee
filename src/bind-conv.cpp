// Entry points for convolution and pooling (core/conv.h). Padding arrives as a code:
// 0 "valid", 1 "same", 2 "causal"; strides, dilation and sizes one entry per spatial dim.
#include "bind-common.h"
#include "core/conv.h"

using recurrent::core::Error;
using recurrent::core::Tensor;
namespace ops = recurrent::core::ops;

namespace {

std::string padding_name(int code) {
  switch (code) {
    case 0: return "valid";
    case 1: return "same";
    case 2: return "causal";
  }
  throw Error("conv: unknown padding code");
}

std::vector<int64_t> sizes(SEXP x) {
  std::vector<int64_t> out;
  if (Rf_isNull(x)) return out;
  Rcpp::NumericVector v(x);
  for (double d : v) out.push_back(static_cast<int64_t>(d));
  return out;
}

// x and kernel, R numbers taking the dtype of whichever is a tensor.
bind::Inputs operands(SEXP x, SEXP kernel) {
  const bool x_tensor = bind::is_tensor_handle(x) || TYPEOF(x) == ENVSXP;
  if (x_tensor || !(bind::is_tensor_handle(kernel) || TYPEOF(kernel) == ENVSXP)) {
    Tensor tx = bind::as_tensor(x);
    return {tx, bind::as_tensor(kernel, tx)};
  }
  Tensor tk = bind::as_tensor(kernel);
  return {bind::as_tensor(x, tk), tk};
}

}  // namespace

// kind: 0 conv, 1 depthwise conv.
// [[Rcpp::export(rng = false)]]
SEXP cpp_conv(int kind, SEXP x, SEXP kernel, SEXP strides, int padding, SEXP dilation) {
  const std::vector<int64_t> st = sizes(strides), dil = sizes(dilation);
  const std::string pad = padding_name(padding);
  return bind::run_op("conv", bind::params(kind, st, padding, dil), operands(x, kernel),
                      [kind, st, pad, dil](const bind::Inputs& in) {
                        return kind == 0 ? ops::conv(in[0], in[1], st, pad, dil)
                                         : ops::depthwise_conv(in[0], in[1], st, pad, dil);
                      });
}

// output_padding NULL = None.
// [[Rcpp::export(rng = false)]]
SEXP cpp_conv_transpose(SEXP x, SEXP kernel, SEXP strides, int padding, SEXP output_padding, SEXP dilation) {
  const std::vector<int64_t> st = sizes(strides), op = sizes(output_padding), dil = sizes(dilation);
  const std::string pad = padding_name(padding);
  return bind::run_op("conv_transpose", bind::params(st, padding, op, dil), operands(x, kernel),
                      [st, pad, op, dil](const bind::Inputs& in) {
                        return ops::conv_transpose(in[0], in[1], st, pad, op, dil);
                      });
}

// mode: 0 max, 1 average.
// [[Rcpp::export(rng = false)]]
SEXP cpp_pool(int mode, SEXP x, SEXP pool_size, SEXP strides, int padding) {
  const std::vector<int64_t> ps = sizes(pool_size), st = sizes(strides);
  const std::string pad = padding_name(padding);
  const ops::Pool m = mode == 0 ? ops::Pool::Max : ops::Pool::Average;
  return bind::run_op("pool", bind::params(mode, ps, st, padding), {bind::as_tensor(x)},
                      [m, ps, st, pad](const bind::Inputs& in) { return ops::pool(m, in[0], ps, st, pad); });
}
