# Tensor creation and inspection ops.

#' Tensors filled with a constant
#'
#' `op_zeros()`, `op_ones()` and `op_full()` make a tensor of the given shape;
#' the `_like()` forms take the shape (and, by default, the dtype) of `x`.
#'
#' @param shape The shape: a numeric vector or a [shape()] with known dimensions.
#' @param fill_value The value to fill with: a number, or a tensor/array that
#'   broadcasts to `shape`.
#' @param x A tensor or R array whose shape to use.
#' @param dtype The dtype. By default [config_floatx()] for `op_zeros()` and
#'   `op_ones()`; for `op_full()` int32 when `fill_value` is an R integer, bool when
#'   logical, floatx otherwise; for the `_like()` forms, the dtype of `x`.
#' @returns A tensor.
#' @examples
#' op_zeros(c(2, 3))
#' op_ones(shape(2), dtype = "int32")
#' op_full(c(2, 2), 7)
#' op_ones_like(op_zeros(c(1, 4)))
#' @export
op_zeros <- function(shape, dtype = NULL) {
  .Call(`_recurrent_cpp_full`, as_shape_arg(shape), 0, if (is.null(dtype)) NULL else normalize_dtype(dtype))
}

#' @rdname op_zeros
#' @export
op_ones <- function(shape, dtype = NULL) {
  .Call(`_recurrent_cpp_full`, as_shape_arg(shape), 1, if (is.null(dtype)) NULL else normalize_dtype(dtype))
}

#' @rdname op_zeros
#' @export
op_full <- function(shape, fill_value, dtype = NULL) {
  shape <- as_shape_arg(shape)
  if (is.null(dtype)) dtype <- value_dtype(fill_value) else dtype <- normalize_dtype(dtype)
  if (is.numeric(fill_value) || is.logical(fill_value)) {
    if (length(fill_value) == 1L && is.null(dim(fill_value)))
      return(.Call(`_recurrent_cpp_full`, shape, as.double(fill_value), dtype))
  }
  .Call(`_recurrent_cpp_broadcast_to`, op_cast(fill_value, dtype), shape)
}

#' @rdname op_zeros
#' @export
op_zeros_like <- function(x, dtype = NULL) op_full(value_dim(x), 0, if (is.null(dtype)) value_dtype(x) else dtype)

#' @rdname op_zeros
#' @export
op_ones_like <- function(x, dtype = NULL) op_full(value_dim(x), 1, if (is.null(dtype)) value_dtype(x) else dtype)

#' @rdname op_zeros
#' @export
op_full_like <- function(x, fill_value, dtype = NULL) {
  op_full(value_dim(x), fill_value, if (is.null(dtype)) value_dtype(x) else dtype)
}

#' A sequence of numbers as a tensor
#'
#' Follows R's [seq()]: `op_arange(n)` is `1, 2, ..., n` and
#' `op_arange(start, end, step)` runs from `start` to `end` inclusive (as keras3
#' does by default). With `include_end = FALSE`, `end` is left out, as in NumPy's
#' `arange()`. When the step points away from `end` the result is empty.
#'
#' @param start The first value (or, when `end` is missing, the last one, starting
#'   from 1).
#' @param end The last value.
#' @param step The increment (non-zero; may be negative).
#' @param dtype The dtype: by default int32 when all of `start`, `end` and `step`
#'   are R integers, [config_floatx()] otherwise.
#' @param include_end Whether `end` itself may be in the sequence.
#' @returns A 1-D tensor.
#' @examples
#' op_arange(3)
#' op_arange(3L, 7L)
#' op_arange(0, 1, 0.25)
#' op_arange(0, 1, 0.25, include_end = FALSE)
#' @export
op_arange <- function(start, end, step = 1L, dtype = NULL, include_end = TRUE) {
  if (missing(end)) {
    end <- start
    start <- if (is.integer(end)) 1L else 1
  }
  ints <- is.integer(start) && is.integer(end) && is.integer(step)
  start <- check_number(start, "start")
  end <- check_number(end, "end")
  step_d <- check_number(step, "step")
  if (step_d == 0) recurrent_abort("{.arg step} must not be 0.")
  if (is.null(dtype)) dtype <- if (ints) "int32" else config_floatx() else dtype <- normalize_dtype(dtype)
  span <- (end - start) / step_d
  eps <- 1e-10 * max(1, abs(span))
  n <- if (include_end) floor(span + eps) + 1 else ceiling(span - eps)
  vals <- start + step_d * seq_len(max(0, n)) - step_d
  .Call(`_recurrent_cpp_tensor`, if (length(vals) == 1L) array(vals) else vals, dtype)
}

#' Shape, rank, size and dtype of a tensor
#'
#' `op_shape()` returns the shape as a [shape()] object; `op_ndim()` the number of
#' axes; `op_size()` the number of entries; `op_dtype()` the dtype name. R arrays
#' and numbers are described as the tensors they would convert to.
#'
#' @param x A tensor, variable or R array.
#' @returns A [shape()], an integer or a string.
#' @examples
#' x <- op_zeros(c(2, 3))
#' op_shape(x)
#' op_ndim(x)
#' op_size(x)
#' op_dtype(x)
#' @export
op_shape <- function(x) do.call(shape, as.list(value_dim(x)))

#' @rdname op_shape
#' @export
op_ndim <- function(x) length(value_dim(x))

#' @rdname op_shape
#' @export
op_size <- function(x) as.integer(prod(value_dim(x)))

#' @rdname op_shape
#' @export
op_dtype <- function(x) value_dtype(x)

#' Tensor values as an R array
#'
#' `op_convert_to_numpy()` and `op_convert_to_array()` (the same function under
#' keras3's two names) return the values of a tensor or variable as an R array,
#' as `as.array()` does: float tensors give doubles, int32 integers and bool
#' logicals; a scalar tensor gives a length-one vector. R values are returned as
#' arrays unchanged in type. A symbolic tensor from [keras_input()] has no values
#' and is an error.
#'
#' @param x A tensor, variable, or R vector or array.
#' @returns An R array (or a single value for a scalar).
#' @examples
#' x <- op_convert_to_tensor(matrix(1:6, 2, 3), dtype = "float32")
#' op_convert_to_numpy(x)
#' op_convert_to_array(op_sum(x))
#' @export
op_convert_to_numpy <- function(x) {
  if (op_is_tensor(x)) return(as.array(x))
  if (inherits(x, "recurrent_symbolic_tensor"))
    recurrent_abort(c("{.arg x} is a symbolic tensor from {.fn keras_input}: it has no values yet.",
                      i = "Call a model on data to get values."))
  if (is.data.frame(x)) x <- as.matrix(x)
  if (!(is.numeric(x) || is.logical(x)) || is.object(x) && !is.array(x)) {
    got <- describe_value(x)
    recurrent_abort(c("{.arg x} must be a tensor or a numeric or logical vector or array.", x = "Got {got}."))
  }
  if (is.null(dim(x)) && length(x) == 1L) return(unname(x))
  as.array(x)
}

#' @rdname op_convert_to_numpy
#' @export
op_convert_to_array <- op_convert_to_numpy
