# Random tensors. Values come from R's RNG, so set.seed() reproduces them; an integer
# `seed` gives the same values on every call and leaves the global stream untouched.

# n draws from `draw`, made under `seed`, as a tensor of `shape` (row-major fill).
random_tensor <- function(shape, dtype, seed, draw, call = rlang::caller_env()) {
  shape <- as_shape_arg(shape, call = call)
  check_seed(seed, "seed", call)
  dtype <- if (is.null(dtype)) config_floatx() else normalize_dtype(dtype, call = call)
  n <- prod(shape)
  vals <- with_random_seed(seed, draw(n))
  cpp_reshape(cpp_tensor(array(vals, n), dtype), shape)
}

# The seed of a layer's n-th draw (n from 0): a whole-number seed moves on by n, so the
# draws differ from each other yet repeat from run to run; a seed generator moves on
# by itself; NULL draws from R's stream.
nth_draw_seed <- function(seed, n) if (is.numeric(seed)) seed + n else seed

# Evaluate `expr` (which draws from R's RNG) under `seed`: NULL draws from the
# session's stream; a whole number from a fresh stream seeded with it (the same
# values every time; the session's stream is left as it was); a seed generator
# from its own stream, which then moves on (the session's stream is left as it was).
# Initializers, dropout masks and random_*() all draw through here.
with_random_seed <- function(seed, expr) {
  if (is.null(seed)) return(expr)
  genv <- globalenv()
  had <- exists(".Random.seed", envir = genv, inherits = FALSE)
  old <- if (had) get(".Random.seed", envir = genv, inherits = FALSE)
  on.exit({
    if (had) assign(".Random.seed", old, envir = genv)
    else if (exists(".Random.seed", envir = genv, inherits = FALSE)) rm(".Random.seed", envir = genv)
  })
  generator <- inherits(seed, "recurrent_seed_generator")
  if (generator) assign(".Random.seed", seed$state, envir = genv) else set.seed(seed)
  out <- expr
  if (generator) seed$state <- get(".Random.seed", envir = genv, inherits = FALSE)
  out
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
#' The draws come from R's random number generator, so [set.seed()] (or
#' [set_random_seed()]) makes them reproducible. With an integer `seed`, the same
#' call gives the same values every time, and R's own random stream is left as it
#' was. With a [random_seed_generator()] as `seed`, each call draws the next
#' values of the generator's own stream.
#'
#' @param shape The shape: a numeric vector or a [shape()] with known dimensions.
#' @param mean,stddev Mean and standard deviation (defaults 0 and 1).
#' @param minval,maxval Bounds of the range (`random_uniform()`: defaults 0 and 1).
#' @param dtype The dtype: [config_floatx()] by default (`"int32"` for
#'   `random_integer()`).
#' @param seed `NULL` (use R's random stream), a whole number, or a
#'   [random_seed_generator()].
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

#' A stream of random seeds
#'
#' A seed generator is a random stream of its own. Passed as `seed` to
#' [random_normal()], [random_uniform()], [random_dropout()] and the other
#' `random_*()` functions, it gives different values at every call (the stream
#' moves on), yet two generators made with the same `seed` give the same
#' sequence of values. Drawing from a generator leaves R's own stream (the one
#' [set.seed()] sets) as it was. The first draw of `random_seed_generator(42)`
#' equals a draw with `seed = 42`, as in Keras.
#'
#' Without `seed`, the generator's seed is drawn from R's stream, so
#' [set.seed()] or [set_random_seed()] before creating it makes it reproducible.
#'
#' @param seed `NULL` or a whole number.
#' @param name `NULL` (an automatic name such as `"seed_generator"`) or a string.
#' @param ... Must be empty (Keras's other keyword arguments have no meaning
#'   here).
#' @returns A seed generator (class `recurrent_seed_generator`), modified in
#'   place by each draw.
#' @examples
#' gen <- random_seed_generator(seed = 42)
#' random_uniform(c(3), seed = gen)   # the same as random_uniform(c(3), seed = 42)
#' random_uniform(c(3), seed = gen)   # the next values
#' @export
random_seed_generator <- function(seed = NULL, name = NULL, ...) {
  check_dots_empty(list(...))
  if (!is.null(seed) && (!is.numeric(seed) || length(seed) != 1L || is.na(seed) || seed != trunc(seed) ||
                         abs(seed) > .Machine$integer.max))
    abort_must_be(seed, "{.code NULL} or a whole number", "seed", rlang::current_env())
  name <- check_string(name, null_ok = TRUE)
  if (is.null(seed)) seed <- sample.int(1e9, 1L)
  gen <- new.env(parent = emptyenv())
  gen$seed <- seed
  gen$name <- name %||% unique_name("seed_generator")
  gen$state <- with_random_seed(seed, get(".Random.seed", envir = globalenv(), inherits = FALSE))
  class(gen) <- c("recurrent_seed_generator", "keras.src.random.seed_generator.SeedGenerator")
  gen
}

#' @export
print.recurrent_seed_generator <- function(x, ...) {
  cat("<SeedGenerator name=", x$name, ", seed=", x$seed, ">\n", sep = "")
  invisible(x)
}

#' Seed every random stream
#'
#' Seeds R's random number generator, which recurrent uses for everything
#' random: initializers, dropout, shuffling in [fit()], the `random_*()`
#' functions and the seeds of new [random_seed_generator()]s. After
#' `set_random_seed(s)` the same code gives the same values again. It is
#' [set.seed()] with Keras's name and argument check.
#'
#' @param seed A whole number from 0 to 2147483647.
#' @returns `NULL`, invisibly.
#' @examples
#' set_random_seed(1)
#' a <- random_normal(c(2))
#' set_random_seed(1)
#' b <- random_normal(c(2))
#' all.equal(a, b)
#' @export
set_random_seed <- function(seed) {
  if (!is.numeric(seed) || length(seed) != 1L || is.na(seed) || seed != trunc(seed) ||
      seed < 0 || seed > .Machine$integer.max)
    abort_must_be(seed, "a whole number from 0 to 2147483647", "seed", rlang::current_env())
  set.seed(as.integer(seed))
  invisible(NULL)
}

#' Randomly drop entries of a tensor
#'
#' Sets each entry of `inputs` to zero with probability `rate` and multiplies
#' the others by `1 / (1 - rate)`, so the expected value of each entry is
#' unchanged (Keras's dropout, applied unconditionally: there is no `training`
#' switch here). With `noise_shape`, one keep/drop pattern of that shape is
#' drawn and broadcast over `inputs`, so for example `c(NA, 1)` keeps or drops
#' whole rows. Gradients flow through the kept entries (scaled by
#' `1 / (1 - rate)`).
#'
#' The uniform draws are filled in row-major order, like the other `random_*()`
#' functions, from R's stream, a fixed `seed`, or a [random_seed_generator()].
#'
#' @param inputs A tensor or R array (integers are converted to
#'   [config_floatx()]).
#' @param rate The probability of dropping an entry, in `[0, 1)`.
#' @param noise_shape `NULL` (the shape of `inputs`) or a shape with one entry per
#'   axis, each the axis size or 1; `NA` (or `NULL` in a list) takes the axis size.
#' @param seed `NULL`, a whole number or a [random_seed_generator()].
#' @returns A float tensor of the shape of `inputs`.
#' @examples
#' x <- op_ones(c(2, 6))
#' random_dropout(x, rate = 0.5, seed = 1)
#' random_dropout(x, rate = 0.5, noise_shape = c(NA, 1), seed = 3)
#' @export
random_dropout <- function(inputs, rate, noise_shape = NULL, seed = NULL) {
  if (missing(rate)) recurrent_abort(c("{.arg rate} is missing.", i = "Write {.code random_dropout(x, rate = 0.5)}."))
  rate <- check_number(rate, min = 0, max = 1, max_open = TRUE)
  check_seed(seed)
  x <- as_tensor_arg(inputs)
  dtype <- value_float(x)
  if (.Call(`_recurrent_cpp_dtype`, x) != dtype) x <- op_cast(x, dtype)
  dims <- dim(x)
  ns <- dims
  if (!is.null(noise_shape)) {
    ns <- as_shape_arg(noise_shape, "noise_shape", unknown = TRUE)
    if (length(ns) != length(dims)) {
      got <- describe_value(noise_shape)
      recurrent_abort(c("{.arg noise_shape} must have one entry per axis of {.arg inputs} ({length(dims)}).",
                        x = "Got {got}."))
    }
    ns[ns == -1] <- dims[ns == -1]
    if (any(ns != dims & ns != 1)) {
      got <- paste(ns, collapse = ", ")
      shp <- paste(dims, collapse = ", ")
      recurrent_abort(c("Each entry of {.arg noise_shape} must be 1 or the size of its axis in {.arg inputs} ({shp}).",
                        x = "Got ({got})."))
    }
  }
  n <- prod(ns)
  keep <- with_random_seed(seed, stats::runif(n) >= rate)
  mask <- cpp_reshape(cpp_tensor(array(keep / (1 - rate), n), dtype), ns)
  op_multiply(x, mask)
}
