# Convolution layers: Conv1D/2D/3D, their transposes, depthwise and separable
# convolutions. One base class holds what they share (arguments, bias, activation,
# output shapes); the ops are in ops-conv.R. Weights follow Keras: kernel
# (k..., in / groups, filters), transposed kernel (k..., filters, in), depthwise kernel
# (k..., in, depth_multiplier), pointwise kernel (1..., in * depth_multiplier, filters).

# The output length of one spatial dim (NULL when unknown), as Keras computes it.
conv_dim_out <- function(n, k, s, d, padding) {
  if (is.null(n)) return(NULL)
  ke <- (k - 1L) * d + 1L
  out <- switch(padding,
    valid = if (n >= ke) (n - ke) %/% s + 1L else 0L,
    (n + s - 1L) %/% s)
  as.integer(out)
}

conv_transpose_dim_out <- function(n, k, s, d, padding, output_padding) {
  if (is.null(n)) return(NULL)
  ke <- (k - 1L) * d + 1L
  out <- if (is.null(output_padding)) {
    if (padding == "valid") n * s + max(ke - s, 0L) else n * s
  } else {
    (n - 1L) * s + ke - 2L * (if (padding == "same") ke %/% 2L else 0L) + output_padding
  }
  as.integer(out)
}

# The spatial dims and channels of a shape list, for either data format.
split_channels <- function(s, rank, data_format) {
  if (data_format == "channels_last") list(spatial = s[2:(rank + 1L)], channels = s[[rank + 2L]])
  else list(spatial = s[3:(rank + 2L)], channels = s[[2L]])
}
join_channels <- function(batch, spatial, channels, data_format) {
  if (data_format == "channels_last") c(list(batch), spatial, list(channels))
  else c(list(batch, channels), spatial)
}

# A rank of a convolution family: Keras's class name, module and rank; `...` adds
# private fields.
conv_class <- function(classname, base, rank, module, ...) {
  keras_class <- paste0("keras.src.layers.convolutional.", module, ".", classname)
  R6::R6Class(classname, inherit = base, lock_objects = FALSE,
              private = list(.rank = rank, .s3_class = keras_class, ...))
}

check_conv_input_shape <- function(layer, s, rank) {
  if (length(s) != rank + 2L)
    recurrent_abort(c("Inputs to {.val {layer$name}} must be {rank + 2}-D: (batch, {if (rank == 1) 'steps' else 'spatial...'}, channels).",
                      x = "Got shape {format_shape_list(s)}."), call = NULL, class = "recurrent_error_shape")
  ch <- split_channels(s, rank, layer$data_format)$channels
  if (is.null(ch))
    recurrent_abort(c("The channel dimension of the inputs to {.val {layer$name}} must be known.",
                      x = "Got shape {format_shape_list(s)}."), call = NULL, class = "recurrent_error_shape")
  as.integer(ch)
}

