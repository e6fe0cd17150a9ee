# Pooling layers: max and average pooling over windows (1-, 2-, 3-D) and global
# pooling over all spatial positions. Global average pooling over steps (1-D) takes
# the mask into account, as Keras does; the others drop it.

BasePooling <- R6::R6Class("BasePooling",
  inherit = LayerBase,
  lock_objects = FALSE,
  public = list(
    pool_size = NULL, strides = NULL, padding = NULL, data_format = NULL,
    initialize = function(pool_size, strides = NULL, padding = "valid", data_format = NULL, ...) {
      super$initialize(...)
      rank <- private$.rank
      self$pool_size <- conv_tuple(pool_size, rank, "pool_size", call = NULL)
      self$strides <- if (is.null(strides)) self$pool_size else conv_tuple(strides, rank, "strides", call = NULL)
      self$padding <- check_padding(padding, arg = "padding", call = NULL)
      self$data_format <- check_data_format(data_format, "data_format", call = NULL)
      self$built <- TRUE
    },
    call = function(inputs) {
      n <- length(cpp_shape_any(inputs))
      if (n != private$.rank + 2L)
        recurrent_abort(c("Inputs to {.val {self$name}} must be {private$.rank + 2}-D: (batch, spatial..., channels).",
                          x = "Got {n} dimension{?s}."), call = NULL, class = "recurrent_error_shape")
      f <- if (private$.mode == "max") op_max_pool else op_average_pool
      f(inputs, self$pool_size, strides = self$strides, padding = self$padding, data_format = self$data_format)
    },
    compute_output_shape = function(input_shape) {
      s <- as_shape_list(input_shape)
      rank <- private$.rank
      if (length(s) != rank + 2L)
        recurrent_abort(c("Inputs to {.val {self$name}} must be {rank + 2}-D: (batch, spatial..., channels).",
                          x = "Got shape {format_shape_list(s)}."), call = NULL, class = "recurrent_error_shape")
      parts <- split_channels(s, rank, self$data_format)
      out <- lapply(seq_len(rank), function(i)
        conv_dim_out(parts$spatial[[i]], self$pool_size[i], self$strides[i], 1L, self$padding))
      if (any(vapply(out, function(n) !is.null(n) && n <= 0L, TRUE)))
        recurrent_abort(c("The input of {.val {self$name}} is smaller than its pool size.",
                          x = "Input shape {format_shape_list(s)}, pool_size {.val {self$pool_size}}, padding {.val {self$padding}}."),
                        call = NULL, class = "recurrent_error_shape")
      join_channels(s[[1]], out, parts$channels, self$data_format)
    },
    get_config = function() {
      c(super$get_config()[c("name", "trainable", "dtype")],
        list(pool_size = as.list(self$pool_size), padding = self$padding, strides = as.list(self$strides),
             data_format = self$data_format))
    }
  ),
  private = list(.rank = 1L, .mode = "max")
)

pooling_class <- function(name, rank, mode, module) {
  R6::R6Class(name, inherit = BasePooling, lock_objects = FALSE,
              private = list(.rank = rank, .mode = mode,
                             .s3_class = paste0("keras.src.layers.pooling.", module, ".", name)))
}
MaxPooling1D <- pooling_class("MaxPooling1D", 1L, "max", "max_pooling1d")
MaxPooling2D <- pooling_class("MaxPooling2D", 2L, "max", "max_pooling2d")
MaxPooling3D <- pooling_class("MaxPooling3D", 3L, "max", "max_pooling3d")
AveragePooling1D <- pooling_class("AveragePooling1D", 1L, "average", "average_pooling1d")
AveragePooling2D <- pooling_class("AveragePooling2D", 2L, "average", "average_pooling2d")
AveragePooling3D <- pooling_class("AveragePooling3D", 3L, "average", "average_pooling3d")

pooling_layer <- function(generator, object, pool_size, strides, padding, data_format, name, dots) {
  if (is.null(pool_size)) recurrent_abort("{.arg pool_size} is missing.", call = rlang::caller_env())
  create_layer(generator, object, c(list(pool_size = pool_size, strides = strides, padding = padding,
                                         data_format = data_format, name = name), dots))
}

