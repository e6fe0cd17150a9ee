# R's operators and math/summary functions on tensors (and on variables, which use the
# same methods so that mixing the two never meets "incompatible methods").

#' Operators and R functions on tensors
#'
#' Tensors (and variables) work with R's arithmetic, comparison and logic
#' operators and with many of its math and summary functions; each calls the
#' matching `op_*()` function, so the results are tensors and gradients flow.
#' An operand may be an R number or array, in either position; it takes the
#' dtype of the tensor operand.
#'
#' * Arithmetic: `+`, `-`, `*`, `/`, `^`, `%%` and `%/%` (R's flooring modulo and
#'   integer division), unary `-` and `+`.
#' * Comparison and logic: `==`, `!=`, `<`, `<=`, `>`, `>=`, `&`, `|`, `!` give bool
#'   tensors.
#' * Math: `abs()`, `sign()`, `sqrt()`, `exp()`, `expm1()`, `log()` (with
#'   `base`), `log2()`, `log10()`, `log1p()`, `sin()`, `cos()`, `tan()`, `tanh()`,
#'   `floor()`, `ceiling()`, `trunc()`, `round()` (with `digits`) and `cumsum()`
#'   (over the flattened tensor, in row-major order, like `op_cumsum()`).
#' * Summaries: `sum()`, `prod()`, `max()`, `min()`, `range()`, `any()`, `all()`
#'   and `mean()` reduce over every axis, or over `axis` (1-based) when it is
#'   given, e.g. `sum(x, axis = 2)`; `keepdims = TRUE` keeps reduced axes.
#' * `t()` reverses the axes and `aperm(x, perm)` permutes them
#'   ([op_transpose()]); `%*%` is [op_matmul()] when either operand is a tensor.
#'
#' @param e1,e2 Operands: tensors, variables, R arrays or numbers.
#' @param x,a A tensor or variable.
#' @param ... For summaries, the tensors to reduce and optionally `axis` and
#'   `keepdims`; for `log()`, `base`; for `round()`, `digits`. Otherwise unused.
#' @param na.rm Ignored: tensors have no missing-value handling.
#' @param axis `NULL` (every axis) or axes to reduce (1-based; negative from the
#'   end).
#' @param keepdims If `TRUE`, reduced axes stay with size 1.
#' @param perm For `aperm()`, the permutation of the axes (1-based).
#' @returns Tensors.
#' @examples
#' x <- op_convert_to_tensor(matrix(1:6, 2, 3), dtype = "float32")
#' x * 2 + 1
#' 1 / x
#' x %% 4
#' x > 3
#' exp(x)
#' sum(x)
#' sum(x, axis = 2)
#' mean(x)
#' t(x)
#' @name tensor-operators
NULL

#' @rdname tensor-operators
#' @export
Ops.recurrent_tensor <- function(e1, e2) {
  # one method for tensors, variables and symbolic tensors, so that R dispatches on
  # mixed operands too (symbolic-ops.R)
  if ((is.environment(e1) && inherits(e1, "recurrent_symbolic_tensor")) ||
      (!missing(e2) && is.environment(e2) && inherits(e2, "recurrent_symbolic_tensor")))
    return(symbolic_ops_generic(.Generic, e1, e2))
  if (missing(e2)) {
    return(switch(.Generic,
      "-" = .Call(`_recurrent_cpp_unary`, 0L, e1),
      "+" = e1,
      "!" = .Call(`_recurrent_cpp_logical_not`, e1),
      recurrent_abort("Unary {.code {(.Generic)}} is not defined for tensors.")
    ))
  }
  switch(.Generic,
    "+" = .Call(`_recurrent_cpp_binary`, 0L, e1, e2),
    "-" = .Call(`_recurrent_cpp_binary`, 1L, e1, e2),
    "*" = .Call(`_recurrent_cpp_binary`, 2L, e1, e2),
    "/" = .Call(`_recurrent_cpp_binary`, 3L, e1, e2),
    "^" = tensor_power(e1, e2),
    "%%" = tensor_mod(e1, e2),
    "%/%" = tensor_floordiv(e1, e2),
    "==" = .Call(`_recurrent_cpp_compare`, 0L, e1, e2),
    "!=" = .Call(`_recurrent_cpp_compare`, 1L, e1, e2),
    ">" = .Call(`_recurrent_cpp_compare`, 2L, e1, e2),
    ">=" = .Call(`_recurrent_cpp_compare`, 3L, e1, e2),
    "<" = .Call(`_recurrent_cpp_compare`, 4L, e1, e2),
    "<=" = .Call(`_recurrent_cpp_compare`, 5L, e1, e2),
    "&" = .Call(`_recurrent_cpp_compare`, 6L, e1, e2),
    "|" = .Call(`_recurrent_cpp_compare`, 7L, e1, e2),
    recurrent_abort("{.code {(.Generic)}} is not defined for tensors.")
  )
}

