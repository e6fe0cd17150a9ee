# Normalization layers: layer normalization (statistics of each sample over the
# feature axes) and batch normalization (statistics of the batch, with moving
# averages for inference). Both are written with op_*() functions, so gradients
# flow through the statistics as well as through gamma and beta.

# Axes given 1-based (negative counts from the end) -> sorted positive axes for an
# input of rank `rank`; an axis outside the input is a shape error naming the layer.
resolve_norm_axes <- function(axis, rank, layer) {
  pos <- ifelse(axis < 0, rank + 1L + axis, axis)
  if (any(pos < 1L | pos > rank))
    recurrent_abort(c("{.arg axis} {.val {axis}} is outside the input of layer {.val {layer$name}}.",
                      x = "The input has {rank} dimension{?s}."),
                    class = "recurrent_error_shape", call = NULL)
  sort(unique(as.integer(pos)))
}

# A weight of shape `dims` (the sizes along `axes`) reshaped so it broadcasts against
# an input of rank `rank`; a weight on the last axis alone broadcasts as it is.
broadcast_weight <- function(w, axes, dims, rank) {
  if (identical(axes, rank)) return(w)
  bshape <- rep(1L, rank)
  bshape[axes] <- dims
  op_reshape(w, bshape)
}

check_norm_axis <- function(axis, single, arg = rlang::caller_arg(axis), call = rlang::caller_env()) {
  if (is.list(axis) && !is.object(axis)) axis <- unlist(axis)
  ok <- is.numeric(axis) && length(axis) >= 1L && !anyNA(axis) && all(axis == trunc(axis)) && all(axis != 0) &&
    (!single || length(axis) == 1L)
  if (!ok) {
    what <- if (single) "a single non-zero whole number (1-based; negative counts from the end)"
            else "non-zero whole numbers (1-based; negative counts from the end)"
    abort_must_be(axis, what, arg, call)
  }
  as.integer(axis)
}

# The input rank a normalization layer was built for must not change.
check_norm_rank <- function(layer, dims, built_rank) {
  if (length(dims) != built_rank)
    recurrent_abort(c("Layer {.val {layer$name}} was built for {.arg inputs} with {built_rank} dimension{?s}.",
                      x = "Got an input of shape {format(shape(dims))}."),
                    class = "recurrent_error_shape", call = NULL)
}

# gamma and beta, which both layers resolve and create the same way.
set_affine_options <- function(layer, beta_initializer, gamma_initializer, beta_regularizer, gamma_regularizer,
                               beta_constraint, gamma_constraint) {
  layer$beta_initializer <- get_initializer(beta_initializer, "beta_initializer", call = NULL)
  layer$gamma_initializer <- get_initializer(gamma_initializer, "gamma_initializer", call = NULL)
  layer$beta_regularizer <- get_regularizer(beta_regularizer, "beta_regularizer", call = NULL)
  layer$gamma_regularizer <- get_regularizer(gamma_regularizer, "gamma_regularizer", call = NULL)
  layer$beta_constraint <- get_constraint(beta_constraint, "beta_constraint", call = NULL)
  layer$gamma_constraint <- get_constraint(gamma_constraint, "gamma_constraint", call = NULL)
}

# which: "gamma" or "beta"
add_affine_weight <- function(layer, which, dims) {
  layer$add_weight(shape = dims, initializer = layer[[paste0(which, "_initializer")]],
                   regularizer = layer[[paste0(which, "_regularizer")]],
                   constraint = layer[[paste0(which, "_constraint")]], name = which)
}

# ---- layer normalization ---------------------------------------------------------------

