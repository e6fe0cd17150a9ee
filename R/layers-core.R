# Core layers used around recurrent layers: dense, activation, dropout, masking,
# embedding, flatten, reshape, repeat_vector, concatenate, lambda.


check_not_lora <- function(lora_rank, call = rlang::caller_env()) {
  if (!is.null(lora_rank))
    cli::cli_abort("LoRA ({.arg lora_rank}) is not supported.", class = c("recurrent_error_argument", "recurrent_error"),
                   call = call)
}

# ---- dense -------------------------------------------------------------------------------

Dense <- R6::R6Class("Dense",
  inherit = LayerBase,
  lock_objects = FALSE,
  public = list(
    units = NULL, activation = NULL, use_bias = TRUE,
    kernel_initializer = NULL, bias_initializer = NULL, kernel_regularizer = NULL, bias_regularizer = NULL,
    kernel_constraint = NULL, bias_constraint = NULL, kernel = NULL, bias = NULL,
    initialize = function(units, activation = NULL, use_bias = TRUE, kernel_initializer = "glorot_uniform",
                          bias_initializer = "zeros", kernel_regularizer = NULL, bias_regularizer = NULL,
                          activity_regularizer = NULL, kernel_constraint = NULL, bias_constraint = NULL,
                          lora_rank = NULL, lora_alpha = NULL, ...) {
      super$initialize(activity_regularizer = activity_regularizer, ...)
      check_float_dtype(self)
      self$units <- check_count(units, "units", call = NULL, min = 1)
      self$activation <- activation
      private$activation_fn <- resolve_activation(activation, "activation", call = NULL)
      self$use_bias <- isTRUE(use_bias)
      set_weight_options(self, "kernel", kernel_initializer, kernel_regularizer, kernel_constraint)
      set_weight_options(self, "bias", bias_initializer, bias_regularizer, bias_constraint)
    },
    build = function(input_shape) {
      input_dim <- input_shape[[length(input_shape)]]
      if (is.null(input_dim))
        cli::cli_abort("The last dimension of the inputs to dense layer {.val {self$name}} must be known.",
                       class = c("recurrent_error_shape", "recurrent_error"), call = NULL)
      check_alloc_size(c(input_dim, self$units), "the kernel", arg = "units", call = NULL)
      self$kernel <- self$add_weight(shape = c(input_dim, self$units), initializer = self$kernel_initializer,
                                     regularizer = self$kernel_regularizer, constraint = self$kernel_constraint,
                                     name = "kernel")
      if (self$use_bias)
        self$bias <- self$add_weight(shape = self$units, initializer = self$bias_initializer,
                                     regularizer = self$bias_regularizer, constraint = self$bias_constraint,
                                     name = "bias")
    },
    call = function(inputs) {
      x <- op_matmul(inputs, self$kernel)
      if (self$use_bias) x <- op_add(x, self$bias)
      private$activation_fn(x)
    },
    compute_output_shape = function(input_shape) {
      s <- as_shape_list(input_shape)
      s[[length(s)]] <- self$units
      s
    },
    get_config = function() {
      c(super$get_config()[c("name", "trainable", "dtype")],
        list(units = self$units, activation = activation_name(self$activation), use_bias = self$use_bias,
             kernel_initializer = self$kernel_initializer, bias_initializer = self$bias_initializer,
             kernel_regularizer = self$kernel_regularizer, bias_regularizer = self$bias_regularizer,
             kernel_constraint = self$kernel_constraint, bias_constraint = self$bias_constraint))
    }
  ),
  private = list(
    activation_fn = NULL,
    .supports_masking = TRUE,
    .s3_class = "keras.src.layers.core.dense.Dense"
  )
)

