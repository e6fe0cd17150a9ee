# Reductions, softmax, arg-extrema and cumulative sums. Axes are keras3's: 1-based,
# negative from the end; the C++ core gets them 0-based.

#' Reduce a tensor along axes
#'
#' `op_sum()`, `op_mean()`, `op_max()`, `op_min()`, `op_prod()`, `op_var()`
#' (population variance), `op_std()` (population standard deviation), `op_any()`
#' and `op_all()` combine the entries of `x` along `axis` (all axes by default).
#' Integer means, variances and standard deviations are floats; sums of bools
#' count. The gradient of `op_max()` and `op_min()` is shared equally among tied
#' extreme entries.
#'
#' @param x A tensor or R array.
#' @param axis `NULL` (all axes) or a vector of axes: 1 is the first axis, -1 the
#'   last.
#' @param keepdims If `TRUE`, reduced axes stay in the result with size 1.
#' @param initial For `op_max()`/`op_min()`, an optional number the result may not
#'   go below (max) or above (min).
#' @param dtype For `op_prod()`, an optional dtype to cast the input to first.
#' @returns A tensor.
#' @examples
#' x <- op_convert_to_tensor(matrix(1:6, 2, 3), dtype = "float32")
#' op_sum(x)
#' op_sum(x, axis = 1)
#' op_mean(x, axis = -1, keepdims = TRUE)
#' op_max(x, axis = 2)
#' op_std(x)
#' op_any(x > 5)
#' @export
op_sum <- function(x, axis = NULL, keepdims = FALSE) .Call(`_recurrent_cpp_reduce`, 0L, x, as_axis0(axis), keepdims)

#' @rdname op_sum
#' @export
op_mean <- function(x, axis = NULL, keepdims = FALSE) .Call(`_recurrent_cpp_reduce`, 1L, x, as_axis0(axis), keepdims)

#' @rdname op_sum
#' @export
op_max <- function(x, axis = NULL, keepdims = FALSE, initial = NULL) {
  out <- .Call(`_recurrent_cpp_reduce`, 2L, x, as_axis0(axis), keepdims)
  if (is.null(initial)) out else .Call(`_recurrent_cpp_binary`, 4L, out, initial)
}

#' @rdname op_sum
#' @export
op_min <- function(x, axis = NULL, keepdims = FALSE, initial = NULL) {
  out <- .Call(`_recurrent_cpp_reduce`, 3L, x, as_axis0(axis), keepdims)
  if (is.null(initial)) out else .Call(`_recurrent_cpp_binary`, 5L, out, initial)
}

#' @rdname op_sum
#' @export
op_prod <- function(x, axis = NULL, keepdims = FALSE, dtype = NULL) {
  if (!is.null(dtype)) x <- op_cast(x, dtype)
  .Call(`_recurrent_cpp_reduce`, 4L, x, as_axis0(axis), keepdims)
}

#' @rdname op_sum
#' @export
op_var <- function(x, axis = NULL, keepdims = FALSE) {
  axis <- as_axis0(axis)
  if (!op_is_tensor(x) || !.Call(`_recurrent_cpp_dtype`, x) %in% c("float32", "float64")) x <- op_cast(x, value_float(x))
  centered <- .Call(`_recurrent_cpp_binary`, 1L, x, .Call(`_recurrent_cpp_reduce`, 1L, x, axis, TRUE))
  .Call(`_recurrent_cpp_reduce`, 1L, .Call(`_recurrent_cpp_unary`, 1L, centered), axis, keepdims)
}

#' @rdname op_sum
#' @export
op_std <- function(x, axis = NULL, keepdims = FALSE) .Call(`_recurrent_cpp_unary`, 2L, op_var(x, axis, keepdims))

#' @rdname op_sum
#' @export
op_any <- function(x, axis = NULL, keepdims = FALSE) {
  hits <- .Call(`_recurrent_cpp_reduce`, 0L, .Call(`_recurrent_cpp_compare`, 1L, x, 0L), as_axis0(axis), keepdims)
  .Call(`_recurrent_cpp_compare`, 2L, hits, 0L)
}

#' @rdname op_sum
#' @export
op_all <- function(x, axis = NULL, keepdims = FALSE) {
  misses <- .Call(`_recurrent_cpp_reduce`, 0L, .Call(`_recurrent_cpp_compare`, 0L, x, 0L), as_axis0(axis), keepdims)
  .Call(`_recurrent_cpp_compare`, 0L, misses, 0L)
}