#' @rdname tensor-operators
#' @method Ops recurrent_variable
#' @export
Ops.recurrent_variable <- Ops.recurrent_tensor

# x^2 and x^0.5 as square and sqrt (cheaper, and exact gradients at 0), as keras3 does.
tensor_power <- function(e1, e2) {
  if (is.numeric(e2) && length(e2) == 1L && is.null(dim(e2))) {
    if (isTRUE(e2 == 2)) return(.Call(`_recurrent_cpp_unary`, 1L, e1))
    if (isTRUE(e2 == 0.5)) return(.Call(`_recurrent_cpp_unary`, 2L, e1))
  }
  .Call(`_recurrent_cpp_binary`, 6L, e1, e2)
}

both_int <- function(e1, e2) value_dtype(e1) == "int32" && value_dtype(e2) == "int32"

# R's %/% and %% floor (so the remainder takes the sign of the divisor), unlike C.
tensor_floordiv <- function(e1, e2) {
  q <- .Call(`_recurrent_cpp_unary`, 20L, .Call(`_recurrent_cpp_binary`, 3L, e1, e2))
  if (both_int(e1, e2)) .Call(`_recurrent_cpp_cast`, q, "int32") else q
}

tensor_mod <- function(e1, e2) {
  r <- .Call(`_recurrent_cpp_binary`, 1L, e1, .Call(`_recurrent_cpp_binary`, 2L, .Call(`_recurrent_cpp_unary`, 20L, .Call(`_recurrent_cpp_binary`, 3L, e1, e2)), e2))
  if (both_int(e1, e2)) .Call(`_recurrent_cpp_cast`, r, "int32") else r
}

#' @rdname tensor-operators
#' @export
Math.recurrent_tensor <- function(x, ...) {
  switch(.Generic,
    abs = .Call(`_recurrent_cpp_unary`, 5L, x),
    sign = .Call(`_recurrent_cpp_unary`, 9L, x),
    sqrt = .Call(`_recurrent_cpp_unary`, 2L, x),
    exp = .Call(`_recurrent_cpp_unary`, 3L, x),
    expm1 = .Call(`_recurrent_cpp_unary`, 17L, x),
    log = {
      base <- if (...length()) ..1 else exp(1)
      if (identical(base, exp(1))) .Call(`_recurrent_cpp_unary`, 4L, x) else .Call(`_recurrent_cpp_binary`, 3L, .Call(`_recurrent_cpp_unary`, 4L, x), log(base))
    },
    log2 = .Call(`_recurrent_cpp_binary`, 3L, .Call(`_recurrent_cpp_unary`, 4L, x), log(2)),
    log10 = .Call(`_recurrent_cpp_binary`, 3L, .Call(`_recurrent_cpp_unary`, 4L, x), log(10)),
    log1p = .Call(`_recurrent_cpp_unary`, 16L, x),
    sin = .Call(`_recurrent_cpp_unary`, 18L, x),
    cos = .Call(`_recurrent_cpp_unary`, 19L, x),
    tan = .Call(`_recurrent_cpp_binary`, 3L, .Call(`_recurrent_cpp_unary`, 18L, x), .Call(`_recurrent_cpp_unary`, 19L, x)),
    tanh = .Call(`_recurrent_cpp_unary`, 6L, x),
    floor = .Call(`_recurrent_cpp_unary`, 20L, x),
    ceiling = .Call(`_recurrent_cpp_unary`, 21L, x),
    trunc = .Call(`_recurrent_cpp_where`, .Call(`_recurrent_cpp_compare`, 3L, x, 0L), .Call(`_recurrent_cpp_unary`, 20L, x), .Call(`_recurrent_cpp_unary`, 21L, x)),
    round = {
      digits <- if (...length()) ..1 else 0
      if (digits == 0) .Call(`_recurrent_cpp_unary`, 22L, x) else {
        scale <- 10^digits
        .Call(`_recurrent_cpp_binary`, 3L, .Call(`_recurrent_cpp_unary`, 22L, .Call(`_recurrent_cpp_binary`, 2L, x, scale)), scale)
      }
    },
    cumsum = .Call(`_recurrent_cpp_cumsum`, x, NULL),
    recurrent_abort("{.fn {(.Generic)}} is not supported for tensors.")
  )
}