LayerNormalization <- R6::R6Class("LayerNormalization",
  inherit = LayerBase,
  lock_objects = FALSE,
  public = list(
    axis = -1L, epsilon = 0.001, center = TRUE, scale = TRUE, rms_scaling = FALSE,
    beta_initializer = NULL, gamma_initializer = NULL, beta_regularizer = NULL, gamma_regularizer = NULL,
    beta_constraint = NULL, gamma_constraint = NULL, gamma = NULL, beta = NULL,
    initialize = function(axis = -1L, epsilon = 0.001, center = TRUE, scale = TRUE, rms_scaling = FALSE,
                          beta_initializer = "zeros", gamma_initializer = "ones", beta_regularizer = NULL,
                          gamma_regularizer = NULL, beta_constraint = NULL, gamma_constraint = NULL, ...) {
      super$initialize(...)
      check_float_dtype(self)
      self$axis <- check_norm_axis(axis, single = FALSE, arg = "axis", call = NULL)
      self$epsilon <- check_number(epsilon, "epsilon", call = NULL, min = 0)
      self$center <- check_flag(center, "center", call = NULL)
      self$scale <- check_flag(scale, "scale", call = NULL)
      self$rms_scaling <- check_flag(rms_scaling, "rms_scaling", call = NULL)
      set_affine_options(self, beta_initializer, gamma_initializer, beta_regularizer, gamma_regularizer,
                         beta_constraint, gamma_constraint)
    },
    build = function(input_shape) {
      s <- as_shape_list(input_shape)
      axes <- resolve_norm_axes(self$axis, length(s), self)
      dims <- s[axes]
      if (any(vapply(dims, is.null, TRUE)))
        recurrent_abort(c("Layer {.val {self$name}} normalizes over axis {.val {axes}}, whose size{?s} must be known.",
                          x = "Got input shape {format(shape(s))}."),
                        class = "recurrent_error_shape", call = NULL)
      dims <- as.integer(unlist(dims))
      private$.axes <- axes
      private$.dims <- dims
      private$.rank <- length(s)
      if (self$scale || self$rms_scaling) self$gamma <- add_affine_weight(self, "gamma", dims)
      if (self$center && !self$rms_scaling) self$beta <- add_affine_weight(self, "beta", dims)
    },
    call = function(inputs) {
      # integer and logical inputs are normalized in the layer's dtype, not in float32
      if (!cpp_dtype(inputs) %in% c("float32", "float64")) inputs <- op_cast(inputs, self$dtype)
      d <- cpp_shape(inputs)
      rank <- private$.rank
      check_norm_rank(self, d, rank)
      axes <- private$.axes
      if (any(d[axes] != private$.dims))
        recurrent_abort(c("Layer {.val {self$name}} was built for sizes ({toString(private$.dims)}) along axis {toString(axes)} of {.arg inputs}.",
                          x = "Got an input of shape {format(shape(d))}."),
                        class = "recurrent_error_shape", call = NULL)
      variance <- op_var(inputs, axis = axes, keepdims = TRUE)
      inv <- op_reciprocal(op_sqrt(op_add(variance, self$epsilon)))
      if (!is.null(self$gamma)) inv <- op_multiply(inv, broadcast_weight(self$gamma, axes, private$.dims, rank))
      if (self$rms_scaling) return(op_multiply(inputs, inv))
      mean <- op_mean(inputs, axis = axes, keepdims = TRUE)
      out <- op_multiply(op_subtract(inputs, mean), inv)
      if (!is.null(self$beta)) out <- op_add(out, broadcast_weight(self$beta, axes, private$.dims, rank))
      out
    },
    compute_output_shape = function(input_shape) {
      s <- as_shape_list(input_shape)
      resolve_norm_axes(self$axis, length(s), self)
      s
    },
    get_config = function() {
      c(super$get_config()[c("name", "trainable", "dtype")],
        list(axis = self$axis, epsilon = self$epsilon, center = self$center, scale = self$scale,
             rms_scaling = self$rms_scaling, beta_initializer = self$beta_initializer,
             gamma_initializer = self$gamma_initializer, beta_regularizer = self$beta_regularizer,
             gamma_regularizer = self$gamma_regularizer, beta_constraint = self$beta_constraint,
             gamma_constraint = self$gamma_constraint))
    }
  ),
  private = list(
    .axes = NULL, .dims = NULL, .rank = NULL,
    .supports_masking = TRUE,
    .s3_class = "keras.src.layers.normalization.layer_normalization.LayerNormalization"
  )
)