#' Densely connected layer
#'
#' Computes `activation(inputs %*% kernel + bias)`. For inputs with more than
#' two dimensions (such as `(batch, time, features)`), the kernel applies to
#' the last dimension, so each timestep is transformed the same way. The
#' kernel has shape `(input_dim, units)` and the bias `(units)`. Masks pass
#' through.
#'
#' @param object What to compose the layer with: missing or `NULL` returns the
#'   layer; a sequential model gets the layer added (in place, returned
#'   invisibly); a symbolic tensor or an array/tensor gives the layer's output.
#' @param units Positive whole number: the output size.
#' @param activation `NULL` (default, linear), an activation name such as
#'   `"relu"`, or a function (see [activations]).
#' @param use_bias Logical, default `TRUE`: whether to add a bias.
#' @param kernel_initializer,bias_initializer Initializers (objects or names)
#'   for the kernel (default `"glorot_uniform"`) and bias (default `"zeros"`).
#' @param kernel_regularizer,bias_regularizer,activity_regularizer `NULL`
#'   (default) or [regularizers] for the kernel, the bias and the output.
#' @param kernel_constraint,bias_constraint `NULL` (default) or
#'   [constraints].
#' @param lora_rank,lora_alpha Not supported; must be `NULL`.
#' @param ... Base layer arguments: `name`, `dtype`, `trainable`, and the
#'   legacy `input_shape` / `input_dim` (meaningful on the first layer of a
#'   sequential model).
#' @returns See `object`.
#' @section Call arguments:
#' * `inputs`: a tensor or array of shape `(batch, ..., input_dim)`.
#' @examples
#' x <- matrix(1:6, 2)
#' layer <- layer_dense(units = 2, kernel_initializer = "ones")
#' layer(x)
#' model <- keras_model_sequential(input_shape = 3) |> layer_dense(4, activation = "relu")
#' @export
layer_dense <- function(object, units, activation = NULL, use_bias = TRUE, kernel_initializer = "glorot_uniform",
                        bias_initializer = "zeros", kernel_regularizer = NULL, bias_regularizer = NULL,
                        activity_regularizer = NULL, kernel_constraint = NULL, bias_constraint = NULL,
                        lora_rank = NULL, lora_alpha = NULL, ...) {
  object <- if (missing(object)) NULL else object
  if (missing(units))
    cli::cli_abort(c("{.arg units} is missing.", i = "Write {.code layer_dense(units = 4)} or {.code x |> layer_dense(4)}."),
                   class = c("recurrent_error_argument", "recurrent_error"))
  units <- check_count(units, min = 1)
  check_not_lora(lora_rank)
  create_layer(Dense, object, list(units = units, activation = activation, use_bias = use_bias,
    kernel_initializer = kernel_initializer, bias_initializer = bias_initializer,
    kernel_regularizer = kernel_regularizer, bias_regularizer = bias_regularizer,
    activity_regularizer = activity_regularizer, kernel_constraint = kernel_constraint,
    bias_constraint = bias_constraint, ...))
}
attr(layer_dense, "r6_class") <- Dense

# ---- activation ----------------------------------------------------------------------------

Activation <- R6::R6Class("Activation",
  inherit = LayerBase,
  lock_objects = FALSE,
  public = list(
    activation = NULL,
    initialize = function(activation, ...) {
      super$initialize(...)
      self$activation <- activation
      private$fn <- resolve_activation(activation, "activation", call = NULL)
    },
    call = function(inputs) private$fn(inputs),
    compute_output_shape = function(input_shape) input_shape,
    get_config = function() c(super$get_config()[c("name", "trainable", "dtype")],
                              list(activation = activation_name(self$activation)))
  ),
  private = list(fn = NULL, .supports_masking = TRUE,
                 .s3_class = "keras.src.layers.activations.activation.Activation")
)

#' Apply an activation function
#'
#' @inheritParams layer_dense
#' @param activation An activation name (such as `"relu"` or `"softmax"`) or
#'   a function of a tensor (see [activations]).
#' @returns See `object`.
#' @examples
#' layer_activation(matrix(c(-1, 2), 1), "relu")
#' @export
layer_activation <- function(object, activation, ...) {
  object <- if (missing(object)) NULL else object
  resolve_activation(activation)
  create_layer(Activation, object, list(activation = activation, ...))
}
attr(layer_activation, "r6_class") <- Activation

# ---- dropout -------------------------------------------------------------------------------

