# The fused whole-sequence kernels of the built-in cells (SimpleRNN, GRU, LSTM): the
# input projection of all timesteps is one GEMM, each step one recurrent GEMM and one
# pointwise pass, and backward is hand-written BPTT (src/core/rnn/). The layers call
# this when every cell is built in; cells written in R go through the per-step loop.

# kind: "simple", "gru" or "lstm". Weights in Keras's layout: kernel (input_dim,
# k * units), recurrent_kernel (units, k * units), bias (k * units), or (2, 3 * units)
# for GRU with reset_after; gates LSTM i f c o, GRU z r h. states: NULL (zeros) or a
# list (h) / (h, c) of (batch, units). mask: (batch, time) logical, TRUE = keep.
# input_dropout / recurrent_dropout: dropout masks already scaled by 1 / (1 - rate),
# (batch, input_dim) / (batch, units), or one per gate (k, batch, ...).
# `...` or `options`: activation, recurrent_activation, reset_after, go_backwards,
# return_sequences, zero_output_for_mask.
# Returns list(output, state...): output (batch, time, units) in processing order with
# return_sequences, else (batch, units); then h (and c for LSTM).
#' @noRd
fused_rnn <- function(kind, x, states = NULL, kernel, recurrent_kernel, bias = NULL, mask = NULL,
                      input_dropout = NULL, recurrent_dropout = NULL, ..., options = list()) {
  dots <- list(...)
  options[names(dots)] <- dots  # keeps an explicit NULL (activation = NULL is linear)
  if (!is.null(states) && !is.list(states)) states <- list(states)
  cpp_fused_rnn(kind, x, states, kernel, recurrent_kernel, bias, mask, input_dropout, recurrent_dropout, options)
}

# Whether an activation (a name, or NULL for linear) has a fused kernel.
#' @noRd
fused_activation_supported <- function(name) {
  is.null(name) || (is.character(name) && length(name) == 1 && cpp_fused_activation_supported(name))
}
