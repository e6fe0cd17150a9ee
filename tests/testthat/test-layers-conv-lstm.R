# Keras's expected numbers come from keras/src/layers/rnn/conv_lstm{,1d,2d,3d}_test.py.

constant_conv_lstm <- function(fn, ...) {
  fn(filters = 2, kernel_size = 3, kernel_initializer = initializer_constant(0.01),
     recurrent_initializer = initializer_constant(0.02), bias_initializer = initializer_constant(0.03), ...)
}

test_that("layer_conv_lstm_1d() gives Keras's numbers (ConvLSTM1DTest.test_correctness)", {
  out <- as.array(constant_conv_lstm(layer_conv_lstm_1d)(np_arange(c(2, 3, 4, 5), 10)))
  expected <- aperm(array(c(0.40807986, 0.40807986, 0.46421072, 0.46421072,
                            0.80933154, 0.80933154, 0.8233646, 0.8233646), c(2, 2, 2)), 3:1)
  expect_equal(out, expected, tolerance = 1e-5)
})

test_that("layer_conv_lstm_2d() gives Keras's numbers (ConvLSTM2DTest.test_correctness)", {
  out <- as.array(constant_conv_lstm(layer_conv_lstm_2d)(np_arange(c(2, 3, 4, 4, 5), 100)))
  expected <- c_array(c(0.48694518, 0.48694518, 0.50237733, 0.50237733, 0.5461202, 0.5461202, 0.5598283, 0.5598283,
                        0.8661607, 0.8661607, 0.86909103, 0.86909103, 0.8774414, 0.8774414, 0.8800861, 0.8800861),
                      c(2, 2, 2, 2))
  expect_equal(out, expected, tolerance = 1e-5)
})

test_that("layer_conv_lstm_3d() gives Keras's numbers (ConvLSTM3DTest.test_correctness)", {
  out <- as.array(constant_conv_lstm(layer_conv_lstm_3d)(np_arange(c(2, 3, 4, 4, 4, 5), 100)))
  first <- c(0.99149036, 0.99149036, 0.99180907, 0.99180907, 0.99258363, 0.99258363, 0.9927925, 0.9927925,
             0.99413764, 0.99413764, 0.99420583, 0.99420583, 0.9943788, 0.9943788, 0.9944278, 0.9944278)
  expected <- c_array(c(first, rep(0.9950547, 16)), c(2, 2, 2, 2, 2))
  expect_equal(out, expected, tolerance = 1e-5)
})

test_that("ConvLSTMCell and ConvLSTM with initial states give Keras's checksums", {
  x <- np_arange(c(2, 5, 5, 3), 10)
  s <- np_arange(c(2, 5, 5, 4), 10)
  cell <- recurrent:::create_layer(recurrent:::ConvLSTMCell, NULL, list(
    rank = 2, filters = 4, kernel_size = 3, padding = "same",
    kernel_initializer = initializer_constant(0.01), recurrent_initializer = initializer_constant(0.02)))
  out <- cell(x, list(s, s))
  expect_equal(sum(as.array(out[[1]])), 188.89502, tolerance = 1e-6)
  expect_equal(sum(as.array(out[[2]][[1]])), 188.89502, tolerance = 1e-6)
  expect_equal(sum(as.array(out[[2]][[2]])), 2170.444, tolerance = 1e-6)

  layer <- layer_conv_lstm_2d(filters = 4, kernel_size = 3, padding = "same",
                              kernel_initializer = initializer_constant(0.01),
                              recurrent_initializer = initializer_constant(0.02))
  s <- np_arange(c(2, 5, 5, 4), 100)
  y <- layer(np_arange(c(2, 3, 5, 5, 3), 100), initial_state = list(s, s))
  expect_equal(sum(as.array(y)), 119.812454, tolerance = 1e-6)
})

test_that("strides > 1 with dilation_rate > 1 is an error, as in Keras", {
  for (fn in list(layer_conv_lstm_1d, layer_conv_lstm_2d))
    expect_error(fn(filters = 1, kernel_size = 1, strides = 2, padding = "same", dilation_rate = 3),
                 class = "recurrent_error", regexp = "strides")
  expect_error(layer_conv_lstm_3d(filters = 1, kernel_size = 1, strides = 2, padding = "same",
                                  dilation_rate = c(1, 2, 2), return_state = TRUE),
               class = "recurrent_error", regexp = "dilation_rate")
})

