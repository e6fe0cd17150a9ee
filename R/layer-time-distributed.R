# TimeDistributed: one layer (one set of weights) applied to every timestep. The
# input (batch, time, ...) is folded to (batch * time, ...), the layer's call() runs
# once on that, and the result is unfolded to (batch, time, ...). The inner layer is
# built with the per-timestep shape (batch, ...), as Keras builds it.

TimeDistributed <- R6::R6Class("TimeDistributed",
  inherit = LayerBase,
  lock_objects = FALSE,
  public = list(
    layer = NULL,
    initialize = function(layer, ...) {
      super$initialize(...)
      # a config from get_config() holds the inner layer's config: make that layer
      if (is.list(layer) && !is.object(layer) && !is.null(attr(layer, "__class__")))
        layer <- from_config(layer)
      self$layer <- unwrap_layer(layer, arg = "layer", call = NULL)
      adopt_dtype(self, self$layer)
      share_dtype(self, self$layer)
      private$.supports_masking <- TRUE
    },
    build = function(input_shape) {
      build_cell(self$layer, time_distributed_child_shape(input_shape, self))
    },
    call = function(inputs, training = NULL, mask = NULL) {
      if (!inherits(inputs, "recurrent_tensor"))
        recurrent_abort(c("Layer {.val {self$name}} takes a single tensor of shape (batch, time, ...).",
                          x = "Got {.obj_type_friendly {inputs}}."), call = NULL)
      d <- cpp_shape(inputs)
      if (length(d) < 3L)
        recurrent_abort(c("Layer {.val {self$name}} needs input with at least 3 dimensions (batch, time, ...).",
                          x = "Got an input of shape {format(shape(d))}."),
                        class = "recurrent_error_shape", call = NULL)
      inner <- self$layer
      bt <- d[1] * d[2]
      x <- convert_call_input(op_reshape(inputs, c(bt, d[-(1:2)])), inner$dtype, inner$autocast)
      check_layer_input(inner, x)
      info <- call_info(inner)
      args <- list(x)
      if (info$has_training) args$training <- training
      if (info$has_mask && !is.null(mask)) {
        if (is.list(mask) && !is.object(mask)) mask <- mask[[1]]
        md <- cpp_shape(mask)
        if (length(md) < 2L || md[1] != d[1] || md[2] != d[2])
          recurrent_abort(c("The mask given to layer {.val {self$name}} must have shape ({d[1]}, {d[2]}, ...), like the input's first two dimensions.",
                            x = "Got a mask of shape {format(shape(md))}."),
                          class = "recurrent_error_shape", call = NULL)
        args$mask <- op_reshape(mask, c(bt, md[-(1:2)]))
      }
      y <- do.call(inner$call, args)
      if (!inherits(y, "recurrent_tensor"))
        recurrent_abort(c("The layer wrapped by {.fn layer_time_distributed} must return a single tensor.",
                          x = "Layer {.val {inner$name}} returned {.obj_type_friendly {y}}."),
                        class = "recurrent_error_call", call = NULL)
      yd <- cpp_shape(y)
      if (!length(yd) || yd[1] != bt)
        recurrent_abort(c("The layer wrapped by {.fn layer_time_distributed} must keep the batch dimension.",
                          x = "Layer {.val {inner$name}} turned {bt} row{?s} into shape {format(shape(yd))}."),
                        class = "recurrent_error_call", call = NULL)
      op_reshape(y, c(d[1], d[2], yd[-1]))
    },
    compute_output_shape = function(input_shape) {
      s <- as_shape_list(input_shape)
      out <- self$layer$compute_output_shape(time_distributed_child_shape(s, self))
      if (!is_shape_like(out))
        recurrent_abort("The layer wrapped by {.fn layer_time_distributed} must have a single output.",
                        class = "recurrent_error_call", call = NULL)
      out <- as_shape_list(out)
      c(out[1], s[2], out[-1])
    },
    get_config = function() {
      c(super$get_config()[c("name", "trainable", "dtype")],
        list(layer = get_config(wrap_layer(self$layer))))
    }
  ),
  private = list(.s3_class = "keras.src.layers.rnn.time_distributed.TimeDistributed")
)

# (batch, time, ...) -> (batch, ...): the shape one timestep has for the inner layer.
time_distributed_child_shape <- function(input_shape, layer) {
  s <- as_shape_list(input_shape)
  if (length(s) < 3L)
    recurrent_abort(c("Layer {.val {layer$name}} needs input with at least 3 dimensions (batch, time, ...).",
                      x = "Got input shape {format(shape(s))}."),
                    class = "recurrent_error_shape", call = NULL)
  c(s[1], s[-(1:2)])
}

#' Apply a layer to every timestep
#'
#' Wraps `layer` so that it runs on each slice along the time axis (R
#' dimension 2) of a `(batch, time, ...)` input, with the same weights at
#' every timestep: the output has shape `(batch, time, ...)` where `...` is
#' what `layer` makes of one timestep. The work is done in one call of
#' `layer` on the input reshaped to `(batch * time, ...)`, which is then
#' reshaped back.
#'
#' `layer` is built for one timestep, with input shape `(batch, ...)`. Its
#' weights belong to the wrapper (they appear in `weights` and in
#' [summary()] under the wrapper). A mask on the input (TRUE = keep, shape
#' `(batch, time)`) is passed to `layer` when its `call()` takes one, folded
#' the same way, and passes on unchanged to the next layers. The `training`
#' flag reaches `layer` too, so dropout or batch normalization inside behave
#' as in the rest of the model; a batch normalization layer inside computes
#' its statistics over all timesteps of the batch at once.
#'
#' @inheritParams layer_dense
#' @param layer A layer (for example `layer_dense(units = 8)`) that maps one
#'   tensor `(batch, ...)` to one tensor `(batch, ...)`. The same instance is
#'   used, not a copy.
#' @param ... Base layer arguments: `name`, `dtype`, `trainable`, and the
#'   legacy `input_shape` (here the shape of a whole sample, time included).
#' @returns See `object`.
#' @section Call arguments:
#' * `inputs`: a tensor or array with at least 3 dimensions.
#' * `training`: logical, passed to `layer`.
#' * `mask`: optional `(batch, time)` mask, passed to `layer` when it takes one.
#' @examples
#' x <- array(runif(2 * 5 * 3), c(2, 5, 3))
#' td <- layer_time_distributed(layer = layer_dense(units = 4))
#' dim(td(x))   # 2 5 4
#'
#' model <- keras_model_sequential(input_shape = c(NA, 3)) |>
#'   layer_lstm(units = 8, return_sequences = TRUE) |>
#'   time_distributed(layer_dense(units = 1))
#' model
#' @export
layer_time_distributed <- function(object, layer, ...) {
  object <- if (missing(object)) NULL else object
  if (missing(layer))
    recurrent_abort("{.arg layer} is missing: give the layer to apply at every timestep.")
  unwrap_layer(layer)
  create_layer(TimeDistributed, object, list(layer = layer, ...))
}
attr(layer_time_distributed, "r6_class") <- TimeDistributed

#' @rdname layer_time_distributed
#' @export
time_distributed <- layer_time_distributed
