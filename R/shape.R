# keras_shape: a list of dimensions (integers, NULL for unknown) with keras3's
# printing and coercions. Layers see shapes as plain lists with NULL unknowns
# (what build() and compute_output_shape() receive); users see keras_shape.

#' Tensor shapes
#'
#' `shape()` makes a shape: a list of dimensions in which unknown dimensions
#' are `NULL`. It prints as `shape(NA, 10, 8)`. Each argument is flattened and
#' the pieces are joined, so you can mix numbers, other shapes, lists (such as
#' the `input_shape` a layer's `build()` receives), tensors and R arrays (which
#' contribute their dimensions).
#'
#' `NULL`, `NA` and `-1` all mean "unknown". Note that `c(NULL, 5)` is just `5`
#' in R; write `shape(NULL, 5)`, `shape(NA, 5)` or `list(NULL, 5)` for a shape
#' whose first dimension is unknown.
#'
#' Shapes support `[` (keeps the class), `[[`, `length()`, `as.integer()`
#' (unknown dimensions become `NA`), `as.list()`, `==` and `!=` (a single
#' `TRUE`/`FALSE`; both sides go through `shape()` first), `prod()` and the
#' other `Summary` functions (`NA` when a dimension is unknown), `c()`,
#' `head()`, `tail()`, `rev()` and zeallot's multiple assignment
#' (`c(batch, time, features) %<-% shape(x)`).
#'
#' @param ... Dimensions: whole numbers, `NULL`/`NA`/`-1` for unknown, shapes,
#'   lists, tensors, symbolic tensors, variables or R arrays. A scalar integer
#'   tensor counts as a dimension value; wrap it in [I()] to use its (empty)
#'   shape instead.
#' @param x A shape.
#' @param prefix Logical, default `TRUE`. Whether `format()` writes the
#'   `shape` prefix: `shape(NA, 3)` rather than `(NA, 3)`.
#' @returns A list of class `keras_shape`.
#' @examples
#' shape(NULL, 28)
#' shape(32, 10, 8)
#' s <- shape(NA, 10, 8)
#' s[[2]]
#' as.integer(s)
#' prod(s[-1])
#' shape(tail(list(NULL, 5L), 1), 32)
#' shape(array(0, c(2, 3)))
#' c(b, t, f) %<-% shape(4, 10, 8)
#' t
#' @export
shape <- function(...) {
  dims <- list()
  for (arg in rlang::list2(...)) dims <- c(dims, shape_dims(arg))
  structure(dims, class = "keras_shape")
}

# Flatten one argument of shape() into a list of dims (NULL for unknown).
shape_dims <- function(x, call = rlang::caller_env(2)) {
  if (is.null(x)) return(list(NULL))
  if (inherits(x, "keras_shape")) return(unclass(x))
  if (inherits(x, "recurrent_symbolic_tensor")) return(x$shape)
  if (inherits(x, "recurrent_variable")) return(as.list(cpp_shape(x$handle)))
  if (inherits(x, "recurrent_tensor")) {
    d <- cpp_shape(x)
    if (length(d) == 0 && !inherits(x, "AsIs") && cpp_dtype(x) == "int32")
      return(shape_dims(as.integer(cpp_to_r(x)), call))
    return(as.list(d))
  }
  if (is.list(x)) return(do.call(c, c(list(list()), lapply(x, shape_dims, call = call))))
  if (!is.null(dim(x)) && is.atomic(x)) return(as.list(dim(x)))
  if (is.logical(x) && all(is.na(x))) return(rep(list(NULL), length(x)))
  if (!is.numeric(x)) {
    cli::cli_abort(c("Shape dimensions must be whole numbers or {.code NULL}/{.code NA} for unknown.",
                     x = "Got {.obj_type_friendly {x}}."),
                   class = c("recurrent_error_argument", "recurrent_error"), call = call)
  }
  lapply(as.vector(x), function(d) {
    if (is.na(d) || d == -1) return(NULL)
    if (d < 0 || d != trunc(d) || d > .Machine$integer.max) {
      cli::cli_abort(c("Shape dimensions must be non-negative whole numbers, or {.code NULL}/{.code NA}/{.val {-1}} for unknown.",
                       x = "Got {.val {d}}."),
                     class = c("recurrent_error_argument", "recurrent_error"), call = call)
    }
    as.integer(d)
  })
}

# A shape as the plain list layers receive: integers, NULL for unknown.
as_shape_list <- function(x) unclass(shape(x))

# Python tuple text for shapes, as summary() and symbolic tensors print them:
# (None, 10, 8); a one-element tuple keeps its trailing comma: (None,).
format_shape_tuple <- function(x) {
  dims <- vapply(x, function(d) if (is.null(d)) "None" else as.character(d), "")
  if (length(dims) == 1) return(paste0("(", dims, ",)"))
  paste0("(", paste(dims, collapse = ", "), ")")
}

#' @rdname shape
#' @export
format.keras_shape <- function(x, ..., prefix = TRUE) {
  dims <- vapply(unclass(x), function(d) if (is.null(d)) "NA" else as.character(d), "")
  inner <- paste(dims, collapse = ", ")
  if (isTRUE(prefix)) paste0("shape(", inner, ")") else paste0("(", inner, ")")
}

#' @export
print.keras_shape <- function(x, ...) {
  cat(format(x, ...), "\n", sep = "")
  invisible(x)
}

#' @export
`[.keras_shape` <- function(x, ...) structure(unclass(x)[...], class = "keras_shape")

#' @export
`[<-.keras_shape` <- function(x, ..., value) {
  out <- unclass(x)
  out[...] <- unclass(shape(value))
  structure(out, class = "keras_shape")
}

#' @export
as.integer.keras_shape <- function(x, ...) {
  vapply(unclass(x), function(d) if (is.null(d)) NA_integer_ else as.integer(d), 1L)
}

#' @export
as.numeric.keras_shape <- function(x, ...) as.numeric(as.integer.keras_shape(x))

#' @export
as.double.keras_shape <- function(x, ...) as.double(as.integer.keras_shape(x))

#' @export
as.list.keras_shape <- function(x, ...) unclass(x)

#' @export
as.character.keras_shape <- function(x, ...) format.keras_shape(x, ...)

#' @export
c.keras_shape <- function(...) shape(...)

#' @export
Ops.keras_shape <- function(e1, e2) {
  same <- function() identical(unclass(shape(e1)), unclass(shape(e2)))
  switch(.Generic,
    "==" = same(),
    "!=" = !same(),
    cli::cli_abort("{.code {(.Generic)}} is not defined for shapes; use {.code as.integer()} first.",
                   class = c("recurrent_error_argument", "recurrent_error"))
  )
}

#' @export
Summary.keras_shape <- function(..., na.rm = FALSE) {
  vals <- lapply(list(...), function(x) if (inherits(x, "keras_shape")) as.integer.keras_shape(x) else x)
  do.call(.Generic, c(vals, list(na.rm = na.rm)))
}

#' @rawNamespace S3method(zeallot::destructure, keras_shape)
destructure.keras_shape <- function(x) {
  lapply(unclass(x), function(d) if (is.null(d)) NA_integer_ else d)
}