#' Max and average pooling layers
#'
#' Pooling layers slide a window of `pool_size` positions over the spatial dims
#' and keep, for each channel, the largest entry (`layer_max_pooling_*()`) or
#' the mean (`layer_average_pooling_*()`). They shorten sequences between 1-D
#' convolutions and shrink frames inside [layer_time_distributed()]. With
#' `padding = "same"`, averages are over the window's positions inside the
#' input. Pooling layers have no weights.
#'
#' @inheritParams layer_dense
#' @param pool_size A positive whole number or one per spatial dim: the window
#'   size (default 2 for max pooling; required for average pooling).
#' @param strides `NULL` (default: `pool_size`), a positive whole number or one
#'   per spatial dim.
#' @param padding `"valid"` (default) or `"same"`.
#' @param data_format `NULL` or `"channels_last"` (default), or
#'   `"channels_first"`.
#' @param name `NULL` or a string naming the layer.
#' @returns See `object`.
#' @examples
#' x <- array(c(1, 5, 2, 4, 3, 0), c(1, 6, 1))
#' layer_max_pooling_1d(x)                 # 5 4 3
#' layer_average_pooling_1d(x, pool_size = 3)
#' img <- array(runif(1 * 4 * 4 * 2), c(1, 4, 4, 2))
#' dim(layer_max_pooling_2d(img))          # 1 2 2 2
#' @export
layer_max_pooling_1d <- function(object, pool_size = 2L, strides = NULL, padding = "valid", data_format = NULL,
                                 name = NULL, ...) {
  object <- if (missing(object)) NULL else object
  pooling_layer(MaxPooling1D, object, pool_size, strides, padding, data_format, name, list(...))
}
attr(layer_max_pooling_1d, "r6_class") <- MaxPooling1D

#' @rdname layer_max_pooling_1d
#' @export
layer_max_pooling_2d <- function(object, pool_size = list(2L, 2L), strides = NULL, padding = "valid",
                                 data_format = NULL, name = NULL, ...) {
  object <- if (missing(object)) NULL else object
  pooling_layer(MaxPooling2D, object, pool_size, strides, padding, data_format, name, list(...))
}
attr(layer_max_pooling_2d, "r6_class") <- MaxPooling2D

#' @rdname layer_max_pooling_1d
#' @export
layer_max_pooling_3d <- function(object, pool_size = list(2L, 2L, 2L), strides = NULL, padding = "valid",
                                 data_format = NULL, name = NULL, ...) {
  object <- if (missing(object)) NULL else object
  pooling_layer(MaxPooling3D, object, pool_size, strides, padding, data_format, name, list(...))
}
attr(layer_max_pooling_3d, "r6_class") <- MaxPooling3D

#' @rdname layer_max_pooling_1d
#' @export
layer_average_pooling_1d <- function(object, pool_size, strides = NULL, padding = "valid", data_format = NULL,
                                     name = NULL, ...) {
  object <- if (missing(object)) NULL else object
  pooling_layer(AveragePooling1D, object, if (!missing(pool_size)) pool_size, strides, padding, data_format, name,
                list(...))
}
attr(layer_average_pooling_1d, "r6_class") <- AveragePooling1D

#' @rdname layer_max_pooling_1d
#' @export
layer_average_pooling_2d <- function(object, pool_size, strides = NULL, padding = "valid", data_format = NULL,
                                     name = NULL, ...) {
  object <- if (missing(object)) NULL else object
  pooling_layer(AveragePooling2D, object, if (!missing(pool_size)) pool_size, strides, padding, data_format, name,
                list(...))
}
attr(layer_average_pooling_2d, "r6_class") <- AveragePooling2D