BaseConv <- R6::R6Class("BaseConv",
  inherit = LayerBase,
  lock_objects = FALSE,
  public = list(
    rank = NULL, filters = NULL, kernel_size = NULL, strides = NULL, padding = NULL, data_format = NULL,
    dilation_rate = NULL, groups = 1L, activation = NULL, use_bias = TRUE,
    kernel_initializer = NULL, bias_initializer = NULL, kernel_regularizer = NULL, bias_regularizer = NULL,
    kernel_constraint = NULL, bias_constraint = NULL, kernel = NULL, bias = NULL,

    initialize = function(filters, kernel_size, strides = 1L, padding = "valid", data_format = NULL,
                          dilation_rate = 1L, groups = 1L, activation = NULL, use_bias = TRUE,
                          kernel_initializer = "glorot_uniform", bias_initializer = "zeros",
                          kernel_regularizer = NULL, bias_regularizer = NULL, activity_regularizer = NULL,
                          kernel_constraint = NULL, bias_constraint = NULL, ...) {
      super$initialize(activity_regularizer = activity_regularizer, ...)
      rank <- private$.rank
      self$rank <- rank
      self$filters <- check_count(filters, "filters", call = NULL, min = 1)
      self$kernel_size <- conv_tuple(kernel_size, rank, "kernel_size", call = NULL)
      self$strides <- conv_tuple(strides, rank, "strides", call = NULL)
      self$padding <- check_padding(padding, private$.paddings, "padding", call = NULL)
      self$data_format <- check_data_format(data_format, "data_format", call = NULL)
      self$dilation_rate <- conv_tuple(dilation_rate, rank, "dilation_rate", call = NULL)
      self$groups <- check_count(groups, "groups", call = NULL, min = 1)
      if (self$filters %% self$groups != 0L)
        recurrent_abort(c("{.arg filters} must be a multiple of {.arg groups}.",
                          x = "Got filters = {self$filters} and groups = {self$groups}."), call = NULL)
      if (max(self$strides) > 1L && max(self$dilation_rate) > 1L)
        recurrent_abort(c("{.arg strides} > 1 cannot be combined with {.arg dilation_rate} > 1.",
                          x = "Got strides = {.val {self$strides}} and dilation_rate = {.val {self$dilation_rate}}."),
                        call = NULL)
      self$activation <- activation
      private$activation_fn <- resolve_activation(activation, "activation", call = NULL)
      self$use_bias <- check_flag(use_bias, "use_bias", call = NULL)
      set_weight_options(self, "kernel", kernel_initializer, kernel_regularizer, kernel_constraint)
      set_weight_options(self, "bias", bias_initializer, bias_regularizer, bias_constraint)
    },

    build = function(input_shape) {
      s <- as_shape_list(input_shape)
      cin <- check_conv_input_shape(self, s, self$rank)
      if (cin %% self$groups != 0L)
        recurrent_abort(c("The number of input channels must be a multiple of {.arg groups}.",
                          x = "{.val {self$name}} has groups = {self$groups} but its input has {cin} channels."),
                        call = NULL, class = "recurrent_error_shape")
      self$compute_output_shape(s)
      self$kernel <- self$add_weight(shape = private$kernel_shape(cin), initializer = self$kernel_initializer,
                                     regularizer = self$kernel_regularizer, constraint = self$kernel_constraint,
                                     name = "kernel")
      if (self$use_bias)
        self$bias <- self$add_weight(shape = self$filters, initializer = self$bias_initializer,
                                     regularizer = self$bias_regularizer, constraint = self$bias_constraint,
                                     name = "bias")
      self$built <- TRUE
    },

    call = function(inputs) {
      y <- private$convolve(inputs)
      if (self$use_bias) {
        bias_shape <- if (self$data_format == "channels_last") c(rep(1L, self$rank + 1L), self$filters)
                      else c(1L, self$filters, rep(1L, self$rank))
        y <- op_add(y, op_reshape(self$bias, bias_shape))
      }
      private$activation_fn(y)
    },

    compute_output_shape = function(input_shape) {
      s <- as_shape_list(input_shape)
      check_conv_input_shape(self, s, self$rank)
      parts <- split_channels(s, self$rank, self$data_format)
      out <- lapply(seq_len(self$rank), function(i) private$dim_out(parts$spatial[[i]], i))
      bad <- vapply(out, function(n) !is.null(n) && n <= 0L, TRUE)
      if (any(bad))
        recurrent_abort(c("The input of {.val {self$name}} is too small for its kernel.",
                          x = "Input shape {format_shape_list(s)} with kernel_size {.val {self$kernel_size}}, dilation_rate {.val {self$dilation_rate}} and padding {.val {self$padding}} gives an empty output."),
                        call = NULL, class = "recurrent_error_shape")
      join_channels(s[[1]], out, self$filters, self$data_format)
    },

    get_config = function() {
      c(super$get_config()[c("name", "trainable", "dtype")], private$conv_config())
    }
  ),
  private = list(
    .rank = 1L, .paddings = c("valid", "same"), activation_fn = NULL,
    kernel_shape = function(cin) c(self$kernel_size, cin %/% self$groups, self$filters),
    convolve = function(x) {
      op_conv(x, self$kernel, strides = self$strides, padding = self$padding, data_format = self$data_format,
              dilation_rate = self$dilation_rate)
    },
    dim_out = function(n, i) conv_dim_out(n, self$kernel_size[i], self$strides[i], self$dilation_rate[i], self$padding),
    conv_config = function() {
      list(filters = self$filters, kernel_size = as.list(self$kernel_size), strides = as.list(self$strides),
           padding = self$padding, data_format = self$data_format, dilation_rate = as.list(self$dilation_rate),
           groups = self$groups, activation = activation_name(self$activation), use_bias = self$use_bias,
           kernel_initializer = self$kernel_initializer, bias_initializer = self$bias_initializer,
           kernel_regularizer = self$kernel_regularizer, bias_regularizer = self$bias_regularizer,
           activity_regularizer = self$activity_regularizer, kernel_constraint = self$kernel_constraint,
           bias_constraint = self$bias_constraint)
    }
  )
)

