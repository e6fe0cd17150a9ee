# The fused ConvLSTM kernel (src/core/rnn/conv_lstm.*) against finite differences, the
# plain-R ConvLSTM of helper-conv-reference.R, and the per-step path it replaces.

conv_lstm_kernel <- function(z, h, c, u, bias = NULL, mask = NULL, drop = NULL, activation = "tanh",
                             recurrent_activation = "sigmoid", go_backwards = FALSE, return_sequences = FALSE) {
  states <- if (is.null(h)) NULL else list(h, c)
  recurrent:::cpp_conv_lstm(z, states, u, bias, mask, drop, activation, recurrent_activation, go_backwards,
                            return_sequences)
}

# z of the fused kernel from the plain-R input convolution: (batch, time, out..., 4 * filters)
ref_input_gates <- function(x, kernel, bias, ...) {
  steps <- dim(x)[2]
  rank <- length(dim(x)) - 3
  per_step <- lapply(seq_len(steps), function(t) {
    xt <- do.call(`[`, c(list(x, TRUE, t), rep(list(TRUE), rank + 1), list(drop = FALSE)))
    dim(xt) <- dim(x)[-2]
    sweep(ref_conv(xt, kernel, ...), rank + 2, bias, "+")
  })
  d <- dim(per_step[[1]])
  aperm(array(unlist(per_step), c(d, steps)), c(1, rank + 3, seq(2, rank + 2)))
}

hard_sigmoid <- function(v) pmin(pmax(v / 6 + 0.5, 0), 1)  # keras/src/activations/activations.py

test_that("the fused ConvLSTM kernel's gradients match finite differences (z, states, recurrent kernel, bias)", {
  set.seed(11)
  # 1-D: masks, go_backwards, per-gate recurrent dropout, both output kinds
  z <- array(rnorm(2 * 3 * 4 * 8), c(2, 3, 4, 8))
  h0 <- array(rnorm(2 * 4 * 2), c(2, 4, 2))
  c0 <- array(rnorm(2 * 4 * 2), c(2, 4, 2))
  u <- array(rnorm(3 * 2 * 8) * 0.3, c(3, 2, 8))
  b <- rnorm(8)
  mask <- matrix(c(TRUE, FALSE, TRUE, FALSE, TRUE, TRUE), 2, 3)
  drop <- array(sample(c(0, 2), 4 * 2 * 4 * 2, replace = TRUE), c(4, 2, 4, 2))
  for (go_backwards in c(FALSE, TRUE)) for (return_sequences in c(FALSE, TRUE))
    expect_grad(function(z, h, c, u, b) conv_lstm_kernel(z, h, c, u, b, mask, drop, go_backwards = go_backwards,
                                                         return_sequences = return_sequences), z, h0, c0, u, b)
  # 2-D: an even kernel ("same" pads one side more), one recurrent dropout mask for all
  # gates, activations whose derivative needs their input (swish) or is piecewise
  z2 <- array(rnorm(2 * 2 * 3 * 3 * 8), c(2, 2, 3, 3, 8))
  h2 <- array(rnorm(2 * 3 * 3 * 2), c(2, 3, 3, 2))
  c2 <- array(rnorm(2 * 3 * 3 * 2), c(2, 3, 3, 2))
  u2 <- array(rnorm(2 * 2 * 2 * 8) * 0.3, c(2, 2, 2, 8))
  drop2 <- array(sample(c(0, 1.5), 2 * 3 * 3 * 2, replace = TRUE), c(2, 3, 3, 2))
  expect_grad(function(z, h, c, u) conv_lstm_kernel(z, h, c, u, drop = drop2, activation = "swish",
                                                    recurrent_activation = "hard_sigmoid", return_sequences = TRUE),
              z2, h2, c2, u2)
  expect_grad(function(z, u) conv_lstm_kernel(z, NULL, NULL, u, mask = matrix(c(FALSE, TRUE, TRUE, TRUE), 2, 2)),
              z2, u2)
})

test_that("ConvLSTM layer gradients (inputs, initial states, kernel, recurrent kernel, bias) match finite differences", {
  set.seed(12)
  x <- array(rnorm(2 * 4 * 5 * 2), c(2, 4, 5, 2))
  mask <- matrix(c(TRUE, TRUE, FALSE, TRUE, FALSE, TRUE, TRUE, FALSE), 2, 4)
  expect_layer_grads(layer_conv_lstm_1d(filters = 2, kernel_size = 3, padding = "same", go_backwards = TRUE,
                                        return_sequences = TRUE), x, mask = mask)
  expect_layer_grads(layer_conv_lstm_1d(filters = 2, kernel_size = 2, strides = 2, activation = "relu"), x)
  x2 <- array(rnorm(2 * 2 * 4 * 4 * 1), c(2, 2, 4, 4, 1))
  expect_layer_grads(layer_conv_lstm_2d(filters = 2, kernel_size = 3, return_sequences = TRUE), x2)

  old <- config_set_floatx("float64")
  withr::defer(config_set_floatx(old))
  l <- layer_conv_lstm_2d(filters = 2, kernel_size = 2, padding = "same", return_state = TRUE)
  h0 <- array(rnorm(2 * 4 * 4 * 2), c(2, 4, 4, 2))
  c0 <- array(rnorm(2 * 4 * 4 * 2), c(2, 4, 4, 2))
  expect_grad(function(x, h, c) l(x, initial_state = list(h, c), mask = matrix(c(TRUE, FALSE, TRUE, TRUE), 2)),
              x2, h0, c0)
})

