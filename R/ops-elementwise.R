# Elementwise ops. These sit on the hot path of cells written in R (called once per
# timestep), so each is one call into C++ with no R-side checks: C++ checks shapes and
# names the op in its errors. Codes are the positions in core::ops::Binary, Unary and
# Compare (src/core/ops.h).

#' Elementwise arithmetic
#'
#' Add, subtract, multiply, divide or raise to a power, element by element, with
#' NumPy broadcasting: dimensions are matched from the last one, and a dimension of
#' size 1 (or a missing leading one) stretches to match the other operand. Either
#' operand may be an R number or array, which takes the dtype of the tensor operand
#' (so `x + 1` keeps a float32 `x` in float32). Integer tensors stay integer except
#' under `op_divide()`, which gives floats.
#'
#' @param x1,x2 Tensors, R arrays or numbers with broadcastable shapes.
#' @returns A tensor of the broadcast shape.
#' @examples
#' x <- op_convert_to_tensor(matrix(1:6, 2, 3), dtype = "float32")
#' op_add(x, 10)
#' op_multiply(x, c(1, 0, -1))   # the vector runs along the last axis
#' op_divide(x, op_convert_to_tensor(c(2, 4), dtype = "float32") |> op_reshape(c(2, 1)))
#' op_power(x, 2)
#' @export
op_add <- function(x1, x2) .Call(`_recurrent_cpp_binary`, 0L, x1, x2)

#' @rdname op_add
#' @export
op_subtract <- function(x1, x2) .Call(`_recurrent_cpp_binary`, 1L, x1, x2)

#' @rdname op_add
#' @export
op_multiply <- function(x1, x2) .Call(`_recurrent_cpp_binary`, 2L, x1, x2)

#' @rdname op_add
#' @export
op_divide <- function(x1, x2) .Call(`_recurrent_cpp_binary`, 3L, x1, x2)

#' @rdname op_add
#' @export
op_power <- function(x1, x2) .Call(`_recurrent_cpp_binary`, 6L, x1, x2)

#' Elementwise maximum and minimum
#'
#' The larger (`op_maximum()`, alias `op_pmax()`) or smaller (`op_minimum()`,
#' alias `op_pmin()`) of two tensors, element by element, with broadcasting. On
#' ties the gradient goes to `x1`.
#'
#' @inheritParams op_add
#' @returns A tensor of the broadcast shape.
#' @examples
#' x <- op_convert_to_tensor(c(-2, 0.5, 3))
#' op_maximum(x, 0)
#' op_pmin(x, c(1, 1, 1))
#' @export
op_maximum <- function(x1, x2) .Call(`_recurrent_cpp_binary`, 4L, x1, x2)

#' @rdname op_maximum
#' @export
op_pmax <- op_maximum

#' @rdname op_maximum
#' @export
op_minimum <- function(x1, x2) .Call(`_recurrent_cpp_binary`, 5L, x1, x2)

#' @rdname op_maximum
#' @export
op_pmin <- op_minimum

#' Elementwise math functions
#'
#' `op_negative()` (\eqn{-x}), `op_square()`, `op_sqrt()`, `op_exp()`, `op_log()`
#' (natural logarithm), `op_abs()`, `op_sign()` (-1, 0 or 1), `op_log1p()`
#' (\eqn{\log(1 + x)}), `op_expm1()` (\eqn{e^x - 1}), `op_sin()`, `op_cos()`,
#' `op_reciprocal()` (\eqn{1/x}), and the rounding functions `op_floor()`,
#' `op_ceil()` and `op_round()` (halves to even, as NumPy does). Integer inputs
#' give floats, except for `op_negative()`, `op_square()`, `op_abs()` and
#' `op_sign()`, which keep them integer.
#'
#' @param x A tensor, R array or number.
#' @returns A tensor of the same shape as `x`.
#' @examples
#' x <- op_convert_to_tensor(c(-1.5, 0, 2.5))
#' op_abs(x)
#' op_exp(x)
#' op_round(x)
#' op_sqrt(op_square(x))
#' @export
op_negative <- function(x) .Call(`_recurrent_cpp_unary`, 0L, x)

#' @rdname op_negative
#' @export
op_square <- function(x) .Call(`_recurrent_cpp_unary`, 1L, x)

#' @rdname op_negative
#' @export
op_sqrt <- function(x) .Call(`_recurrent_cpp_unary`, 2L, x)

#' @rdname op_negative
#' @export
op_exp <- function(x) .Call(`_recurrent_cpp_unary`, 3L, x)

#' @rdname op_negative
#' @export
op_log <- function(x) .Call(`_recurrent_cpp_unary`, 4L, x)

#' @rdname op_negative
#' @export
op_abs <- function(x) .Call(`_recurrent_cpp_unary`, 5L, x)

#' @rdname op_negative
#' @export
op_sign <- function(x) .Call(`_recurrent_cpp_unary`, 9L, x)

#' @rdname op_negative
#' @export
op_log1p <- function(x) .Call(`_recurrent_cpp_unary`, 16L, x)

