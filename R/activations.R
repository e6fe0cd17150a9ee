# Activation functions by name. Layers store what the user gave (a name or a
# function) for get_config() and call the resolved function on tensors.

#' Activation functions
#'
#' Functions of a tensor, usable directly or through a layer's `activation`
#' argument, where they can also be given by name (`"relu"`, `"tanh"`,
#' `"sigmoid"`, `"softmax"`, `"linear"`, `"elu"`, `"selu"`, `"softplus"`,
#' `"softsign"`, `"exponential"`, `"hard_sigmoid"`, `"gelu"`, `"silu"` (also
#' `"swish"`), `"leaky_relu"`, `"relu6"`, `"log_softmax"`, `"mish"`).
#'
#' * `activation_relu()`: `max(x, 0)`; with `negative_slope`, values below
#'   `threshold` are multiplied by it; `max_value` caps the output;
#'   `threshold` is the value below which the output is zero (or sloped).
#' * `activation_linear()`: the input unchanged.
#' * `activation_softmax()`, `activation_log_softmax()`: along `axis` (the
#'   last by default).
#' * `activation_elu()`: `x` for `x > 0`, `alpha * (exp(x) - 1)` otherwise.
#' * `activation_selu()`: scaled ELU with Klambauer et al.'s constants.
#' * `activation_hard_sigmoid()`: `relu6(x + 3) / 6`.
#' * `activation_gelu()`: Gaussian error linear unit, exact or with the tanh
#'   approximation.
#' * `activation_silu()`: `x * sigmoid(x)`; `activation_mish()`:
#'   `x * tanh(softplus(x))`.
#'
#' @param x A tensor (or an R array, converted).
#' @param negative_slope Number, default `0` (`0.2` for
#'   `activation_leaky_relu()`): slope below the threshold.
#' @param max_value `NULL` (default, no cap) or a number: the largest output.
#' @param threshold Number, default `0`: values below it are zeroed (or
#'   sloped).
#' @param axis Integer, default `-1L`: the axis along which softmax
#'   normalises (1-based; negative counts from the end).
#' @param alpha Number, default `1`: the ELU's scale for negative inputs.
#' @param approximate Logical, default `FALSE`: use the tanh approximation of
#'   GELU.
#' @returns A tensor of the same shape as `x`.
#' @examples
#' x <- op_convert_to_tensor(c(-2, -0.5, 0, 1, 3))
#' activation_relu(x)
#' activation_relu(x, negative_slope = 0.1, max_value = 2)
#' activation_sigmoid(x)
#' layer_dense(units = 3, activation = "tanh")
#' @name activations
NULL

#' @rdname activations
#' @export
activation_relu <- function(x, negative_slope = 0, max_value = NULL, threshold = 0) {
  x <- as_float_tensor(x)
  if (negative_slope == 0 && is.null(max_value) && threshold == 0) return(op_relu(x))
  if (negative_slope != 0 && is.null(max_value) && threshold == 0) return(op_leaky_relu(x, negative_slope))
  negative_part <- NULL
  if (negative_slope != 0) {
    negative_part <- if (threshold != 0) op_relu(op_add(op_negative(x), threshold)) else op_relu(op_negative(x))
  }
  y <- if (threshold != 0) op_multiply(x, op_cast(op_greater(x, threshold), op_dtype(x))) else op_relu(x)
  if (!is.null(max_value)) y <- op_minimum(op_maximum(y, 0), max_value)
  if (!is.null(negative_part)) y <- op_subtract(y, op_multiply(negative_part, negative_slope))
  y
}

#' @rdname activations
#' @export
activation_linear <- function(x) x

#' @rdname activations
#' @export
activation_tanh <- function(x) op_tanh(as_float_tensor(x))

#' @rdname activations
#' @export
activation_sigmoid <- function(x) op_sigmoid(as_float_tensor(x))

#' @rdname activations
#' @export
activation_softmax <- function(x, axis = -1L) op_softmax(as_float_tensor(x), axis = axis)

#' @rdname activations
#' @export
activation_log_softmax <- function(x, axis = -1L) op_log_softmax(as_float_tensor(x), axis = axis)

#' @rdname activations
#' @export
activation_elu <- function(x, alpha = 1) op_elu(as_float_tensor(x), alpha = alpha)