Conv1D <- conv_class("Conv1D", BaseConv, 1L, "conv1d", .paddings = c("valid", "same", "causal"))
Conv2D <- conv_class("Conv2D", BaseConv, 2L, "conv2d")
Conv3D <- conv_class("Conv3D", BaseConv, 3L, "conv3d")

# ---- transposed convolution ---------------------------------------------------------------

BaseConvTranspose <- R6::R6Class("BaseConvTranspose",
  inherit = BaseConv,
  lock_objects = FALSE,
  public = list(
    output_padding = NULL,
    initialize = function(filters, kernel_size, strides = 1L, padding = "valid", output_padding = NULL,
                          data_format = NULL, dilation_rate = 1L, ...) {
      super$initialize(filters = filters, kernel_size = kernel_size, strides = strides, padding = padding,
                       data_format = data_format, dilation_rate = dilation_rate, ...)
      if (!is.null(output_padding)) {
        self$output_padding <- conv_tuple(output_padding, self$rank, "output_padding", call = NULL, min = 0)
        if (any(self$output_padding >= self$strides))
          recurrent_abort(c("Each {.arg output_padding} must be smaller than its stride.",
                            x = "Got output_padding = {.val {self$output_padding}} and strides = {.val {self$strides}}."),
                          call = NULL)
      }
    }
  ),
  private = list(
    kernel_shape = function(cin) c(self$kernel_size, self$filters, cin),
    convolve = function(x) {
      op_conv_transpose(x, self$kernel, strides = self$strides, padding = self$padding,
                        output_padding = self$output_padding, data_format = self$data_format,
                        dilation_rate = self$dilation_rate)
    },
    dim_out = function(n, i) {
      conv_transpose_dim_out(n, self$kernel_size[i], self$strides[i], self$dilation_rate[i], self$padding,
                             self$output_padding[i])
    },
    conv_config = function() {
      cfg <- super$conv_config()
      cfg$groups <- NULL
      c(cfg[c("filters", "kernel_size", "strides", "padding")],
        list(output_padding = if (!is.null(self$output_padding)) as.list(self$output_padding)),
        cfg[setdiff(names(cfg), c("filters", "kernel_size", "strides", "padding"))])
    }
  )
)

Conv1DTranspose <- conv_class("Conv1DTranspose", BaseConvTranspose, 1L, "conv1d_transpose")
Conv2DTranspose <- conv_class("Conv2DTranspose", BaseConvTranspose, 2L, "conv2d_transpose")
Conv3DTranspose <- conv_class("Conv3DTranspose", BaseConvTranspose, 3L, "conv3d_transpose")

# ---- depthwise and separable ---------------------------------------------------------------

BaseDepthwiseConv <- R6::R6Class("BaseDepthwiseConv",
  inherit = BaseConv,
  lock_objects = FALSE,
  public = list(
    depth_multiplier = 1L, depthwise_initializer = NULL, depthwise_regularizer = NULL, depthwise_constraint = NULL,
    input_channels = NULL,
    initialize = function(kernel_size, strides = 1L, padding = "valid", depth_multiplier = 1L, data_format = NULL,
                          dilation_rate = 1L, activation = NULL, use_bias = TRUE,
                          depthwise_initializer = "glorot_uniform", bias_initializer = "zeros",
                          depthwise_regularizer = NULL, bias_regularizer = NULL, activity_regularizer = NULL,
                          depthwise_constraint = NULL, bias_constraint = NULL, ...) {
      self$depth_multiplier <- check_count(depth_multiplier, "depth_multiplier", call = NULL, min = 1)
      super$initialize(filters = 1L, kernel_size = kernel_size, strides = strides, padding = padding,
                       data_format = data_format, dilation_rate = dilation_rate, activation = activation,
                       use_bias = use_bias, kernel_initializer = depthwise_initializer,
                       bias_initializer = bias_initializer, kernel_regularizer = depthwise_regularizer,
                       bias_regularizer = bias_regularizer, activity_regularizer = activity_regularizer,
                       kernel_constraint = depthwise_constraint, bias_constraint = bias_constraint, ...)
      self$filters <- NULL
      self$depthwise_initializer <- self$kernel_initializer
      self$depthwise_regularizer <- self$kernel_regularizer
      self$depthwise_constraint <- self$kernel_constraint
    },
    build = function(input_shape) {
      s <- as_shape_list(input_shape)
      cin <- check_conv_input_shape(self, s, self$rank)
      self$input_channels <- cin
      self$filters <- cin * self$depth_multiplier
      super$build(input_shape)
    },
    compute_output_shape = function(input_shape) {
      s <- as_shape_list(input_shape)
      cin <- check_conv_input_shape(self, s, self$rank)
      keep <- self$filters
      self$filters <- cin * self$depth_multiplier
      on.exit(self$filters <- keep)
      super$compute_output_shape(input_shape)
    }
  ),
  private = list(
    kernel_shape = function(cin) c(self$kernel_size, cin, self$depth_multiplier),
    convolve = function(x) {
      op_depthwise_conv(x, self$kernel, strides = self$strides, padding = self$padding,
                        data_format = self$data_format, dilation_rate = self$dilation_rate)
    },
    conv_config = function() {
      list(depth_multiplier = self$depth_multiplier, kernel_size = as.list(self$kernel_size),
           strides = as.list(self$strides), padding = self$padding, data_format = self$data_format,
           dilation_rate = as.list(self$dilation_rate), activation = activation_name(self$activation),
           use_bias = self$use_bias, depthwise_initializer = self$depthwise_initializer,
           bias_initializer = self$bias_initializer, depthwise_regularizer = self$depthwise_regularizer,
           bias_regularizer = self$bias_regularizer, activity_regularizer = self$activity_regularizer,
           depthwise_constraint = self$depthwise_constraint, bias_constraint = self$bias_constraint)
    }
  )
)

