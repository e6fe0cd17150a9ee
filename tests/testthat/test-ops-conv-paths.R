# The paths and tiles of the direct convolution (src/core/conv_kernels.cpp,
# conv_tiles_impl.h), each picked by shape: outputs as vector lanes (broadcast) or as
# dot products along the channels (dot), partial vectors, depth blocks, several column
# blocks, groups, the zero-padded grid in several batch blocks, the strided
# input-gradient (col2im), threads, at every instruction-set level this CPU has and in
# float32 and float64. Values and both gradients are checked against the plain-R
# reference (helper-conv-reference.R), and a few shapes by finite differences.

# op_conv()'s output and the gradients of sum(output * g) for x and w, in `dtype`.
conv_with_grads <- function(x, w, g, dtype, ...) {
  xv <- recurrent:::cpp_variable(op_convert_to_tensor(x, dtype = dtype), dtype)
  wv <- recurrent:::cpp_variable(op_convert_to_tensor(w, dtype = dtype), dtype)
  recurrent:::with_gradient_recording({
    y <- op_conv(xv, wv, ...)
    gr <- recurrent:::gradients(op_sum(op_multiply(y, op_convert_to_tensor(g, dtype = dtype))), list(xv, wv))
  })
  list(y = as.array(y), x = as.array(gr[[1]]), w = as.array(gr[[2]]))
}

# Runs f() at each instruction-set level this CPU has, restoring the level in use.
for_each_level <- function(f) {
  old <- config_cpu_features()$level
  on.exit(config_set_cpu_level(old), add = TRUE)
  for (level in config_cpu_features()$available) {
    config_set_cpu_level(level)
    f(level)
  }
}

# op_conv's arguments: strides, padding, dilation_rate (ref_conv_grads() calls it dilation).
conv_case <- function(x, w, strides = 1, padding = "valid", dilation = 1) {
  list(x = x, w = w, strides = strides, padding = padding, dilation = dilation)
}

expect_conv_case <- function(case, label) {
  withr::local_seed(17)
  x <- array(stats::rnorm(prod(case$x)), case$x)
  w <- array(stats::rnorm(prod(case$w)), case$w)
  y_dim <- dim(op_conv(x, w, strides = case$strides, padding = case$padding, dilation_rate = case$dilation))
  g <- array(stats::rnorm(prod(y_dim)), y_dim)
  want <- ref_conv_grads(x, w, g, case$strides, case$padding, case$dilation)
  for_each_level(function(level) {
    for (dtype in c("float32", "float64")) {
      got <- conv_with_grads(x, w, g, dtype, strides = case$strides, padding = case$padding,
                             dilation_rate = case$dilation)
      tol <- if (dtype == "float32") 1e-5 else 1e-12
      for (part in c("y", "x", "w")) {
        expect_identical(dim(got[[part]]), as.integer(dim(want[[part]])))
        expect_equal(as.vector(got[[part]]), as.vector(want[[part]]), tolerance = tol,
                     label = sprintf("%s: %s at %s in %s", label, part, level, dtype))
      }
    }
  })
}

test_that("wide outputs (broadcast tiles) match the plain-R convolution and its gradients", {
  # 37 outputs: a partial last vector at every level; odd length
  expect_conv_case(conv_case(c(3, 11, 5), c(3, 5, 37), padding = "same"), "37 outputs")
  # 70 outputs: two column blocks; K = 144 rows of the kernel
  expect_conv_case(conv_case(c(2, 6, 5, 16), c(3, 3, 16, 70), padding = "same"), "70 outputs")
  # K = 5 * 5 * 24 = 600: several depth blocks (B blocks kept in L1)
  expect_conv_case(conv_case(c(2, 5, 6, 24), c(5, 5, 24, 32), padding = "same"), "K = 600")
  expect_conv_case(conv_case(c(2, 9, 8, 6), c(3, 2, 6, 20), strides = c(2, 3)), "strides")
  expect_conv_case(conv_case(c(2, 9, 8, 6), c(3, 2, 6, 20), padding = "same", dilation = c(2, 3)), "dilation")
  expect_conv_case(conv_case(c(2, 4, 5, 3, 6), c(2, 3, 2, 6, 17), padding = "same"), "3-D")
})

test_that("narrow outputs (dot tiles) match the plain-R convolution and its gradients", {
  # 5 outputs of 40 channels: tiles of 4 and 1 columns, 40 not a whole number of vectors
  expect_conv_case(conv_case(c(2, 7, 6, 40), c(3, 3, 40, 5), padding = "same"), "5 outputs")
  expect_conv_case(conv_case(c(2, 9, 8, 40), c(3, 2, 40, 3), strides = 2), "dot, strides")
  expect_conv_case(conv_case(c(2, 13, 33), c(3, 33, 1), padding = "causal", dilation = 3), "dot, causal")
  # 3 input channels: the input-gradient (a convolution with 3 outputs) takes dot tiles
  expect_conv_case(conv_case(c(2, 8, 7, 3), c(3, 3, 3, 32)), "3 input channels")
})