#' @rdname op_negative
#' @export
op_expm1 <- function(x) .Call(`_recurrent_cpp_unary`, 17L, x)

#' @rdname op_negative
#' @export
op_sin <- function(x) .Call(`_recurrent_cpp_unary`, 18L, x)

#' @rdname op_negative
#' @export
op_cos <- function(x) .Call(`_recurrent_cpp_unary`, 19L, x)

#' @rdname op_negative
#' @export
op_floor <- function(x) .Call(`_recurrent_cpp_unary`, 20L, x)

#' @rdname op_negative
#' @export
op_ceil <- function(x) .Call(`_recurrent_cpp_unary`, 21L, x)

#' @rdname op_negative
#' @export
op_round <- function(x) .Call(`_recurrent_cpp_unary`, 22L, x)

#' @rdname op_negative
#' @export
op_reciprocal <- function(x) .Call(`_recurrent_cpp_unary`, 23L, x)

#' Activation functions
#'
#' Elementwise activations, as in Keras:
#' * `op_tanh()`: hyperbolic tangent.
#' * `op_sigmoid()`: \eqn{1 / (1 + e^{-x})}.
#' * `op_relu()`: \eqn{\max(x, 0)}.
#' * `op_silu()` (swish): \eqn{x \cdot \mathrm{sigmoid}(x)}.
#' * `op_softplus()`: \eqn{\log(1 + e^x)}.
#' * `op_selu()`: scaled ELU with Keras's constants
#'   (scale 1.0507..., alpha 1.6733...).
#' * `op_hard_sigmoid()`: \eqn{\max(0, \min(1, x/6 + 1/2))}.
#' * `op_elu()`: \eqn{x} for \eqn{x > 0}, else \eqn{\alpha (e^x - 1)}.
#' * `op_gelu()`: \eqn{x \Phi(x)}, or its tanh approximation when
#'   `approximate = TRUE` (the Keras default).
#' * `op_leaky_relu()`: \eqn{x} for \eqn{x \ge 0}, else `negative_slope * x`.
#'
#' @param x A tensor, R array or number.
#' @param alpha For `op_elu()`, the scale of the negative part (default 1).
#' @param approximate For `op_gelu()`, `TRUE` (default) for the tanh approximation,
#'   `FALSE` for the exact form with the normal CDF.
#' @param negative_slope For `op_leaky_relu()`, the slope for negative inputs
#'   (default 0.2).
#' @returns A tensor of the same shape as `x` (float, for integer inputs).
#' @examples
#' x <- op_convert_to_tensor(c(-2, -0.5, 0, 0.5, 2))
#' op_relu(x)
#' op_sigmoid(x)
#' op_leaky_relu(x, negative_slope = 0.1)
#' op_gelu(x, approximate = FALSE)
#' @export
op_tanh <- function(x) .Call(`_recurrent_cpp_unary`, 6L, x)

#' @rdname op_tanh
#' @export
op_sigmoid <- function(x) .Call(`_recurrent_cpp_unary`, 7L, x)

#' @rdname op_tanh
#' @export
op_relu <- function(x) .Call(`_recurrent_cpp_unary`, 8L, x)

#' @rdname op_tanh
#' @export
op_silu <- function(x) .Call(`_recurrent_cpp_unary`, 11L, x)

#' @rdname op_tanh
#' @export
op_softplus <- function(x) .Call(`_recurrent_cpp_unary`, 10L, x)

#' @rdname op_tanh
#' @export
op_selu <- function(x) .Call(`_recurrent_cpp_unary`, 12L, x)

#' @rdname op_tanh
#' @export
op_hard_sigmoid <- function(x) .Call(`_recurrent_cpp_unary`, 13L, x)

#' @rdname op_tanh
#' @export
op_elu <- function(x, alpha = 1) .Call(`_recurrent_cpp_elu`, x, check_number(alpha, "alpha"))

#' @rdname op_tanh
#' @export
op_gelu <- function(x, approximate = TRUE) {
  .Call(`_recurrent_cpp_unary`, if (check_flag(approximate, "approximate")) 15L else 14L, x)
}

#' @rdname op_tanh
#' @export
op_leaky_relu <- function(x, negative_slope = 0.2) {
  .Call(`_recurrent_cpp_leaky_relu`, x, check_number(negative_slope, "negative_slope"))
}

#' Limit values to a range
#'
#' Values below `x_min` become `x_min`, values above `x_max` become `x_max`. The
#' gradient is 1 inside the range and 0 outside it.
#'
#' @param x A tensor, R array or number.
#' @param x_min,x_max Numbers (or tensors broadcastable to `x`) bounding the range.
#' @returns A tensor of the same shape as `x`.
#' @examples
#' op_clip(op_convert_to_tensor(c(-3, 0.5, 7)), 0, 1)
#' @export
op_clip <- function(x, x_min, x_max) {
  if (is.numeric(x_min) && length(x_min) == 1L && is.numeric(x_max) && length(x_max) == 1L)
    return(.Call(`_recurrent_cpp_clip`, x, x_min, x_max))
  .Call(`_recurrent_cpp_binary`, 5L, .Call(`_recurrent_cpp_binary`, 4L, x, x_min), x_max)
}

