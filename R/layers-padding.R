# Layers that change the length of sequences around 1-D convolutions: zero padding,
# cropping and upsampling along the steps axis.

# A (before, after) pair of non-negative whole numbers from one number or two.
padding_pair <- function(x, arg, call = NULL) conv_tuple(x, 2L, arg, call, min = 0)

ZeroPadding1D <- R6::R6Class("ZeroPadding1D",
  inherit = LayerBase,
  lock_objects = FALSE,
  public = list(
    padding = NULL, data_format = NULL,
    initialize = function(padding = 1L, data_format = NULL, ...) {
      super$initialize(...)
      self$padding <- padding_pair(padding, "padding")
      self$data_format <- check_data_format(data_format, "data_format", call = NULL)
      self$built <- TRUE
    },
    call = function(inputs) {
      check_3d_input(self, cpp_shape_any(inputs))
      pads <- list(c(0L, 0L), self$padding, c(0L, 0L))
      if (self$data_format == "channels_first") pads <- pads[c(1L, 3L, 2L)]
      op_pad(inputs, pads)
    },
    compute_output_shape = function(input_shape) {
      s <- as_shape_list(input_shape)
      check_3d_input(self, s)
      ax <- if (self$data_format == "channels_last") 2L else 3L
      if (!is.null(s[[ax]])) s[[ax]] <- as.integer(s[[ax]] + sum(self$padding))
      s
    },
    get_config = function() {
      c(super$get_config()[c("name", "trainable", "dtype")],
        list(padding = as.list(self$padding), data_format = self$data_format))
    }
  ),
  private = list(.s3_class = "keras.src.layers.reshaping.zero_padding1d.ZeroPadding1D")
)

check_3d_input <- function(layer, s) {
  n <- if (is.list(s)) length(s) else length(s)
  if (n != 3L)
    recurrent_abort(c("Inputs to {.val {layer$name}} must be 3-D: (batch, steps, features).",
                      x = "Got {n} dimension{?s}."), call = NULL, class = "recurrent_error_shape")
}

Cropping1D <- R6::R6Class("Cropping1D",
  inherit = LayerBase,
  lock_objects = FALSE,
  public = list(
    cropping = NULL,
    initialize = function(cropping = list(1L, 1L), ...) {
      super$initialize(...)
      self$cropping <- padding_pair(cropping, "cropping")
      self$built <- TRUE
    },
    call = function(inputs) {
      d <- cpp_shape_any(inputs)
      check_3d_input(self, d)
      keep <- d[2] - sum(self$cropping)
      private$check_length(d[2])
      op_slice(inputs, c(1L, self$cropping[1] + 1L, 1L), c(d[1], keep, d[3]))
    },
    compute_output_shape = function(input_shape) {
      s <- as_shape_list(input_shape)
      check_3d_input(self, s)
      if (!is.null(s[[2]])) {
        private$check_length(s[[2]])
        s[[2]] <- as.integer(s[[2]] - sum(self$cropping))
      }
      s
    },
    get_config = function() {
      c(super$get_config()[c("name", "trainable", "dtype")], list(cropping = as.list(self$cropping)))
    }
  ),
  private = list(
    .s3_class = "keras.src.layers.reshaping.cropping1d.Cropping1D",
    check_length = function(n) {
      if (n - sum(self$cropping) <= 0)
        recurrent_abort(c("{.val {self$name}} would crop all {n} steps.",
                          x = "cropping = {.val {self$cropping}} removes {sum(self$cropping)} steps."),
                        call = NULL, class = "recurrent_error_shape")
    }
  )
)

UpSampling1D <- R6::R6Class("UpSampling1D",
  inherit = LayerBase,
  lock_objects = FALSE,
  public = list(
    size = 2L,
    initialize = function(size = 2L, ...) {
      super$initialize(...)
      self$size <- check_count(size, "size", call = NULL, min = 1)
      self$built <- TRUE
    },
    call = function(inputs) {
      d <- cpp_shape_any(inputs)
      check_3d_input(self, d)
      op_take(inputs, rep(seq_len(d[2]), each = self$size), axis = 2L)
    },
    compute_output_shape = function(input_shape) {
      s <- as_shape_list(input_shape)
      check_3d_input(self, s)
      if (!is.null(s[[2]])) s[[2]] <- as.integer(s[[2]] * self$size)
      s
    },
    get_config = function() c(super$get_config()[c("name", "trainable", "dtype")], list(size = self$size))
  ),
  private = list(.s3_class = "keras.src.layers.reshaping.up_sampling1d.UpSampling1D")
)

#' Pad, crop or repeat the steps of a sequence
#'
#' `layer_zero_padding_1d()` adds zero steps before and after each sequence,
#' `layer_cropping_1d()` removes steps from both ends, and
#' `layer_upsampling_1d()` repeats every step `size` times. They have no
#' weights; inputs are `(batch, steps, features)`.
#'
#' @inheritParams layer_dense
#' @param padding A non-negative whole number (the same before and after) or
#'   `c(before, after)`.
#' @param data_format `NULL` or `"channels_last"` (default), or
#'   `"channels_first"` for `(batch, features, steps)`.
#' @param cropping A non-negative whole number or `c(before, after)`: steps to
#'   remove at the start and the end.
#' @param size A positive whole number: how many times to repeat each step.
#' @returns See `object`.
#' @examples
#' x <- array(1:6, c(1, 3, 2))
#' layer_zero_padding_1d(x, padding = c(1, 2))
#' layer_cropping_1d(x, cropping = c(1, 0))
#' layer_upsampling_1d(x, size = 2)
#' @export
layer_zero_padding_1d <- function(object, padding = 1L, data_format = NULL, ...) {
  object <- if (missing(object)) NULL else object
  create_layer(ZeroPadding1D, object, list(padding = padding, data_format = data_format, ...))
}
attr(layer_zero_padding_1d, "r6_class") <- ZeroPadding1D

#' @rdname layer_zero_padding_1d
#' @export
layer_cropping_1d <- function(object, cropping = list(1L, 1L), ...) {
  object <- if (missing(object)) NULL else object
  create_layer(Cropping1D, object, list(cropping = cropping, ...))
}
attr(layer_cropping_1d, "r6_class") <- Cropping1D

#' @rdname layer_zero_padding_1d
#' @export
layer_upsampling_1d <- function(object, size = 2L, ...) {
  object <- if (missing(object)) NULL else object
  create_layer(UpSampling1D, object, list(size = size, ...))
}
attr(layer_upsampling_1d, "r6_class") <- UpSampling1D