Dropout <- R6::R6Class("Dropout",
  inherit = LayerBase,
  lock_objects = FALSE,
  public = list(
    rate = NULL, noise_shape = NULL, seed = NULL,
    initialize = function(rate, noise_shape = NULL, seed = NULL, ...) {
      super$initialize(...)
      self$rate <- rate
      self$noise_shape <- if (!is.null(noise_shape)) as_shape_list(noise_shape)
      self$seed <- check_seed(seed, call = NULL)
      self$built <- TRUE
    },
    call = function(inputs, training = FALSE) {
      if (!isTRUE(training) || self$rate == 0) return(inputs)
      ns <- noise_pattern_dims(self$noise_shape, as.integer(cpp_shape(inputs)))
      keep <- layer_draw(self, private, stats::runif(prod(ns)) >= self$rate)
      scale <- array(keep / (1 - self$rate), ns)
      op_multiply(inputs, as_tensor(scale, cpp_dtype(inputs)))
    },
    compute_output_shape = function(input_shape) input_shape,
    get_config = function() c(super$get_config()[c("name", "trainable", "dtype")],
                              list(rate = self$rate, noise_shape = self$noise_shape, seed = self$seed))
  ),
  private = list(draws = 0L, .supports_masking = TRUE,
                 .s3_class = "keras.src.layers.regularization.dropout.Dropout")
)

#' Dropout
#'
#' During training, sets each input value to zero with probability `rate`
#' and scales the others by `1 / (1 - rate)`, so the expected sum is unchanged.
#' Outside training (`predict()`, or a call without `training = TRUE`) the
#' input passes through unchanged. Random draws come from R's random number
#' generator ([set.seed()] reproduces them) or, with `seed`, from a stream of
#' their own.
#'
#' @inheritParams layer_dense
#' @param rate Number in `[0, 1)`: the fraction of values to drop.
#' @param noise_shape `NULL` (default) or the shape of the random keep/drop
#'   pattern, broadcast over the input; `NA` entries take the input's size.
#'   For example `c(NA, 1, NA)` drops the same features at every timestep.
#' @param seed `NULL` (default), a whole number, or a [random_seed_generator()].
#' @returns See `object`.
#' @section Call arguments:
#' * `inputs`: a tensor or array.
#' * `training`: logical; dropout only happens when `TRUE`.
#' @examples
#' layer <- layer_dropout(rate = 0.5, seed = 1)
#' x <- matrix(1, 2, 6)
#' layer(x)                    # unchanged
#' layer(x, training = TRUE)   # zeros and 2s
#' @export
layer_dropout <- function(object, rate, noise_shape = NULL, seed = NULL, ...) {
  object <- if (missing(object)) NULL else object
  if (missing(rate))
    recurrent_abort(c("{.arg rate} is missing.", i = "Write {.code layer_dropout(rate = 0.5)}."))
  check_number(rate, min = 0, max = 1, max_open = TRUE)
  seed <- check_seed(seed)
  create_layer(Dropout, object, list(rate = rate, noise_shape = noise_shape, seed = seed, ...))
}
attr(layer_dropout, "r6_class") <- Dropout

# ---- masking -------------------------------------------------------------------------------

Masking <- R6::R6Class("Masking",
  inherit = LayerBase,
  lock_objects = FALSE,
  public = list(
    mask_value = 0,
    initialize = function(mask_value = 0, ...) {
      super$initialize(...)
      self$mask_value <- check_number(mask_value, "mask_value", call = NULL)
      self$built <- TRUE
    },
    compute_mask = function(inputs, mask = NULL) {
      op_any(op_not_equal(inputs, self$mask_value), axis = -1L)
    },
    call = function(inputs) {
      keep <- op_any(op_not_equal(inputs, self$mask_value), axis = -1L, keepdims = TRUE)
      out <- op_multiply(inputs, op_cast(keep, cpp_dtype(inputs)))
      set_keras_mask(out, op_squeeze(keep, axis = -1L))
    },
    compute_output_shape = function(input_shape) input_shape,
    get_config = function() c(super$get_config()[c("name", "trainable", "dtype")], list(mask_value = self$mask_value))
  ),
  private = list(.supports_masking = TRUE, .s3_class = "keras.src.layers.core.masking.Masking")
)

