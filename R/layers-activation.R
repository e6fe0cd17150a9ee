# Activation layers with their own arguments or weights: ReLU (with slope, cap and
# threshold), LeakyReLU, ELU, Softmax (with a mask) and PReLU (a learned slope).

ReLU <- R6::R6Class("ReLU",
  inherit = LayerBase,
  lock_objects = FALSE,
  public = list(
    max_value = NULL, negative_slope = 0, threshold = 0,
    initialize = function(max_value = NULL, negative_slope = 0, threshold = 0, ...) {
      super$initialize(...)
      self$max_value <- max_value
      self$negative_slope <- negative_slope
      self$threshold <- threshold
      self$built <- TRUE
    },
    # Keras's relu (keras/src/activations/activations.py): values above `threshold`
    # pass (capped at `max_value`), values below get `negative_slope * (x - threshold)`
    call = function(inputs) {
      x <- inputs
      slope <- self$negative_slope
      thr <- self$threshold
      if (slope != 0 && is.null(self$max_value) && thr == 0) return(op_leaky_relu(x, slope))
      neg <- if (slope != 0) op_relu(op_add(op_negative(x), thr))
      y <- if (thr != 0) op_multiply(x, op_cast(op_greater(x, thr), cpp_dtype(x))) else op_relu(x)
      if (!is.null(self$max_value)) y <- op_clip(y, 0, self$max_value)
      if (slope != 0) y <- op_subtract(y, op_multiply(neg, slope))
      y
    },
    compute_output_shape = function(input_shape) input_shape,
    get_config = function() c(super$get_config()[c("name", "trainable", "dtype")],
                              list(max_value = self$max_value, negative_slope = self$negative_slope,
                                   threshold = self$threshold))
  ),
  private = list(.supports_masking = TRUE, .s3_class = "keras.src.layers.activations.relu.ReLU")
)

LeakyReLU <- R6::R6Class("LeakyReLU",
  inherit = LayerBase,
  lock_objects = FALSE,
  public = list(
    negative_slope = 0.3,
    initialize = function(negative_slope = 0.3, ...) {
      super$initialize(...)
      self$negative_slope <- negative_slope
      self$built <- TRUE
    },
    call = function(inputs) op_leaky_relu(inputs, self$negative_slope),
    compute_output_shape = function(input_shape) input_shape,
    get_config = function() c(super$get_config()[c("name", "trainable", "dtype")],
                              list(negative_slope = self$negative_slope))
  ),
  private = list(.supports_masking = TRUE, .s3_class = "keras.src.layers.activations.leaky_relu.LeakyReLU")
)

ELU <- R6::R6Class("ELU",
  inherit = LayerBase,
  lock_objects = FALSE,
  public = list(
    alpha = 1,
    initialize = function(alpha = 1, ...) {
      super$initialize(...)
      self$alpha <- alpha
      self$built <- TRUE
    },
    call = function(inputs) op_elu(inputs, self$alpha),
    compute_output_shape = function(input_shape) input_shape,
    # Keras's ELU config has only the base keys; `alpha` is added so that
    # from_config() gives the same layer back (Keras accepts it too)
    get_config = function() c(super$get_config()[c("name", "trainable", "dtype")], list(alpha = self$alpha))
  ),
  private = list(.supports_masking = TRUE, .s3_class = "keras.src.layers.activations.elu.ELU")
)

Softmax <- R6::R6Class("Softmax",
  inherit = LayerBase,
  lock_objects = FALSE,
  public = list(
    axis = -1L,
    # `axis` is Keras's (0 = batch, negative from the end), one axis or several
    initialize = function(axis = -1L, ...) {
      super$initialize(...)
      self$axis <- axis
      self$built <- TRUE
    },
    call = function(inputs, mask = NULL) {
      axes <- as.integer(ifelse(self$axis < 0L, self$axis, self$axis + 1L))
      if (!is.null(mask)) mask <- softmax_mask_for(mask, inputs)
      masked_softmax(inputs, mask, axes)
    },
    compute_output_shape = function(input_shape) input_shape,
    get_config = function() c(super$get_config()[c("name", "trainable", "dtype")], list(axis = self$axis))
  ),
  private = list(.supports_masking = TRUE, .s3_class = "keras.src.layers.activations.softmax.Softmax")
)

