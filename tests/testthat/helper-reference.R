# Plain-R reference RNNs in Keras's weight layout: kernel (input_dim, k * units),
# recurrent_kernel (units, k * units), gates LSTM i f c o, GRU z r h, GRU reset_after
# bias (2, 3 * units) with the input bias in row 1. They use nothing from the package
# (base R only), follow Keras's per-gate cell code (keras/src/layers/rnn/*.py,
# "implementation 1") and Keras's loop (keras/src/backend/tensorflow/rnn.py), and
# are themselves checked against the values Keras's own tests publish
# (test-rnn-fused.R).

ref_activation <- function(name) {
  if (is.null(name)) name <- "linear"
  sig <- function(v) 1 / (1 + exp(-v))
  switch(name,
    linear = function(v) v,
    tanh = tanh,
    sigmoid = sig,
    hard_sigmoid = function(v) pmin(pmax(v / 6 + 0.5, 0), 1),
    hard_sigmoid_keras2 = function(v) pmin(pmax(0.2 * v + 0.5, 0), 1),  # Keras 1/2, tf.keras
    relu = function(v) pmax(v, 0),
    relu6 = function(v) pmin(pmax(v, 0), 6),
    elu = function(v) ifelse(v > 0, v, expm1(v)),
    selu = function(v) 1.0507009873554804934 * ifelse(v > 0, v, 1.6732632423543772848 * expm1(v)),
    softplus = function(v) log1p(exp(v)),
    softsign = function(v) v / (1 + abs(v)),
    swish = , silu = function(v) v * sig(v),
    exponential = exp,
    stop("ref_activation: unknown activation ", name)
  )
}

# Dropout mask of gate g: one (batch, dim) matrix for every gate, or one per gate
# in a (k, batch, dim) array. NULL means no dropout.
ref_gate_mask <- function(m, g) {
  if (is.null(m)) return(1)
  if (length(dim(m)) == 3) return(matrix(m[g, , ], dim(m)[2], dim(m)[3]))
  m
}

ref_bias_rows <- function(b, n) matrix(b, n, length(b), byrow = TRUE)

# The time loop of a cell whose output is its first state: step(x_t, states) returns
# the new states. ref_rnn() (below) runs it, with Keras's masking rules.
ref_loop <- function(step, x, states, mask = NULL, go_backwards = FALSE, return_sequences = FALSE,
                     zero_output_for_mask = FALSE) {
  output_and_states <- function(x_t, states) {
    new_states <- step(x_t, states)
    list(new_states[[1]], new_states)
  }
  ref_rnn(output_and_states, x, states, mask, go_backwards, return_sequences, zero_output_for_mask)
}

ref_simple_rnn <- function(x, kernel, recurrent_kernel, bias = NULL, initial_state = NULL, mask = NULL,
                           go_backwards = FALSE, return_sequences = FALSE, zero_output_for_mask = FALSE,
                           activation = "tanh", dropout_mask = NULL, recurrent_dropout_mask = NULL) {
  units <- nrow(recurrent_kernel)
  act <- ref_activation(activation)
  h0 <- if (is.null(initial_state)) matrix(0, dim(x)[1], units) else initial_state[[1]]
  step <- function(x_t, states) {
    z <- (x_t * ref_gate_mask(dropout_mask, 1)) %*% kernel +
      (states[[1]] * ref_gate_mask(recurrent_dropout_mask, 1)) %*% recurrent_kernel
    if (!is.null(bias)) z <- z + ref_bias_rows(bias, nrow(z))
    list(act(z))
  }
  ref_loop(step, x, list(h0), mask, go_backwards, return_sequences, zero_output_for_mask)
}