#' Layer normalization
#'
#' Normalizes each sample on its own: over the axes in `axis` (by default the
#' last, the features), the layer subtracts the sample's mean and divides by
#' `sqrt(variance + epsilon)`, then multiplies by `gamma` and adds `beta`. The
#' variance is the biased one (divided by the number of values, not that
#' number minus one), as in Keras. Unlike [layer_batch_normalization()], the
#' result does not depend on the other samples of the batch, and training and
#' inference compute the same thing.
#'
#' `gamma` and `beta` have one value per position of the normalized axes:
#' for `(batch, time, features)` input and the default `axis = -1`, shape
#' `(features)`. With several axes their shape follows the axes in increasing
#' order. Masks pass through unchanged (masked timesteps are normalized too;
#' the layers downstream skip them).
#'
#' @inheritParams layer_dense
#' @param axis The axis or axes to normalize over: whole numbers, 1-based
#'   (the batch axis is 1), negative ones counting from the end. Default `-1L`,
#'   the last axis.
#' @param epsilon Non-negative number added to the variance, default `0.001`.
#' @param center Logical, default `TRUE`: add the learned offset `beta`.
#' @param scale Logical, default `TRUE`: multiply by the learned factor `gamma`.
#' @param rms_scaling Logical, default `FALSE`. When `TRUE`, `center` and
#'   `scale` are ignored: the output is `inputs * gamma / sqrt(variance +
#'   epsilon)`, without subtracting the mean (Keras computes it this way too;
#'   the variance is still taken around the mean).
#' @param beta_initializer,gamma_initializer Initializers for `beta` (default
#'   `"zeros"`) and `gamma` (default `"ones"`).
#' @param beta_regularizer,gamma_regularizer `NULL` (default) or
#'   [regularizers] for `beta` and `gamma`.
#' @param beta_constraint,gamma_constraint `NULL` (default) or [constraints]
#'   for `beta` and `gamma`.
#' @returns See `object`.
#' @section Call arguments:
#' * `inputs`: a tensor or array; the sizes along `axis` must be known.
#' @examples
#' x <- rbind(c(1, 2, 3, 4), c(10, 10, 20, 20))
#' y <- layer_layer_normalization(x)
#' round(as.array(y), 3)   # each row now has mean 0 and variance close to 1
#'
#' model <- keras_model_sequential(input_shape = c(NA, 8)) |>
#'   layer_gru(units = 16, return_sequences = TRUE) |>
#'   layer_layer_normalization() |>
#'   layer_dense(units = 1)
#' model
#' @export
layer_layer_normalization <- function(object, axis = -1L, epsilon = 0.001, center = TRUE, scale = TRUE,
                                      rms_scaling = FALSE, beta_initializer = "zeros", gamma_initializer = "ones",
                                      beta_regularizer = NULL, gamma_regularizer = NULL, beta_constraint = NULL,
                                      gamma_constraint = NULL, ...) {
  object <- if (missing(object)) NULL else object
  axis <- check_norm_axis(axis, single = FALSE)
  check_number(epsilon, min = 0)
  check_flag(center)
  check_flag(scale)
  check_flag(rms_scaling)
  create_layer(LayerNormalization, object, list(axis = axis, epsilon = epsilon, center = center, scale = scale,
    rms_scaling = rms_scaling, beta_initializer = beta_initializer, gamma_initializer = gamma_initializer,
    beta_regularizer = beta_regularizer, gamma_regularizer = gamma_regularizer,
    beta_constraint = beta_constraint, gamma_constraint = gamma_constraint, ...))
}
attr(layer_layer_normalization, "r6_class") <- LayerNormalization

# ---- batch normalization ---------------------------------------------------------------