test_that("ConvLSTM shapes follow Keras's basic tests", {
  set.seed(1)
  expect_equal(dim(layer_conv_lstm_1d(array(runif(3 * 2 * 4 * 3), c(3, 2, 4, 3)), 5, 3, padding = "same")),
               c(3L, 4L, 5L))
  expect_equal(dim(layer_conv_lstm_2d(array(runif(3 * 2 * 8 * 8 * 3), c(3, 2, 8, 8, 3)), 5, 3,
                                      return_sequences = TRUE)), c(3L, 2L, 6L, 6L, 5L))
  l <- layer_conv_lstm_2d(filters = 5, kernel_size = 3, recurrent_dropout = 0.5)
  expect_equal(dim(l(array(runif(3 * 2 * 8 * 8 * 3), c(3, 2, 8, 8, 3)), training = TRUE)), c(3L, 6L, 6L, 5L))
  expect_length(l$weights, 3)
  expect_equal(dim(layer_conv_lstm_3d(array(runif(3 * 2 * 4 * 4 * 4 * 3), c(3, 2, 4, 4, 4, 3)), 5, 3,
                                      padding = "same")), c(3L, 4L, 4L, 4L, 5L))
  # keras3's test-layers.R: dense -> reshape -> conv_lstm
  m <- keras_model_sequential(input_shape = 32) |> layer_dense(32) |> layer_reshape(c(2, 4, 4)) |>
    layer_conv_lstm_1d(filters = 3, kernel_size = 2)
  expect_equal(dim(predict(m, matrix(runif(64), 2), verbose = 0)), c(2L, 3L, 3L))
})

test_that("layer_conv_lstm_1d() matches a plain-R ConvLSTM: strides, padding, masks, states, go_backwards", {
  set.seed(2)
  x <- array(rnorm(2 * 4 * 6 * 2), c(2, 4, 6, 2))
  k <- array(rnorm(3 * 2 * 8) * 0.3, c(3, 2, 8))
  rk <- array(rnorm(3 * 2 * 8) * 0.3, c(3, 2, 8))
  b <- rnorm(8) * 0.1
  make <- function(...) {
    l <- layer_conv_lstm_1d(filters = 2, kernel_size = 3, ...)
    l(x)
    set_weights(l, list(k, rk, b))
    l
  }
  l <- make(return_sequences = TRUE, return_state = TRUE)
  res <- l(x)
  ref <- ref_conv_lstm_1d(x, k, rk, b)
  expect_equal(as.array(res[[1]])[, 4, , ], ref$h, tolerance = 1e-5)
  expect_equal(as.array(res[[1]])[, 2, , ], ref$seq[[2]], tolerance = 1e-5)
  expect_equal(as.array(res[[2]]), ref$h, tolerance = 1e-5)
  expect_equal(as.array(res[[3]]), ref$c, tolerance = 1e-5)

  l <- make(strides = 2, padding = "same")
  expect_equal(as.array(l(x)), ref_conv_lstm_1d(x, k, rk, b, strides = 2, padding = "same")$h, tolerance = 1e-5)
  l <- make(dilation_rate = 2)
  expect_equal(as.array(l(x)), ref_conv_lstm_1d(x, k, rk, b, dilation = 2)$h, tolerance = 1e-5)

  mask <- matrix(c(TRUE, TRUE, FALSE, TRUE, TRUE, FALSE, TRUE, FALSE), 2, 4, byrow = TRUE)
  h0 <- array(rnorm(2 * 4 * 2), c(2, 4, 2)); c0 <- array(rnorm(2 * 4 * 2), c(2, 4, 2))
  l <- make(go_backwards = TRUE)
  expect_equal(as.array(l(x, initial_state = list(h0, c0), mask = mask)),
               ref_conv_lstm_1d(x, k, rk, b, h0 = h0, c0 = c0, mask = mask, go_backwards = TRUE)$h, tolerance = 1e-5)
})

test_that("a stateful ConvLSTM carries its states between calls", {
  set.seed(3)
  x <- array(rnorm(2 * 4 * 5 * 1), c(2, 4, 5, 1))
  l <- layer_conv_lstm_1d(filters = 2, kernel_size = 3, padding = "same", stateful = TRUE)
  whole <- layer_conv_lstm_1d(filters = 2, kernel_size = 3, padding = "same")
  y1 <- l(x[, 1:2, , , drop = FALSE])
  whole(x)
  set_weights(whole, get_weights(l))
  y2 <- l(x[, 3:4, , , drop = FALSE])
  expect_equal(as.array(y2), as.array(whole(x)), tolerance = 1e-5)
  expect_equal(dim(l$states[[1]]), c(2L, 5L, 2L))
  reset_state(l)
  expect_equal(as.array(l(x[, 1:2, , , drop = FALSE])), as.array(y1), tolerance = 1e-6)
})

