test_that("op_conv() sums the window by hand", {
  x <- array(1:10, c(1, 5, 2))     # channel 1: 1..5, channel 2: 6..10
  k <- array(1, c(3, 2, 1))
  expect_equal(as.vector(as.array(op_conv(x, k))), c(27, 33, 39))
  # causal: two zero steps first, so step 1 sees only itself
  expect_equal(as.vector(as.array(op_conv(x, k, padding = "causal"))), c(7, 16, 27, 33, 39))
  # same: one zero step on each side
  expect_equal(as.vector(as.array(op_conv(x, k, padding = "same"))), c(16, 27, 33, 39, 28))
})

test_that("op_conv() matches the plain-R convolution in 1-D, 2-D and 3-D", {
  set.seed(1)
  x <- array(rnorm(2 * 9 * 4), c(2, 9, 4))
  w <- array(rnorm(3 * 4 * 5), c(3, 4, 5))
  for (case in list(list(), list(padding = "same"), list(padding = "causal", dilation = 2),
                    list(strides = 2, padding = "same"), list(strides = 3), list(dilation = 3, padding = "same"))) {
    got <- as.array(do.call(op_conv, c(list(x, w), setNames(case, sub("dilation", "dilation_rate", names(case))))))
    expect_equal(got, do.call(ref_conv, c(list(x, w), case)), tolerance = 1e-5)
  }
  # groups: 4 input channels in 2 groups of 2, 6 filters in 2 groups of 3
  wg <- array(rnorm(3 * 2 * 6), c(3, 2, 6))
  expect_equal(as.array(op_conv(x, wg, padding = "same")), ref_conv(x, wg, padding = "same"), tolerance = 1e-5)
  # pointwise (1x1) takes the plain product path
  w1 <- array(rnorm(4 * 5), c(1, 4, 5))
  expect_equal(as.array(op_conv(x, w1)), ref_conv(x, w1), tolerance = 1e-5)
  x2 <- array(rnorm(2 * 5 * 6 * 3), c(2, 5, 6, 3))
  w2 <- array(rnorm(3 * 2 * 3 * 4), c(3, 2, 3, 4))
  expect_equal(as.array(op_conv(x2, w2)), ref_conv(x2, w2), tolerance = 1e-5)
  expect_equal(as.array(op_conv(x2, w2, strides = c(2, 1), padding = "same")),
               ref_conv(x2, w2, strides = c(2, 1), padding = "same"), tolerance = 1e-5)
  expect_equal(as.array(op_conv(x2, w2, dilation_rate = c(2, 1))), ref_conv(x2, w2, dilation = c(2, 1)),
               tolerance = 1e-5)
  x3 <- array(rnorm(1 * 4 * 5 * 3 * 2), c(1, 4, 5, 3, 2))
  w3 <- array(rnorm(2 * 2 * 2 * 2 * 3), c(2, 2, 2, 2, 3))
  expect_equal(as.array(op_conv(x3, w3, padding = "same")), ref_conv(x3, w3, padding = "same"), tolerance = 1e-5)
})

test_that("op_conv() with stride 1 and many channels (no im2col) matches the plain-R convolution", {
  set.seed(11)
  x <- array(rnorm(3 * 7 * 8), c(3, 7, 8))
  w <- array(rnorm(3 * 8 * 5), c(3, 8, 5))
  for (p in c("valid", "same", "causal"))
    expect_equal(as.array(op_conv(x, w, padding = p)), ref_conv(x, w, padding = p), tolerance = 1e-5)
  x2 <- array(rnorm(2 * 5 * 4 * 6), c(2, 5, 4, 6))
  w2 <- array(rnorm(3 * 3 * 6 * 4), c(3, 3, 6, 4))
  for (p in c("valid", "same"))
    expect_equal(as.array(op_conv(x2, w2, padding = p)), ref_conv(x2, w2, padding = p), tolerance = 1e-5)
  w2e <- array(rnorm(2 * 4 * 6 * 3), c(2, 4, 6, 3))    # even kernel: more padding after than before
  expect_equal(as.array(op_conv(x2, w2e, padding = "same")), ref_conv(x2, w2e, padding = "same"), tolerance = 1e-5)
  x3 <- array(rnorm(1 * 3 * 4 * 3 * 8), c(1, 3, 4, 3, 8))
  w3 <- array(rnorm(2 * 2 * 2 * 8 * 2), c(2, 2, 2, 8, 2))
  expect_equal(as.array(op_conv(x3, w3, padding = "same")), ref_conv(x3, w3, padding = "same"), tolerance = 1e-5)
  expect_grad(function(a, b) op_conv(a, b, padding = "same"), x[1:2, 1:4, ], w[, , 1:2])
  # gradients on the same path: kernel * channels of at least 16 on both sides
  expect_grad(function(a, b) op_conv(a, b, padding = "causal"), x[1:2, 1:4, ], array(rnorm(3 * 8 * 6), c(3, 8, 6)))
  xg <- array(rnorm(1 * 3 * 4 * 6), c(1, 3, 4, 6))
  wg <- array(rnorm(2 * 3 * 6 * 6), c(2, 3, 6, 6))
  expect_grad(function(a, b) op_conv(a, b, padding = "same"), xg, wg)
  expect_grad(function(a, b) op_conv(a, b), xg, wg)
})