test_that("the fused kernel matches the plain-R ConvLSTM (2-D, masks, states, go_backwards, recurrent dropout)", {
  set.seed(13)
  x <- array(rnorm(2 * 3 * 4 * 3 * 2), c(2, 3, 4, 3, 2))
  k <- array(rnorm(3 * 3 * 2 * 8) * 0.3, c(3, 3, 2, 8))
  rk <- array(rnorm(3 * 3 * 2 * 8) * 0.3, c(3, 3, 2, 8))
  b <- rnorm(8) * 0.1
  h0 <- array(rnorm(2 * 4 * 3 * 2), c(2, 4, 3, 2))
  c0 <- array(rnorm(2 * 4 * 3 * 2), c(2, 4, 3, 2))
  mask <- matrix(c(TRUE, FALSE, FALSE, TRUE, TRUE, TRUE), 2, 3)  # the last step (first backwards) is kept
  masks <- lapply(1:4, function(g) array(sample(c(0, 2), 2 * 4 * 3 * 2, replace = TRUE), c(2, 4, 3, 2)))
  z <- ref_input_gates(x, k, rep(0, 8), padding = "same")  # the kernel adds the bias
  out <- conv_lstm_kernel(op_convert_to_tensor(z), h0, c0, rk, b, mask,
                          aperm(array(unlist(masks), c(2, 4, 3, 2, 4)), c(5, 1:4)), go_backwards = TRUE,
                          return_sequences = TRUE)
  ref <- ref_conv_lstm(x, k, rk, b, padding = "same", h0 = h0, c0 = c0, mask = mask, go_backwards = TRUE,
                       rec_masks = masks)
  for (s in 1:3) expect_equal(as.array(out[[1]])[, s, , , ], ref$seq[[s]], tolerance = 1e-5)
  expect_equal(as.array(out[[2]]), ref$h, tolerance = 1e-5)
  expect_equal(as.array(out[[3]]), ref$c, tolerance = 1e-5)

  # through the layer, with strides and other activations
  l <- layer_conv_lstm_2d(filters = 2, kernel_size = 3, strides = 2, padding = "same", activation = "relu",
                          recurrent_activation = "hard_sigmoid", return_state = TRUE)
  l(x)
  set_weights(l, list(k, rk, b))
  res <- l(x)
  ref <- ref_conv_lstm(x, k, rk, b, strides = 2, padding = "same", act = function(v) pmax(v, 0),
                       rec_act = hard_sigmoid)
  expect_equal(as.array(res[[1]]), ref$h, tolerance = 1e-5)
  expect_equal(as.array(res[[3]]), ref$c, tolerance = 1e-5)
})

test_that("the fused path and the per-step path (activations given as R functions) agree", {
  set.seed(14)
  x <- array(rnorm(2 * 4 * 5 * 5 * 2), c(2, 4, 5, 5, 2))
  mask <- matrix(c(FALSE, TRUE, TRUE, FALSE, TRUE, TRUE, FALSE, TRUE), 2, 4)
  make <- function(fused, ...) {
    acts <- if (fused) list("tanh", "sigmoid") else list(function(v) activation_tanh(v), function(v) activation_sigmoid(v))
    layer_conv_lstm_2d(filters = 3, kernel_size = 3, activation = acts[[1]], recurrent_activation = acts[[2]], ...)
  }
  pair <- function(..., input = x) {
    fast <- make(TRUE, ...)
    slow <- make(FALSE, ...)
    fast(input)
    slow(input)
    set_weights(slow, get_weights(fast))
    expect_named(fast$cell$fused_activations, c("activation", "recurrent_activation"))
    expect_null(slow$cell$fused_activations)
    list(fast = fast, slow = slow)
  }
  same <- function(a, b) {
    if (is.list(a)) return(invisible(Map(same, a, b)))
    expect_equal(as.array(a), as.array(b), tolerance = 1e-5)
  }

  p <- pair(return_sequences = TRUE, return_state = TRUE, go_backwards = TRUE, padding = "same")
  h0 <- array(rnorm(2 * 5 * 5 * 3), c(2, 5, 5, 3))
  same(p$fast(x, mask = mask, initial_state = list(h0, h0)), p$slow(x, mask = mask, initial_state = list(h0, h0)))

  # training: dropout masks drawn from the same seed
  p <- pair(dropout = 0.3, recurrent_dropout = 0.4, seed = 9)
  same(p$fast(x, training = TRUE), p$slow(x, training = TRUE))

  # channels_first and stateful
  xf <- aperm(x, c(1, 2, 5, 3, 4))
  p <- pair(data_format = "channels_first", stateful = TRUE, return_sequences = TRUE, input = xf)
  reset_state(p$fast)
  reset_state(p$slow)
  same(p$fast(xf[, 1:2, , , , drop = FALSE]), p$slow(xf[, 1:2, , , , drop = FALSE]))
  same(p$fast(xf[, 3:4, , , , drop = FALSE]), p$slow(xf[, 3:4, , , , drop = FALSE]))
  same(p$fast$states, p$slow$states)

  # the weights' gradients
  p <- pair(return_sequences = TRUE)
  grads <- function(l) {
    loss <- recurrent:::with_gradient_recording(op_sum(op_square(l(x, mask = mask))))
    recurrent:::gradients(loss, l$weights)
  }
  same(grads(p$fast), grads(p$slow))
})

