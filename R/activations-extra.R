# The activations of keras3 beyond the classic set, with Keras 3's formulas
# (keras/src/backend/numpy/nn.py), composed of differentiable ops.

#' More activation functions
#'
#' * `activation_hard_silu()` (alias `activation_hard_swish()`): `x * hard_sigmoid(x)`.
#' * `activation_glu()`: splits `x` in two halves `a`, `b` along `axis` and
#'   returns `a * sigmoid(b)`.
#' * `activation_celu()`: `max(x, 0) + alpha * expm1(min(x, 0) / alpha)`.
#' * `activation_hard_tanh()`: `x` clipped to `[-1, 1]`.
#' * `activation_log_sigmoid()`: `log(sigmoid(x)) = -softplus(-x)`.
#' * `activation_hard_shrink()`: `x` where `|x| > threshold`, else 0.
#' * `activation_soft_shrink()`: `x - threshold` above `threshold`, `x + threshold`
#'   below `-threshold`, else 0.
#' * `activation_tanh_shrink()`: `x - tanh(x)`.
#' * `activation_squareplus()`: `(x + sqrt(x^2 + b)) / 2`.
#' * `activation_sparse_plus()`: 0 for `x <= -1`, `(x + 1)^2 / 4` for `-1 < x < 1`,
#'   `x` above.
#' * `activation_sparse_sigmoid()`: 0 for `x <= -1`, `(x + 1) / 2` between, 1 for
#'   `x >= 1`.
#' * `activation_sparsemax()`: the Euclidean projection of `x` onto the simplex
#'   along `axis` (sparse probabilities that sum to 1), `max(x - tau, 0)` with
#'   `tau = (sum(z[1:k]) - 1) / k` for `z` sorted in decreasing order and `k`
#'   the number of values with `z[j] > (sum(z[1:j]) - 1) / j`. This is Keras's
#'   definition since its fix of keras-team/keras#23425; earlier Keras 3
#'   releases computed a larger `tau` whenever more than one value is
#'   supported (their outputs then sum to less than 1).
#' * `activation_threshold()`: `x` where `x > threshold`, else `default_value`.
#'
#' All are also accepted by name in a layer's `activation` argument.
#'
#' @param x A tensor or R array.
#' @param axis The axis (1-based) for `activation_glu()` and `activation_sparsemax()`.
#' @param alpha Number, default `1`.
#' @param threshold Number.
#' @param b Number, default `4`.
#' @param default_value Number: the value where `x <= threshold`.
#' @returns A tensor (`activation_glu()` halves `axis`).
#' @examples
#' x <- c(-2, -0.5, 0, 0.5, 2)
#' activation_hard_silu(x)
#' activation_celu(x)
#' activation_soft_shrink(x)
#' activation_sparsemax(c(1, 2, 3.5))
#' activation_glu(c(1, 2, 0, 1))
#' @name activations_extra
NULL

#' @rdname activations_extra
#' @export
activation_hard_silu <- function(x) {
  x <- as_float_tensor(x)
  op_multiply(x, op_hard_sigmoid(x))
}

#' @rdname activations_extra
#' @export
activation_hard_swish <- activation_hard_silu

#' @rdname activations_extra
#' @export
activation_glu <- function(x, axis = -1L) {
  x <- as_float_tensor(x)
  ax <- axis_positions(axis, length(dim(x)), single = TRUE) + 1L
  n <- dim(x)[ax]
  if (n %% 2 != 0)
    recurrent_abort(c("The size of {.arg axis} must be even for {.fn activation_glu}.", x = "Got size {n}."))
  halves <- op_split(x, 2, axis = ax)
  op_multiply(halves[[1]], op_sigmoid(halves[[2]]))
}

#' @rdname activations_extra
#' @export
activation_celu <- function(x, alpha = 1) {
  x <- as_float_tensor(x)
  alpha <- check_number(alpha, min = 0, min_open = TRUE)
  op_add(op_maximum(x, 0), op_multiply(op_expm1(op_divide(op_minimum(x, 0), alpha)), alpha))
}