#' @rdname activations
#' @export
activation_selu <- function(x) op_selu(as_float_tensor(x))

#' @rdname activations
#' @export
activation_softplus <- function(x) op_softplus(as_float_tensor(x))

#' @rdname activations
#' @export
activation_softsign <- function(x) {
  x <- as_float_tensor(x)
  op_divide(x, op_add(op_abs(x), 1))
}

#' @rdname activations
#' @export
activation_exponential <- function(x) op_exp(as_float_tensor(x))

#' @rdname activations
#' @export
activation_hard_sigmoid <- function(x) op_hard_sigmoid(as_float_tensor(x))

#' @rdname activations
#' @export
activation_relu6 <- function(x) op_minimum(op_relu(as_float_tensor(x)), 6)

#' @rdname activations
#' @export
activation_leaky_relu <- function(x, negative_slope = 0.2) op_leaky_relu(as_float_tensor(x), negative_slope)

#' @rdname activations
#' @export
activation_silu <- function(x) op_silu(as_float_tensor(x))

#' @rdname activations
#' @export
activation_gelu <- function(x, approximate = FALSE) op_gelu(as_float_tensor(x), approximate = approximate)

#' @rdname activations
#' @export
activation_mish <- function(x) {
  x <- as_float_tensor(x)
  op_multiply(x, op_tanh(activation_softplus(x)))
}

as_float_tensor <- function(x) {
  if (inherits(x, "recurrent_tensor")) return(x)
  if (inherits(x, "recurrent_variable")) return(x$handle)
  as_tensor(x)
}

activation_table <- function() c(list(
  relu = activation_relu, linear = activation_linear, tanh = activation_tanh,
  sigmoid = activation_sigmoid, softmax = activation_softmax, log_softmax = activation_log_softmax,
  elu = activation_elu, selu = activation_selu, softplus = activation_softplus,
  softsign = activation_softsign, exponential = activation_exponential,
  hard_sigmoid = activation_hard_sigmoid, relu6 = activation_relu6,
  leaky_relu = activation_leaky_relu, silu = activation_silu, swish = activation_silu,
  gelu = activation_gelu, mish = activation_mish,
  hard_sigmoid_keras2 = activation_hard_sigmoid_keras2
), activation_table_extra())

# Keras 1/2's hard_sigmoid, clip(0.2 x + 0.5, 0, 1): models loaded from files those
# versions wrote were trained with it (Keras 3's hard_sigmoid is relu6(x + 3) / 6).
activation_hard_sigmoid_keras2 <- function(x) op_clip(op_add(op_multiply(as_float_tensor(x), 0.2), 0.5), 0, 1)

#' Look up an activation function
#'
#' Turns what a layer's `activation` argument accepts into a function of a
#' tensor: `NULL` gives the identity ("linear"), a string is looked up among
#' the [activations], and an R function is returned as it is.
#'
#' @param identifier `NULL`, an activation name, or a function.
#' @returns A function taking a tensor and returning a tensor.
#' @examples
#' f <- get_activation("tanh")
#' f(op_convert_to_tensor(c(-1, 0, 1)))
#' @export
get_activation <- function(identifier) resolve_activation(identifier)

resolve_activation <- function(x, arg = rlang::caller_arg(x), call = rlang::caller_env()) {
  if (is.null(x)) return(activation_linear)
  if (is.function(x)) return(x)
  if (is.character(x) && length(x) == 1) {
    f <- activation_table()[[x]]
    if (!is.null(f)) return(f)
    cli::cli_abort(c("{.arg {arg}} names an unknown activation.", x = "Got {.val {x}}.",
                     i = "Known names: {.val {names(activation_table())}}."),
                   class = c("recurrent_error_argument", "recurrent_error"), call = call)
  }
  cli::cli_abort(c("{.arg {arg}} must be {.code NULL}, an activation name or a function.",
                   x = "Got {.obj_type_friendly {x}}."),
                 class = c("recurrent_error_argument", "recurrent_error"), call = call)
}

# The name get_config() reports for an activation argument.
activation_name <- function(x) {
  if (is.null(x)) return("linear")
  if (is.character(x)) return(x)
  for (nm in names(activation_table())) if (identical(x, activation_table()[[nm]])) return(nm)
  "custom"
}