# A mask carried by a (batch, time, features) input is (batch, time): give it a
# trailing axis so that it masks whole timesteps; masks of the input's own rank are
# used as they are.
softmax_mask_for <- function(mask, inputs) {
  m <- as_bool_arg(mask, "mask")
  while (length(cpp_shape(m)) < length(cpp_shape(inputs))) m <- op_expand_dims(m, -1L)
  m
}

PReLU <- R6::R6Class("PReLU",
  inherit = LayerBase,
  lock_objects = FALSE,
  public = list(
    alpha_initializer = NULL, alpha_regularizer = NULL, alpha_constraint = NULL, shared_axes = NULL, alpha = NULL,
    # `shared_axes` are Keras's: 1 is the first axis after the batch axis
    initialize = function(alpha_initializer = "Zeros", alpha_regularizer = NULL, alpha_constraint = NULL,
                          shared_axes = NULL, ...) {
      super$initialize(...)
      set_weight_options(self, "alpha", alpha_initializer, alpha_regularizer, alpha_constraint)
      self$shared_axes <- shared_axes
    },
    build = function(input_shape) {
      s <- as_shape_list(input_shape)[-1]
      if (!is.null(self$shared_axes)) {
        if (any(self$shared_axes < 1L | self$shared_axes > length(s)))
          cli::cli_abort(c("{.arg shared_axes} must name axes of the input other than the batch axis.",
                           x = "Got {self$shared_axes + 1L} for an input with {length(s) + 1L} axes."),
                         class = c("recurrent_error_argument", "recurrent_error"), call = NULL)
        s[self$shared_axes] <- list(1L)
      }
      if (any(vapply(s, is.null, TRUE)))
        cli::cli_abort(c("Layer {.val {self$name}} needs known sizes for the axes it does not share.",
                         x = "Input shape {format(shape(as_shape_list(input_shape)))}.",
                         i = "Share the unknown axes with {.arg shared_axes}."),
                       class = c("recurrent_error_shape", "recurrent_error"), call = NULL)
      self$alpha <- self$add_weight(shape = unlist(s), name = "alpha", initializer = self$alpha_initializer,
                                    regularizer = self$alpha_regularizer, constraint = self$alpha_constraint)
    },
    call = function(inputs) {
      op_subtract(op_relu(inputs), op_multiply(self$alpha, op_relu(op_negative(inputs))))
    },
    compute_output_shape = function(input_shape) input_shape,
    get_config = function() c(super$get_config()[c("name", "trainable", "dtype")],
                              list(alpha_initializer = self$alpha_initializer,
                                   alpha_regularizer = self$alpha_regularizer,
                                   alpha_constraint = self$alpha_constraint, shared_axes = self$shared_axes))
  ),
  private = list(.supports_masking = TRUE, .s3_class = "keras.src.layers.activations.prelu.PReLU")
)

# keras3's axis convention (1-based, batch = 1; negative from the end) to Keras's
# (0 = batch).
to_keras_axis <- function(axis) as.integer(ifelse(axis > 0, axis - 1L, axis))