#' Mask timesteps whose features all equal a value
#'
#' For input of shape `(batch, time, features)`, a timestep is masked when
#' every one of its features equals `mask_value`. Masked timesteps are set to
#' zero in the output, and the mask (`TRUE` = keep) travels with the output
#' to the next layers: recurrent layers skip masked steps.
#'
#' @inheritParams layer_dense
#' @param mask_value Number, default `0`: the padding value.
#' @returns See `object`.
#' @examples
#' x <- array(c(1, 0, 3, 4, 0, 6), c(1, 3, 2))   # timestep 2 is all zero
#' y <- layer_masking(x, mask_value = 0)
#' attr(y, "keras_mask")
#' @export
layer_masking <- function(object, mask_value = 0, ...) {
  object <- if (missing(object)) NULL else object
  check_number(mask_value)
  create_layer(Masking, object, list(mask_value = mask_value, ...))
}
attr(layer_masking, "r6_class") <- Masking

# ---- embedding -----------------------------------------------------------------------------

Embedding <- R6::R6Class("Embedding",
  inherit = LayerBase,
  lock_objects = FALSE,
  public = list(
    input_dim = NULL, output_dim = NULL, mask_zero = FALSE, embeddings = NULL,
    embeddings_initializer = NULL, embeddings_regularizer = NULL, embeddings_constraint = NULL,
    initialize = function(input_dim, output_dim, embeddings_initializer = "uniform", embeddings_regularizer = NULL,
                          embeddings_constraint = NULL, mask_zero = FALSE, weights = NULL, lora_rank = NULL,
                          lora_alpha = NULL, input_length = NULL, ...) {
      super$initialize(...)
      # Keras 3 drops the argument with this warning (keras/src/layers/core/embedding.py)
      if (!is.null(input_length))
        cli::cli_warn("Argument {.arg input_length} is deprecated. Just remove it.",
                      class = "recurrent_warning_deprecated", call = NULL)
      self$input_dim <- check_count(input_dim, "input_dim", call = NULL, min = 1)
      self$output_dim <- check_count(output_dim, "output_dim", call = NULL, min = 1)
      check_alloc_size(c(self$input_dim, self$output_dim), "the embeddings",
                       arg = if (self$input_dim >= self$output_dim) "input_dim" else "output_dim", call = NULL)
      set_weight_options(self, "embeddings", embeddings_initializer, embeddings_regularizer, embeddings_constraint)
      self$mask_zero <- isTRUE(mask_zero)
      private$.supports_masking <- self$mask_zero
      self$autocast <- FALSE
      if (!is.null(weights)) {
        self$build(NULL)
        self$built <- TRUE
        self$set_weights(if (is.list(weights)) weights else list(weights))
      }
    },
    build = function(input_shape = NULL) {
      if (!is.null(self$embeddings)) return(invisible())
      self$embeddings <- self$add_weight(shape = c(self$input_dim, self$output_dim),
                                         initializer = self$embeddings_initializer,
                                         regularizer = self$embeddings_regularizer,
                                         constraint = self$embeddings_constraint, name = "embeddings")
    },
    call = function(inputs) {
      if (!cpp_dtype(inputs) %in% c("int32", "int64")) inputs <- op_cast(check_embedding_ids(inputs, self, float = TRUE), "int32")
      check_embedding_ids(inputs, self)
      op_take(self$embeddings, inputs, axis = 1L, zero_indexed = TRUE)
    },
    compute_mask = function(inputs, mask = NULL) {
      if (!self$mask_zero) return(NULL)
      op_not_equal(inputs, 0)
    },
    compute_output_shape = function(input_shape) c(as_shape_list(input_shape), list(self$output_dim)),
    get_config = function() c(super$get_config()[c("name", "trainable", "dtype")],
                              list(input_dim = self$input_dim, output_dim = self$output_dim,
                                   embeddings_initializer = self$embeddings_initializer,
                                   embeddings_regularizer = self$embeddings_regularizer,
                                   embeddings_constraint = self$embeddings_constraint, mask_zero = self$mask_zero))
  ),
  private = list(.s3_class = "keras.src.layers.core.embedding.Embedding")
)