BatchNormalization <- R6::R6Class("BatchNormalization",
  inherit = LayerBase,
  lock_objects = FALSE,
  public = list(
    axis = -1L, momentum = 0.99, epsilon = 0.001, center = TRUE, scale = TRUE, synchronized = FALSE,
    beta_initializer = NULL, gamma_initializer = NULL, moving_mean_initializer = NULL,
    moving_variance_initializer = NULL, beta_regularizer = NULL, gamma_regularizer = NULL,
    beta_constraint = NULL, gamma_constraint = NULL,
    gamma = NULL, beta = NULL, moving_mean = NULL, moving_variance = NULL,
    initialize = function(axis = -1L, momentum = 0.99, epsilon = 0.001, center = TRUE, scale = TRUE,
                          beta_initializer = "zeros", gamma_initializer = "ones",
                          moving_mean_initializer = "zeros", moving_variance_initializer = "ones",
                          beta_regularizer = NULL, gamma_regularizer = NULL, beta_constraint = NULL,
                          gamma_constraint = NULL, synchronized = FALSE, ...) {
      super$initialize(...)
      check_float_dtype(self)
      self$axis <- check_norm_axis(axis, single = TRUE, arg = "axis", call = NULL)
      self$momentum <- check_number(momentum, "momentum", call = NULL, min = 0, max = 1)
      self$epsilon <- check_number(epsilon, "epsilon", call = NULL, min = 0)
      self$center <- check_flag(center, "center", call = NULL)
      self$scale <- check_flag(scale, "scale", call = NULL)
      self$synchronized <- check_flag(synchronized, "synchronized", call = NULL)
      if (self$synchronized)
        recurrent_abort(c("{.code synchronized = TRUE} is not supported.",
                          i = "It synchronizes batch statistics across devices of a TensorFlow distribution strategy; recurrent runs on one device."),
                        call = NULL)
      set_affine_options(self, beta_initializer, gamma_initializer, beta_regularizer, gamma_regularizer,
                         beta_constraint, gamma_constraint)
      self$moving_mean_initializer <- get_initializer(moving_mean_initializer, "moving_mean_initializer", call = NULL)
      self$moving_variance_initializer <- get_initializer(moving_variance_initializer, "moving_variance_initializer",
                                                          call = NULL)
    },
    build = function(input_shape) {
      s <- as_shape_list(input_shape)
      ax <- resolve_norm_axes(self$axis, length(s), self)
      n <- s[[ax]]
      if (is.null(n))
        recurrent_abort(c("Layer {.val {self$name}} normalizes over axis {.val {ax}}, whose size must be known.",
                          x = "Got input shape {format(shape(s))}."),
                        class = "recurrent_error_shape", call = NULL)
      n <- as.integer(n)
      private$.ax <- ax
      private$.n <- n
      private$.rank <- length(s)
      if (self$scale) self$gamma <- add_affine_weight(self, "gamma", n)
      if (self$center) self$beta <- add_affine_weight(self, "beta", n)
      self$moving_mean <- self$add_weight(shape = n, initializer = self$moving_mean_initializer,
                                          trainable = FALSE, name = "moving_mean")
      self$moving_variance <- self$add_weight(shape = n, initializer = self$moving_variance_initializer,
                                              trainable = FALSE, name = "moving_variance")
    },
    call = function(inputs, training = NULL, mask = NULL) {
      if (!cpp_dtype(inputs) %in% c("float32", "float64")) inputs <- op_cast(inputs, self$dtype)
      d <- cpp_shape(inputs)
      rank <- private$.rank
      check_norm_rank(self, d, rank)
      ax <- private$.ax
      n <- private$.n
      if (d[ax] != n)
        recurrent_abort(c("Layer {.val {self$name}} was built for {n} value{?s} along axis {ax} of {.arg inputs}.",
                          x = "Got an input of shape {format(shape(d))}."),
                        class = "recurrent_error_shape", call = NULL)
      if (isTRUE(training) && isTRUE(self$trainable)) {
        st <- private$moments(inputs, mask, ax, rank)
        mean <- st$mean
        variance <- st$variance
        private$update_moving(mean, variance, n)
      } else {
        mean <- broadcast_weight(self$moving_mean, ax, n, rank)
        variance <- broadcast_weight(self$moving_variance, ax, n, rank)
      }
      inv <- op_reciprocal(op_sqrt(op_add(variance, self$epsilon)))
      if (!is.null(self$gamma)) inv <- op_multiply(inv, broadcast_weight(self$gamma, ax, n, rank))
      out <- op_multiply(op_subtract(inputs, mean), inv)
      if (!is.null(self$beta)) out <- op_add(out, broadcast_weight(self$beta, ax, n, rank))
      out
    },
    compute_output_shape = function(input_shape) as_shape_list(input_shape),
    get_config = function() {
      c(super$get_config()[c("name", "trainable", "dtype")],
        list(axis = self$axis, momentum = self$momentum, epsilon = self$epsilon, center = self$center,
             scale = self$scale, beta_initializer = self$beta_initializer,
             gamma_initializer = self$gamma_initializer, moving_mean_initializer = self$moving_mean_initializer,
             moving_variance_initializer = self$moving_variance_initializer,
             beta_regularizer = self$beta_regularizer, gamma_regularizer = self$gamma_regularizer,
             beta_constraint = self$beta_constraint, gamma_constraint = self$gamma_constraint,
             synchronized = self$synchronized))
    }
  ),
  private = list(
    .ax = NULL, .n = NULL, .rank = NULL,
    .supports_masking = TRUE,
    .s3_class = "keras.src.layers.normalization.batch_normalization.BatchNormalization",
    # Mean and (biased) variance over every axis but `ax`, kept as broadcastable
    # tensors. With a mask (one dimension less than the inputs, TRUE = keep), masked
    # positions get weight 0; the divisor is the number of kept values plus
    # config_epsilon(), as in Keras.
    moments = function(inputs, mask, ax, rank) {
      red <- setdiff(seq_len(rank), ax)
      if (is.null(mask))
        return(list(mean = op_mean(inputs, axis = red, keepdims = TRUE),
                    variance = op_var(inputs, axis = red, keepdims = TRUE)))
      if (is.list(mask) && !is.object(mask)) mask <- mask[[1]]
      md <- cpp_shape(mask)
      d <- cpp_shape(inputs)
      if (length(md) != rank - 1L || !all(md == d[seq_len(rank - 1L)]))
        recurrent_abort(c("The mask given to layer {.val {self$name}} must have the input's shape without its last dimension.",
                          x = "Got a mask of shape {format(shape(md))} for an input of shape {format(shape(d))}."),
                        class = "recurrent_error_shape", call = NULL)
      w <- op_multiply(op_expand_dims(op_cast(mask, cpp_dtype(inputs)), -1L), op_ones_like(inputs))
      count <- op_add(op_sum(w, axis = red, keepdims = TRUE), config_epsilon())
      mean <- op_divide(op_sum(op_multiply(w, inputs), axis = red, keepdims = TRUE), count)
      sq <- op_square(op_subtract(inputs, mean))
      variance <- op_divide(op_sum(op_multiply(w, sq), axis = red, keepdims = TRUE), count)
      list(mean = mean, variance = variance)
    },
    # moving = moving * momentum + batch * (1 - momentum), outside the recorded graph
    update_moving = function(mean, variance, n) {
      m <- self$momentum
      without_gradient_recording({
        new_mean <- op_add(op_multiply(self$moving_mean$handle, m),
                           op_multiply(op_reshape(op_stop_gradient(mean), n), 1 - m))
        new_var <- op_add(op_multiply(self$moving_variance$handle, m),
                          op_multiply(op_reshape(op_stop_gradient(variance), n), 1 - m))
        self$moving_mean$assign(op_cast(new_mean, self$moving_mean$dtype))
        self$moving_variance$assign(op_cast(new_var, self$moving_variance$dtype))
      })
      invisible()
    }
  )
)