test_that("op_conv() computes in float64 and handles channels_first", {
  set.seed(2)
  x <- array(rnorm(2 * 7 * 3), c(2, 7, 3))
  w <- array(rnorm(2 * 3 * 2), c(2, 3, 2))
  y <- op_conv(op_convert_to_tensor(x, dtype = "float64"), w)
  expect_equal(op_dtype(y), "float64")
  expect_equal(as.array(y), ref_conv(x, w), tolerance = 1e-12)
  xf <- aperm(x, c(1, 3, 2))
  yf <- as.array(op_conv(xf, w, data_format = "channels_first"))
  expect_equal(yf, aperm(ref_conv(x, w), c(1, 3, 2)), tolerance = 1e-5)
})

test_that("op_depthwise_conv() and op_separable_conv() match the grouped convolution", {
  set.seed(3)
  x <- array(rnorm(2 * 6 * 3), c(2, 6, 3))
  dw <- array(rnorm(2 * 3 * 2), c(2, 3, 2))       # width 2, 3 channels, multiplier 2
  # output channel (c - 1) * 2 + m comes from input channel c with dw[, c, m]
  grouped <- array(aperm(dw, c(1, 3, 2)), c(2, 1, 6))
  expect_equal(as.array(op_depthwise_conv(x, dw)), ref_conv(x, grouped), tolerance = 1e-5)
  expect_equal(as.array(op_depthwise_conv(x, dw, padding = "same")), ref_conv(x, grouped, padding = "same"),
               tolerance = 1e-5)
  pw <- array(rnorm(6 * 4), c(1, 6, 4))
  expect_equal(as.array(op_separable_conv(x, dw, pw)), ref_conv(ref_conv(x, grouped), pw), tolerance = 1e-5)
})

test_that("op_conv_transpose() spreads each input over the output window", {
  # by hand: x = (1, 2), kernel (1, 10) with stride 2 -> 1, 10, 2, 20
  y <- op_conv_transpose(array(c(1, 2), c(1, 2, 1)), array(c(1, 10), c(2, 1, 1)), strides = 2)
  expect_equal(as.vector(as.array(y)), c(1, 10, 2, 20))
  set.seed(4)
  x <- array(rnorm(2 * 5 * 3), c(2, 5, 3))
  w <- array(rnorm(3 * 4 * 3), c(3, 4, 3))    # (k, out channels, in channels)
  for (case in list(list(s = 1), list(s = 2), list(s = 2, padding = "same"), list(s = 3, padding = "same"),
                    list(s = 2, output_padding = 1), list(s = 2, padding = "same", output_padding = 1),
                    list(s = 1, d = 2))) {
    args <- list(x, w, strides = case$s, padding = case$padding %||% "valid", output_padding = case$output_padding,
                 dilation_rate = case$d %||% 1)
    expect_equal(as.array(do.call(op_conv_transpose, args)),
                 ref_conv_transpose_1d(x, w, case$s, case$padding %||% "valid", case$output_padding, case$d %||% 1),
                 tolerance = 1e-5)
  }
  # Keras's output length: 5 * 2 + max(3 - 2, 0) = 11
  expect_equal(dim(op_conv_transpose(x, w, strides = 2)), c(2L, 11L, 4L))
  expect_equal(dim(op_conv_transpose(array(0, c(1, 4, 4, 3)), array(0, c(3, 3, 2, 3)), strides = 2, padding = "same")),
               c(1L, 8L, 8L, 2L))
})