#' Activation layers with arguments
#'
#' * `layer_activation_relu()`: `x` above `threshold` (capped at
#'   `max_value`), `negative_slope * (x - threshold)` below it.
#' * `layer_activation_leaky_relu()`: `x` for `x >= 0`, `negative_slope * x`
#'   otherwise.
#' * `layer_activation_elu()`: `x` for `x > 0`, `alpha * (exp(x) - 1)`
#'   otherwise.
#' * `layer_activation_softmax()`: a softmax along `axis`; with a mask
#'   (`TRUE` = keep), masked entries get zero weight (Keras adds `-1e9` to them
#'   before the softmax and zeroes them after it).
#' * `layer_activation_parametric_relu()`: `x` for `x >= 0`, `alpha * x`
#'   otherwise, with `alpha` a learned weight of the input's shape (without
#'   the batch axis), shared (size 1) along `shared_axes`.
#'
#' All pass masks on.
#'
#' @inheritParams layer_dense
#' @param max_value `NULL` (default, no cap) or a non-negative number.
#' @param negative_slope Non-negative number: the slope below the threshold
#'   (default 0 for `layer_activation_relu()`, 0.3 for
#'   `layer_activation_leaky_relu()`).
#' @param threshold Non-negative number, default 0.
#' @param alpha Number, default 1: the scale of the negative part.
#' @param axis Integer (or several), default `-1L`: the axis to normalise
#'   along, counted from 1 (the batch axis) or negative from the end.
#' @param alpha_initializer Initializer for `alpha`, default `"Zeros"`.
#' @param alpha_regularizer,alpha_constraint `NULL` (default) or a
#'   regularizer / constraint for `alpha`.
#' @param shared_axes `NULL` (default) or the axes (counted from 1 = batch,
#'   as elsewhere in R) along which `alpha` is shared, e.g. `2` to share one
#'   slope across the timesteps of a `(batch, time, features)` input.
#' @returns See `object`.
#' @section Call arguments:
#' * `inputs`: a tensor or array.
#' * `mask` (softmax only): `NULL` or a logical array broadcastable to the
#'   inputs, or of shape `(batch, time)` for `(batch, time, features)` inputs.
#' @examples
#' x <- matrix(c(-2, -0.5, 0.5, 3), 1)
#' layer_activation_relu(x)
#' layer_activation_relu(x, max_value = 1, negative_slope = 0.1, threshold = 0.5)
#' layer_activation_leaky_relu(x)
#' layer_activation_elu(x, alpha = 2)
#' layer_activation_softmax(x)
#' sm <- layer_activation_softmax()
#' sm(x, mask = matrix(c(TRUE, TRUE, FALSE, TRUE), 1))
#' prelu <- layer_activation_parametric_relu(alpha_initializer = initializer_constant(0.25))
#' prelu(x)
#' @name layer_activations
NULL

#' @rdname layer_activations
#' @export
layer_activation_relu <- function(object, max_value = NULL, negative_slope = 0, threshold = 0, ...) {
  object <- if (missing(object)) NULL else object
  max_value <- check_number(max_value, min = 0, null_ok = TRUE)
  negative_slope <- check_number(negative_slope, min = 0)
  threshold <- check_number(threshold, min = 0)
  create_layer(ReLU, object, list(max_value = max_value, negative_slope = negative_slope, threshold = threshold, ...))
}
attr(layer_activation_relu, "r6_class") <- ReLU

#' @rdname layer_activations
#' @export
layer_activation_leaky_relu <- function(object, negative_slope = 0.3, ...) {
  object <- if (missing(object)) NULL else object
  negative_slope <- check_number(negative_slope, min = 0)
  create_layer(LeakyReLU, object, list(negative_slope = negative_slope, ...))
}
attr(layer_activation_leaky_relu, "r6_class") <- LeakyReLU

#' @rdname layer_activations
#' @export
layer_activation_elu <- function(object, alpha = 1, ...) {
  object <- if (missing(object)) NULL else object
  alpha <- check_number(alpha)
  create_layer(ELU, object, list(alpha = alpha, ...))
}
attr(layer_activation_elu, "r6_class") <- ELU

#' @rdname layer_activations
#' @export
layer_activation_softmax <- function(object, axis = -1L, ...) {
  object <- if (missing(object)) NULL else object
  if (!is_whole(axis) || !length(axis) || any(axis == 0))
    recurrent_abort(c("{.arg axis} must be whole numbers other than 0 (axes count from 1; negative from the end).",
                      x = "Got {describe_value(axis)}."))
  create_layer(Softmax, object, list(axis = to_keras_axis(axis), ...))
}
attr(layer_activation_softmax, "r6_class") <- Softmax

#' @rdname layer_activations
#' @export
layer_activation_parametric_relu <- function(object, alpha_initializer = "Zeros", alpha_regularizer = NULL,
                                             alpha_constraint = NULL, shared_axes = NULL, ...) {
  object <- if (missing(object)) NULL else object
  if (!is.null(shared_axes)) {
    if (!is_whole(shared_axes) || !length(shared_axes) || any(shared_axes < 2))
      recurrent_abort(c("{.arg shared_axes} must be axes after the batch axis (whole numbers >= 2).",
                        x = "Got {describe_value(shared_axes)}."))
    shared_axes <- to_keras_axis(shared_axes)
  }
  create_layer(PReLU, object, list(alpha_initializer = alpha_initializer, alpha_regularizer = alpha_regularizer,
                                   alpha_constraint = alpha_constraint, shared_axes = shared_axes, ...))
}
attr(layer_activation_parametric_relu, "r6_class") <- PReLU
