# Convolution and pooling ops (src/core/conv*.cpp): channels-last in the core;
# channels_first inputs are transposed to channels-last and back here. The argument
# helpers (tuples, padding, data format) serve the convolution layers too.

# An integer vector of `rank` positive entries from a number or a vector of `rank`
# numbers (Keras's standardize_tuple).
conv_tuple <- function(x, rank, arg = rlang::caller_arg(x), call = rlang::caller_env(), min = 1) {
  if (is.list(x)) x <- unlist(x)
  n <- length(x)
  if (!is.numeric(x) || (n != 1L && n != rank) || anyNA(x) || any(x != trunc(x)) || any(x < min)) {
    what <- if (min >= 1) "positive whole number" else "non-negative whole number"
    abort_must_be(x, paste0("a ", what, " or ", rank, " of them"), arg, call)
  }
  if (n == rank) as.integer(x) else rep.int(as.integer(x), rank)
}

# "valid", "same" (and "causal" where allowed), case-insensitive as in Keras.
check_padding <- function(padding, allowed = c("valid", "same"), arg = rlang::caller_arg(padding),
                          call = rlang::caller_env()) {
  if (is.character(padding) && length(padding) == 1L && !is.na(match(padding, allowed))) return(padding)
  p <- if (is.character(padding) && length(padding) == 1L) tolower(padding) else NA_character_
  if (is.na(p) || is.na(match(p, allowed)))
    abort_must_be(padding, paste0("one of ", paste0('"', allowed, '"', collapse = ", ")), arg, call)
  p
}

padding_code <- function(padding) match(padding, c("valid", "same", "causal")) - 1L

# NULL means channels_last (Keras's default image_data_format).
check_data_format <- function(data_format, arg = rlang::caller_arg(data_format), call = rlang::caller_env()) {
  if (is.null(data_format)) return("channels_last")
  if (!is.character(data_format) || length(data_format) != 1L || is.na(data_format) ||
      !(tolower(data_format) %in% c("channels_last", "channels_first")))
    abort_must_be(data_format, '{.code NULL}, "channels_last" or "channels_first"', arg, call)
  tolower(data_format)
}

# The number of spatial dims of a conv input, checked.
conv_rank <- function(inputs, arg = "inputs", call = rlang::caller_env()) {
  n <- length(cpp_shape_any(inputs))
  if (n < 3L || n > 5L)
    recurrent_abort(c("{.arg {arg}} must be 3-, 4- or 5-D: (batch, spatial..., channels).",
                      x = "Got {n} dimension{?s}."), call = call)
  n - 2L
}

cpp_shape_any <- function(x) {
  if (inherits(x, c("recurrent_tensor", "recurrent_variable"))) return(.Call(`_recurrent_cpp_shape`, x))
  d <- dim(x)
  if (is.null(d)) length(x) else d
}

# Run fn on channels-last x, moving channels for channels_first.
with_channels_last <- function(x, data_format, fn) {
  if (data_format == "channels_last") return(fn(x))
  n <- length(cpp_shape_any(x))
  to_last <- c(1L, seq.int(3L, n), 2L)
  y <- fn(op_transpose(x, to_last))
  op_transpose(y, c(1L, n, seq.int(2L, n - 1L)))
}

#' Convolution
#'
#' `op_conv()` is the N-D convolution (cross-correlation, as in every deep
#' learning library) of `inputs` with `kernel`, for 1-, 2- and 3-D inputs.
#' `op_depthwise_conv()` convolves each input channel with its own filters;
#' `op_separable_conv()` follows that with a 1x1 convolution;
#' `op_conv_transpose()` is the transposed convolution (the gradient of
#' `op_conv()` with respect to its input), which upsamples. They run in C++
#' (a direct convolution in register tiles, no im2col matrix) with hand-written
#' gradients.
#'
#' With `data_format = "channels_last"` (the default) `inputs` is
#' `(batch, spatial..., channels)`. `op_conv()`'s kernel is
#' `(kernel size..., in_channels / groups, out_channels)`: when the kernel has
#' fewer input channels than `inputs`, the channels are split into groups
#' convolved separately. The depthwise kernel is
#' `(kernel size..., in_channels, multiplier)` (output channel
#' `(c - 1) * multiplier + m`); the transposed-convolution kernel is
#' `(kernel size..., out_channels, in_channels)`.
#'
#' @param inputs A tensor or R array, `(batch, spatial..., channels)`
#'   (channels_last) or `(batch, channels, spatial...)` (channels_first).
#' @param kernel The convolution kernel (see Details).
#' @param strides A positive whole number or one per spatial dim.
#' @param padding `"valid"` (no padding), `"same"` (pad so that the output has
#'   `ceiling(input / strides)` positions; the extra padding goes after) or,
#'   for 1-D `op_conv()`, `"causal"` (all padding before, so output `t` sees
#'   inputs up to `t`).
#' @param data_format `NULL` or `"channels_last"` (default), or
#'   `"channels_first"`.
#' @param dilation_rate A positive whole number or one per spatial dim: the
#'   spacing between kernel taps.
#' @param output_padding For `op_conv_transpose()`: `NULL` or a whole number
#'   (or one per spatial dim) below the stride, added to the output length.
#' @param depthwise_kernel,pointwise_kernel For `op_separable_conv()`: the
#'   depthwise kernel `(k..., in_channels, multiplier)` and the 1x1 kernel
#'   `(1..., in_channels * multiplier, out_channels)`.
#' @returns A tensor `(batch, output spatial..., out_channels)`.
#' @examples
#' x <- array(1:10, c(1, 5, 2))                 # 1 sample, 5 steps, 2 channels
#' k <- array(1, c(3, 2, 1))                    # width 3, 2 -> 1 channel
#' op_conv(x, k)                                # sums of 3 steps x 2 channels
#' op_conv(x, k, padding = "causal")
#' op_depthwise_conv(x, array(1, c(2, 2, 1)))
#' op_conv_transpose(array(1, c(1, 3, 1)), array(1, c(2, 1, 1)), strides = 2)
#' @export
op_conv <- function(inputs, kernel, strides = 1L, padding = "valid", data_format = NULL, dilation_rate = 1L) {
  run_conv(0L, inputs, kernel, strides, padding, data_format, dilation_rate, c("valid", "same", "causal"))
}

