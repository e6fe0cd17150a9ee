# Random tensors. Values come from R's RNG, so set.seed() reproduces them; an integer
# `seed` gives the same values on every call and leaves the global stream untouched.

# n draws from `draw`, made under `seed`, as a tensor of `shape` (row-major fill).
random_tensor <- function(shape, dtype, seed, draw, call = rlang::caller_env()) {
  shape <- as_shape_arg(shape, call = call)
  check_seed(seed, "seed", call)  # only checked: the seed is used as given
  dtype <- if (is.null(dtype)) config_floatx() else normalize_dtype(dtype, call = call)
  n <- prod(shape)
  vals <- ops_with_seed(seed, draw(n))
  cpp_reshape(cpp_tensor(array(vals, n), dtype), shape)
}

#' Random tensors
#'
#' Tensors of independent random draws:
#' * `random_normal()`: normal with mean `mean` and standard deviation `stddev`.
#' * `random_uniform()`: uniform on `[minval, maxval)`.
#' * `random_truncated_normal()`: normal, but values more than two standard
#'   deviations from the mean are redrawn (as Keras does).
#' * `random_integer()`: whole numbers uniform on `minval, ..., maxval - 1`
#'   (`maxval` is excluded and rounded up; the values are data, not indices, so
#'   they are not shifted to 1-based).
#'
#' The draws come from R's random number generator, so [set.seed()] makes them
#' reproducible. With an integer `seed`, the same call gives the same values every
#' time, and R's own random stream is left as it was.
#'
#' @param shape The shape: a numeric vector or a [shape()] with known dimensions.
#' @param mean,stddev Mean and standard deviation (defaults 0 and 1).
#' @param minval,maxval Bounds of the range (`random_uniform()`: defaults 0 and 1).
#' @param dtype The dtype: [config_floatx()] by default (`"int32"` for
#'   `random_integer()`).
#' @param seed `NULL` (use R's random stream) or a whole number.
#' @returns A tensor of shape `shape`.
#' @examples
#' set.seed(1)
#' random_normal(c(2, 3))
#' random_uniform(c(2, 2), minval = -1, maxval = 1, seed = 42)
#' random_integer(c(3, 4), 0, 9)
#' @export
random_normal <- function(shape, mean = 0, stddev = 1, dtype = NULL, seed = NULL) {
  mean <- check_number(mean, "mean")
  stddev <- check_number(stddev, "stddev")
  random_tensor(shape, dtype, seed, function(n) stats::rnorm(n, mean, stddev))
}

#' @rdname random_normal
#' @export
random_uniform <- function(shape, minval = 0, maxval = 1, dtype = NULL, seed = NULL) {
  minval <- check_number(minval, "minval")
  maxval <- check_number(maxval, "maxval")
  if (maxval < minval)
    recurrent_abort(c("{.arg maxval} must not be below {.arg minval}.", x = "Got {minval} and {maxval}."))
  random_tensor(shape, dtype, seed, function(n) stats::runif(n, minval, maxval))
}

#' @rdname random_normal
#' @export
random_truncated_normal <- function(shape, mean = 0, stddev = 1, dtype = NULL, seed = NULL) {
  mean <- check_number(mean, "mean")
  stddev <- check_number(stddev, "stddev")
  random_tensor(shape, dtype, seed, function(n) {
    # redraw what falls outside two standard deviations until nothing does
    z <- stats::rnorm(n)
    out <- abs(z) > 2
    while (any(out)) {
      z[out] <- stats::rnorm(sum(out))
      out <- abs(z) > 2
    }
    mean + stddev * z
  })
}

#' @rdname random_normal
#' @export
random_integer <- function(shape, minval, maxval, dtype = "int32", seed = NULL) {
  minval <- check_number(minval, "minval")
  maxval <- ceiling(check_number(maxval, "maxval"))
  if (minval != trunc(minval))
    recurrent_abort(c("{.arg minval} must be a whole number.", x = "Got {minval}."))
  if (maxval <= minval)
    recurrent_abort(c("{.arg maxval} must be above {.arg minval}.", x = "Got {minval} and {maxval}."))
  random_tensor(shape, dtype, seed, function(n) minval + sample.int(maxval - minval, n, replace = TRUE) - 1)
}
