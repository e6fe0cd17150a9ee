# Matrix products.

#' Matrix products
#'
#' `op_matmul()` is the NumPy matrix product: for 2-D operands the usual matrix
#' product; a 1-D first (second) operand acts as a row (column) vector and its axis
#' is dropped from the result; leading axes of higher-rank operands are batch axes
#' and broadcast. `%*%` on tensors calls it. Integer operands give float32.
#'
#' `op_dot()` is NumPy's `dot()`: the same as `op_matmul()` for operands of rank
#' 1 and 2; a scalar operand multiplies elementwise; for higher ranks it sums over
#' the last axis of `x1` and the second-to-last axis of `x2`, and the result has
#' shape `c(dim(x1)[-last], dim(x2)[-second_to_last])`.
#'
#' @param x1,x2 Tensors or R arrays (R operands take the dtype of the tensor
#'   operand).
#' @returns A tensor.
#' @examples
#' a <- op_convert_to_tensor(matrix(1:6, 2, 3), dtype = "float32")
#' b <- op_ones(c(3, 2))
#' op_matmul(a, b)
#' a %*% b
#' op_dot(c(1, 2, 3), c(4, 5, 6))
#' @export
op_matmul <- function(x1, x2) .Call(`_recurrent_cpp_matmul`, x1, x2)

#' @rdname op_matmul
#' @export
op_dot <- function(x1, x2) {
  d1 <- value_dim(x1)
  d2 <- value_dim(x2)
  if (length(d1) == 0L || length(d2) == 0L) return(.Call(`_recurrent_cpp_binary`, 2L, x1, x2))
  if (length(d2) <= 2L || length(d1) == 1L) return(.Call(`_recurrent_cpp_matmul`, x1, x2))
  # (..., k) . (..., k, n): move x2's contracted axis first and multiply as matrices
  n2 <- length(d2)
  k <- d1[[length(d1)]]
  if (d2[[n2 - 1L]] != k)
    recurrent_abort(c("{.fn op_dot} sums over the last axis of {.arg x1} and the second-to-last of {.arg x2}; their sizes differ.",
                      x = "Got shapes ({paste(d1, collapse = ', ')}) and ({paste(d2, collapse = ', ')})."))
  perm <- c(n2 - 2L, seq_len(n2)[-(n2 - 1L)] - 1L)
  b <- .Call(`_recurrent_cpp_reshape`, .Call(`_recurrent_cpp_transpose`, x2, perm), c(k, -1))
  a <- .Call(`_recurrent_cpp_reshape`, x1, c(-1, k))
  .Call(`_recurrent_cpp_reshape`, .Call(`_recurrent_cpp_matmul`, a, b), c(d1[-length(d1)], d2[-(n2 - 1L)]))
}

