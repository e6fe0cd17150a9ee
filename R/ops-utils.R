# Argument helpers of the op_* family: keras3's 1-based axes and indices turned into
# the 0-based ones the C++ core takes, and shapes checked before they reach C++.
# They stay cheap: custom cells call ops once per timestep. Scalar arguments are checked
# by the check_*() functions of R/checks.R.

is_whole <- function(x) is.numeric(x) && !anyNA(x) && all(x == trunc(x))

# keras3 axes -> 0-based: positive axes count from 1, negative ones from the end
# (passed on as they are: -1 is the last axis), 0 is an error. NULL stays NULL.
as_axis0 <- function(axis, arg = "axis", call = rlang::caller_env()) {
  if (is.null(axis)) return(NULL)
  if (is.list(axis)) axis <- unlist(axis)
  if (!is_whole(axis) || length(axis) == 0) {
    got <- describe_value(axis)
    recurrent_abort(c("{.arg {arg}} must be a whole number or a vector of them.", x = "Got {got}."), call = call)
  }
  if (any(axis == 0))
    recurrent_abort(c("{.arg {arg}} is 1-based, so 0 is not an axis.",
                      i = "Use 1 for the first axis and -1 for the last."), call = call)
  axis <- as.integer(axis)
  axis - (axis > 0L)
}

# A single axis (0-based result), as as_axis0() but exactly one value.
as_axis0_1 <- function(axis, arg = "axis", call = rlang::caller_env()) {
  check_count(axis, arg, call, min = -Inf)
  if (axis == 0)
    recurrent_abort(c("{.arg {arg}} is 1-based, so 0 is not an axis.",
                      i = "Use 1 for the first axis and -1 for the last."), call = call)
  if (axis > 0) as.integer(axis) - 1L else as.integer(axis)
}

# A shape argument as a numeric vector: R vectors, shape() objects and lists; a tensor
# or R array gives its values. With `unknown = TRUE`, NULL/NA/-1 entries become -1
# (op_reshape); otherwise every dimension must be known.
as_shape_arg <- function(shape, arg = "shape", unknown = FALSE, call = rlang::caller_env()) {
  if (op_is_tensor(shape)) shape <- as.array(shape)
  if (is.list(shape)) {
    shape <- vapply(shape, function(d) if (is.null(d)) NA_real_ else as.double(d[[1]]), 0)
  }
  if (is.null(shape)) shape <- numeric()
  if (!is.numeric(shape) && !(is.logical(shape) && all(is.na(shape)))) {
    got <- describe_value(shape)
    recurrent_abort(c("{.arg {arg}} must be a vector of whole numbers or a {.fn shape}.", x = "Got {got}."),
                    call = call)
  }
  shape <- as.double(shape)
  if (unknown) shape[is.na(shape)] <- -1
  bad <- is.na(shape) | shape != trunc(shape) | shape < (if (unknown) -1 else 0)
  if (any(bad)) {
    got <- paste(format(shape), collapse = ", ")
    need <- if (unknown) "whole numbers (-1, NA or NULL for one unknown dimension)" else
      "known, non-negative whole numbers"
    recurrent_abort(c("{.arg {arg}} must hold {need}.", x = "Got ({got})."), call = call)
  }
  shape
}

# The shape of a tensor or R value, as the C++ side would see it.
value_dim <- function(x) {
  if (op_is_tensor(x)) return(dim(x))
  d <- dim(x)
  if (!is.null(d)) return(d)
  if (length(x) == 1L) integer() else length(x)
}

# dtype of an R value once converted (numbers -> floatx, integers -> int32, ...).
value_dtype <- function(x) {
  if (op_is_tensor(x)) return(.Call(`_recurrent_cpp_dtype`, x))
  if (is.integer(x)) return("int32")
  if (is.logical(x)) return("bool")
  config_floatx()
}

# The tensor itself for tensors and variables, a converted tensor for R values.
as_tensor_arg <- function(x) {
  if (inherits(x, "recurrent_tensor")) return(x)
  if (inherits(x, "recurrent_variable")) return(x$handle)
  as_tensor(x)
}

# Tensors in a list (op_stack, op_concatenate): a bare tensor is a user mistake.
as_tensor_list <- function(xs, arg, call = rlang::caller_env()) {
  if (!is.list(xs) || inherits(xs, "recurrent_variable") || length(xs) == 0) {
    got <- if (op_is_tensor(xs)) "a single tensor" else describe_value(xs)
    recurrent_abort(c("{.arg {arg}} must be a non-empty list of tensors.", x = "Got {got}."), call = call)
  }
  xs
}

# Axes (keras3 convention) as 0-based positions 0 .. nd - 1, each checked against the
# rank `nd` and required to be distinct. `single = TRUE` takes exactly one axis.
axis_positions <- function(axis, nd, arg = "axis", single = FALSE, call = rlang::caller_env()) {
  ax <- if (single) as_axis0_1(axis, arg, call) else as_axis0(axis, arg, call)
  pos <- ax + ifelse(ax < 0L, as.integer(nd), 0L)
  if (any(pos < 0L | pos >= nd)) {
    got <- describe_value(axis)
    recurrent_abort(c("{.arg {arg}} is out of range for a tensor with {nd} dimension{?s}.", x = "Got {got}."),
                    call = call)
  }
  if (anyDuplicated(pos)) {
    got <- describe_value(axis)
    recurrent_abort(c("{.arg {arg}} must name distinct axes.", x = "Got {got}."), call = call)
  }
  as.integer(pos)
}
