# Regularization layers that act only in training: additive and multiplicative
# Gaussian noise, alpha dropout (for SELU networks), spatial (whole-channel) dropout,
# and a layer that adds an activity penalty to the loss.

# Evaluates `expr`, which draws from R's RNG, as the layer's n-th draw (n counted in
# private$draws): from R's stream, or from the layer's seed moved on by n. The noise
# layers, Dropout and the attention layers' dropout draw through it.
layer_draw <- function(self, private, expr) {
  seed <- nth_draw_seed(self$seed, private$draws)
  private$draws <- private$draws + 1L
  with_random_seed(seed, expr)
}

# The dims of a dropout layer's keep/drop pattern for an input of dims `dims`:
# `noise_shape` with its unknown (NULL) entries taken from the input, or `dims`
# itself without one. Keras too needs one entry per input axis.
noise_pattern_dims <- function(noise_shape, dims) {
  if (is.null(noise_shape)) return(dims)
  given <- as_shape_list(noise_shape)
  if (length(given) != length(dims))
    cli::cli_abort(c("{.arg noise_shape} must have one entry per axis of the input ({length(dims)}).",
                     x = "Got {length(given)}."),
                   class = c("recurrent_error_argument", "recurrent_error"), call = NULL)
  vapply(seq_along(dims), function(i) if (is.null(given[[i]])) dims[i] else as.integer(given[[i]]), 1L)
}

# Drawn values as a tensor of the dtype of `like`, filled in row-major order into
# `dims` (by default the shape of `like`).
noise_tensor <- function(values, like, dims = cpp_shape(like)) {
  cpp_reshape(cpp_tensor(array(values, length(values)), cpp_dtype(like)), as.integer(dims))
}

GaussianNoise <- R6::R6Class("GaussianNoise",
  inherit = LayerBase,
  lock_objects = FALSE,
  public = list(
    stddev = NULL, seed = NULL,
    initialize = function(stddev, seed = NULL, ...) {
      super$initialize(...)
      self$stddev <- stddev
      self$seed <- seed
      self$built <- TRUE
    },
    call = function(inputs, training = FALSE) {
      if (!isTRUE(training) || self$stddev == 0) return(inputs)
      n <- prod(cpp_shape(inputs))
      noise <- layer_draw(self, private, stats::rnorm(n, 0, self$stddev))
      op_add(inputs, noise_tensor(noise, inputs))
    },
    compute_output_shape = function(input_shape) input_shape,
    get_config = function() c(super$get_config()[c("name", "trainable", "dtype")],
                              list(stddev = self$stddev, seed = self$seed))
  ),
  private = list(draws = 0L, .supports_masking = TRUE,
                 .s3_class = "keras.src.layers.regularization.gaussian_noise.GaussianNoise")
)

GaussianDropout <- R6::R6Class("GaussianDropout",
  inherit = LayerBase,
  lock_objects = FALSE,
  public = list(
    rate = NULL, seed = NULL,
    initialize = function(rate, seed = NULL, ...) {
      super$initialize(...)
      self$rate <- rate
      self$seed <- seed
      self$built <- TRUE
    },
    # multiplies by noise with mean 1 and standard deviation sqrt(rate / (1 - rate))
    call = function(inputs, training = FALSE) {
      if (!isTRUE(training) || self$rate == 0) return(inputs)
      n <- prod(cpp_shape(inputs))
      sd <- sqrt(self$rate / (1 - self$rate))
      noise <- layer_draw(self, private, stats::rnorm(n, 1, sd))
      op_multiply(inputs, noise_tensor(noise, inputs))
    },
    compute_output_shape = function(input_shape) input_shape,
    get_config = function() c(super$get_config()[c("name", "trainable", "dtype")],
                              list(rate = self$rate, seed = self$seed))
  ),
  private = list(draws = 0L, .supports_masking = TRUE,
                 .s3_class = "keras.src.layers.regularization.gaussian_dropout.GaussianDropout")
)