DepthwiseConv1D <- conv_class("DepthwiseConv1D", BaseDepthwiseConv, 1L, "depthwise_conv1d")
DepthwiseConv2D <- conv_class("DepthwiseConv2D", BaseDepthwiseConv, 2L, "depthwise_conv2d")

BaseSeparableConv <- R6::R6Class("BaseSeparableConv",
  inherit = BaseConv,
  lock_objects = FALSE,
  public = list(
    depth_multiplier = 1L, depthwise_initializer = NULL, pointwise_initializer = NULL,
    depthwise_regularizer = NULL, pointwise_regularizer = NULL, depthwise_constraint = NULL,
    pointwise_constraint = NULL, depthwise_kernel = NULL, pointwise_kernel = NULL,
    initialize = function(filters, kernel_size, strides = 1L, padding = "valid", data_format = NULL,
                          dilation_rate = 1L, depth_multiplier = 1L, activation = NULL, use_bias = TRUE,
                          depthwise_initializer = "glorot_uniform", pointwise_initializer = "glorot_uniform",
                          bias_initializer = "zeros", depthwise_regularizer = NULL, pointwise_regularizer = NULL,
                          bias_regularizer = NULL, activity_regularizer = NULL, depthwise_constraint = NULL,
                          pointwise_constraint = NULL, bias_constraint = NULL, ...) {
      super$initialize(filters = filters, kernel_size = kernel_size, strides = strides, padding = padding,
                       data_format = data_format, dilation_rate = dilation_rate, activation = activation,
                       use_bias = use_bias, bias_initializer = bias_initializer, bias_regularizer = bias_regularizer,
                       activity_regularizer = activity_regularizer, bias_constraint = bias_constraint, ...)
      self$kernel_initializer <- self$kernel_regularizer <- self$kernel_constraint <- NULL
      self$depth_multiplier <- check_count(depth_multiplier, "depth_multiplier", call = NULL, min = 1)
      set_weight_options(self, "depthwise", depthwise_initializer, depthwise_regularizer, depthwise_constraint)
      set_weight_options(self, "pointwise", pointwise_initializer, pointwise_regularizer, pointwise_constraint)
    },
    build = function(input_shape) {
      s <- as_shape_list(input_shape)
      cin <- check_conv_input_shape(self, s, self$rank)
      self$compute_output_shape(s)
      self$depthwise_kernel <- self$add_weight(
        shape = c(self$kernel_size, cin, self$depth_multiplier), initializer = self$depthwise_initializer,
        regularizer = self$depthwise_regularizer, constraint = self$depthwise_constraint, name = "depthwise_kernel")
      self$pointwise_kernel <- self$add_weight(
        shape = c(rep(1L, self$rank), cin * self$depth_multiplier, self$filters),
        initializer = self$pointwise_initializer, regularizer = self$pointwise_regularizer,
        constraint = self$pointwise_constraint, name = "pointwise_kernel")
      if (self$use_bias)
        self$bias <- self$add_weight(shape = self$filters, initializer = self$bias_initializer,
                                     regularizer = self$bias_regularizer, constraint = self$bias_constraint,
                                     name = "bias")
      self$built <- TRUE
    }
  ),
  private = list(
    convolve = function(x) {
      op_separable_conv(x, self$depthwise_kernel, self$pointwise_kernel, strides = self$strides,
                        padding = self$padding, data_format = self$data_format, dilation_rate = self$dilation_rate)
    },
    conv_config = function() {
      list(filters = self$filters, kernel_size = as.list(self$kernel_size), strides = as.list(self$strides),
           padding = self$padding, data_format = self$data_format, dilation_rate = as.list(self$dilation_rate),
           depth_multiplier = self$depth_multiplier, activation = activation_name(self$activation),
           use_bias = self$use_bias, depthwise_initializer = self$depthwise_initializer,
           pointwise_initializer = self$pointwise_initializer, bias_initializer = self$bias_initializer,
           depthwise_regularizer = self$depthwise_regularizer, pointwise_regularizer = self$pointwise_regularizer,
           bias_regularizer = self$bias_regularizer, activity_regularizer = self$activity_regularizer,
           depthwise_constraint = self$depthwise_constraint, pointwise_constraint = self$pointwise_constraint,
           bias_constraint = self$bias_constraint)
    }
  )
)

