// Entry point of the fused ConvLSTM recurrence (core/rnn/conv_lstm.h): convert, check, call.
#include "bind-common.h"
#include "core/rnn/conv_lstm.h"

namespace rnn = recurrent::core::rnn;
using recurrent::core::Tensor;

// z (batch, time, out..., 4 * filters); states NULL (zeros) or list(h, c), each (batch,
// out..., filters); recurrent_kernel (k..., filters, 4 * filters); bias NULL or (4 *
// filters); mask NULL or (batch, time); recurrent_dropout NULL, (batch, out...,
// filters) or (4, batch, out..., filters). Returns list(output, h, c) of tensor handles.
// [[Rcpp::export(rng = false)]]
Rcpp::List cpp_conv_lstm(SEXP z, SEXP states, SEXP recurrent_kernel, SEXP bias, SEXP mask, SEXP recurrent_dropout,
                         std::string activation, std::string recurrent_activation, bool go_backwards,
                         bool return_sequences) {
  bind::not_replayable();  // a whole recurrence inside a recorded timestep is not one op
  rnn::ConvLstmSpec spec;
  spec.activation = activation;
  spec.recurrent_activation = recurrent_activation;
  spec.go_backwards = go_backwards;
  spec.return_sequences = return_sequences;
  Tensor zt = bind::as_tensor(z);
  std::vector<Tensor> init;
  if (!Rf_isNull(states)) {
    if (TYPEOF(states) != VECSXP) throw recurrent::core::Error("conv_lstm: states must be NULL or a list (h, c)");
    for (R_xlen_t i = 0; i < Rf_xlength(states); ++i) init.push_back(bind::as_tensor(VECTOR_ELT(states, i), zt));
  }
  Tensor m = Rf_isNull(mask) ? Tensor() : bind::as_tensor(mask);
  Tensor drop = Rf_isNull(recurrent_dropout) ? Tensor() : bind::as_tensor(recurrent_dropout, zt);
  Tensor b = Rf_isNull(bias) ? Tensor() : bind::as_tensor(bias, zt);
  return bind::wrap_all(rnn::conv_lstm(spec, zt, init, bind::as_tensor(recurrent_kernel, zt), b, m, drop));
}