#' Embed integer ids as dense vectors
#'
#' Maps each integer id in `0, ..., input_dim - 1` (0-based, as in Keras) to a
#' learned vector of length `output_dim`, so input of shape `(batch, time)`
#' gives output `(batch, time, output_dim)`. The weight `embeddings` has shape
#' `(input_dim, output_dim)`; id `i` selects row `i + 1` in R terms.
#'
#' With `mask_zero = TRUE`, id 0 is reserved for padding: the output carries a
#' mask that is `FALSE` where the id is 0, and recurrent layers downstream skip
#' those timesteps. (Then `input_dim` must count the padding id too.)
#'
#' @inheritParams layer_dense
#' @param input_dim Positive whole number: the number of distinct ids.
#' @param output_dim Positive whole number: the length of each vector.
#' @param embeddings_initializer Initializer, default `"uniform"` (uniform on
#'   `[-0.05, 0.05]`).
#' @param embeddings_regularizer,embeddings_constraint `NULL` (default), a
#'   regularizer or a constraint for the embeddings.
#' @param mask_zero Logical, default `FALSE`: treat id 0 as padding.
#' @param weights `NULL` (default) or a list holding an initial
#'   `(input_dim, output_dim)` matrix.
#' @param lora_rank,lora_alpha Not supported; must be `NULL`.
#' @details Keras 2's `input_length` argument is accepted in `...` and ignored
#'   with a deprecation warning, as Keras 3 does.
#' @returns See `object`.
#' @examples
#' ids <- matrix(c(1L, 2L, 0L, 3L, 0L, 0L), 2, byrow = TRUE)
#' emb <- layer_embedding(input_dim = 4, output_dim = 2, mask_zero = TRUE)
#' y <- emb(ids)
#' dim(y)
#' attr(y, "keras_mask")
#' @export
layer_embedding <- function(object, input_dim, output_dim, embeddings_initializer = "uniform",
                            embeddings_regularizer = NULL, embeddings_constraint = NULL, mask_zero = FALSE,
                            weights = NULL, lora_rank = NULL, lora_alpha = NULL, ...) {
  object <- if (missing(object)) NULL else object
  if (missing(input_dim) || missing(output_dim))
    cli::cli_abort("{.fn layer_embedding} needs {.arg input_dim} and {.arg output_dim}.",
                   class = c("recurrent_error_argument", "recurrent_error"))
  input_dim <- check_count(input_dim, min = 1)
  output_dim <- check_count(output_dim, min = 1)
  check_not_lora(lora_rank)
  create_layer(Embedding, object, list(input_dim = input_dim, output_dim = output_dim,
    embeddings_initializer = embeddings_initializer, embeddings_regularizer = embeddings_regularizer,
    embeddings_constraint = embeddings_constraint, mask_zero = mask_zero, weights = weights, ...))
}
attr(layer_embedding, "r6_class") <- Embedding

# ---- reshaping -----------------------------------------------------------------------------

Flatten <- R6::R6Class("Flatten",
  inherit = LayerBase,
  lock_objects = FALSE,
  public = list(
    data_format = NULL,
    initialize = function(data_format = NULL, ...) {
      super$initialize(...)
      self$data_format <- data_format
      self$built <- TRUE
    },
    call = function(inputs) {
      d <- cpp_shape(inputs)
      op_reshape(inputs, c(d[1], prod(d[-1])))
    },
    compute_output_shape = function(input_shape) {
      s <- as_shape_list(input_shape)
      rest <- s[-1]
      n <- if (any(vapply(rest, is.null, TRUE))) list(NULL) else list(as.integer(prod(unlist(rest))))
      c(s[1], n)
    }
  ),
  private = list(.s3_class = "keras.src.layers.reshaping.flatten.Flatten")
)