test_that("op_max_pool() and op_average_pool() match the plain-R pooling", {
  x <- array(c(1, 5, 2, 4, 3, 0), c(1, 6, 1))
  expect_equal(as.vector(as.array(op_max_pool(x, 2))), c(5, 4, 3))
  expect_equal(as.vector(as.array(op_average_pool(x, 3, strides = 1, padding = "same"))),
               c(3, 8 / 3, 11 / 3, 3, 7 / 3, 1.5), tolerance = 1e-6)
  set.seed(5)
  x2 <- array(rnorm(2 * 5 * 6 * 3), c(2, 5, 6, 3))
  expect_equal(as.array(op_max_pool(x2, 2, padding = "same")), ref_pool(x2, 2, padding = "same"), tolerance = 1e-6)
  expect_equal(as.array(op_max_pool(x2, c(3, 2), strides = 1)), ref_pool(x2, c(3, 2), strides = 1), tolerance = 1e-6)
  expect_equal(as.array(op_average_pool(x2, 3, strides = 2, padding = "same")),
               ref_pool(x2, 3, strides = 2, padding = "same", fn = mean), tolerance = 1e-6)
  x3 <- array(rnorm(1 * 4 * 4 * 4 * 2), c(1, 4, 4, 4, 2))
  expect_equal(as.array(op_average_pool(x3, 2)), ref_pool(x3, 2, fn = mean), tolerance = 1e-6)
})

test_that("conv and pooling gradients match finite differences", {
  set.seed(6)
  x <- array(rnorm(2 * 6 * 3), c(2, 6, 3))
  w <- array(rnorm(3 * 3 * 2), c(3, 3, 2))
  expect_grad(function(a, b) op_conv(a, b), x, w)
  expect_grad(function(a, b) op_conv(a, b, strides = 2, padding = "same"), x, w)
  expect_grad(function(a, b) op_conv(a, b, padding = "causal", dilation_rate = 2), x, w)
  expect_grad(function(a, b) op_conv(a, b), x, array(rnorm(3 * 2), c(1, 3, 2)))
  x6 <- array(rnorm(2 * 5 * 4), c(2, 5, 4))
  expect_grad(function(a, b) op_conv(a, b, padding = "same"), x6, array(rnorm(2 * 2 * 4), c(2, 2, 4)))  # 2 groups
  x2 <- array(rnorm(1 * 4 * 5 * 2), c(1, 4, 5, 2))
  expect_grad(function(a, b) op_conv(a, b, strides = c(2, 1), padding = "same"), x2, array(rnorm(2 * 3 * 2 * 2), c(2, 3, 2, 2)))
  x3 <- array(rnorm(1 * 3 * 3 * 3 * 1), c(1, 3, 3, 3, 1))
  expect_grad(function(a, b) op_conv(a, b), x3, array(rnorm(2 * 2 * 2 * 1 * 2), c(2, 2, 2, 1, 2)))
  expect_grad(function(a, b) op_depthwise_conv(a, b, padding = "same"), x, array(rnorm(2 * 3 * 2), c(2, 3, 2)))
  expect_grad(function(a, b) op_conv_transpose(a, b, strides = 2), x, array(rnorm(3 * 2 * 3), c(3, 2, 3)))
  expect_grad(function(a, b) op_conv_transpose(a, b, strides = 2, padding = "same", output_padding = 1), x,
              array(rnorm(3 * 2 * 3), c(3, 2, 3)))
  # pooling: distinct values, so the maximum of each window is unique
  xp <- array(sample(24) / 7, c(1, 6, 4, 1))
  expect_grad(function(a) op_max_pool(a, 2, padding = "same", strides = 1), xp)
  expect_grad(function(a) op_average_pool(a, c(3, 2), strides = 1, padding = "same"), xp)
})

test_that("conv and pooling ops reject bad arguments with errors naming them", {
  x <- array(0, c(1, 5, 2))
  w <- array(0, c(3, 2, 1))
  expect_error(op_conv(x, w, padding = "full"), class = "recurrent_error", regexp = "padding")
  expect_error(op_conv(array(0, c(1, 5, 5, 2)), array(0, c(3, 3, 2, 1)), padding = "causal"),
               class = "recurrent_error", regexp = "causal")
  expect_error(op_conv(x, array(0, c(3, 3, 1))), class = "recurrent_error", regexp = "channels")
  expect_error(op_conv(x, array(0, c(7, 2, 1))), class = "recurrent_error", regexp = "smaller")
  expect_error(op_conv(x, w, strides = 0), class = "recurrent_error", regexp = "strides")
  expect_error(op_conv(matrix(0, 2, 2), w), class = "recurrent_error", regexp = "inputs")
  expect_error(op_conv(x, w, data_format = "NHWC"), class = "recurrent_error", regexp = "data_format")
  expect_error(op_conv_transpose(x, array(0, c(2, 1, 2)), strides = 2, output_padding = 2),
               class = "recurrent_error", regexp = "output_padding")
  expect_error(op_max_pool(x, 0), class = "recurrent_error", regexp = "pool_size")
  expect_error(op_depthwise_conv(x, array(0, c(2, 3, 1))), class = "recurrent_error", regexp = "kernel")
})
