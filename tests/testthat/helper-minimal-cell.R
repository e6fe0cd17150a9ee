# The MinimalRNNCell of keras3's layer_rnn documentation, and a plain-R reference for
# it (output = x W + h U, one state) that uses nothing from the package.

rnn_cell_minimal <- Layer(
  "MinimalRNNCell",
  initialize = function(units, ...) {
    super$initialize(...)
    self$units <- as.integer(units)
    self$state_size <- as.integer(units)
  },
  build = function(input_shape) {
    self$kernel <- self$add_weight(
      shape = shape(tail(input_shape, 1), self$units),
      initializer = 'uniform',
      name = 'kernel'
    )
    self$recurrent_kernel <- self$add_weight(
      shape = shape(self$units, self$units),
      initializer = 'uniform',
      name = 'recurrent_kernel'
    )
  },
  call = function(inputs, states) {
    prev_output <- states[[1]]
    h <- op_matmul(inputs, self$kernel)
    output <- h + op_matmul(prev_output, self$recurrent_kernel)
    list(output, list(output))
  }
)

# x (batch, time, features); returns list(output, state) with Keras's masking rules.
ref_minimal_rnn <- function(x, W, U, h0 = NULL, mask = NULL, go_backwards = FALSE,
                            return_sequences = FALSE, zero_output_for_mask = FALSE) {
  B <- dim(x)[1]; Tn <- dim(x)[2]; H <- ncol(W)
  h <- if (is.null(h0)) matrix(0, B, H) else h0
  prev_out <- matrix(0, B, H)
  outs <- array(0, c(B, Tn, H))
  steps <- if (go_backwards) rev(seq_len(Tn)) else seq_len(Tn)
  for (i in seq_along(steps)) {
    t <- steps[i]
    xt <- matrix(x[, t, ], B)
    o <- xt %*% W + h %*% U
    keep <- if (is.null(mask)) rep(TRUE, B) else mask[, t]
    out <- o
    out[!keep, ] <- if (zero_output_for_mask) 0 else prev_out[!keep, ]
    h[keep, ] <- o[keep, ]
    prev_out <- out
    outs[, i, ] <- out
  }
  list(output = if (return_sequences) outs else prev_out, state = h)
}

# central finite differences of a scalar function f at x (any array)
finite_diff <- function(f, x, eps = 1e-6) {
  g <- x
  for (i in seq_along(x)) {
    xp <- x; xp[i] <- xp[i] + eps
    xm <- x; xm[i] <- xm[i] - eps
    g[i] <- (f(xp) - f(xm)) / (2 * eps)
  }
  g
}