AlphaDropout <- R6::R6Class("AlphaDropout",
  inherit = LayerBase,
  lock_objects = FALSE,
  public = list(
    rate = NULL, noise_shape = NULL, seed = NULL,
    initialize = function(rate, noise_shape = NULL, seed = NULL, ...) {
      super$initialize(...)
      self$rate <- rate
      self$noise_shape <- noise_shape
      self$seed <- seed
      self$built <- TRUE
    },
    # Dropped entries are set to SELU's negative saturation value, then an affine map
    # (a, b) restores the mean and variance (keras/src/layers/regularization/alpha_dropout.py).
    call = function(inputs, training = FALSE) {
      if (!isTRUE(training) || self$rate == 0) return(inputs)
      rate <- self$rate
      alpha_p <- -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946
      dims <- as.integer(cpp_shape(inputs))
      ns <- noise_pattern_dims(self$noise_shape, dims)
      keep <- layer_draw(self, private, stats::runif(prod(ns)) >= rate)
      kept <- op_broadcast_to(noise_tensor(as.numeric(keep), inputs, ns), dims)
      a <- ((1 - rate) * (1 + rate * alpha_p^2))^-0.5
      b <- -a * alpha_p * rate
      x <- op_add(op_multiply(inputs, kept), op_multiply(op_subtract(1, kept), alpha_p))
      op_add(op_multiply(x, a), b)
    },
    compute_output_shape = function(input_shape) input_shape,
    get_config = function() c(super$get_config()[c("name", "trainable", "dtype")],
                              list(rate = self$rate, noise_shape = self$noise_shape, seed = self$seed))
  ),
  private = list(draws = 0L, .supports_masking = TRUE,
                 .s3_class = "keras.src.layers.regularization.alpha_dropout.AlphaDropout")
)

SpatialDropout1D <- R6::R6Class("SpatialDropout1D",
  inherit = LayerBase,
  lock_objects = FALSE,
  public = list(
    rate = NULL, seed = NULL,
    initialize = function(rate, seed = NULL, ...) {
      super$initialize(...)
      self$rate <- rate
      self$seed <- seed
    },
    build = function(input_shape) {
      if (length(as_shape_list(input_shape)) != 3L)
        cli::cli_abort(c("{.fn layer_spatial_dropout_1d} needs 3-D input (batch, time, channels).",
                         x = "Got shape {format(shape(as_shape_list(input_shape)))}."),
                       class = c("recurrent_error_shape", "recurrent_error"), call = NULL)
    },
    # drops whole channels: one keep/drop draw per (sample, channel), for every timestep
    call = function(inputs, training = FALSE) {
      if (!isTRUE(training) || self$rate == 0) return(inputs)
      d <- as.integer(cpp_shape(inputs))
      keep <- layer_draw(self, private, stats::runif(d[1] * d[3]) >= self$rate)
      scale <- noise_tensor(keep / (1 - self$rate), inputs, c(d[1], 1L, d[3]))
      op_multiply(inputs, scale)
    },
    compute_output_shape = function(input_shape) input_shape,
    get_config = function() c(super$get_config()[c("name", "trainable", "dtype")],
                              list(rate = self$rate, seed = self$seed))
  ),
  private = list(draws = 0L, .supports_masking = TRUE,
                 .s3_class = "keras.src.layers.regularization.spatial_dropout.SpatialDropout1D")
)

ActivityRegularization <- R6::R6Class("ActivityRegularization",
  inherit = LayerBase,
  lock_objects = FALSE,
  public = list(
    l1 = 0, l2 = 0,
    initialize = function(l1 = 0, l2 = 0, ...) {
      super$initialize(activity_regularizer = regularizer_l1_l2(l1 = l1, l2 = l2), ...)
      self$l1 <- l1
      self$l2 <- l2
      self$built <- TRUE
    },
    call = function(inputs) inputs,
    compute_output_shape = function(input_shape) input_shape,
    get_config = function() c(super$get_config()[c("name", "trainable", "dtype")], list(l1 = self$l1, l2 = self$l2))
  ),
  private = list(.supports_masking = TRUE,
                 .s3_class = "keras.src.layers.regularization.activity_regularization.ActivityRegularization")
)