#' @rdname tensor-operators
#' @method Math recurrent_variable
#' @export
Math.recurrent_variable <- Math.recurrent_tensor

#' @rdname tensor-operators
#' @export
Summary.recurrent_tensor <- function(..., na.rm = FALSE) {
  args <- list(...)
  nms <- names(args)
  if (is.null(nms)) nms <- rep("", length(args))
  axis <- if ("axis" %in% nms) args[["axis"]]
  keepdims <- if ("keepdims" %in% nms) isTRUE(args[["keepdims"]]) else FALSE
  xs <- args[!nms %in% c("axis", "keepdims")]
  if (length(xs) == 1L) {
    x <- xs[[1]]
  } else {
    if (!is.null(axis) || keepdims)
      recurrent_abort("{.arg axis} and {.arg keepdims} work only when {.fn {(.Generic)}} gets a single tensor.")
    x <- .Call(`_recurrent_cpp_concatenate`, lapply(xs, function(v) .Call(`_recurrent_cpp_reshape`, v, -1)), 0L)
  }
  axis <- as_axis0(axis)
  switch(.Generic,
    sum = .Call(`_recurrent_cpp_reduce`, 0L, x, axis, keepdims),
    prod = .Call(`_recurrent_cpp_reduce`, 4L, x, axis, keepdims),
    max = .Call(`_recurrent_cpp_reduce`, 2L, x, axis, keepdims),
    min = .Call(`_recurrent_cpp_reduce`, 3L, x, axis, keepdims),
    range = .Call(`_recurrent_cpp_stack`, list(.Call(`_recurrent_cpp_reduce`, 3L, x, axis, keepdims), .Call(`_recurrent_cpp_reduce`, 2L, x, axis, keepdims)), 0L),
    any = .Call(`_recurrent_cpp_compare`, 2L, .Call(`_recurrent_cpp_reduce`, 0L, .Call(`_recurrent_cpp_compare`, 1L, x, 0L), axis, keepdims), 0L),
    all = .Call(`_recurrent_cpp_compare`, 0L, .Call(`_recurrent_cpp_reduce`, 0L, .Call(`_recurrent_cpp_compare`, 0L, x, 0L), axis, keepdims), 0L),
    recurrent_abort("{.fn {(.Generic)}} is not supported for tensors.")
  )
}

#' @rdname tensor-operators
#' @method Summary recurrent_variable
#' @export
Summary.recurrent_variable <- Summary.recurrent_tensor

#' @rdname tensor-operators
#' @export
mean.recurrent_tensor <- function(x, axis = NULL, keepdims = FALSE, ...) {
  .Call(`_recurrent_cpp_reduce`, 1L, x, as_axis0(axis), keepdims)
}

#' @rdname tensor-operators
#' @method mean recurrent_variable
#' @export
mean.recurrent_variable <- mean.recurrent_tensor

#' @rdname tensor-operators
#' @export
t.recurrent_tensor <- function(x) .Call(`_recurrent_cpp_transpose`, x, NULL)

#' @rdname tensor-operators
#' @method t recurrent_variable
#' @export
t.recurrent_variable <- t.recurrent_tensor

#' @rdname tensor-operators
#' @export
aperm.recurrent_tensor <- function(a, perm = NULL, ...) .Call(`_recurrent_cpp_transpose`, a, as_axis0(perm, "perm"))

#' @rdname tensor-operators
#' @method aperm recurrent_variable
#' @export
aperm.recurrent_variable <- aperm.recurrent_tensor

#' @rdname op_matmul
#' @param x,y For `%*%`: matrices, or tensors (then it is `op_matmul(x, y)`).
#' @usage x \%*\% y
#' @export
`%*%` <- function(x, y) {
  if (inherits(x, c("recurrent_tensor", "recurrent_variable")) || inherits(y, c("recurrent_tensor", "recurrent_variable")))
    return(.Call(`_recurrent_cpp_matmul`, x, y))
  if (inherits(x, "recurrent_symbolic_tensor") || inherits(y, "recurrent_symbolic_tensor")) return(op_matmul(x, y))
  base::`%*%`(x, y)
}
