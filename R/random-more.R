# More random functions of keras3 (random_shuffle, random_categorical and the
# gamma, beta and binomial distributions). Like the others they draw from R's RNG
# through with_random_seed(), so set.seed() and `seed` work the same way.

# A distribution parameter as values in the row-major order of `shape` (numbers,
# R arrays or tensors broadcast to it).
random_param <- function(x, shape, arg, call = rlang::caller_env()) {
  if (is.numeric(x) && length(x) == 1 && !anyNA(x)) return(as.numeric(x))
  if (!op_is_tensor(x) && !is.numeric(x))
    recurrent_abort(c("{.arg {arg}} must be a number, an array or a tensor.", x = "Got {describe_value(x)}."),
                    call = call)
  t <- rlang::try_fetch(op_broadcast_to(op_cast(x, "float64"), shape), error = function(cnd)
    recurrent_abort(c("{.arg {arg}} does not broadcast to the shape {format(shape(shape))}.",
                      x = "Its shape is {format(shape(value_dim(x)))}."), parent = cnd, call = call))
  as.numeric(as.array(op_reshape(t, -1)))
}

#' More random tensors
#'
#' * `random_gamma()`: gamma draws with shape parameter `alpha` (scale 1).
#' * `random_beta()`: beta draws with parameters `alpha` and `beta`.
#' * `random_binomial()`: binomial draws: successes in `counts` trials of
#'   probability `probabilities`.
#' * `random_categorical()`: for each row of `logits` (unnormalized log
#'   probabilities of the classes), `num_samples` class draws, 1-based (or
#'   0-based with `zero_indexed = TRUE`), as keras3 returns them.
#' * `random_shuffle()`: `x` with its entries along `axis` in random order.
#'
#' Distribution parameters may be numbers or arrays/tensors that broadcast to
#' `shape`. Draws come from R's random number generator ([stats::rgamma()],
#' [stats::rbeta()], [stats::rbinom()], [sample.int()]); `seed` works as in
#' [random_normal()].
#'
#' @param shape The shape of the result (known dimensions).
#' @param alpha,beta Shape parameters (positive).
#' @param counts,probabilities Trial counts and success probabilities.
#' @param logits A 2-D tensor or matrix `(batch, classes)`.
#' @param num_samples Number of draws per row.
#' @param x A tensor or R array.
#' @param axis The axis to shuffle (1-based; default the first).
#' @param dtype The dtype of the result: [config_floatx()] by default (`"int32"`
#'   for `random_categorical()`).
#' @param seed `NULL`, a whole number or a [random_seed_generator()].
#' @param zero_indexed If `TRUE`, classes count from 0.
#' @returns A tensor.
#' @examples
#' random_gamma(c(2, 3), alpha = 2, seed = 1)
#' random_beta(5, alpha = 2, beta = 3, seed = 1)
#' random_binomial(4, counts = 10, probabilities = 0.5, seed = 1)
#' random_categorical(matrix(c(0, 0, -Inf, 5), 2), num_samples = 3, seed = 1)
#' random_shuffle(1:5, seed = 1)
#' @export
random_gamma <- function(shape, alpha, dtype = NULL, seed = NULL) {
  shp <- as_shape_arg(shape)
  a <- random_param(alpha, shp, "alpha")
  if (any(a <= 0)) recurrent_abort("{.arg alpha} must be positive.")
  random_tensor(shape, dtype, seed, function(n) stats::rgamma(n, shape = a))
}

#' @rdname random_gamma
#' @export
random_beta <- function(shape, alpha, beta, dtype = NULL, seed = NULL) {
  shp <- as_shape_arg(shape)
  a <- random_param(alpha, shp, "alpha")
  b <- random_param(beta, shp, "beta")
  if (any(a <= 0) || any(b <= 0)) recurrent_abort("{.arg alpha} and {.arg beta} must be positive.")
  random_tensor(shape, dtype, seed, function(n) stats::rbeta(n, a, b))
}

#' @rdname random_gamma
#' @export
random_binomial <- function(shape, counts, probabilities, dtype = NULL, seed = NULL) {
  shp <- as_shape_arg(shape)
  k <- random_param(counts, shp, "counts")
  p <- random_param(probabilities, shp, "probabilities")
  if (any(k < 0 | k != trunc(k))) recurrent_abort("{.arg counts} must be non-negative whole numbers.")
  if (any(p < 0 | p > 1)) recurrent_abort("{.arg probabilities} must lie in [0, 1].")
  random_tensor(shape, dtype, seed, function(n) stats::rbinom(n, k, p))
}

#' @rdname random_gamma
#' @export
random_categorical <- function(logits, num_samples, dtype = "int32", seed = NULL, zero_indexed = FALSE) {
  num_samples <- check_count(num_samples, "num_samples", min = 1)
  check_flag(zero_indexed, "zero_indexed")
  l <- if (op_is_tensor(logits)) as.array(logits) else logits
  if (!is.numeric(l) || length(dim(l)) != 2)
    recurrent_abort(c("{.arg logits} must be a 2-D tensor or matrix (batch, classes).",
                      x = "Got {describe_value(logits)}."))
  probs <- exp(l - apply(l, 1, max))
  draws <- with_random_seed(check_seed(seed, "seed"), {
    t(vapply(seq_len(nrow(probs)), function(i) sample.int(ncol(probs), num_samples, replace = TRUE, prob = probs[i, ]),
             numeric(num_samples)))
  })
  draws <- matrix(draws, nrow(probs), num_samples)
  as_tensor(draws - if (zero_indexed) 1 else 0, normalize_dtype(dtype))
}

#' @rdname random_gamma
#' @export
random_shuffle <- function(x, axis = 1L, seed = NULL) {
  x <- as_tensor_arg(x)
  d <- dim(x)
  if (length(d) == 0) recurrent_abort("{.arg x} must have at least one axis to shuffle.")
  ax <- axis_positions(axis, length(d), single = TRUE) + 1L
  perm <- with_random_seed(check_seed(seed, "seed"), sample.int(d[ax]))
  op_take(x, array(perm, length(perm)), axis = ax)
}