test_that("ConvLSTM dropout acts only in training and channels_first gives the same numbers", {
  set.seed(4)
  x <- array(rnorm(2 * 3 * 5 * 5 * 2), c(2, 3, 5, 5, 2))
  l <- layer_conv_lstm_2d(filters = 3, kernel_size = 3, dropout = 0.4, recurrent_dropout = 0.4, seed = 1)
  y0 <- as.array(l(x))
  expect_false(isTRUE(all.equal(as.array(l(x, training = TRUE)), y0)))
  expect_equal(as.array(l(x, training = FALSE)), y0)
  lf <- layer_conv_lstm_2d(filters = 3, kernel_size = 3, data_format = "channels_first")
  xf <- aperm(x, c(1, 2, 5, 3, 4))
  lf(xf)
  set_weights(lf, get_weights(l))
  expect_equal(as.array(lf(xf)), aperm(y0, c(1, 4, 2, 3)), tolerance = 1e-5)
})

test_that("ConvLSTM gradients match finite differences", {
  set.seed(5)
  x <- array(rnorm(2 * 3 * 4 * 2), c(2, 3, 4, 2))
  expect_layer_grads(layer_conv_lstm_1d(filters = 2, kernel_size = 2, padding = "same", return_sequences = TRUE), x)
  expect_layer_grads(layer_conv_lstm_1d(filters = 1, kernel_size = 3, go_backwards = TRUE), x)
  x2 <- array(rnorm(1 * 2 * 3 * 3 * 1), c(1, 2, 3, 3, 1))
  expect_layer_grads(layer_conv_lstm_2d(filters = 2, kernel_size = 2, padding = "same"), x2)
})

test_that("ConvLSTM summary, config and functional shapes are Keras's", {
  inp <- keras_input(c(NA, 8, 8, 1))
  out <- layer_conv_lstm_2d(inp, 4, 3, padding = "same", return_sequences = TRUE)
  expect_equal(dim(out), c(NA, NA, 8L, 8L, 4L))
  m <- keras_model(inp, out)
  # kernel 3*3*1*16 + recurrent 3*3*4*16 + bias 16
  expect_equal(m$count_params(), 3 * 3 * 1 * 16 + 3 * 3 * 4 * 16 + 16)
  l <- m$layers[[2]]
  expect_s3_class(recurrent:::unwrap_layer(l), "ConvLSTM2D")
  expect_match(l$name, "^conv_lstm2d")
  cfg <- get_config(l)
  expect_true(all(c("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "activation",
                    "recurrent_activation", "unit_forget_bias", "dropout", "recurrent_dropout", "seed",
                    "return_sequences", "return_state", "go_backwards", "stateful") %in% names(cfg)))
  expect_equal(cfg$kernel_size, list(3L, 3L))
  st <- layer_conv_lstm_1d(keras_input(c(5, 6, 2)), 3, 3, return_state = TRUE)
  expect_length(st, 3)
  expect_equal(dim(st[[2]]), c(NA, 4L, 3L))
})

test_that("ConvLSTM rejects bad arguments and inputs with clear errors", {
  expect_error(layer_conv_lstm_2d(kernel_size = 3), class = "recurrent_error", regexp = "filters")
  expect_error(layer_conv_lstm_2d(filters = 2, kernel_size = 3, padding = "causal"), class = "recurrent_error",
               regexp = "padding")
  expect_error(layer_conv_lstm_2d(filters = 2, kernel_size = c(3, 3, 3)), class = "recurrent_error",
               regexp = "kernel_size")
  expect_error(layer_conv_lstm_2d(filters = 2, kernel_size = 3, dropout = 2), class = "recurrent_error",
               regexp = "dropout")
  expect_error(layer_conv_lstm_2d(array(0, c(1, 2, 4, 4)), filters = 2, kernel_size = 3), class = "recurrent_error",
               regexp = "5-D")
  l <- layer_conv_lstm_1d(filters = 2, kernel_size = 3)
  expect_error(l(array(0, c(1, 2, 5, 1)), initial_state = list(array(0, c(1, 4, 2)))), class = "recurrent_error",
               regexp = "initial_state")
})