#' @rdname op_conv
#' @export
op_depthwise_conv <- function(inputs, kernel, strides = 1L, padding = "valid", data_format = NULL,
                              dilation_rate = 1L) {
  run_conv(1L, inputs, kernel, strides, padding, data_format, dilation_rate, c("valid", "same"))
}

# op_conv() (kind 0) and op_depthwise_conv() (1). The core takes the arguments as given
# when they are already in its form (channels last, lower-case padding, whole-number
# strides and dilation) and returns NULL otherwise: then they are checked, with errors
# naming the argument, and converted here.
run_conv <- function(kind, inputs, kernel, strides, padding, data_format, dilation_rate, paddings,
                     call = rlang::caller_env()) {
  if (is.null(data_format)) {
    y <- .Call(`_recurrent_cpp_conv`, kind, inputs, kernel, strides, padding, dilation_rate)
    if (!is.null(y)) return(y)
  }
  rank <- conv_rank(inputs, call = call)
  strides <- conv_tuple(strides, rank, "strides", call)
  dilation_rate <- conv_tuple(dilation_rate, rank, "dilation_rate", call)
  padding <- check_padding(padding, paddings, "padding", call)
  with_channels_last(inputs, check_data_format(data_format, "data_format", call), function(x)
    .Call(`_recurrent_cpp_conv`, kind, x, kernel, strides, padding, dilation_rate))
}

#' @rdname op_conv
#' @export
op_separable_conv <- function(inputs, depthwise_kernel, pointwise_kernel, strides = 1L, padding = "valid",
                              data_format = NULL, dilation_rate = 1L) {
  data_format <- check_data_format(data_format)
  with_channels_last(inputs, data_format, function(x) {
    d <- op_depthwise_conv(x, depthwise_kernel, strides = strides, padding = padding, dilation_rate = dilation_rate)
    op_conv(d, pointwise_kernel)
  })
}

#' @rdname op_conv
#' @export
op_conv_transpose <- function(inputs, kernel, strides = 1L, padding = "valid", output_padding = NULL,
                              data_format = NULL, dilation_rate = 1L) {
  rank <- conv_rank(inputs)
  strides <- conv_tuple(strides, rank)
  dilation_rate <- conv_tuple(dilation_rate, rank)
  if (!is.null(output_padding)) output_padding <- conv_tuple(output_padding, rank, min = 0)
  padding <- check_padding(padding)
  data_format <- check_data_format(data_format)
  with_channels_last(inputs, data_format, function(x)
    .Call(`_recurrent_cpp_conv_transpose`, x, kernel, strides, padding_code(padding), output_padding, dilation_rate))
}

#' Max and average pooling
#'
#' `op_max_pool()` and `op_average_pool()` slide a window of `pool_size` over
#' the spatial dims of `inputs` and keep the largest or the mean entry of each
#' channel. With `padding = "same"`, averages are over the window's positions
#' inside the input (padding is not counted), as in Keras.
#'
#' @inheritParams op_conv
#' @param pool_size A positive whole number or one per spatial dim.
#' @param strides `NULL` (default: `pool_size`), a positive whole number or one
#'   per spatial dim.
#' @param padding `"valid"` or `"same"`.
#' @returns A tensor `(batch, output spatial..., channels)`.
#' @examples
#' x <- array(c(1, 5, 2, 4, 3, 0), c(1, 6, 1))
#' op_max_pool(x, 2)
#' op_average_pool(x, 3, strides = 1, padding = "same")
#' @export
op_max_pool <- function(inputs, pool_size, strides = NULL, padding = "valid", data_format = NULL) {
  run_pool(0L, inputs, pool_size, strides, padding, data_format)
}

#' @rdname op_max_pool
#' @export
op_average_pool <- function(inputs, pool_size, strides = NULL, padding = "valid", data_format = NULL) {
  run_pool(1L, inputs, pool_size, strides, padding, data_format)
}

run_pool <- function(mode, inputs, pool_size, strides, padding, data_format, call = rlang::caller_env()) {
  rank <- conv_rank(inputs, call = call)
  pool_size <- conv_tuple(pool_size, rank, "pool_size", call)
  strides <- if (is.null(strides)) pool_size else conv_tuple(strides, rank, "strides", call)
  padding <- check_padding(padding, call = call)
  data_format <- check_data_format(data_format, call = call)
  with_channels_last(inputs, data_format, function(x)
    .Call(`_recurrent_cpp_pool`, mode, x, pool_size, strides, padding_code(padding)))
}
