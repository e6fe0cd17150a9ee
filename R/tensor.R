#' Convert an R array to a tensor
#'
#' Tensors hold their values in C++ memory and are what ops, layers and models
#' compute with. An R array maps index for index: element `x[b, t, f]` of the
#' array is element `[b, t, f]` of the tensor. R doubles become
#' [config_floatx()] (float32 by default), integers become int32 and logicals
#' become bool. A length-one vector without dimensions becomes a scalar.
#'
#' @param x An R numeric, integer or logical vector or array, or a tensor.
#' @param dtype `NULL` (the default, see above) or one of `"float32"`,
#'   `"float64"`, `"int32"`, `"bool"`.
#' @param sparse,ragged Not supported; must be `NULL` or `FALSE`.
#' @returns A tensor (class `recurrent_tensor`).
#' @examples
#' x <- op_convert_to_tensor(array(1:6, c(2, 3)), dtype = "float32")
#' x
#' as.array(x)
#' @export
op_convert_to_tensor <- function(x, dtype = NULL, sparse = NULL, ragged = NULL) {
  if (isTRUE(sparse) || isTRUE(ragged))
    cli::cli_abort("Sparse and ragged tensors are not supported.", class = c("recurrent_error_argument", "recurrent_error"))
  as_tensor(x, dtype)
}

#' @rdname op_convert_to_tensor
#' @export
op_array <- function(x, dtype = NULL) as_tensor(x, dtype)

#' @rdname op_convert_to_tensor
#' @param ... Must be empty.
#' @param shape `NULL` (keep the shape of `x`) or the shape to give the result: a
#'   numeric vector or [shape()], with at most one unknown dimension (`-1` or
#'   `NA`) inferred from the number of elements. As tensorflow's `as_tensor()`,
#'   the values are laid out in row-major (C) order, so `as_tensor(1:6, shape =
#'   c(2, 3))` has rows `1 2 3` and `4 5 6`; a single value with a fully known
#'   `shape` fills a tensor of that shape. Character data has no tensor type here
#'   (models and text layers take R character arrays), so a character `x` comes
#'   back as a character array of the requested shape.
#' @param name Ignored: tensors are not named (tensorflow ignores it outside
#'   graph mode too).
#' @export
as_tensor <- function(x, dtype = NULL, ..., shape = NULL, name = NULL) {
  check_dots_empty(list(...))
  if (inherits(x, "recurrent_symbolic_tensor"))
    cli::cli_abort("A symbolic tensor from {.fn keras_input} has no values to convert.",
                   class = c("recurrent_error_argument", "recurrent_error"))
  if (is.data.frame(x)) x <- as.matrix(x)
  if (!is.null(shape)) return(as_tensor_reshaped(x, dtype, shape))
  if (!is.null(dtype)) dtype <- normalize_dtype(dtype)
  cpp_tensor(x, dtype)
}

# as_tensor(x, shape = ): a single value fills a known shape, anything else is
# reshaped in row-major order (the `shape` semantics of tensorflow::as_tensor()).
as_tensor_reshaped <- function(x, dtype, shape, call = rlang::caller_env()) {
  dims <- shape_arg_with_unknown(shape, call)
  if (op_is_tensor(x)) x <- as.array(x)
  reshape <- function(x) rlang::try_fetch(array_reshape(x, dims), recurrent_error = function(e)
    recurrent_abort(c("Cannot give {.arg x} the requested {.arg shape}.", i = conditionMessage(e)), call = call))
  if (is.character(x)) return(reshape(x))
  if (length(x) == 1L && all(dims >= 0)) return(op_full(dims, x, dtype))
  as_tensor(reshape(x), dtype)
}

# A shape argument as whole numbers, its one unknown dimension (NA, NULL in a
# shape()) as -1.
shape_arg_with_unknown <- function(shape, call) {
  dims <- if (is.list(shape)) vapply(shape, function(d) if (is.null(d)) NA_real_ else as.numeric(d), 1) else shape
  if (!is.numeric(dims) && !(is.logical(dims) && all(is.na(dims))) || !length(dims))
    recurrent_abort(c("{.arg shape} must be a vector of whole numbers or a {.fn shape}.",
                      x = "Got {describe_value(shape)}."), call = call)
  dims <- as.numeric(dims)
  dims[is.na(dims)] <- -1
  dims
}