#' Choose elements from two tensors
#'
#' Where `condition` is true (non-zero) the result takes `x1`, elsewhere `x2`; the
#' three are broadcast against each other. The gradient flows to whichever operand
#' was chosen.
#'
#' @param condition A bool tensor, or any tensor or R array (non-zero is true).
#' @param x1,x2 Tensors, R arrays or numbers. Both are needed: the one-argument
#'   form of Keras (indices of non-zero entries) is not supported.
#' @returns A tensor of the broadcast shape.
#' @examples
#' x <- op_convert_to_tensor(c(-1, 2, -3))
#' op_where(x > 0, x, 0)
#' @export
op_where <- function(condition, x1 = NULL, x2 = NULL) {
  if (is.null(x1) || is.null(x2))
    recurrent_abort(c("{.fn op_where} needs both {.arg x1} and {.arg x2}.",
                      i = "The one-argument form (indices of non-zero entries) is not supported."))
  .Call(`_recurrent_cpp_where`, condition, x1, x2)
}

#' Elementwise comparisons
#'
#' Compare two tensors element by element, with broadcasting. The result is a bool
#' tensor. The operators `==`, `!=`, `>`, `>=`, `<` and `<=` on tensors call these.
#'
#' @inheritParams op_add
#' @returns A bool tensor of the broadcast shape.
#' @examples
#' x <- op_convert_to_tensor(c(1, 2, 3))
#' op_greater(x, 2)
#' op_equal(x, c(1, 0, 3))
#' @export
op_equal <- function(x1, x2) .Call(`_recurrent_cpp_compare`, 0L, x1, x2)

#' @rdname op_equal
#' @export
op_not_equal <- function(x1, x2) .Call(`_recurrent_cpp_compare`, 1L, x1, x2)

#' @rdname op_equal
#' @export
op_greater <- function(x1, x2) .Call(`_recurrent_cpp_compare`, 2L, x1, x2)

#' @rdname op_equal
#' @export
op_greater_equal <- function(x1, x2) .Call(`_recurrent_cpp_compare`, 3L, x1, x2)

#' @rdname op_equal
#' @export
op_less <- function(x1, x2) .Call(`_recurrent_cpp_compare`, 4L, x1, x2)

#' @rdname op_equal
#' @export
op_less_equal <- function(x1, x2) .Call(`_recurrent_cpp_compare`, 5L, x1, x2)

#' Elementwise logic
#'
#' `op_logical_and()`, `op_logical_or()` and `op_logical_not()` treat non-zero
#' values as true and return bool tensors (with broadcasting for the two-operand
#' forms). The operators `&`, `|` and `!` on tensors call these.
#'
#' @inheritParams op_add
#' @param x A tensor, R array or logical value.
#' @returns A bool tensor.
#' @examples
#' a <- op_convert_to_tensor(c(TRUE, TRUE, FALSE))
#' op_logical_and(a, c(TRUE, FALSE, FALSE))
#' op_logical_not(a)
#' @export
op_logical_and <- function(x1, x2) .Call(`_recurrent_cpp_compare`, 6L, x1, x2)

#' @rdname op_logical_and
#' @export
op_logical_or <- function(x1, x2) .Call(`_recurrent_cpp_compare`, 7L, x1, x2)

#' @rdname op_logical_and
#' @export
op_logical_not <- function(x) .Call(`_recurrent_cpp_logical_not`, x)

#' Change a tensor's dtype
#'
#' Casting between float32 and float64 keeps gradients flowing; casting to
#' `"int32"` truncates toward zero and to `"bool"` tests for non-zero values.
#'
#' @param x A tensor, R array or number.
#' @param dtype One of `"float32"`, `"float64"`, `"int32"` or `"bool"`.
#' @returns A tensor of the same shape as `x` with the new dtype.
#' @examples
#' x <- op_convert_to_tensor(c(-1.7, 0, 2.9))
#' op_cast(x, "int32")
#' op_cast(x, "bool")
#' @export
op_cast <- function(x, dtype) .Call(`_recurrent_cpp_cast`, x, normalize_dtype(dtype))

#' Stop or keep gradients; copy a tensor
#'
#' `op_stop_gradient()` returns the same values but blocks gradients: the result
#' counts as a constant when gradients are computed. `op_copy()` returns a new tensor
#' with the same values and its own memory; gradients pass through it.
#'
#' @param variable,x A tensor, variable or R array.
#' @returns A tensor of the same shape and dtype.
#' @examples
#' x <- op_convert_to_tensor(c(1, 2))
#' op_stop_gradient(x)
#' op_copy(x)
#' @export
op_stop_gradient <- function(variable) .Call(`_recurrent_cpp_stop_gradient`, variable)

#' @rdname op_stop_gradient
#' @export
op_copy <- function(x) .Call(`_recurrent_cpp_copy`, x)
