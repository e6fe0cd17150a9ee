test_that("layer_conv_1d() is the convolution plus bias and activation, with Keras's weights", {
  set.seed(1)
  x <- array(rnorm(2 * 7 * 3), c(2, 7, 3))
  l <- layer_conv_1d(filters = 4, kernel_size = 3, activation = "relu")
  l(x)
  expect_equal(lapply(get_weights(l), dim), list(c(3L, 3L, 4L), 4L))
  k <- array(rnorm(36), c(3, 3, 4)); b <- c(0.1, -0.2, 0.3, 0)
  set_weights(l, list(k, b))
  ref <- ref_conv(x, k)
  for (j in 1:4) ref[, , j] <- pmax(ref[, , j] + b[j], 0)
  expect_equal(as.array(l(x)), ref, tolerance = 1e-5)
  lc <- layer_conv_1d(filters = 4, kernel_size = 3, padding = "causal", dilation_rate = 2, use_bias = FALSE)
  lc(x)
  set_weights(lc, list(k))
  expect_equal(as.array(lc(x)), ref_conv(x, k, padding = "causal", dilation = 2), tolerance = 1e-5)
  expect_length(lc$weights, 1)
})

test_that("layer_conv_2d() and layer_conv_3d() match the plain-R convolution", {
  set.seed(2)
  x <- array(rnorm(2 * 5 * 6 * 2), c(2, 5, 6, 2))
  l <- layer_conv_2d(filters = 3, kernel_size = c(3, 2), strides = c(2, 1), padding = "same")
  l(x)
  k <- array(rnorm(3 * 2 * 2 * 3), c(3, 2, 2, 3)); b <- c(1, 2, 3)
  set_weights(l, list(k, b))
  ref <- ref_conv(x, k, strides = c(2, 1), padding = "same")
  for (j in 1:3) ref[, , , j] <- ref[, , , j] + b[j]
  expect_equal(as.array(l(x)), ref, tolerance = 1e-5)
  lg <- layer_conv_2d(filters = 4, kernel_size = 1, groups = 2, use_bias = FALSE)
  lg(x)
  expect_equal(dim(get_weights(lg)[[1]]), c(1L, 1L, 1L, 4L))
  x3 <- array(rnorm(1 * 3 * 4 * 4 * 1), c(1, 3, 4, 4, 1))
  l3 <- layer_conv_3d(filters = 2, kernel_size = 2, use_bias = FALSE)
  l3(x3)
  k3 <- array(rnorm(16), c(2, 2, 2, 1, 2))
  set_weights(l3, list(k3))
  expect_equal(as.array(l3(x3)), ref_conv(x3, k3), tolerance = 1e-5)
})

test_that("transposed, depthwise and separable layers match their definitions", {
  set.seed(3)
  x <- array(rnorm(2 * 5 * 3), c(2, 5, 3))
  lt <- layer_conv_1d_transpose(filters = 2, kernel_size = 3, strides = 2, use_bias = FALSE)
  lt(x)
  kt <- array(rnorm(3 * 2 * 3), c(3, 2, 3))
  set_weights(lt, list(kt))
  expect_equal(dim(get_weights(lt)[[1]]), c(3L, 2L, 3L))
  expect_equal(as.array(lt(x)), ref_conv_transpose_1d(x, kt, 2), tolerance = 1e-5)
  lto <- layer_conv_1d_transpose(filters = 2, kernel_size = 3, strides = 2, padding = "same", output_padding = 1)
  expect_equal(dim(lto(x)), c(2L, 10L, 2L))

  ld <- layer_depthwise_conv_1d(kernel_size = 2, depth_multiplier = 2, use_bias = FALSE)
  ld(x)
  dk <- array(rnorm(2 * 3 * 2), c(2, 3, 2))
  set_weights(ld, list(dk))
  expect_equal(as.array(ld(x)), ref_conv(x, array(aperm(dk, c(1, 3, 2)), c(2, 1, 6))), tolerance = 1e-5)

  ls <- layer_separable_conv_1d(filters = 4, kernel_size = 2, depth_multiplier = 2)
  ls(x)
  expect_equal(lapply(get_weights(ls), dim), list(c(2L, 3L, 2L), c(1L, 6L, 4L), 4L))
  pk <- array(rnorm(24), c(1, 6, 4)); b <- c(0, 1, 0, -1)
  set_weights(ls, list(dk, pk, b))
  ref <- ref_conv(ref_conv(x, array(aperm(dk, c(1, 3, 2)), c(2, 1, 6))), pk)
  for (j in 1:4) ref[, , j] <- ref[, , j] + b[j]
  expect_equal(as.array(ls(x)), ref, tolerance = 1e-5)
})

test_that("convolution layer gradients match finite differences", {
  set.seed(4)
  x <- array(rnorm(2 * 5 * 2), c(2, 5, 2))
  expect_layer_grads(layer_conv_1d(filters = 3, kernel_size = 2, padding = "causal", activation = "tanh"), x)
  expect_layer_grads(layer_conv_1d_transpose(filters = 2, kernel_size = 3, strides = 2), x)
  expect_layer_grads(layer_depthwise_conv_1d(kernel_size = 2, depth_multiplier = 2), x)
  expect_layer_grads(layer_separable_conv_1d(filters = 2, kernel_size = 3, padding = "same"), x)
  x2 <- array(rnorm(1 * 4 * 4 * 2), c(1, 4, 4, 2))
  expect_layer_grads(layer_conv_2d(filters = 2, kernel_size = 2, strides = 2), x2)
  expect_layer_grads(layer_conv_3d(filters = 1, kernel_size = 2), array(rnorm(27), c(1, 3, 3, 3, 1)))
})