#' @rdname activations_extra
#' @export
activation_hard_tanh <- function(x) op_clip(as_float_tensor(x), -1, 1)

#' @rdname activations_extra
#' @export
activation_log_sigmoid <- function(x) op_negative(op_softplus(op_negative(as_float_tensor(x))))

#' @rdname activations_extra
#' @export
activation_hard_shrink <- function(x, threshold = 0.5) {
  x <- as_float_tensor(x)
  threshold <- check_number(threshold)
  op_where(op_greater(op_abs(x), threshold), x, 0)
}

#' @rdname activations_extra
#' @export
activation_soft_shrink <- function(x, threshold = 0.5) {
  x <- as_float_tensor(x)
  threshold <- check_number(threshold)
  op_where(op_greater(x, threshold), op_subtract(x, threshold),
           op_where(op_less(x, -threshold), op_add(x, threshold), 0))
}

#' @rdname activations_extra
#' @export
activation_tanh_shrink <- function(x) {
  x <- as_float_tensor(x)
  op_subtract(x, op_tanh(x))
}

#' @rdname activations_extra
#' @export
activation_squareplus <- function(x, b = 4) {
  x <- as_float_tensor(x)
  b <- check_number(b, min = 0)
  op_divide(op_add(x, op_sqrt(op_add(op_square(x), b))), 2)
}

#' @rdname activations_extra
#' @export
activation_sparse_plus <- function(x) {
  x <- as_float_tensor(x)
  op_where(op_less_equal(x, -1), 0, op_where(op_less(x, 1), op_multiply(op_square(op_add(x, 1)), 0.25), x))
}

#' @rdname activations_extra
#' @export
activation_sparse_sigmoid <- function(x) {
  x <- as_float_tensor(x)
  op_where(op_less_equal(x, -1), 0, op_where(op_greater_equal(x, 1), 1, op_multiply(op_add(x, 1), 0.5)))
}

#' @rdname activations_extra
#' @export
activation_sparsemax <- function(x, axis = -1L) {
  x <- as_float_tensor(x)
  d <- dim(x)
  ax <- axis_positions(axis, length(d), single = TRUE) + 1L
  sorted <- op_flip(op_sort(x, axis = ax), axis = ax)  # descending
  cums <- op_cumsum(sorted, axis = ax)
  r_shape <- rep(1, length(d)); r_shape[ax] <- d[ax]
  r <- as_tensor(array(seq_len(d[ax]), r_shape), dtype = op_dtype(x))
  support <- op_greater(op_subtract(sorted, op_divide(op_subtract(cums, 1), r)), 0)
  k <- op_sum(op_cast(support, op_dtype(x)), axis = ax, keepdims = TRUE)
  # tau = (sum of the supported sorted values - 1) / k, the simplex projection of
  # Martins & Astudillo (2016). Keras up to 3.16's backends summed the supported
  # cumulative sums instead, which agrees only when one value is supported; Keras
  # fixed that (keras-team/keras issue #23425, PR #23469) to this formula.
  tau <- op_divide(op_subtract(op_sum(op_where(support, sorted, 0), axis = ax, keepdims = TRUE), 1), k)
  op_maximum(op_subtract(x, tau), 0)
}

#' @rdname activations_extra
#' @export
activation_threshold <- function(x, threshold, default_value) {
  x <- as_float_tensor(x)
  op_where(op_greater(x, check_number(threshold)), x, check_number(default_value))
}

activation_table_extra <- function() list(
  hard_silu = activation_hard_silu, hard_swish = activation_hard_silu, glu = activation_glu,
  celu = activation_celu, hard_tanh = activation_hard_tanh, log_sigmoid = activation_log_sigmoid,
  hard_shrink = activation_hard_shrink, soft_shrink = activation_soft_shrink, tanh_shrink = activation_tanh_shrink,
  squareplus = activation_squareplus, sparse_plus = activation_sparse_plus,
  sparse_sigmoid = activation_sparse_sigmoid, sparsemax = activation_sparsemax
)