#' Batch normalization
#'
#' Normalizes each feature (each position along `axis`, by default the last)
#' with statistics shared across the batch, then multiplies by `gamma` and
#' adds `beta`. Its behaviour differs between training and inference:
#'
#' * **Training** ([fit()], [train_on_batch()], or a call with
#'   `training = TRUE`): the layer uses the mean and the biased variance of
#'   the current batch (taken over every axis except `axis`), and updates its
#'   moving statistics: `moving_mean <- moving_mean * momentum + mean * (1 -
#'   momentum)`, and the same for `moving_variance`.
#' * **Inference** ([predict()], [evaluate()], or a plain call): the layer
#'   uses `moving_mean` and `moving_variance`, so the output of a sample does
#'   not depend on the rest of the batch.
#'
#' The output is `gamma * (inputs - mean) / sqrt(variance + epsilon) + beta`.
#' `gamma` and `beta` are trained; `moving_mean` and `moving_variance` are
#' non-trainable weights (so [summary()] counts `4 * features` parameters, of
#' which `2 * features` are non-trainable). A layer with `trainable = FALSE`
#' always runs in inference mode and never updates its moving statistics, as
#' in Keras.
#'
#' When the input carries a mask (for instance after [layer_masking()] or a
#' recurrent layer with `return_sequences = TRUE` fed masked data), masked
#' timesteps are left out of the batch statistics in training, as in Keras;
#' the mask is passed on. The mask must have the input's shape without its last
#' dimension.
#'
#' @inheritParams layer_layer_normalization
#' @param axis A single whole number: the axis of the features to normalize
#'   (1-based, negative counting from the end). Default `-1L`, the last axis.
#' @param momentum Number in `[0, 1]`, default `0.99`: the weight of the old
#'   value in the moving averages.
#' @param moving_mean_initializer,moving_variance_initializer Initializers of
#'   the moving statistics (defaults `"zeros"` and `"ones"`).
#' @param synchronized Must be `FALSE`: synchronizing batch statistics across
#'   devices is a TensorFlow feature that has no meaning here.
#' @returns See `object`.
#' @section Call arguments:
#' * `inputs`: a tensor or array.
#' * `training`: logical; batch statistics (and moving-average updates) only
#'   when `TRUE`.
#' * `mask`: optional logical array or bool tensor with the input's shape
#'   minus its last dimension (`TRUE` = keep); normally it arrives with the
#'   input.
#' @examples
#' x <- matrix(c(1, 2, 3, 4, 10, 20, 30, 40), 4)
#' bn <- layer_batch_normalization(momentum = 0.5)
#' round(as.array(bn(x, training = TRUE)), 3)   # columns have mean 0, variance ~1
#' as.array(bn$moving_mean)                     # half way from 0 to colMeans(x)
#' bn(x)                                        # inference: uses the moving statistics
#'
#' model <- keras_model_sequential(input_shape = c(NA, 28)) |>
#'   layer_lstm(units = 64) |>
#'   layer_batch_normalization() |>
#'   layer_dense(10)
#' model
#' @export
layer_batch_normalization <- function(object, axis = -1L, momentum = 0.99, epsilon = 0.001, center = TRUE,
                                      scale = TRUE, beta_initializer = "zeros", gamma_initializer = "ones",
                                      moving_mean_initializer = "zeros", moving_variance_initializer = "ones",
                                      beta_regularizer = NULL, gamma_regularizer = NULL, beta_constraint = NULL,
                                      gamma_constraint = NULL, synchronized = FALSE, ...) {
  object <- if (missing(object)) NULL else object
  axis <- check_norm_axis(axis, single = TRUE)
  check_number(momentum, min = 0, max = 1)
  check_number(epsilon, min = 0)
  check_flag(center)
  check_flag(scale)
  check_flag(synchronized)
  if (synchronized)
    recurrent_abort(c("{.code synchronized = TRUE} is not supported.",
                      i = "It synchronizes batch statistics across devices of a TensorFlow distribution strategy; recurrent runs on one device."))
  create_layer(BatchNormalization, object, list(axis = axis, momentum = momentum, epsilon = epsilon,
    center = center, scale = scale, beta_initializer = beta_initializer, gamma_initializer = gamma_initializer,
    moving_mean_initializer = moving_mean_initializer, moving_variance_initializer = moving_variance_initializer,
    beta_regularizer = beta_regularizer, gamma_regularizer = gamma_regularizer, beta_constraint = beta_constraint,
    gamma_constraint = gamma_constraint, synchronized = synchronized, ...))
}
attr(layer_batch_normalization, "r6_class") <- BatchNormalization
