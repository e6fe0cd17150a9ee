# Weight constraints: callables weight -> projected weight, applied by the optimizer
# after each update (the training code reads variable$constraint).

new_constraint <- function(class_name, fn, config) {
  structure(fn, class = c("recurrent_constraint", "keras.src.constraints.constraints.Constraint"),
            class_name = class_name, config = config)
}

#' Weight constraints
#'
#' A constraint keeps a weight within a set after each optimizer update. Pass
#' one to a layer argument such as `kernel_constraint`. A constraint is also a
#' function: `con(w)` returns the projected values as a tensor.
#'
#' * `constraint_maxnorm()`: rescales the slices of `w` along `axis` whose
#'   Euclidean norm exceeds `max_value` down to that norm.
#' * `constraint_nonneg()`: sets negative values to zero.
#' * `constraint_unitnorm()`: rescales each slice to norm 1.
#' * `constraint_minmaxnorm()`: moves each slice's norm into
#'   `[min_value, max_value]`; `rate` (between 0 and 1) says how far:
#'   `rate * clipped_norm + (1 - rate) * norm`.
#'
#' `axis` is 1-based: for a dense kernel of shape `(input_dim, units)` the
#' default `axis = 1` constrains the vector of weights entering each unit.
#'
#' @param max_value,min_value Numbers: the bounds of the norm. Defaults `2`
#'   for `constraint_maxnorm()`; `0` and `1` for `constraint_minmaxnorm()`.
#' @param axis Integer, default `1L`: the axis along which norms are taken.
#' @param rate Number in `[0, 1]`, default `1`: the strength of
#'   `constraint_minmaxnorm()`.
#' @returns A constraint (class `recurrent_constraint`).
#' @examples
#' con <- constraint_maxnorm(max_value = 1)
#' con(op_convert_to_tensor(matrix(c(3, 4, 0.3, 0.4), 2)))
#' layer_dense(units = 4, kernel_constraint = constraint_nonneg())
#' @name constraints
NULL

#' @rdname constraints
#' @export
constraint_maxnorm <- function(max_value = 2, axis = 1L) {
  max_value <- check_number(max_value); axis <- check_axis(axis)
  new_constraint("MaxNorm", function(w) {
    w <- as_float_tensor(w)
    norms <- op_sqrt(op_sum(op_square(w), axis = axis, keepdims = TRUE))
    desired <- op_minimum(op_maximum(norms, 0), max_value)
    op_multiply(w, op_divide(desired, op_add(norms, config_epsilon())))
  }, list(max_value = max_value, axis = axis))
}

#' @rdname constraints
#' @export
constraint_nonneg <- function() {
  new_constraint("NonNeg", function(w) op_relu(as_float_tensor(w)), list())
}

#' @rdname constraints
#' @export
constraint_unitnorm <- function(axis = 1L) {
  axis <- check_axis(axis)
  new_constraint("UnitNorm", function(w) {
    w <- as_float_tensor(w)
    op_divide(w, op_add(op_sqrt(op_sum(op_square(w), axis = axis, keepdims = TRUE)), config_epsilon()))
  }, list(axis = axis))
}

#' @rdname constraints
#' @export
constraint_minmaxnorm <- function(min_value = 0, max_value = 1, rate = 1, axis = 1L) {
  min_value <- check_number(min_value); max_value <- check_number(max_value)
  rate <- check_number(rate); axis <- check_axis(axis)
  new_constraint("MinMaxNorm", function(w) {
    w <- as_float_tensor(w)
    norms <- op_sqrt(op_sum(op_square(w), axis = axis, keepdims = TRUE))
    clipped <- op_minimum(op_maximum(norms, min_value), max_value)
    desired <- op_add(op_multiply(clipped, rate), op_multiply(norms, 1 - rate))
    op_multiply(w, op_divide(desired, op_add(norms, config_epsilon())))
  }, list(min_value = min_value, max_value = max_value, rate = rate, axis = axis))
}

check_axis <- function(axis, arg = rlang::caller_arg(axis), call = rlang::caller_env()) {
  if (!is.numeric(axis) || length(axis) < 1 || anyNA(axis) || any(axis != trunc(axis)) || any(axis == 0))
    cli::cli_abort(c("{.arg {arg}} must be a non-zero whole number (1-based; negative counts from the end).",
                     x = "Got {.obj_type_friendly {axis}}."),
                   class = c("recurrent_error_argument", "recurrent_error"), call = call)
  as.integer(axis)
}

# Anything a layer accepts as a constraint -> a callable (or NULL).
get_constraint <- function(x, arg = rlang::caller_arg(x), call = rlang::caller_env()) {
  if (is.null(x) || inherits(x, "recurrent_constraint")) return(x)
  if (is.character(x) && length(x) == 1) {
    f <- switch(x, max_norm = , maxnorm = , MaxNorm = constraint_maxnorm, non_neg = , nonneg = ,
                NonNeg = constraint_nonneg, unit_norm = , unitnorm = , UnitNorm = constraint_unitnorm,
                min_max_norm = , minmaxnorm = , MinMaxNorm = constraint_minmaxnorm, NULL)
    if (!is.null(f)) return(f())
  }
  if (is.function(x)) return(new_constraint("Custom", x, list()))
  cli::cli_abort(c("{.arg {arg}} must be a constraint, its name, or a function of a weight.",
                   x = "Got {.obj_type_friendly {x}}."),
                 class = c("recurrent_error_argument", "recurrent_error"), call = call)
}

#' @export
print.recurrent_constraint <- function(x, ...) {
  cfg <- attr(x, "config")
  cat(sprintf("<Constraint %s(%s)>\n", attr(x, "class_name"),
              paste(names(cfg), vapply(cfg, format, ""), sep = "=", collapse = ", ")))
  invisible(x)
}