#' Vector and matrix norms
#'
#' With one axis in `axis`, `op_norm()` computes vector norms along it; with two
#' axes, matrix norms of the matrices they span (rows along the first, columns
#' along the second). With `axis = NULL`, a 1-D `x` gives a vector norm and a 2-D
#' `x` a matrix norm; for other ranks only `ord = NULL` is allowed, and gives the
#' square root of the sum of all squared entries (as NumPy does).
#'
#' Vector norms, by `ord`:
#' * `NULL` or 2: `sqrt(sum(x^2))`;
#' * 1: `sum(abs(x))`;
#' * `Inf` / `-Inf`: `max(abs(x))` / `min(abs(x))`;
#' * 0: the number of non-zero entries;
#' * any other number `p`: `sum(abs(x)^p)^(1/p)`.
#'
#' Matrix norms, by `ord`:
#' * `NULL` or `"fro"`: the Frobenius norm, `sqrt(sum(x^2))`;
#' * 1 / -1: the largest / smallest column sum of absolute values;
#' * `Inf` / `-Inf`: the largest / smallest row sum of absolute values.
#'
#' The matrix norms `"nuc"`, 2 and -2 need singular values, which recurrent
#' cannot compute: they are errors. The norms are built from elementwise ops
#' and reductions, so gradients flow. Integer inputs give [config_floatx()].
#'
#' @param x A tensor or R array.
#' @param ord `NULL`, a number (`Inf` and `-Inf` included), `"fro"` or `"nuc"`;
#'   see Details.
#' @param axis `NULL`, one axis or two axes (1-based; negative from the end).
#' @param keepdims If `TRUE`, the reduced axes stay in the result with size 1.
#' @returns A float tensor.
#' @examples
#' x <- op_reshape(op_arange(0, 8) - 4, c(3, 3))
#' op_norm(x)                       # sqrt(60)
#' op_norm(x, ord = 1)              # largest column sum of abs values: 7
#' op_norm(x, ord = Inf, axis = 2)  # per row: max(abs())
#' op_norm(c(3, 4))                 # 5
#' @export
op_norm <- function(x, ord = NULL, axis = NULL, keepdims = FALSE) {
  keepdims <- check_flag(keepdims)
  ok_ord <- is.null(ord) || (is.character(ord) && length(ord) == 1L && ord %in% c("fro", "nuc")) ||
    (is.numeric(ord) && length(ord) == 1L && !is.na(ord))
  if (!ok_ord) {
    got <- describe_value(ord)
    recurrent_abort(c("{.arg ord} must be {.code NULL}, a number, {.val fro} or {.val nuc}.", x = "Got {got}."))
  }
  x <- as_tensor_arg(x)
  dt <- value_float(x)
  if (.Call(`_recurrent_cpp_dtype`, x) != dt) x <- op_cast(x, dt)
  nd <- length(dim(x))
  if (is.null(axis)) {
    if (is.null(ord)) return(op_sqrt(op_sum(op_square(x), keepdims = keepdims)))
    if (nd != 1L && nd != 2L)
      recurrent_abort(c("With {.arg axis} {.code NULL}, {.arg ord} needs a 1-D or 2-D {.arg x}.",
                        x = "{.arg x} has {nd} dimension{?s}.",
                        i = "Give {.arg axis}: one axis for vector norms, two for matrix norms."))
    pos <- seq_len(nd) - 1L
  } else {
    pos <- axis_positions(axis, nd)
  }
  if (length(pos) == 1L) return(norm_vector(x, ord, pos + 1L, keepdims))
  if (length(pos) == 2L) return(norm_matrix(x, ord, pos[[1]], pos[[2]], keepdims))
  got <- describe_value(axis)
  recurrent_abort(c("{.arg axis} must name one axis (vector norms) or two axes (matrix norms).", x = "Got {got}."))
}

# Vector norm of float tensor x along the 1-based axis `ax`.
norm_vector <- function(x, ord, ax, keepdims, call = rlang::caller_env()) {
  if (is.character(ord))
    recurrent_abort(c("{.arg ord} {.val {ord}} is a matrix norm; vector norms take a number.",
                      i = "Give two axes in {.arg axis} for a matrix norm."), call = call)
  if (is.null(ord) || ord == 2) return(op_sqrt(op_sum(op_square(x), axis = ax, keepdims = keepdims)))
  if (ord == 1) return(op_sum(op_abs(x), axis = ax, keepdims = keepdims))
  if (ord == Inf) return(op_max(op_abs(x), axis = ax, keepdims = keepdims))
  if (ord == -Inf) return(op_min(op_abs(x), axis = ax, keepdims = keepdims))
  if (ord == 0) return(op_sum(op_cast(op_not_equal(x, 0), .Call(`_recurrent_cpp_dtype`, x)), axis = ax, keepdims = keepdims))
  op_power(op_sum(op_power(op_abs(x), ord), axis = ax, keepdims = keepdims), 1 / ord)
}

# Matrix norm of float tensor x over the 0-based axes r (rows) and c (columns).
norm_matrix <- function(x, ord, r, c, keepdims, call = rlang::caller_env()) {
  if (is.null(ord) || identical(ord, "fro"))
    return(op_sqrt(op_sum(op_square(x), axis = c(r, c) + 1L, keepdims = keepdims)))
  if (identical(ord, "nuc") || ord %in% c(2, -2)) {
    shown <- if (is.character(ord)) paste0('"', ord, '"') else format(ord)
    recurrent_abort(c("{.arg ord} = {shown} is not supported for matrix norms.",
                      i = "It needs singular values, which recurrent does not compute.",
                      i = "Supported: {.code NULL}, {.val fro}, 1, -1, {.code Inf}, {.code -Inf}."), call = call)
  }
  if (!ord %in% c(1, -1, Inf, -Inf))
    recurrent_abort(c("{.arg ord} must be {.code NULL}, {.val fro}, 1, -1, {.code Inf} or {.code -Inf} for a matrix norm.",
                      x = "Got {format(ord)}."), call = call)
  # 1 / -1: sum over rows, then extreme over columns; Inf / -Inf the other way round
  first <- if (abs(ord) == 1) r else c
  second <- if (abs(ord) == 1) c else r
  if (!keepdims && second > first) second <- second - 1L
  sums <- op_sum(op_abs(x), axis = first + 1L, keepdims = keepdims)
  if (ord > 0) op_max(sums, axis = second + 1L, keepdims = keepdims) else op_min(sums, axis = second + 1L, keepdims = keepdims)
}