normalize_dtype <- function(dtype, arg = "dtype", call = rlang::caller_env()) {
  ok <- c("float32", "float64", "int32", "int64", "bool", "float", "double", "integer", "int", "logical")
  check_supported_dtype(dtype, arg, call)
  if (!is.character(dtype) || length(dtype) != 1 || !dtype %in% ok)
    cli::cli_abort(c("{.arg {arg}} must be one of {.val {c('float32', 'float64', 'int32', 'bool')}}.",
                     x = "Got {.val {format(dtype)}}."),
                   class = c("recurrent_error_argument", "recurrent_error"), call = call)
  switch(dtype, float = "float32", double = "float64", integer = , int = , int64 = "int32", logical = "bool", dtype)
}

#' Is this a tensor?
#' @param x Any R object.
#' @returns `TRUE` for tensors and variables.
#' @examples
#' op_is_tensor(op_ones(c(2, 2)))
#' op_is_tensor(1)
#' @export
op_is_tensor <- function(x) inherits(x, c("recurrent_tensor", "recurrent_variable"))

#' @export
as.array.recurrent_tensor <- function(x, ...) cpp_to_r(x)

#' @export
as.numeric.recurrent_tensor <- function(x, ...) as.numeric(cpp_to_r(x))

#' @export
as.double.recurrent_tensor <- function(x, ...) as.double(cpp_to_r(x))

#' @export
as.integer.recurrent_tensor <- function(x, ...) as.integer(cpp_to_r(x))

#' @export
as.logical.recurrent_tensor <- function(x, ...) as.logical(cpp_to_r(x))

#' @export
as.vector.recurrent_tensor <- function(x, mode = "any") as.vector(cpp_to_r(x), mode)

#' @export
as.matrix.recurrent_tensor <- function(x, ...) as.matrix(cpp_to_r(x))

#' @export
dim.recurrent_tensor <- function(x) cpp_shape(x)

#' @export
length.recurrent_tensor <- function(x) as.integer(prod(cpp_shape(x)))

#' @export
all.equal.recurrent_tensor <- function(target, current, ...) {
  if (op_is_tensor(current)) current <- as.array(current)
  all.equal(as.array(target), current, ...)
}

#' @export
`$.recurrent_tensor` <- function(x, name) {
  switch(name,
    shape = as.list(cpp_shape(x)),
    dtype = cpp_dtype(x),
    ndim = length(cpp_shape(x)),
    numpy = function() as.array(x),
    "_keras_mask" = get_keras_mask(x),
    NULL
  )
}

#' @export
format.recurrent_tensor <- function(x, ...) {
  shp <- cpp_shape(x)
  head <- sprintf("shape=(%s), dtype=%s", paste(shp, collapse = ", "), cpp_dtype(x))
  body <- format_tensor_values(x)
  paste0("<tensor ", head, ">\n", body)
}

#' @export
print.recurrent_tensor <- function(x, ...) {
  cat(format(x, ...), "\n", sep = "")
  invisible(x)
}

#' @export
str.recurrent_tensor <- function(object, ...) {
  shp <- cpp_shape(object)
  vals <- cpp_values(object, 0, 5)
  more <- if (length(object) > 5) " ..." else ""
  cat(sprintf("<tensor: shape=(%s), dtype=%s, values=%s%s>\n", paste(shp, collapse = ", "), cpp_dtype(object),
              paste(format(vals, digits = 4), collapse = " "), more))
  invisible()
}

# NumPy-style nested brackets; long dimensions are elided to their first and last
# three entries so that printing a large tensor stays short.
format_tensor_values <- function(x, edge = 3L) {
  shp <- cpp_shape(x)
  a <- cpp_to_r(x)
  if (is.logical(a)) {
    cells <- ifelse(a, " True", "False")
  } else {
    cells <- format(as.vector(a), digits = 7)
  }
  if (length(shp) == 0) return(trimws(cells))
  cells <- array(cells, dim = if (length(shp) == 1) length(cells) else shp)
  render <- function(idx, depth) {
    n <- shp[depth]
    keep <- if (n > 2 * edge) c(seq_len(edge), NA, (n - edge + 1):n) else seq_len(n)
    if (depth == length(shp)) {
      parts <- vapply(keep, function(i) if (is.na(i)) "..." else do.call(`[`, c(list(cells), as.list(c(idx, i)))), "")
      return(paste0("[", paste(parts, collapse = " "), "]"))
    }
    parts <- vapply(keep, function(i) if (is.na(i)) "..." else render(c(idx, i), depth + 1), "")
    sep <- paste0(strrep("\n", length(shp) - depth), strrep(" ", depth))
    paste0("[", paste(parts, collapse = sep), "]")
  }
  render(integer(), 1L)
}