ref_gru <- function(x, kernel, recurrent_kernel, bias = NULL, initial_state = NULL, mask = NULL,
                    go_backwards = FALSE, return_sequences = FALSE, zero_output_for_mask = FALSE,
                    activation = "tanh", recurrent_activation = "sigmoid", reset_after = TRUE,
                    dropout_mask = NULL, recurrent_dropout_mask = NULL) {
  units <- nrow(recurrent_kernel)
  act <- ref_activation(activation)
  rec <- ref_activation(recurrent_activation)
  cols <- function(g) (g - 1) * units + seq_len(units)
  if (is.null(bias)) {
    b_in <- b_rec <- rep(0, 3 * units)
  } else if (reset_after) {
    b_in <- bias[1, ]
    b_rec <- bias[2, ]
  } else {
    b_in <- bias
    b_rec <- rep(0, 3 * units)
  }
  h0 <- if (is.null(initial_state)) matrix(0, dim(x)[1], units) else initial_state[[1]]
  step <- function(x_t, states) {
    h <- states[[1]]
    n <- nrow(h)
    xg <- function(g) (x_t * ref_gate_mask(dropout_mask, g)) %*% kernel[, cols(g), drop = FALSE] +
      ref_bias_rows(b_in[cols(g)], n)
    hg <- function(g) h * ref_gate_mask(recurrent_dropout_mask, g)
    rg <- function(g, hin) hin %*% recurrent_kernel[, cols(g), drop = FALSE] + ref_bias_rows(b_rec[cols(g)], n)
    z <- rec(xg(1) + rg(1, hg(1)))
    r <- rec(xg(2) + rg(2, hg(2)))
    hh <- if (reset_after) act(xg(3) + r * rg(3, hg(3))) else act(xg(3) + rg(3, r * hg(3)))
    list(z * h + (1 - z) * hh)
  }
  ref_loop(step, x, list(h0), mask, go_backwards, return_sequences, zero_output_for_mask)
}

ref_lstm <- function(x, kernel, recurrent_kernel, bias = NULL, initial_state = NULL, mask = NULL,
                     go_backwards = FALSE, return_sequences = FALSE, zero_output_for_mask = FALSE,
                     activation = "tanh", recurrent_activation = "sigmoid",
                     dropout_mask = NULL, recurrent_dropout_mask = NULL) {
  units <- nrow(recurrent_kernel)
  act <- ref_activation(activation)
  rec <- ref_activation(recurrent_activation)
  cols <- function(g) (g - 1) * units + seq_len(units)
  if (is.null(bias)) bias <- rep(0, 4 * units)
  zeros <- matrix(0, dim(x)[1], units)
  init <- if (is.null(initial_state)) list(zeros, zeros) else initial_state
  step <- function(x_t, states) {
    h <- states[[1]]
    c_prev <- states[[2]]
    pre <- function(g) {
      (x_t * ref_gate_mask(dropout_mask, g)) %*% kernel[, cols(g), drop = FALSE] +
        (h * ref_gate_mask(recurrent_dropout_mask, g)) %*% recurrent_kernel[, cols(g), drop = FALSE] +
        ref_bias_rows(bias[cols(g)], nrow(h))
    }
    i <- rec(pre(1))
    f <- rec(pre(2))
    c_new <- f * c_prev + i * act(pre(3))
    o <- rec(pre(4))
    list(o * act(c_new), c_new)
  }
  ref_loop(step, x, init, mask, go_backwards, return_sequences, zero_output_for_mask)
}

# Keras's test input np.arange(n).reshape(dims) (row-major) as an R array.
ref_arange <- function(dims) aperm(array(seq_len(prod(dims)) - 1, rev(dims)), rev(seq_along(dims)))

# ---- any cell, stacks and the other layers the fuzz test draws -------------------------
# (inst/fuzz/fuzz-cases.R takes these as `refs`; all base R.)

# The time loop over any step: step(x_t, states) returns list(output, new_states).
# Returns list(output, final states...). A masked step keeps the states and emits the
# previous output (zeros before the first unmasked step) or zeros with
# zero_output_for_mask.
ref_rnn <- function(step, x, states, mask = NULL, go_backwards = FALSE, return_sequences = FALSE,
                    zero_output_for_mask = FALSE) {
  n <- dim(x)[1]
  steps <- dim(x)[2]
  order <- if (go_backwards) rev(seq_len(steps)) else seq_len(steps)
  outputs <- NULL
  prev_output <- NULL
  for (s in seq_along(order)) {
    t <- order[s]
    res <- step(matrix(x[, t, ], n, dim(x)[3]), states)
    output <- res[[1]]
    new_states <- res[[2]]
    if (is.null(prev_output)) {
      prev_output <- output * 0
      outputs <- array(0, c(n, steps, ncol(output)))
    }
    if (!is.null(mask)) {
      keep <- as.logical(mask[, t])
      new_states <- Map(function(new, old) { new[!keep, ] <- old[!keep, ]; new }, new_states, states)
      output[!keep, ] <- if (zero_output_for_mask) 0 else prev_output[!keep, ]
    }
    states <- new_states
    prev_output <- output
    outputs[, s, ] <- output
  }
  c(list(if (return_sequences) outputs else prev_output), states)
}