test_that("groups and the strided input-gradient match the plain-R convolution", {
  # 2 groups of 3 channels to 5 outputs: each group's dy rows are read in part
  expect_conv_case(conv_case(c(2, 9, 6), c(3, 3, 10), padding = "causal", dilation = 2), "groups")
  expect_conv_case(conv_case(c(2, 9, 7, 4), c(3, 3, 2, 6), strides = 2, padding = "same"), "col2im, groups")
  expect_conv_case(conv_case(c(2, 10, 4), c(4, 4, 7), strides = 3, padding = "same"), "col2im, even kernel")
  # causal with stride 4: no window reads the last step, whose gradient is zero
  expect_conv_case(conv_case(c(2, 10, 5), c(3, 5, 6), strides = 4, padding = "causal"), "col2im, unread input")
})

test_that("a padded input in several batch blocks, and threads, give the reference values", {
  # 22 x 22 x 40 padded values per item: three items per block of the zero-padded copy
  withr::local_seed(5)
  x <- array(stats::rnorm(5 * 20 * 20 * 40), c(5, 20, 20, 40))
  w <- array(stats::rnorm(3 * 3 * 40 * 8), c(3, 3, 40, 8))
  g <- array(stats::rnorm(5 * 20 * 20 * 8), c(5, 20, 20, 8))
  want <- ref_conv_grads(x, w, g, padding = "same")
  one <- conv_with_grads(x, w, g, "float64", padding = "same")
  for (part in c("y", "x", "w")) expect_equal(as.vector(one[[part]]), as.vector(want[[part]]), tolerance = 1e-12)
  # the work splits over threads by output rows (forward) and kernel rows (gradient):
  # each value keeps its summation order, so the results are the same to the bit
  old <- config_set_num_threads(2)
  on.exit(config_set_num_threads(old), add = TRUE)
  two <- conv_with_grads(x, w, g, "float64", padding = "same")
  expect_identical(two, one)
  # strided: the input-gradient scatters into a padded grid, three items per block
  w2 <- array(stats::rnorm(3 * 3 * 40 * 16), c(3, 3, 40, 16))
  g2 <- array(stats::rnorm(5 * 10 * 10 * 16), c(5, 10, 10, 16))
  want <- ref_conv_grads(x, w2, g2, strides = 2, padding = "same")
  two <- conv_with_grads(x, w2, g2, "float64", strides = 2, padding = "same")
  for (part in c("y", "x", "w")) expect_equal(as.vector(two[[part]]), as.vector(want[[part]]), tolerance = 1e-12)
  config_set_num_threads(1)
  expect_identical(conv_with_grads(x, w2, g2, "float64", strides = 2, padding = "same"), two)
})

test_that("the new tiles' gradients match finite differences", {
  set.seed(8)
  # 19 outputs (partial vector) forward; the input-gradient has 4 outputs (dot)
  expect_grad(function(a, b) op_conv(a, b, padding = "same"), array(rnorm(2 * 5 * 4), c(2, 5, 4)),
              array(rnorm(3 * 4 * 19), c(3, 4, 19)))
  # dot forward (2 outputs of 19 channels), broadcast input-gradient
  expect_grad(function(a, b) op_conv(a, b, padding = "same"), array(rnorm(2 * 4 * 3 * 19), c(2, 4, 3, 19)),
              array(rnorm(2 * 2 * 19 * 2), c(2, 2, 19, 2)))
  # strided, grouped, padded: col2im for the input-gradient
  expect_grad(function(a, b) op_conv(a, b, strides = 2, padding = "same"), array(rnorm(7 * 6 * 4), c(1, 7, 6, 4)),
              array(rnorm(3 * 2 * 2 * 4), c(3, 2, 2, 4)))
})

test_that("op_conv() takes its arguments as given or converted, with the same result", {
  # the core takes channels-last inputs, lower-case padding and whole-number strides as
  # they are; anything else is checked and converted in R first
  set.seed(9)
  x <- array(rnorm(2 * 7 * 6 * 3), c(2, 7, 6, 3))
  w <- array(rnorm(3 * 2 * 3 * 4), c(3, 2, 3, 4))
  want <- ref_conv(x, w, strides = c(2, 1), padding = "same", dilation = 1)
  for (args in list(list(strides = c(2, 1), padding = "same"), list(strides = c(2L, 1L), padding = "SAME"),
                    list(strides = list(2, 1), padding = "same", data_format = "channels_last"),
                    list(strides = c(2, 1), padding = "Same", dilation_rate = c(1L, 1L))))
    expect_equal(as.array(do.call(op_conv, c(list(x, w), args))), want, tolerance = 1e-5)
  expect_equal(as.array(op_conv(op_convert_to_tensor(x), w, strides = 2L)), ref_conv(x, w, strides = 2),
               tolerance = 1e-5)
  expect_error(op_conv(x, w, strides = 1.5), class = "recurrent_error", regexp = "strides")
  expect_error(op_conv(x, w, strides = NA), class = "recurrent_error", regexp = "strides")
  expect_error(op_conv(x, w, dilation_rate = c(1, 1, 1)), class = "recurrent_error", regexp = "dilation_rate")
  expect_error(op_conv(x, w, padding = NA_character_), class = "recurrent_error", regexp = "padding")
  expect_error(op_depthwise_conv(array(0, c(1, 5, 2)), array(0, c(2, 2, 1)), padding = "causal"),
               class = "recurrent_error", regexp = "padding")
})