#' Flatten each sample
#'
#' Reshapes `(batch, d1, d2, ...)` to `(batch, d1 * d2 * ...)` in row-major
#' (C) order, as Keras does: for a `(batch, time, features)` input, the
#' features of timestep 1 come first, then those of timestep 2, and so on.
#'
#' @inheritParams layer_dense
#' @param data_format Ignored (channels-last only).
#' @returns See `object`.
#' @examples
#' x <- array(1:12, c(1, 2, 3, 2))
#' layer_flatten(x)
#' @export
layer_flatten <- function(object, data_format = NULL, ...) {
  object <- if (missing(object)) NULL else object
  create_layer(Flatten, object, list(data_format = data_format, ...))
}
attr(layer_flatten, "r6_class") <- Flatten

Reshape <- R6::R6Class("Reshape",
  inherit = LayerBase,
  lock_objects = FALSE,
  public = list(
    target_shape = NULL,
    initialize = function(target_shape, ...) {
      super$initialize(...)
      self$target_shape <- target_shape
      self$built <- TRUE
    },
    call = function(inputs) {
      d <- cpp_shape(inputs)
      op_reshape(inputs, c(d[1], reshape_target(self$target_shape, prod(d[-1]))))
    },
    compute_output_shape = function(input_shape) {
      s <- as_shape_list(input_shape)
      rest <- s[-1]
      if (any(vapply(rest, is.null, TRUE))) {
        tgt <- lapply(self$target_shape, function(d) if (d == -1) NULL else d)
      } else {
        tgt <- as.list(reshape_target(self$target_shape, prod(unlist(rest))))
      }
      c(s[1], tgt)
    },
    get_config = function() c(super$get_config()[c("name", "trainable", "dtype")], list(target_shape = self$target_shape))
  ),
  private = list(.s3_class = "keras.src.layers.reshaping.reshape.Reshape")
)

reshape_target <- function(target, n) {
  unknown <- which(target == -1)
  if (length(unknown)) {
    known <- prod(target[-unknown])
    target[unknown] <- n %/% known
  }
  if (prod(target) != n)
    cli::cli_abort(c("Cannot reshape {n} value{?s} per sample to {format(shape(target))}.",
                     i = "The target shape must hold as many values as each input sample."),
                   class = c("recurrent_error_shape", "recurrent_error"), call = NULL)
  as.integer(target)
}

#' Reshape each sample
#'
#' Reshapes the non-batch dimensions to `target_shape`, in row-major (C)
#' order as Keras does (unlike R's `dim<-`). One entry may be `-1` (or `NA`)
#' to be inferred.
#'
#' @inheritParams layer_dense
#' @param target_shape The new shape of each sample, without the batch
#'   dimension.
#' @returns See `object`.
#' @examples
#' x <- matrix(1:6, 1)
#' y <- layer_reshape(x, c(2, 3))
#' as.array(y)[1, , ]   # rows 1 2 3 and 4 5 6
#' @export
layer_reshape <- function(object, target_shape, ...) {
  object <- if (missing(object)) NULL else object
  dims <- as.integer(shape(target_shape))
  dims[is.na(dims)] <- -1L
  if (!length(dims) || sum(dims == -1L) > 1 || any(dims == 0L))
    cli::cli_abort(c("{.arg target_shape} must be positive whole numbers with at most one unknown ({.val {-1}}).",
                     x = "Got {format(shape(target_shape))}."),
                   class = c("recurrent_error_argument", "recurrent_error"))
  create_layer(Reshape, object, list(target_shape = dims, ...))
}
attr(layer_reshape, "r6_class") <- Reshape