ref_step_simple <- function(kernel, recurrent_kernel, bias, activation) {
  act <- ref_activation(activation)
  function(x_t, states) {
    z <- x_t %*% kernel + states[[1]] %*% recurrent_kernel
    if (!is.null(bias)) z <- z + ref_bias_rows(bias, nrow(z))
    h <- act(z)
    list(h, list(h))
  }
}

ref_step_gru <- function(kernel, recurrent_kernel, bias, activation, recurrent_activation, reset_after) {
  function(x_t, states) {
    h <- ref_gru(array(x_t, c(nrow(x_t), 1, ncol(x_t))), kernel, recurrent_kernel, bias, list(states[[1]]),
                 activation = activation, recurrent_activation = recurrent_activation,
                 reset_after = reset_after)[[1]]
    list(h, list(h))
  }
}

ref_step_lstm <- function(kernel, recurrent_kernel, bias, activation, recurrent_activation) {
  function(x_t, states) {
    res <- ref_lstm(array(x_t, c(nrow(x_t), 1, ncol(x_t))), kernel, recurrent_kernel, bias, states,
                    activation = activation, recurrent_activation = recurrent_activation)
    list(res[[2]], res[2:3])
  }
}

# Cells stacked within one step: each cell's output feeds the next; `n_states` says
# how many of the flat states belong to each cell.
ref_step_stack <- function(steps, n_states) {
  function(x_t, states) {
    out <- x_t
    new <- list()
    pos <- 0
    for (i in seq_along(steps)) {
      res <- steps[[i]](out, states[pos + seq_len(n_states[i])])
      pos <- pos + n_states[i]
      out <- res[[1]]
      new <- c(new, res[[2]])
    }
    list(out, new)
  }
}

ref_concat_last <- function(a, b) {
  d <- dim(a)
  out <- array(0, c(d[-length(d)], d[length(d)] + dim(b)[length(d)]))
  out[, , seq_len(d[3])] <- a
  out[, , d[3] + seq_len(dim(b)[3])] <- b
  out
}

# Applies f to every row of the last axis of x (any rank), giving rows of length m.
ref_last_axis <- function(x, f) {
  d <- dim(x) %||% length(x)
  k <- d[length(d)]
  rows <- matrix(aperm(x, c(length(d), seq_len(length(d) - 1))), nrow = k)
  y <- f(t(rows))
  m <- ncol(y)
  aperm(array(t(y), c(m, d[-length(d)])), c(seq_along(d)[-1], 1))
}

ref_dense <- function(x, kernel, bias = NULL, activation = NULL) {
  act <- ref_activation(activation)
  ref_last_axis(x, function(r) {
    z <- r %*% kernel
    if (!is.null(bias)) z <- z + ref_bias_rows(bias, nrow(z))
    act(z)
  })
}

ref_layer_norm <- function(x, gamma, beta, epsilon) {
  ref_last_axis(x, function(r) {
    mu <- rowMeans(r)
    v <- rowMeans((r - mu)^2)
    (r - mu) / sqrt(v + epsilon) * ref_bias_rows(gamma, nrow(r)) + ref_bias_rows(beta, nrow(r))
  })
}

# Batch normalization over the last axis: batch statistics (biased variance over every
# other axis) when training, the moving ones otherwise.
ref_batch_norm <- function(x, gamma, beta, moving_mean, moving_variance, epsilon, training) {
  ref_last_axis(x, function(r) {
    mu <- if (training) colMeans(r) else moving_mean
    v <- if (training) colMeans(sweep(r, 2, mu)^2) else moving_variance
    sweep(sweep(sweep(r, 2, mu), 2, sqrt(v + epsilon), "/"), 2, gamma, "*") + ref_bias_rows(beta, nrow(r))
  })
}

# Masking: a timestep whose features all equal mask_value becomes zeros.
ref_masking <- function(x, mask_value) {
  ref_last_axis(x, function(r) r * as.numeric(apply(r != mask_value, 1, any)))
}