#' @rdname layer_max_pooling_1d
#' @export
layer_average_pooling_3d <- function(object, pool_size, strides = NULL, padding = "valid", data_format = NULL,
                                     name = NULL, ...) {
  object <- if (missing(object)) NULL else object
  pooling_layer(AveragePooling3D, object, if (!missing(pool_size)) pool_size, strides, padding, data_format, name,
                list(...))
}
attr(layer_average_pooling_3d, "r6_class") <- AveragePooling3D

# ---- global pooling ------------------------------------------------------------------------

BaseGlobalPooling <- R6::R6Class("BaseGlobalPooling",
  inherit = LayerBase,
  lock_objects = FALSE,
  public = list(
    data_format = NULL, keepdims = FALSE,
    initialize = function(data_format = NULL, keepdims = FALSE, ...) {
      super$initialize(...)
      self$data_format <- check_data_format(data_format, "data_format", call = NULL)
      self$keepdims <- check_flag(keepdims, "keepdims", call = NULL)
      self$built <- TRUE
    },
    call = function(inputs, mask = NULL) {
      private$check_rank(length(cpp_shape_any(inputs)))
      rank <- private$.rank
      axes <- if (self$data_format == "channels_last") seq_len(rank) + 1L else seq_len(rank) + 2L
      if (private$.mode == "max") return(op_max(inputs, axis = axes, keepdims = self$keepdims))
      if (is.list(mask) && !is.object(mask)) mask <- mask[[1]]
      if (is.null(mask) || !private$.masked) return(op_mean(inputs, axis = axes, keepdims = self$keepdims))
      # a masked mean over steps: masked steps count neither in the sum nor the count
      m <- op_expand_dims(as_mask_tensor(mask), if (self$data_format == "channels_last") 3L else 2L)
      x <- op_where(m, inputs, 0)
      w <- op_cast(m, cpp_dtype(x))
      op_divide(op_sum(x, axis = axes, keepdims = self$keepdims), op_sum(w, axis = axes, keepdims = self$keepdims))
    },
    compute_output_shape = function(input_shape) {
      s <- as_shape_list(input_shape)
      private$check_rank(length(s))
      rank <- private$.rank
      ch <- if (self$data_format == "channels_last") s[[length(s)]] else s[[2]]
      if (!self$keepdims) return(list(s[[1]], ch))
      join_channels(s[[1]], rep(list(1L), rank), ch, self$data_format)
    },
    compute_mask = function(inputs, mask = NULL) NULL,
    get_config = function() {
      c(super$get_config()[c("name", "trainable", "dtype")],
        list(data_format = self$data_format, keepdims = self$keepdims))
    }
  ),
  private = list(
    .rank = 1L, .mode = "max", .masked = FALSE,
    check_rank = function(n) {
      rank <- private$.rank
      if (n != rank + 2L)
        recurrent_abort(c("Inputs to {.val {self$name}} must be {rank + 2}-D: (batch, spatial..., channels).",
                          x = "Got {n} dimension{?s}."), call = NULL, class = "recurrent_error_shape")
    }
  )
)

global_pooling_class <- function(name, rank, mode, module, masked = FALSE) {
  R6::R6Class(name, inherit = BaseGlobalPooling, lock_objects = FALSE,
              private = list(.rank = rank, .mode = mode, .masked = masked, .supports_masking = masked,
                             .s3_class = paste0("keras.src.layers.pooling.", module, ".", name)))
}
GlobalMaxPooling1D <- global_pooling_class("GlobalMaxPooling1D", 1L, "max", "global_max_pooling1d")
GlobalMaxPooling2D <- global_pooling_class("GlobalMaxPooling2D", 2L, "max", "global_max_pooling2d")
GlobalMaxPooling3D <- global_pooling_class("GlobalMaxPooling3D", 3L, "max", "global_max_pooling3d")
GlobalAveragePooling1D <- global_pooling_class("GlobalAveragePooling1D", 1L, "average",
                                               "global_average_pooling1d", masked = TRUE)
GlobalAveragePooling2D <- global_pooling_class("GlobalAveragePooling2D", 2L, "average", "global_average_pooling2d")
GlobalAveragePooling3D <- global_pooling_class("GlobalAveragePooling3D", 3L, "average", "global_average_pooling3d")