RepeatVector <- R6::R6Class("RepeatVector",
  inherit = LayerBase,
  lock_objects = FALSE,
  public = list(
    n = NULL,
    initialize = function(n, ...) {
      super$initialize(...)
      self$n <- check_count(n, "n", call = NULL, min = 1)
      self$built <- TRUE
    },
    call = function(inputs) {
      if (length(cpp_shape(inputs)) != 2)
        cli::cli_abort(c("{.fn layer_repeat_vector} needs 2-D input (batch, features).",
                         x = "Got shape {format(shape(cpp_shape(inputs)))}."),
                       class = c("recurrent_error_shape", "recurrent_error"), call = NULL)
      op_stack(rep(list(inputs), self$n), axis = 2L)
    },
    compute_output_shape = function(input_shape) {
      s <- as_shape_list(input_shape)
      if (length(s) != 2)
        cli::cli_abort(c("{.fn layer_repeat_vector} needs 2-D input (batch, features).",
                         x = "Got shape {format(shape(s))}."),
                       class = c("recurrent_error_shape", "recurrent_error"), call = NULL)
      list(s[[1]], self$n, s[[2]])
    },
    get_config = function() c(super$get_config()[c("name", "trainable", "dtype")], list(n = self$n))
  ),
  private = list(.s3_class = "keras.src.layers.reshaping.repeat_vector.RepeatVector")
)

#' Repeat the input along a new time axis
#'
#' Turns `(batch, features)` into `(batch, n, features)` by repeating each
#' sample `n` times: the usual bridge from a vector to a recurrent layer.
#'
#' @inheritParams layer_dense
#' @param n Positive whole number: the number of repetitions.
#' @returns See `object`.
#' @examples
#' layer_repeat_vector(matrix(1:4, 2), 3)
#' @export
layer_repeat_vector <- function(object, n, ...) {
  object <- if (missing(object)) NULL else object
  n <- check_count(n, min = 1)
  create_layer(RepeatVector, object, list(n = n, ...))
}
attr(layer_repeat_vector, "r6_class") <- RepeatVector

# ---- concatenate ---------------------------------------------------------------------------

Concatenate <- R6::R6Class("Concatenate",
  inherit = LayerBase,
  lock_objects = FALSE,
  public = list(
    axis = -1L,
    initialize = function(axis = -1L, ...) {
      super$initialize(...)
      self$axis <- axis
    },
    build = function(input_shape) {
      if (!is.list(input_shape) || length(input_shape) < 1 || !all(vapply(input_shape, is.list, TRUE)))
        cli::cli_abort("{.fn layer_concatenate} needs a list of inputs.",
                       class = c("recurrent_error_argument", "recurrent_error"), call = NULL)
    },
    call = function(inputs) op_concatenate(unname(inputs), axis = self$axis),
    compute_mask = function(inputs, mask = NULL) {
      if (is.null(mask) || all(vapply(mask, is.null, TRUE))) return(NULL)
      # inputs without a mask count as unmasked; masks are joined along the same axis
      # when it is not the feature axis, and combined with AND otherwise
      full <- lapply(seq_along(inputs), function(i) {
        m <- mask[[i]]
        if (is.null(m)) {
          d <- cpp_shape(inputs[[i]])
          m <- cpp_full(d[-length(d)], 1, "bool")
        }
        m
      })
      rank <- length(cpp_shape(inputs[[1]]))
      ax <- if (self$axis < 0) rank + 1L + self$axis else self$axis
      if (ax == rank) {
        out <- full[[1]]
        for (m in full[-1]) out <- op_logical_and(out, m)
        return(out)
      }
      op_concatenate(full, axis = ax)
    },
    compute_output_shape = function(input_shape) {
      shapes <- lapply(input_shape, as_shape_list)
      rank <- length(shapes[[1]])
      ax <- if (self$axis < 0) rank + 1L + self$axis else self$axis
      out <- shapes[[1]]
      sizes <- lapply(shapes, `[[`, ax)
      out[ax] <- list(if (any(vapply(sizes, is.null, TRUE))) NULL else as.integer(sum(unlist(sizes))))
      out
    },
    get_config = function() c(super$get_config()[c("name", "trainable", "dtype")], list(axis = self$axis))
  ),
  private = list(.supports_masking = TRUE, .s3_class = "keras.src.layers.merging.concatenate.Concatenate")
)

