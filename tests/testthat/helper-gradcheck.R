# Gradient checks: the autograd gradients of a scalar loss against central finite
# differences, everything in float64.
#
# expect_grad(fn, inputs): fn takes tensors (one per element of `inputs`, R arrays)
# and returns a tensor or a list of tensors; the loss is the sum of each output times
# fixed random weights (so a gradient that lands on the wrong element shows up, which
# a plain sum would miss for permuting ops).

grad_weights <- function(outputs) {
  withr::with_seed(20240611, lapply(outputs, function(o) {
    d <- dim(o)
    n <- if (length(d) == 0) 1L else prod(d)
    array(stats::rnorm(n), if (length(d) == 0) 1L else d)
  }))
}

weighted_loss <- function(fn, weights) {
  function(tensors) {
    out <- do.call(fn, unname(tensors))
    weighted_sum(if (is.list(out)) out else list(out), weights)
  }
}

# The scalar sum(outputs[[i]] * weights[[i]]) over all outputs (tensors; weights are R
# arrays, made tensors of `dtype`).
weighted_sum <- function(outputs, weights, dtype = "float64") {
  total <- NULL
  for (i in seq_along(outputs)) {
    o <- outputs[[i]]
    if (length(dim(o)) == 0) o <- op_reshape(o, 1)
    term <- op_sum(op_multiply(o, op_convert_to_tensor(weights[[i]], dtype = dtype)))
    total <- if (is.null(total)) term else op_add(total, term)
  }
  total
}

numeric_gradients <- function(loss, inputs, eps = 1e-6) {
  value_at <- function(args) {
    as.numeric(as.array(loss(lapply(args, op_convert_to_tensor, dtype = "float64"))))
  }
  lapply(seq_along(inputs), function(i) {
    x <- inputs[[i]]
    g <- x
    g[] <- 0
    for (j in seq_along(x)) {
      up <- inputs
      down <- inputs
      up[[i]][j] <- x[j] + eps
      down[[i]][j] <- x[j] - eps
      g[j] <- (value_at(up) - value_at(down)) / (2 * eps)
    }
    g
  })
}

expect_grad <- function(fn, ..., tolerance = 1e-6) {
  inputs <- list(...)
  old <- config_set_floatx("float64")
  on.exit(config_set_floatx(old), add = TRUE)
  first <- do.call(fn, lapply(inputs, op_convert_to_tensor, dtype = "float64"))
  outs <- if (is.list(first)) first else list(first)
  loss <- weighted_loss(fn, grad_weights(outs))
  res <- recurrent:::value_and_gradients(loss, inputs, dtype = "float64")
  num <- numeric_gradients(loss, inputs)
  for (i in seq_along(inputs)) {
    got <- res$gradients[[i]]
    expect_equal(as.vector(got), as.vector(num[[i]]), tolerance = tolerance,
                 label = sprintf("autograd gradient of input %d", i),
                 expected.label = "finite differences")
    expect_equal(length(got), length(inputs[[i]]))
  }
  invisible(res)
}

# A loss recorded by the package against the same loss written in plain R: `loss` is
# a scalar tensor recorded (with_gradient_recording()) from `wrt`, a list of tensors
# or variables whose values are the R arrays in `at`; `ref_loss(at[[1]], at[[2]], ...)`
# computes it in R. Checks the value, then each autograd gradient against central
# finite differences of ref_loss in that argument.
expect_reference_gradients <- function(loss, wrt, ref_loss, at, tolerance = 1e-6, value_tolerance = 1e-10) {
  expect_equal(as.numeric(as.array(loss)), do.call(ref_loss, at), tolerance = value_tolerance,
               label = "the recorded loss", expected.label = "the reference loss")
  grads <- lapply(recurrent:::gradients(loss, wrt), as_r)
  for (i in seq_along(at)) {
    ref_in_arg_i <- function(a) do.call(ref_loss, replace(at, i, list(a)))
    expect_equal(grads[[i]], finite_diff(ref_in_arg_i, at[[i]]), tolerance = tolerance,
                 label = sprintf("autograd gradient in argument %d", i), expected.label = "finite differences")
  }
}

# The gradients alone (R arrays), for checks against values worked out by hand.
grads_of <- function(loss, ...) {
  old <- config_set_floatx("float64")
  on.exit(config_set_floatx(old), add = TRUE)
  recurrent:::value_and_gradients(function(ts) do.call(loss, unname(ts)), list(...), dtype = "float64")$gradients
}

# An R array whose row-major (C-order) reading is `values`: what a tensor of shape
# `dims` holding `values` in memory order looks like from R.
c_array <- function(values, dims) {
  if (length(dims) == 1) return(array(values, dims))
  aperm(array(values, rev(dims)), rev(seq_along(dims)))
}

# Row-major reading of an R array.
c_order <- function(a) {
  d <- dim(a)
  if (length(d) <= 1) return(as.vector(a))
  as.vector(aperm(a, rev(seq_along(d))))
}

# A tensor's values in R; 1-D tensors come back as plain vectors, to compare with base R.
as_r <- function(x) {
  a <- as.array(x)
  if (length(dim(a)) == 1L) dim(a) <- NULL
  a
}