#' Global pooling layers
#'
#' Global pooling keeps, for each channel, the largest entry
#' (`layer_global_max_pooling_*()`) or the mean (`layer_global_average_pooling_*()`)
#' over all steps (1-D) or all spatial positions (2-D, 3-D): `(batch, steps,
#' channels)` becomes `(batch, channels)`, or `(batch, 1, channels)` with
#' `keepdims = TRUE`. `layer_global_average_pooling_1d()` uses the mask when
#' there is one (from [layer_masking()] or `layer_embedding(mask_zero = TRUE)`):
#' masked steps are left out of the mean.
#'
#' @inheritParams layer_dense
#' @param data_format `NULL` or `"channels_last"` (default), or
#'   `"channels_first"`.
#' @param keepdims `TRUE` keeps the pooled dims, with size 1.
#' @returns See `object`.
#' @section Call arguments:
#' * `inputs`: a tensor or array `(batch, spatial..., channels)`.
#' * `mask`: for `layer_global_average_pooling_1d()`, an optional logical
#'   `(batch, steps)` array, `TRUE` for the steps to average.
#' @examples
#' x <- array(1:12, c(1, 4, 3))
#' layer_global_max_pooling_1d(x)
#' gap <- layer_global_average_pooling_1d()
#' gap(x)
#' gap(x, mask = matrix(c(TRUE, TRUE, FALSE, FALSE), 1))   # mean of the first 2 steps
#' @export
layer_global_average_pooling_1d <- function(object, data_format = NULL, keepdims = FALSE, ...) {
  object <- if (missing(object)) NULL else object
  create_layer(GlobalAveragePooling1D, object, list(data_format = data_format, keepdims = keepdims, ...))
}
attr(layer_global_average_pooling_1d, "r6_class") <- GlobalAveragePooling1D

#' @rdname layer_global_average_pooling_1d
#' @export
layer_global_average_pooling_2d <- function(object, data_format = NULL, keepdims = FALSE, ...) {
  object <- if (missing(object)) NULL else object
  create_layer(GlobalAveragePooling2D, object, list(data_format = data_format, keepdims = keepdims, ...))
}
attr(layer_global_average_pooling_2d, "r6_class") <- GlobalAveragePooling2D

#' @rdname layer_global_average_pooling_1d
#' @export
layer_global_average_pooling_3d <- function(object, data_format = NULL, keepdims = FALSE, ...) {
  object <- if (missing(object)) NULL else object
  create_layer(GlobalAveragePooling3D, object, list(data_format = data_format, keepdims = keepdims, ...))
}
attr(layer_global_average_pooling_3d, "r6_class") <- GlobalAveragePooling3D

#' @rdname layer_global_average_pooling_1d
#' @export
layer_global_max_pooling_1d <- function(object, data_format = NULL, keepdims = FALSE, ...) {
  object <- if (missing(object)) NULL else object
  create_layer(GlobalMaxPooling1D, object, list(data_format = data_format, keepdims = keepdims, ...))
}
attr(layer_global_max_pooling_1d, "r6_class") <- GlobalMaxPooling1D

#' @rdname layer_global_average_pooling_1d
#' @export
layer_global_max_pooling_2d <- function(object, data_format = NULL, keepdims = FALSE, ...) {
  object <- if (missing(object)) NULL else object
  create_layer(GlobalMaxPooling2D, object, list(data_format = data_format, keepdims = keepdims, ...))
}
attr(layer_global_max_pooling_2d, "r6_class") <- GlobalMaxPooling2D

#' @rdname layer_global_average_pooling_1d
#' @export
layer_global_max_pooling_3d <- function(object, data_format = NULL, keepdims = FALSE, ...) {
  object <- if (missing(object)) NULL else object
  create_layer(GlobalMaxPooling3D, object, list(data_format = data_format, keepdims = keepdims, ...))
}
attr(layer_global_max_pooling_3d, "r6_class") <- GlobalMaxPooling3D