# float dtype an op on x computes in: x's own if float, else floatx
value_float <- function(x) {
  d <- value_dtype(x)
  if (d %in% c("float32", "float64")) d else config_floatx()
}

#' Softmax and log-softmax
#'
#' `op_softmax()` turns scores into probabilities along `axis`: exponentials
#' divided by their sum. `op_log_softmax()` is its logarithm, computed without
#' overflow. Both subtract the maximum first, so large scores are safe.
#'
#' @param x A tensor or R array.
#' @param axis The axis to normalise along (default -1, the last).
#' @param mask `NULL` (default) or a logical array / bool tensor
#'   broadcastable to `x` (`TRUE` = keep). Masked entries get no weight, as in
#'   Keras's `Softmax` layer: `-1e9` is added to them before the softmax and
#'   they are set to zero after it (so a fully masked slice gives zeros). A
#'   recurrent extension of keras3's `op_softmax()`.
#' @returns A float tensor of the same shape as `x`.
#' @examples
#' x <- op_convert_to_tensor(matrix(c(1, 2, 3, 1, 1, 1), 2, 3, byrow = TRUE))
#' op_softmax(x)
#' op_log_softmax(x, axis = 1)
#' op_softmax(x, mask = matrix(c(TRUE, TRUE, FALSE), 2, 3, byrow = TRUE))
#' @export
op_softmax <- function(x, axis = -1L, mask = NULL) {
  if (is.null(mask)) return(.Call(`_recurrent_cpp_softmax`, x, as_axis0_1(axis), FALSE))
  as_axis0_1(axis)
  masked_softmax(as_float_arg(x), mask, axis)
}

#' @rdname op_softmax
#' @export
op_log_softmax <- function(x, axis = -1L) .Call(`_recurrent_cpp_softmax`, x, as_axis0_1(axis), TRUE)

#' Positions of the largest or smallest values
#'
#' The index of the first largest (`op_argmax()`) or smallest (`op_argmin()`)
#' entry along `axis`, counted from 1 as in R (or from 0 with
#' `zero_indexed = TRUE`). With `axis = NULL` the tensor is searched as if
#' flattened in row-major order.
#'
#' @param x A tensor or R array.
#' @param axis `NULL` (the flattened tensor) or one axis (1-based; negative from
#'   the end).
#' @param keepdims If `TRUE`, the searched axis stays with size 1.
#' @param zero_indexed If `TRUE`, return 0-based indices.
#' @returns An int32 tensor.
#' @examples
#' x <- op_convert_to_tensor(matrix(c(3, 9, 4, 1, 5, 2), 2, 3, byrow = TRUE))
#' op_argmax(x, axis = 2)
#' op_argmin(x, axis = 1)
#' op_argmax(x)
#' @export
op_argmax <- function(x, axis = NULL, keepdims = FALSE, zero_indexed = FALSE) {
  out <- .Call(`_recurrent_cpp_argmax`, x, if (is.null(axis)) NULL else as_axis0_1(axis), keepdims, TRUE)
  if (isTRUE(zero_indexed)) out else .Call(`_recurrent_cpp_binary`, 0L, out, 1L)
}

#' @rdname op_argmax
#' @export
op_argmin <- function(x, axis = NULL, keepdims = FALSE, zero_indexed = FALSE) {
  out <- .Call(`_recurrent_cpp_argmax`, x, if (is.null(axis)) NULL else as_axis0_1(axis), keepdims, FALSE)
  if (isTRUE(zero_indexed)) out else .Call(`_recurrent_cpp_binary`, 0L, out, 1L)
}

#' Cumulative sum
#'
#' Running totals along `axis`. With `axis = NULL` the tensor is flattened in
#' row-major order first (so the result is 1-D).
#'
#' @param x A tensor or R array.
#' @param axis `NULL` or one axis (1-based; negative from the end).
#' @param dtype An optional dtype to cast `x` to first.
#' @returns A tensor.
#' @examples
#' x <- op_convert_to_tensor(matrix(1:6, 2, 3, byrow = TRUE))
#' op_cumsum(x, axis = 2)
#' op_cumsum(x)
#' @export
op_cumsum <- function(x, axis = NULL, dtype = NULL) {
  if (!is.null(dtype)) x <- op_cast(x, dtype)
  .Call(`_recurrent_cpp_cumsum`, x, if (is.null(axis)) NULL else as_axis0_1(axis))
}