#' Concatenate a list of inputs
#'
#' Joins tensors of equal shape except along `axis` (the last by default).
#' Masks are combined: along the feature axis, a timestep is kept when it is
#' kept in every input.
#'
#' @param inputs A list of tensors, arrays or symbolic tensors (the output is
#'   returned), or missing/`NULL` (the layer is returned).
#' @param ... Base layer arguments such as `name`; unnamed arguments are more
#'   inputs.
#' @param axis Integer, default `-1L`: the axis to join along (1-based;
#'   negative counts from the end).
#' @returns The layer, or its output for `inputs`.
#' @examples
#' a <- matrix(1, 2, 2); b <- matrix(2, 2, 3)
#' layer_concatenate(list(a, b))
#' @export
layer_concatenate <- function(inputs, ..., axis = -1L) {
  inputs <- if (missing(inputs)) NULL else inputs
  dots <- list(...)
  unnamed <- if (is.null(names(dots))) rep(TRUE, length(dots)) else names(dots) == ""
  if (any(unnamed)) {
    inputs <- c(if (is.null(inputs)) list() else if (is.list(inputs) && !is.object(inputs)) inputs else list(inputs),
                dots[unnamed])
    dots <- dots[!unnamed]
  }
  axis <- check_axis(axis)
  layer <- create_layer(Concatenate, NULL, c(list(axis = axis), dots))
  if (is.null(inputs)) return(layer)
  if (!is.list(inputs) || is.object(inputs))
    cli::cli_abort(c("{.arg inputs} must be a list of tensors.", x = "Got {.obj_type_friendly {inputs}}."),
                   class = c("recurrent_error_argument", "recurrent_error"))
  layer(inputs)
}
attr(layer_concatenate, "r6_class") <- Concatenate

# ---- lambda --------------------------------------------------------------------------------

Lambda <- R6::R6Class("Lambda",
  inherit = LayerBase,
  lock_objects = FALSE,
  public = list(
    f = NULL, output_shape = NULL, mask = NULL, arguments = NULL,
    initialize = function(f, output_shape = NULL, mask = NULL, arguments = NULL, ...) {
      super$initialize(...)
      self$f <- f
      self$output_shape <- output_shape
      self$mask <- mask
      self$arguments <- arguments %||% list()
      private$.supports_masking <- !is.null(mask)
      self$built <- TRUE
    },
    call = function(inputs, mask = NULL) {
      args <- c(list(inputs), self$arguments)
      if ("mask" %in% names(formals(self$f))) args$mask <- mask
      do.call(self$f, args)
    },
    compute_mask = function(inputs, mask = NULL) {
      if (is.function(self$mask)) return(self$mask(inputs, mask))
      self$mask
    },
    compute_output_shape = function(input_shape) {
      os <- self$output_shape
      if (is.null(os)) return(infer_output_shape(self, input_shape))
      if (is.function(os)) return(os(input_shape))
      s <- as_shape_list(input_shape)
      c(s[1], as_shape_list(os))
    }
  ),
  private = list(.s3_class = "keras.src.layers.core.lambda_layer.Lambda")
)

#' Wrap an R function as a layer
#'
#' The function receives the input tensor (plus the elements of `arguments`)
#' and returns a tensor computed with `op_*()` functions. Use [Layer()] instead
#' when the computation needs weights.
#'
#' @inheritParams layer_dense
#' @param f A function of the input tensor (and of `mask`, if it has such an
#'   argument).
#' @param output_shape `NULL` (default: found by running `f`), the output
#'   shape without the batch dimension, or a function of the input shape.
#' @param mask `NULL` (default: no mask is passed on), a mask to attach to the
#'   output, or a function `function(inputs, mask)` returning one.
#' @param arguments A named list of extra arguments for `f`.
#' @returns See `object`.
#' @examples
#' layer_lambda(matrix(1:4, 2), function(x) op_multiply(x, 10))
#' @export
layer_lambda <- function(object, f, output_shape = NULL, mask = NULL, arguments = NULL, ...) {
  object <- if (missing(object)) NULL else object
  if (missing(f) || !is.function(f))
    cli::cli_abort(c("{.arg f} must be a function.", x = if (!missing(f)) "Got {.obj_type_friendly {f}}."),
                   class = c("recurrent_error_argument", "recurrent_error"))
  create_layer(Lambda, object, list(f = f, output_shape = output_shape, mask = mask, arguments = arguments, ...))
}
attr(layer_lambda, "r6_class") <- Lambda