#' Noise and dropout layers for training
#'
#' These layers change their input only during training (`fit()`, or a call
#' with `training = TRUE`); otherwise they pass it through unchanged.
#'
#' * `layer_gaussian_noise()`: adds normal noise with mean 0 and standard
#'   deviation `stddev`.
#' * `layer_gaussian_dropout()`: multiplies by normal noise with mean 1 and
#'   standard deviation `sqrt(rate / (1 - rate))`.
#' * `layer_alpha_dropout()`: dropout that keeps the mean and variance of its
#'   input, for self-normalising (SELU) networks: dropped entries are set to
#'   `-1.7581` (SELU's negative saturation), then the result is scaled by
#'   `a = ((1 - rate) * (1 + rate * 1.7581^2))^-0.5` and shifted by
#'   `b = a * 1.7581 * rate`.
#' * `layer_spatial_dropout_1d()`: for `(batch, time, channels)` input, drops
#'   whole channels (the same channels at every timestep) with probability
#'   `rate` and scales the rest by `1 / (1 - rate)`.
#'
#' Random draws come from R's random number generator (so [set.seed()]
#' reproduces them) or, with `seed`, from a stream of their own. Masks pass
#' through.
#'
#' @inheritParams layer_dense
#' @param stddev Non-negative number: the noise's standard deviation.
#' @param rate Number in `[0, 1)`: the drop probability.
#' @param noise_shape `NULL` (default) or the shape of the keep/drop pattern,
#'   broadcast over the input (`NA` entries take the input's size).
#' @param seed `NULL` (default) or a whole number.
#' @param name,dtype `NULL` (default) or the layer's name / dtype.
#' @returns See `object`.
#' @section Call arguments:
#' * `inputs`: a tensor or array.
#' * `training`: logical; noise is only added when `TRUE`.
#' @examples
#' x <- matrix(1, 2, 4)
#' layer_gaussian_noise(x, stddev = 0.1)                 # unchanged
#' noisy <- layer_gaussian_noise(stddev = 0.1, seed = 1)
#' noisy(x, training = TRUE)
#' layer_gaussian_dropout(rate = 0.2, seed = 1)(x, training = TRUE)
#' layer_alpha_dropout(rate = 0.2, seed = 1)(x, training = TRUE)
#' seq <- array(1, c(2, 3, 4))
#' layer_spatial_dropout_1d(rate = 0.5, seed = 2)(seq, training = TRUE)
#' @name layer_noise
NULL

#' @rdname layer_noise
#' @export
layer_gaussian_noise <- function(object, stddev, seed = NULL, ...) {
  object <- if (missing(object)) NULL else object
  if (missing(stddev)) recurrent_abort("{.arg stddev} is missing.")
  stddev <- check_number(stddev, min = 0)
  seed <- check_seed(seed)
  create_layer(GaussianNoise, object, list(stddev = stddev, seed = seed, ...))
}
attr(layer_gaussian_noise, "r6_class") <- GaussianNoise

#' @rdname layer_noise
#' @export
layer_gaussian_dropout <- function(object, rate, seed = NULL, ...) {
  object <- if (missing(object)) NULL else object
  if (missing(rate)) recurrent_abort("{.arg rate} is missing.")
  rate <- check_number(rate, min = 0, max = 1, max_open = TRUE)
  seed <- check_seed(seed)
  create_layer(GaussianDropout, object, list(rate = rate, seed = seed, ...))
}
attr(layer_gaussian_dropout, "r6_class") <- GaussianDropout

#' @rdname layer_noise
#' @export
layer_alpha_dropout <- function(object, rate, noise_shape = NULL, seed = NULL, ...) {
  object <- if (missing(object)) NULL else object
  if (missing(rate)) recurrent_abort("{.arg rate} is missing.")
  rate <- check_number(rate, min = 0, max = 1, max_open = TRUE)
  seed <- check_seed(seed)
  if (!is.null(noise_shape)) noise_shape <- check_partial_shape(noise_shape)
  create_layer(AlphaDropout, object, list(rate = rate, noise_shape = noise_shape, seed = seed, ...))
}
attr(layer_alpha_dropout, "r6_class") <- AlphaDropout

#' @rdname layer_noise
#' @export
layer_spatial_dropout_1d <- function(object, rate, seed = NULL, name = NULL, dtype = NULL) {
  object <- if (missing(object)) NULL else object
  if (missing(rate)) recurrent_abort("{.arg rate} is missing.")
  rate <- check_number(rate, min = 0, max = 1, max_open = TRUE)
  seed <- check_seed(seed)
  create_layer(SpatialDropout1D, object, list(rate = rate, seed = seed, name = name, dtype = dtype))
}
attr(layer_spatial_dropout_1d, "r6_class") <- SpatialDropout1D

#' Add an activity penalty to the loss
#'
#' Passes its input through unchanged and adds
#' `l1 * sum(abs(x)) + l2 * sum(x^2)` (divided by the batch size, as Keras
#' does for activity regularizers) to the model's loss during training.
#' Masks pass through.
#'
#' @inheritParams layer_dense
#' @param l1,l2 Non-negative numbers (default 0): the penalty factors.
#' @returns See `object`.
#' @examples
#' reg <- layer_activity_regularization(l2 = 0.01)
#' y <- reg(matrix(c(1, 2, 3, 4), 2))
#' reg$losses      # 0.01 * (1 + 4 + 9 + 16) / 2
#' @export
layer_activity_regularization <- function(object, l1 = 0, l2 = 0, ...) {
  object <- if (missing(object)) NULL else object
  l1 <- check_number(l1, min = 0)
  l2 <- check_number(l2, min = 0)
  create_layer(ActivityRegularization, object, list(l1 = l1, l2 = l2, ...))
}
attr(layer_activity_regularization, "r6_class") <- ActivityRegularization