test_that("an activation the fused kernel lacks runs step by step", {
  set.seed(15)
  x <- array(rnorm(2 * 3 * 6 * 2), c(2, 3, 6, 2))
  k <- array(rnorm(3 * 2 * 8) * 0.3, c(3, 2, 8))
  rk <- array(rnorm(3 * 2 * 8) * 0.3, c(3, 2, 8))
  b <- rnorm(8) * 0.1
  l <- layer_conv_lstm_1d(filters = 2, kernel_size = 3, activation = "gelu")
  l(x)
  expect_null(l$cell$fused_activations)
  set_weights(l, list(k, rk, b))
  gelu <- function(v) v * stats::pnorm(v)  # exact gelu, Keras's default
  expect_equal(as.array(l(x)), ref_conv_lstm(x, k, rk, b, act = gelu)$h, tolerance = 1e-5)
})

test_that("a second backward pass over one fused call gives the same gradients", {
  set.seed(16)
  old <- config_set_floatx("float64")
  withr::defer(config_set_floatx(old))
  l <- layer_conv_lstm_1d(filters = 2, kernel_size = 3, return_sequences = TRUE)
  x <- array(rnorm(2 * 3 * 5 * 1), c(2, 3, 5, 1))
  l(x)
  loss <- recurrent:::with_gradient_recording(op_sum(op_square(l(x))))
  first <- lapply(recurrent:::gradients(loss, l$weights), as.array)
  second <- lapply(recurrent:::gradients(loss, l$weights), as.array)
  expect_equal(second, first, tolerance = 1e-12)
  expect_true(all(vapply(first, function(g) any(g != 0), TRUE)))
})

test_that("the fused ConvLSTM kernel rejects inputs of the wrong shape", {
  u <- array(0, c(3, 2, 8))
  expect_error(conv_lstm_kernel(array(0, c(1, 2, 4, 7)), NULL, NULL, u), class = "recurrent_error", regexp = "z must")
  expect_error(conv_lstm_kernel(array(0, c(1, 2, 4, 8)), NULL, NULL, array(0, c(3, 2, 7))), class = "recurrent_error",
               regexp = "recurrent_kernel")
  expect_error(conv_lstm_kernel(array(0, c(1, 2, 4, 8)), array(0, c(1, 4, 3)), array(0, c(1, 4, 3)), u),
               class = "recurrent_error", regexp = "initial state")
  expect_error(conv_lstm_kernel(array(0, c(1, 2, 4, 8)), NULL, NULL, u, bias = rep(0, 4)), class = "recurrent_error",
               regexp = "bias")
  expect_error(conv_lstm_kernel(array(0, c(1, 2, 4, 8)), NULL, NULL, u, mask = matrix(TRUE, 1, 3)),
               class = "recurrent_error", regexp = "mask")
  expect_error(conv_lstm_kernel(array(0, c(1, 2, 4, 8)), NULL, NULL, u, drop = array(1, c(3, 1, 4, 2))),
               class = "recurrent_error", regexp = "recurrent_dropout")
  expect_error(conv_lstm_kernel(array(0, c(1, 2, 4, 8)), NULL, NULL, u, activation = "gelu"),
               class = "recurrent_error", regexp = "gelu")
})

test_that("the fused ConvLSTM gives the same numbers on two threads", {
  set.seed(17)
  x <- array(rnorm(4 * 3 * 12 * 12 * 2), c(4, 3, 12, 12, 2))  # enough rows for the pointwise pass to split
  l <- layer_conv_lstm_2d(filters = 8, kernel_size = 3, padding = "same", return_sequences = TRUE)
  one <- as.array(l(x))
  loss <- function() recurrent:::with_gradient_recording(op_sum(op_square(l(x))))
  g1 <- lapply(recurrent:::gradients(loss(), l$weights), as.array)
  old <- config_set_num_threads(2)
  withr::defer(config_set_num_threads(old))
  expect_equal(as.array(l(x)), one, tolerance = 1e-6)
  expect_equal(lapply(recurrent:::gradients(loss(), l$weights), as.array), g1, tolerance = 1e-5)
})