SeparableConv1D <- conv_class("SeparableConv1D", BaseSeparableConv, 1L, "separable_conv1d")
SeparableConv2D <- conv_class("SeparableConv2D", BaseSeparableConv, 2L, "separable_conv2d")

# ---- constructors -----------------------------------------------------------------------------

# The constructors share one body: check that the required arguments are there, then
# create the layer (its initialize() checks the values, naming the argument).
conv_constructor <- function(generator, object, args, required, call = rlang::caller_env()) {
  for (nm in required)
    if (is.null(args[[nm]]))
      recurrent_abort("{.arg {nm}} is missing.", call = call)
  create_layer(generator, object, args)
}

#' Convolution layers
#'
#' `layer_conv_1d()`, `layer_conv_2d()` and `layer_conv_3d()` convolve their
#' input with `filters` learned kernels and add a bias:
#' `activation(op_conv(inputs, kernel) + bias)`. A 1-D convolution slides a
#' window of `kernel_size` timesteps along a sequence (as in CNN-LSTM
#' forecasters, before or after a recurrent layer); 2-D and 3-D convolutions
#' slide over images and volumes, and run on every frame of a video inside
#' [layer_time_distributed()]. Inputs are `(batch, spatial..., channels)`
#' (`data_format = "channels_last"`, the default) or
#' `(batch, channels, spatial...)`. The kernel has shape
#' `(kernel_size..., channels / groups, filters)` and the bias `(filters)`, as in
#' Keras. Masks are not passed on.
#'
#' @inheritParams layer_dense
#' @param filters Positive whole number: the number of output channels.
#' @param kernel_size A positive whole number or one per spatial dim: the size
#'   of the convolution window.
#' @param strides A positive whole number or one per spatial dim: the step
#'   between windows. Strides above 1 cannot be combined with a
#'   `dilation_rate` above 1.
#' @param padding `"valid"` (no padding: the output is shorter than the input),
#'   `"same"` (zero padding so that, with stride 1, the output has the input's
#'   length) or, for `layer_conv_1d()` only, `"causal"` (padding on the left
#'   only, so output `t` depends on inputs up to `t`).
#' @param data_format `NULL` or `"channels_last"` (default), or
#'   `"channels_first"`.
#' @param dilation_rate A positive whole number or one per spatial dim: the
#'   spacing between kernel taps.
#' @param groups A positive whole number dividing both the input channels and
#'   `filters`: the channels are split into this many groups, each convolved
#'   with its own `filters / groups` kernels.
#' @param activation `NULL` (default, linear), an activation name or function.
#' @param kernel_initializer,bias_initializer Initializers for the kernel
#'   (default `"glorot_uniform"`) and the bias (default `"zeros"`).
#' @param kernel_regularizer,bias_regularizer,activity_regularizer `NULL` or
#'   [regularizers].
#' @param kernel_constraint,bias_constraint `NULL` or [constraints].
#' @returns See `object`.
#' @section Call arguments:
#' * `inputs`: a tensor or R array with `rank + 2` dims.
#' @examples
#' x <- array(runif(2 * 10 * 3), c(2, 10, 3))      # 2 series, 10 steps, 3 features
#' y <- layer_conv_1d(x, filters = 4, kernel_size = 3)
#' dim(y)                                           # 2 8 4
#' dim(layer_conv_1d(x, 4, 3, padding = "causal"))  # 2 10 4
#' img <- array(runif(1 * 6 * 6 * 1), c(1, 6, 6, 1))
#' dim(layer_conv_2d(img, filters = 2, kernel_size = 3, strides = 2, padding = "same"))
#' model <- keras_model_sequential(input_shape = c(24, 1)) |>
#'   layer_conv_1d(8, 3, activation = "relu") |>
#'   layer_max_pooling_1d() |>
#'   layer_lstm(16) |>
#'   layer_dense(1)
#' @export
layer_conv_1d <- function(object, filters, kernel_size, strides = 1L, padding = "valid", data_format = NULL,
                          dilation_rate = 1L, groups = 1L, activation = NULL, use_bias = TRUE,
                          kernel_initializer = "glorot_uniform", bias_initializer = "zeros",
                          kernel_regularizer = NULL, bias_regularizer = NULL, activity_regularizer = NULL,
                          kernel_constraint = NULL, bias_constraint = NULL, ...) {
  object <- if (missing(object)) NULL else object
  conv_constructor(Conv1D, object, conv_args(environment(), ...), c("filters", "kernel_size"))
}
attr(layer_conv_1d, "r6_class") <- Conv1D

