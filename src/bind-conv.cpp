// Entry points for convolution and pooling (core/conv.h). Padding arrives as a code
// (0 "valid", 1 "same", 2 "causal"), or as its name for cpp_conv(); strides, dilation and
// sizes one entry per spatial dim.
#include <cmath>

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

// Strides or dilation as the user gave them, when already in the form the core takes:
// one whole number of at least 1, or one per spatial dim. Empty otherwise.
std::vector<int64_t> plain_sizes(SEXP v, int rank) {
  const R_xlen_t n = Rf_xlength(v);
  if ((TYPEOF(v) != INTSXP && TYPEOF(v) != REALSXP) || (n != 1 && n != rank)) return {};
  std::vector<int64_t> out;
  for (int d = 0; d < rank; ++d) {
    const R_xlen_t i = n == 1 ? 0 : d;
    const double s = TYPEOF(v) == REALSXP ? REAL(v)[i] : INTEGER(v)[i] == NA_INTEGER ? -1.0 : INTEGER(v)[i];
    if (!(s >= 1 && s <= 1e9) || s != std::floor(s)) return {};
    out.push_back(static_cast<int64_t>(s));
  }
  return out;
}

// The padding code of "valid", "same" or (if allowed) "causal" spelled so; -1 otherwise.
int plain_padding(SEXP p, bool causal) {
  if (TYPEOF(p) != STRSXP || Rf_xlength(p) != 1 || STRING_ELT(p, 0) == NA_STRING) return -1;
  const std::string s = CHAR(STRING_ELT(p, 0));
  if (s == "valid") return 0;
  if (s == "same") return 1;
  return causal && s == "causal" ? 2 : -1;
}

// The spatial dims of a conv input (tensor, variable or R array); 0 for anything else.
int spatial_rank(SEXP x) {
  if (bind::is_tensor_handle(x) || TYPEOF(x) == ENVSXP) return bind::as_tensor(x).ndim() - 2;
  if (TYPEOF(x) != REALSXP && TYPEOF(x) != INTSXP && TYPEOF(x) != LGLSXP) return 0;
  return Rf_length(Rf_getAttrib(x, R_DimSymbol)) - 2;
}

}  // namespace

// kind: 0 conv, 1 depthwise conv. op_conv() calls this with the user's arguments as
// given; when one of them is not in the form the core takes (channels-last inputs of
// 1-3 spatial dims, padding spelled in lower case, strides and dilation whole numbers),
// it returns NULL and R checks and converts them, explaining what is wrong. The R
// checks cost about as much as a small convolution (inst/bench/bench-conv.R).
// [[Rcpp::export(rng = false)]]
SEXP cpp_conv(int kind, SEXP x, SEXP kernel, SEXP strides, SEXP padding, SEXP dilation) {
  const int rank = spatial_rank(x);
  if (rank < 1 || rank > 3) return R_NilValue;
  const std::vector<int64_t> st = plain_sizes(strides, rank), dil = plain_sizes(dilation, rank);
  const int code = plain_padding(padding, kind == 0);
  if (st.empty() || dil.empty() || code < 0) return R_NilValue;
  const std::string pad = padding_name(code);
  return bind::run_op("conv", bind::params(kind, st, code, dil), operands(x, kernel),
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
