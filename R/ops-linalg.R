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