#' @rdname layer_conv_1d
#' @export
layer_conv_2d <- function(object, filters, kernel_size, strides = list(1L, 1L), padding = "valid",
                          data_format = NULL, dilation_rate = list(1L, 1L), groups = 1L, activation = NULL,
                          use_bias = TRUE, kernel_initializer = "glorot_uniform", bias_initializer = "zeros",
                          kernel_regularizer = NULL, bias_regularizer = NULL, activity_regularizer = NULL,
                          kernel_constraint = NULL, bias_constraint = NULL, ...) {
  object <- if (missing(object)) NULL else object
  conv_constructor(Conv2D, object, conv_args(environment(), ...), c("filters", "kernel_size"))
}
attr(layer_conv_2d, "r6_class") <- Conv2D

#' @rdname layer_conv_1d
#' @export
layer_conv_3d <- function(object, filters, kernel_size, strides = list(1L, 1L, 1L), padding = "valid",
                          data_format = NULL, dilation_rate = list(1L, 1L, 1L), groups = 1L, activation = NULL,
                          use_bias = TRUE, kernel_initializer = "glorot_uniform", bias_initializer = "zeros",
                          kernel_regularizer = NULL, bias_regularizer = NULL, activity_regularizer = NULL,
                          kernel_constraint = NULL, bias_constraint = NULL, ...) {
  object <- if (missing(object)) NULL else object
  conv_constructor(Conv3D, object, conv_args(environment(), ...), c("filters", "kernel_size"))
}
attr(layer_conv_3d, "r6_class") <- Conv3D

# The constructor's arguments (all but `object`) as a list for create_layer(); missing
# required arguments become NULL, then reported by conv_constructor().
conv_args <- function(env, ...) {
  fn <- sys.function(sys.parent())
  nms <- setdiff(names(formals(fn)), c("object", "..."))
  args <- lapply(nms, function(nm) {
    if (eval(call("missing", as.name(nm)), env)) {
      if (identical(formals(fn)[[nm]], quote(expr = ))) NULL else eval(formals(fn)[[nm]], env)
    } else {
      get(nm, envir = env)
    }
  })
  names(args) <- nms
  c(args, list(...))
}

