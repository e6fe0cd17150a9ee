# Weight regularizers: callables weight -> scalar tensor. Layers attach them to the
# variables they create; Layer$losses evaluates them, and training adds the terms.

new_regularizer <- function(class_name, fn, config) {
  structure(fn, class = c("recurrent_regularizer", "keras.src.regularizers.regularizers.Regularizer"),
            class_name = class_name, config = config)
}

#' Weight regularizers
#'
#' A regularizer adds a penalty on a weight's values to the training loss.
#' Pass one to a layer argument such as `kernel_regularizer`; the penalties of
#' all weights appear in the layer's (and model's) `$losses` and `fit()` adds
#' them to the loss. A regularizer is also a function: `reg(w)` returns the
#' penalty of `w` as a scalar tensor.
#'
#' * `regularizer_l1(l1)`: `l1 * sum(abs(w))`.
#' * `regularizer_l2(l2)`: `l2 * sum(w^2)` (no factor 1/2).
#' * `regularizer_l1_l2(l1, l2)`: the sum of both.
#'
#' @param l1,l2 Non-negative numbers: the penalty factors. Defaults `0.01`
#'   for `regularizer_l1()` and `regularizer_l2()`, `0` for
#'   `regularizer_l1_l2()`.
#' @returns A regularizer (class `recurrent_regularizer`).
#' @examples
#' reg <- regularizer_l2(0.1)
#' reg(op_convert_to_tensor(c(1, 2, 3)))   # 0.1 * 14
#' layer_dense(units = 4, kernel_regularizer = regularizer_l1(0.001))
#' @name regularizers
NULL

#' @rdname regularizers
#' @export
regularizer_l1 <- function(l1 = 0.01) regularizer_l1_l2_impl("L1", l1 = l1, l2 = 0)

#' @rdname regularizers
#' @export
regularizer_l2 <- function(l2 = 0.01) regularizer_l1_l2_impl("L2", l1 = 0, l2 = l2)

#' @rdname regularizers
#' @export
regularizer_l1_l2 <- function(l1 = 0, l2 = 0) regularizer_l1_l2_impl("L1L2", l1 = l1, l2 = l2)

regularizer_l1_l2_impl <- function(class_name, l1, l2, call = rlang::caller_env()) {
  check_number(l1, "l1", call, min = 0)
  check_number(l2, "l2", call, min = 0)
  config <- switch(class_name, L1 = list(l1 = l1), L2 = list(l2 = l2), list(l1 = l1, l2 = l2))
  new_regularizer(class_name, function(x) {
    x <- as_float_tensor(x)
    out <- NULL
    if (l1 > 0) out <- op_multiply(op_sum(op_abs(x)), l1)
    if (l2 > 0) {
      term <- op_multiply(op_sum(op_square(x)), l2)
      out <- if (is.null(out)) term else op_add(out, term)
    }
    if (is.null(out)) out <- op_multiply(op_sum(x), 0)
    out
  }, config)
}

# Anything a layer accepts as a regularizer -> a callable (or NULL).
get_regularizer <- function(x, arg = rlang::caller_arg(x), call = rlang::caller_env()) {
  if (is.null(x) || inherits(x, "recurrent_regularizer")) return(x)
  if (is.character(x) && length(x) == 1) {
    f <- switch(x, l1 = , L1 = regularizer_l1, l2 = , L2 = regularizer_l2,
                l1_l2 = , L1L2 = regularizer_l1_l2, NULL)
    if (!is.null(f)) return(f())
  }
  if (is.function(x)) return(new_regularizer("Custom", x, list()))
  cli::cli_abort(c("{.arg {arg}} must be a regularizer, its name, or a function of a weight.",
                   x = "Got {.obj_type_friendly {x}}."),
                 class = c("recurrent_error_argument", "recurrent_error"), call = call)
}

#' @export
print.recurrent_regularizer <- function(x, ...) {
  cfg <- attr(x, "config")
  cat(sprintf("<Regularizer %s(%s)>\n", attr(x, "class_name"),
              paste(names(cfg), vapply(cfg, format, ""), sep = "=", collapse = ", ")))
  invisible(x)
}