test_that("convolution layers give Keras's shapes, parameter counts, names and configs", {
  inp <- keras_input(c(NA, 6))
  out <- inp |> layer_conv_1d(8, 3, padding = "same") |> layer_conv_1d(4, 3, strides = 2)
  expect_equal(dim(out), c(NA, NA, 4L))
  m <- keras_model_sequential(input_shape = c(24, 1)) |>
    layer_conv_1d(8, 3, activation = "relu") |>
    layer_separable_conv_1d(6, 3) |>
    layer_conv_1d_transpose(2, 3, strides = 2)
  # 3*1*8 + 8; 3*8*1 + 1*8*6 + 6; 3*2*6 + 2
  expect_equal(m$count_params(), 32 + 78 + 38)
  expect_equal(dim(predict(m, array(0, c(1, 24, 1)), verbose = 0)), c(1L, 41L, 2L))
  l <- layer_conv_2d(filters = 3, kernel_size = c(2, 3))
  expect_s3_class(recurrent:::unwrap_layer(l), "Conv2D")
  expect_match(l$name, "^conv2d")
  cfg <- get_config(l)
  expect_equal(names(cfg), c("name", "trainable", "dtype", "filters", "kernel_size", "strides", "padding",
                             "data_format", "dilation_rate", "groups", "activation", "use_bias",
                             "kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer",
                             "activity_regularizer", "kernel_constraint", "bias_constraint"))
  expect_equal(cfg$kernel_size, list(2L, 3L))
  expect_equal(cfg$strides, list(1L, 1L))
  expect_true("depth_multiplier" %in% names(get_config(layer_depthwise_conv_1d(kernel_size = 3))))
  expect_true("output_padding" %in% names(get_config(layer_conv_1d_transpose(filters = 2, kernel_size = 3))))
  expect_true("pointwise_initializer" %in% names(get_config(layer_separable_conv_1d(filters = 2, kernel_size = 3))))
  # frames through time_distributed(), as CNN-LSTM video models use it
  v <- keras_input(c(5, 8, 8, 1))
  td <- layer_time_distributed(v, layer_conv_2d(filters = 4, kernel_size = 3))
  expect_equal(dim(td), c(NA, 5L, 6L, 6L, 4L))
})

test_that("convolution layers reject bad arguments with errors naming them", {
  expect_error(layer_conv_1d(kernel_size = 3), class = "recurrent_error", regexp = "filters")
  expect_error(layer_conv_1d(filters = 2), class = "recurrent_error", regexp = "kernel_size")
  expect_error(layer_conv_1d(filters = 0, kernel_size = 3), class = "recurrent_error", regexp = "filters")
  expect_error(layer_conv_2d(filters = 2, kernel_size = c(1, 2, 3)), class = "recurrent_error", regexp = "kernel_size")
  expect_error(layer_conv_2d(filters = 2, kernel_size = 3, padding = "causal"), class = "recurrent_error",
               regexp = "padding")
  expect_error(layer_conv_1d(filters = 2, kernel_size = 3, strides = 2, dilation_rate = 2),
               class = "recurrent_error", regexp = "dilation_rate")
  expect_error(layer_conv_1d(filters = 3, kernel_size = 3, groups = 2), class = "recurrent_error", regexp = "groups")
  expect_error(layer_conv_1d(array(0, c(1, 5, 3)), filters = 2, kernel_size = 3, groups = 2),
               class = "recurrent_error", regexp = "groups")
  expect_error(layer_conv_1d(array(0, c(1, 2, 3)), filters = 2, kernel_size = 3), class = "recurrent_error",
               regexp = "too small")
  expect_error(layer_conv_1d(array(0, c(1, 2)), filters = 2, kernel_size = 1), class = "recurrent_error",
               regexp = "3-D")
  expect_error(layer_conv_1d_transpose(filters = 2, kernel_size = 3, strides = 2, output_padding = 2),
               class = "recurrent_error", regexp = "output_padding")
  expect_error(layer_depthwise_conv_1d(kernel_size = 3, depth_multiplier = 0), class = "recurrent_error",
               regexp = "depth_multiplier")
  expect_error(layer_conv_1d(filters = 2, kernel_size = 3, data_format = "NCW"), class = "recurrent_error",
               regexp = "data_format")
})

test_that("get_config() and from_config() round-trip every convolution, pooling and ConvLSTM layer", {
  layers <- list(layer_conv_1d(filters = 2, kernel_size = 3, padding = "causal"),
                 layer_conv_2d(filters = 2, kernel_size = c(2, 3), strides = 2),
                 layer_conv_3d(filters = 1, kernel_size = 2, groups = 1),
                 layer_conv_1d_transpose(filters = 2, kernel_size = 3, strides = 2, output_padding = 1),
                 layer_depthwise_conv_1d(kernel_size = 2, depth_multiplier = 3),
                 layer_separable_conv_1d(filters = 2, kernel_size = 3),
                 layer_max_pooling_1d(), layer_average_pooling_2d(pool_size = 3),
                 layer_global_average_pooling_1d(keepdims = TRUE), layer_global_max_pooling_2d(),
                 layer_zero_padding_1d(padding = c(1, 2)), layer_cropping_1d(), layer_upsampling_1d(size = 3),
                 layer_conv_lstm_2d(filters = 3, kernel_size = 3, return_sequences = TRUE, dropout = 0.1))
  for (l in layers) {
    cfg <- get_config(l)
    again <- get_config(from_config(cfg))
    again$name <- cfg$name
    expect_equal(again, cfg, label = class(recurrent:::unwrap_layer(l))[1])
  }
})