#' Transposed convolution layers
#'
#' `layer_conv_1d_transpose()`, `layer_conv_2d_transpose()` and
#' `layer_conv_3d_transpose()` run a convolution backwards: each input position
#' spreads over a window of the output, so with `strides` above 1 the output is
#' longer than the input (learned upsampling, as in decoders). The kernel has
#' shape `(kernel_size..., filters, channels)`, as in Keras. The output length
#' is `input * strides + max(kernel - strides, 0)` for `"valid"` padding and
#' `input * strides` for `"same"`, or
#' `(input - 1) * strides + kernel - 2 * pad + output_padding` when
#' `output_padding` is given.
#'
#' @inheritParams layer_conv_1d
#' @param padding `"valid"` or `"same"`.
#' @param output_padding `NULL` or a whole number (one per spatial dim)
#'   smaller than the stride: extra output positions.
#' @returns See `object`.
#' @examples
#' x <- array(runif(2 * 5 * 3), c(2, 5, 3))
#' dim(layer_conv_1d_transpose(x, filters = 4, kernel_size = 3, strides = 2))  # 2 11 4
#' @export
layer_conv_1d_transpose <- function(object, filters, kernel_size, strides = 1L, padding = "valid",
                                    output_padding = NULL, data_format = NULL, dilation_rate = 1L,
                                    activation = NULL, use_bias = TRUE, kernel_initializer = "glorot_uniform",
                                    bias_initializer = "zeros", kernel_regularizer = NULL, bias_regularizer = NULL,
                                    activity_regularizer = NULL, kernel_constraint = NULL, bias_constraint = NULL,
                                    ...) {
  object <- if (missing(object)) NULL else object
  conv_constructor(Conv1DTranspose, object, conv_args(environment(), ...), c("filters", "kernel_size"))
}
attr(layer_conv_1d_transpose, "r6_class") <- Conv1DTranspose

#' @rdname layer_conv_1d_transpose
#' @export
layer_conv_2d_transpose <- function(object, filters, kernel_size, strides = list(1L, 1L), padding = "valid",
                                    output_padding = NULL, data_format = NULL, dilation_rate = list(1L, 1L),
                                    activation = NULL, use_bias = TRUE, kernel_initializer = "glorot_uniform",
                                    bias_initializer = "zeros", kernel_regularizer = NULL, bias_regularizer = NULL,
                                    activity_regularizer = NULL, kernel_constraint = NULL, bias_constraint = NULL,
                                    ...) {
  object <- if (missing(object)) NULL else object
  conv_constructor(Conv2DTranspose, object, conv_args(environment(), ...), c("filters", "kernel_size"))
}
attr(layer_conv_2d_transpose, "r6_class") <- Conv2DTranspose

#' @rdname layer_conv_1d_transpose
#' @export
layer_conv_3d_transpose <- function(object, filters, kernel_size, strides = list(1L, 1L, 1L), padding = "valid",
                                    output_padding = NULL, data_format = NULL, dilation_rate = list(1L, 1L, 1L),
                                    activation = NULL, use_bias = TRUE, kernel_initializer = "glorot_uniform",
                                    bias_initializer = "zeros", kernel_regularizer = NULL, bias_regularizer = NULL,
                                    activity_regularizer = NULL, kernel_constraint = NULL, bias_constraint = NULL,
                                    ...) {
  object <- if (missing(object)) NULL else object
  conv_constructor(Conv3DTranspose, object, conv_args(environment(), ...), c("filters", "kernel_size"))
}
attr(layer_conv_3d_transpose, "r6_class") <- Conv3DTranspose

#' Depthwise convolution layers
#'
#' `layer_depthwise_conv_1d()` and `layer_depthwise_conv_2d()` convolve each
#' input channel with its own `depth_multiplier` kernels, without mixing
#' channels: the output has `channels * depth_multiplier` channels, channel
#' `(c - 1) * depth_multiplier + m` coming from input channel `c`. The kernel
#' has shape `(kernel_size..., channels, depth_multiplier)`, as in Keras.
#'
#' @inheritParams layer_conv_1d
#' @param padding `"valid"` or `"same"`.
#' @param depth_multiplier Positive whole number: kernels per input channel.
#' @param depthwise_initializer,depthwise_regularizer,depthwise_constraint
#'   Initializer (default `"glorot_uniform"`), regularizer and constraint of
#'   the depthwise kernel.
#' @param bias_initializer Initializer of the bias (default `"zeros"`).
#' @param bias_regularizer,activity_regularizer `NULL` or [regularizers] for
#'   the bias and the output.
#' @param bias_constraint `NULL` or a constraint (see [constraints]) for the
#'   bias.
#' @returns See `object`.
#' @examples
#' x <- array(runif(2 * 8 * 3), c(2, 8, 3))
#' dim(layer_depthwise_conv_1d(x, kernel_size = 3, depth_multiplier = 2))  # 2 6 6
#' @export
layer_depthwise_conv_1d <- function(object, kernel_size, strides = 1L, padding = "valid", depth_multiplier = 1L,
                                    data_format = NULL, dilation_rate = 1L, activation = NULL, use_bias = TRUE,
                                    depthwise_initializer = "glorot_uniform", bias_initializer = "zeros",
                                    depthwise_regularizer = NULL, bias_regularizer = NULL,
                                    activity_regularizer = NULL, depthwise_constraint = NULL,
                                    bias_constraint = NULL, ...) {
  object <- if (missing(object)) NULL else object
  conv_constructor(DepthwiseConv1D, object, conv_args(environment(), ...), "kernel_size")
}
attr(layer_depthwise_conv_1d, "r6_class") <- DepthwiseConv1D

#' @rdname layer_depthwise_conv_1d
#' @export
layer_depthwise_conv_2d <- function(object, kernel_size, strides = list(1L, 1L), padding = "valid",
                                    depth_multiplier = 1L, data_format = NULL, dilation_rate = list(1L, 1L),
                                    activation = NULL, use_bias = TRUE, depthwise_initializer = "glorot_uniform",
                                    bias_initializer = "zeros", depthwise_regularizer = NULL,
                                    bias_regularizer = NULL, activity_regularizer = NULL,
                                    depthwise_constraint = NULL, bias_constraint = NULL, ...) {
  object <- if (missing(object)) NULL else object
  conv_constructor(DepthwiseConv2D, object, conv_args(environment(), ...), "kernel_size")
}
attr(layer_depthwise_conv_2d, "r6_class") <- DepthwiseConv2D

#' Separable convolution layers
#'
#' `layer_separable_conv_1d()` and `layer_separable_conv_2d()` factor a
#' convolution into a depthwise convolution (each channel on its own, see
#' [layer_depthwise_conv_1d()]) followed by a 1x1 convolution that mixes the
#' channels into `filters` outputs, with far fewer weights than
#' [layer_conv_1d()]. Weights, as in Keras: `depthwise_kernel`
#' `(kernel_size..., channels, depth_multiplier)`, `pointwise_kernel`
#' `(1..., channels * depth_multiplier, filters)`, `bias` `(filters)`.
#'
#' @inheritParams layer_depthwise_conv_1d
#' @param filters Positive whole number: the number of output channels.
#' @param pointwise_initializer,pointwise_regularizer,pointwise_constraint
#'   Initializer (default `"glorot_uniform"`), regularizer and constraint of
#'   the pointwise kernel.
#' @returns See `object`.
#' @examples
#' x <- array(runif(2 * 8 * 3), c(2, 8, 3))
#' dim(layer_separable_conv_1d(x, filters = 5, kernel_size = 3))  # 2 6 5
#' @export
layer_separable_conv_1d <- function(object, filters, kernel_size, strides = 1L, padding = "valid",
                                    data_format = NULL, dilation_rate = 1L, depth_multiplier = 1L,
                                    activation = NULL, use_bias = TRUE, depthwise_initializer = "glorot_uniform",
                                    pointwise_initializer = "glorot_uniform", bias_initializer = "zeros",
                                    depthwise_regularizer = NULL, pointwise_regularizer = NULL,
                                    bias_regularizer = NULL, activity_regularizer = NULL,
                                    depthwise_constraint = NULL, pointwise_constraint = NULL,
                                    bias_constraint = NULL, ...) {
  object <- if (missing(object)) NULL else object
  conv_constructor(SeparableConv1D, object, conv_args(environment(), ...), c("filters", "kernel_size"))
}
attr(layer_separable_conv_1d, "r6_class") <- SeparableConv1D

#' @rdname layer_separable_conv_1d
#' @export
layer_separable_conv_2d <- function(object, filters, kernel_size, strides = list(1L, 1L), padding = "valid",
                                    data_format = NULL, dilation_rate = list(1L, 1L), depth_multiplier = 1L,
                                    activation = NULL, use_bias = TRUE, depthwise_initializer = "glorot_uniform",
                                    pointwise_initializer = "glorot_uniform", bias_initializer = "zeros",
                                    depthwise_regularizer = NULL, pointwise_regularizer = NULL,
                                    bias_regularizer = NULL, activity_regularizer = NULL,
                                    depthwise_constraint = NULL, pointwise_constraint = NULL,
                                    bias_constraint = NULL, ...) {
  object <- if (missing(object)) NULL else object
  conv_constructor(SeparableConv2D, object, conv_args(environment(), ...), c("filters", "kernel_size"))
}
attr(layer_separable_conv_2d, "r6_class") <- SeparableConv2D
