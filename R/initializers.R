# Initializers: callable objects `init(shape, dtype)` -> tensor. Values are drawn
# in R from R's RNG (so set.seed() reproduces them) and converted once. A fixed
# `seed` draws from its own stream and leaves the session's stream untouched, so
# the same seeded initializer gives the same values on every call, as in Keras.

new_initializer <- function(class_name, generate, config = list()) {
  init <- function(shape = c(2, 2), dtype = NULL) {
    dims <- initializer_dims(shape)
    values <- generate(dims)
    dtype <- dtype %||% config_floatx()
    as_tensor(shape_values(values, dims), dtype)
  }
  structure(init, class = c("recurrent_initializer", "keras.src.initializers.initializer.Initializer"),
            class_name = class_name, config = config)
}

`%||%` <- function(x, y) if (is.null(x)) y else x

initializer_dims <- function(shape, call = rlang::caller_env(2)) {
  dims <- unclass(shape(shape))
  if (any(vapply(dims, is.null, TRUE))) {
    cli::cli_abort(c("An initializer needs a fully known shape.", x = "Got {format(shape(shape))}."),
                   class = c("recurrent_error_argument", "recurrent_error"), call = call)
  }
  as.integer(unlist(dims))
}

# R values (in R's column-major order, index for index) with the tensor's dims.
shape_values <- function(values, dims) {
  if (length(dims) == 0) return(values[1])
  array(values, dim = dims)
}



# Keras's fan computation: a kernel (..., fan_in, fan_out) with the leading dims as
# the receptive field; a vector counts its length for both; a scalar counts 1.
compute_fans <- function(dims) {
  n <- length(dims)
  if (n == 0) return(c(fan_in = 1, fan_out = 1))
  if (n == 1) return(c(fan_in = dims[1], fan_out = dims[1]))
  if (n == 2) return(c(fan_in = dims[1], fan_out = dims[2]))
  rf <- prod(dims[seq_len(n - 2)])
  c(fan_in = dims[n - 1] * rf, fan_out = dims[n] * rf)
}

# Normal draws truncated at two standard deviations, by inverting the CDF so that
# each value takes exactly one uniform draw.
rtruncnorm2 <- function(n, mean, sd) {
  lo <- stats::pnorm(-2)
  mean + sd * stats::qnorm(stats::runif(n, lo, 1 - lo))
}

#' Weight initializers
#'
#' Initializers make the starting values of a layer's weights. Each
#' `initializer_*()` function returns an initializer object; call it as
#' `init(shape, dtype = NULL)` to get a tensor, or pass it (or its name as a
#' string, such as `"glorot_uniform"`) to a layer argument like
#' `kernel_initializer`.
#'
#' Random initializers draw from R's random number generator, so
#' [set.seed()] makes them reproducible. With a `seed`, an initializer draws
#' from its own stream: it returns the same values on every call and does not
#' move the session's random stream.
#'
#' * `initializer_zeros()`, `initializer_ones()`, `initializer_constant(value)`:
#'   fixed values.
#' * `initializer_random_uniform()`: uniform on `[minval, maxval]`.
#' * `initializer_random_normal()`: normal with `mean` and `stddev`.
#' * `initializer_truncated_normal()`: normal with values more than two
#'   standard deviations from the mean drawn again.
#' * `initializer_variance_scaling()`: the variance is `scale` divided by the
#'   number of inputs (`mode = "fan_in"`), outputs (`"fan_out"`) or their
#'   average (`"fan_avg"`) of the weight. For a matrix of shape `(m, n)` these
#'   are `m` and `n`; for higher-rank kernels the leading dimensions multiply
#'   both. `distribution` is `"truncated_normal"` (the standard deviation is
#'   corrected for the truncation), `"untruncated_normal"` or `"uniform"`
#'   (limits `+-sqrt(3 * variance)`).
#' * Glorot (Xavier): variance scaling with `scale = 1`, `mode = "fan_avg"`;
#'   He: `scale = 2`, `mode = "fan_in"`; LeCun: `scale = 1`,
#'   `mode = "fan_in"`. The `_uniform` variants use the uniform distribution,
#'   the `_normal` ones the truncated normal.
#' * `initializer_orthogonal()`: an orthogonal matrix (from the QR
#'   decomposition of a normal random matrix) times `gain`. For more than two
#'   dimensions, the leading dimensions are flattened into rows.
#' * `initializer_identity()`: `gain` times the identity matrix (2-D only).
#'
#' Names accepted as strings: the snake_case names (`"zeros"`, `"ones"`,
#' `"constant"`, `"random_uniform"`, `"random_normal"`, `"truncated_normal"`,
#' `"glorot_uniform"`, `"glorot_normal"`, `"he_uniform"`, `"he_normal"`,
#' `"lecun_uniform"`, `"lecun_normal"`, `"orthogonal"`, `"identity"`,
#' `"variance_scaling"`), the CamelCase class names (`"GlorotUniform"`, ...)
#' and the aliases `"uniform"` (uniform on `[-0.05, 0.05]`), `"normal"`
#' (normal with standard deviation 0.05), `"one"` and `"zero"`. A plain R
#' `function(shape, dtype = NULL)` returning a tensor or an R array is also
#' accepted wherever an initializer is.
#'
#' @param value Number, default `0`: the constant to fill with (an array of
#'   the weight's shape also works).
#' @param minval,maxval Numbers, defaults `-0.05` and `0.05`: the range of
#'   the uniform distribution.
#' @param mean,stddev Numbers, defaults `0` and `0.05`: the normal
#'   distribution's mean and standard deviation.
#' @param scale Positive number, default `1`: the scaling factor of the
#'   variance.
#' @param mode One of `"fan_in"` (default), `"fan_out"`, `"fan_avg"`.
#' @param distribution One of `"truncated_normal"` (default),
#'   `"untruncated_normal"`, `"uniform"` (`"normal"` means
#'   `"truncated_normal"`).
#' @param gain Number, default `1`: multiplies the orthogonal or identity
#'   matrix.
#' @param seed `NULL` (default: draw from the session's random stream), a
#'   whole number for a fixed stream (the same values at every call), or a
#'   [random_seed_generator()] (new values at every call, reproducible).
#' @returns An initializer (class `recurrent_initializer`), a function
#'   `function(shape, dtype = NULL)` returning a tensor.
#' @examples
#' init <- initializer_glorot_uniform(seed = 1)
#' w <- init(c(3, 4))
#' w
#' identical(as.array(w), as.array(init(c(3, 4))))
#' initializer_orthogonal()(c(3, 3))
#' layer_dense(units = 2, kernel_initializer = "orthogonal")
#' @name initializers
NULL

#' @rdname initializers
#' @export
initializer_zeros <- function() new_initializer("Zeros", function(dims) rep(0, prod(dims)))

#' @rdname initializers
#' @export
initializer_ones <- function() new_initializer("Ones", function(dims) rep(1, prod(dims)))

#' @rdname initializers
#' @export
initializer_constant <- function(value = 0) {
  if (op_is_tensor(value)) value <- as.array(value)
  if (!is.numeric(value) && !is.logical(value))
    cli::cli_abort(c("{.arg value} must be a number or a numeric array.", x = "Got {.obj_type_friendly {value}}."),
                   class = c("recurrent_error_argument", "recurrent_error"))
  new_initializer("Constant", function(dims) {
    n <- prod(dims)
    if (length(value) == 1) return(rep(as.numeric(value), n))
    if (length(value) != n)
      cli::cli_abort("{.fn initializer_constant}: {.arg value} has {length(value)} values but the weight has {n}.",
                     class = c("recurrent_error_argument", "recurrent_error"))
    as.numeric(value)
  }, list(value = value))
}

#' @rdname initializers
#' @export
initializer_random_uniform <- function(minval = -0.05, maxval = 0.05, seed = NULL) {
  minval <- check_number(minval); maxval <- check_number(maxval); seed <- check_seed(seed)
  new_initializer("RandomUniform", function(dims) with_random_seed(seed, stats::runif(prod(dims), minval, maxval)),
                  list(minval = minval, maxval = maxval, seed = seed))
}

#' @rdname initializers
#' @export
initializer_random_normal <- function(mean = 0, stddev = 0.05, seed = NULL) {
  mean <- check_number(mean); stddev <- check_number(stddev); seed <- check_seed(seed)
  new_initializer("RandomNormal", function(dims) with_random_seed(seed, stats::rnorm(prod(dims), mean, stddev)),
                  list(mean = mean, stddev = stddev, seed = seed))
}

#' @rdname initializers
#' @export
initializer_truncated_normal <- function(mean = 0, stddev = 0.05, seed = NULL) {
  mean <- check_number(mean); stddev <- check_number(stddev); seed <- check_seed(seed)
  new_initializer("TruncatedNormal", function(dims) with_random_seed(seed, rtruncnorm2(prod(dims), mean, stddev)),
                  list(mean = mean, stddev = stddev, seed = seed))
}

#' @rdname initializers
#' @export
initializer_variance_scaling <- function(scale = 1, mode = "fan_in", distribution = "truncated_normal",
                                         seed = NULL) {
  scale <- check_number(scale, min = 0, min_open = TRUE)
  mode <- rlang::arg_match0(mode, c("fan_in", "fan_out", "fan_avg"))
  distribution <- rlang::arg_match0(distribution, c("truncated_normal", "untruncated_normal", "normal", "uniform"))
  if (distribution == "normal") distribution <- "truncated_normal"
  seed <- check_seed(seed)
  variance_scaling("VarianceScaling", scale, mode, distribution, seed)
}

variance_scaling <- function(class_name, scale, mode, distribution, seed) {
  config <- list(scale = scale, mode = mode, distribution = distribution, seed = seed)
  new_initializer(class_name, function(dims) {
    fans <- compute_fans(dims)
    fan <- switch(mode, fan_in = fans[["fan_in"]], fan_out = fans[["fan_out"]],
                  fan_avg = (fans[["fan_in"]] + fans[["fan_out"]]) / 2)
    variance <- scale / max(1, fan)
    n <- prod(dims)
    with_random_seed(seed, switch(distribution,
      # 0.8796... is the standard deviation of a standard normal truncated at +-2
      truncated_normal = rtruncnorm2(n, 0, sqrt(variance) / 0.87962566103423978),
      untruncated_normal = stats::rnorm(n, 0, sqrt(variance)),
      uniform = stats::runif(n, -sqrt(3 * variance), sqrt(3 * variance))
    ))
  }, config)
}

#' @rdname initializers
#' @export
initializer_glorot_uniform <- function(seed = NULL)
  variance_scaling("GlorotUniform", 1, "fan_avg", "uniform", check_seed(seed))

#' @rdname initializers
#' @export
initializer_glorot_normal <- function(seed = NULL)
  variance_scaling("GlorotNormal", 1, "fan_avg", "truncated_normal", check_seed(seed))

#' @rdname initializers
#' @export
initializer_he_uniform <- function(seed = NULL)
  variance_scaling("HeUniform", 2, "fan_in", "uniform", check_seed(seed))

#' @rdname initializers
#' @export
initializer_he_normal <- function(seed = NULL)
  variance_scaling("HeNormal", 2, "fan_in", "truncated_normal", check_seed(seed))

#' @rdname initializers
#' @export
initializer_lecun_uniform <- function(seed = NULL)
  variance_scaling("LecunUniform", 1, "fan_in", "uniform", check_seed(seed))

#' @rdname initializers
#' @export
initializer_lecun_normal <- function(seed = NULL)
  variance_scaling("LecunNormal", 1, "fan_in", "truncated_normal", check_seed(seed))

#' @rdname initializers
#' @export
initializer_orthogonal <- function(gain = 1, seed = NULL) {
  gain <- check_number(gain); seed <- check_seed(seed)
  new_initializer("OrthogonalInitializer", function(dims) {
    n <- length(dims)
    if (n < 2)
      cli::cli_abort(c("The orthogonal initializer needs a shape with at least two dimensions.",
                       x = "Got {format(shape(dims))}."),
                     class = c("recurrent_error_argument", "recurrent_error"))
    rows <- prod(dims[-n]); cols <- dims[n]
    a <- with_random_seed(seed, matrix(stats::rnorm(max(rows, cols) * min(rows, cols)), max(rows, cols)))
    qr_a <- qr(a)
    q <- qr.Q(qr_a)
    d <- diag(qr.R(qr_a))
    q <- sweep(q, 2, ifelse(d < 0, -1, 1), `*`)  # make the decomposition unique
    if (rows < cols) q <- t(q)
    c_order_values(gain * q, dims)
  }, list(gain = gain, seed = seed))
}

# A (rows, cols) matrix whose rows are the C-order flattening of the leading dims,
# as R values of an array with dims `dims` (index for index).
c_order_values <- function(m, dims) {
  if (length(dims) == 2) return(as.vector(m))
  flat <- as.vector(t(m))  # C order
  as.vector(aperm(array(flat, rev(dims)), rev(seq_along(dims))))
}

#' @rdname initializers
#' @export
initializer_identity <- function(gain = 1) {
  gain <- check_number(gain)
  new_initializer("IdentityInitializer", function(dims) {
    if (length(dims) != 2)
      cli::cli_abort(c("The identity initializer only makes 2-D matrices.",
                       x = "Got {format(shape(dims))} of rank {length(dims)}."),
                     class = c("recurrent_error_argument", "recurrent_error"))
    as.vector(gain * diag(1, dims[1], dims[2]))
  }, list(gain = gain))
}

initializer_table <- function() list(
  zeros = initializer_zeros, zero = initializer_zeros, Zeros = initializer_zeros,
  ones = initializer_ones, one = initializer_ones, Ones = initializer_ones,
  constant = initializer_constant, Constant = initializer_constant,
  random_uniform = initializer_random_uniform, uniform = initializer_random_uniform,
  RandomUniform = initializer_random_uniform,
  random_normal = initializer_random_normal, normal = initializer_random_normal,
  RandomNormal = initializer_random_normal,
  truncated_normal = initializer_truncated_normal, TruncatedNormal = initializer_truncated_normal,
  glorot_uniform = initializer_glorot_uniform, GlorotUniform = initializer_glorot_uniform,
  glorot_normal = initializer_glorot_normal, GlorotNormal = initializer_glorot_normal,
  he_uniform = initializer_he_uniform, HeUniform = initializer_he_uniform,
  he_normal = initializer_he_normal, HeNormal = initializer_he_normal,
  lecun_uniform = initializer_lecun_uniform, LecunUniform = initializer_lecun_uniform,
  lecun_normal = initializer_lecun_normal, LecunNormal = initializer_lecun_normal,
  orthogonal = initializer_orthogonal, Orthogonal = initializer_orthogonal,
  orthogonal_initializer = initializer_orthogonal, OrthogonalInitializer = initializer_orthogonal,
  identity = initializer_identity, Identity = initializer_identity,
  identity_initializer = initializer_identity, IdentityInitializer = initializer_identity,
  variance_scaling = initializer_variance_scaling, VarianceScaling = initializer_variance_scaling
)

# Anything a layer accepts as an initializer -> an initializer object (or NULL).
get_initializer <- function(x, arg = rlang::caller_arg(x), call = rlang::caller_env()) {
  if (is.null(x) || inherits(x, "recurrent_initializer")) return(x)
  table <- initializer_table()
  if (is.character(x) && length(x) == 1) {
    maker <- table[[x]]
    if (is.null(maker))
      cli::cli_abort(c("{.arg {arg}} names an unknown initializer.", x = "Got {.val {x}}.",
                       i = "Known names include {.val {c('glorot_uniform', 'orthogonal', 'uniform', 'zeros')}}."),
                     class = c("recurrent_error_argument", "recurrent_error"), call = call)
    return(maker())
  }
  if (is.list(x) && !is.null(x$class_name)) {
    maker <- table[[x$class_name]]
    if (is.null(maker))
      cli::cli_abort("{.arg {arg}} names an unknown initializer class {.val {x$class_name}}.",
                     class = c("recurrent_error_argument", "recurrent_error"), call = call)
    return(do.call(maker, x$config %||% list()))
  }
  if (is.function(x)) {
    f <- x
    takes_dtype <- "dtype" %in% names(formals(f)) || "..." %in% names(formals(f))
    return(structure(function(shape = c(2, 2), dtype = NULL) {
      dtype <- dtype %||% config_floatx()
      out <- if (takes_dtype) f(shape(shape), dtype = dtype) else f(shape(shape))
      if (op_is_tensor(out)) out else as_tensor(out, dtype)
    }, class = c("recurrent_initializer", "keras.src.initializers.initializer.Initializer"),
    class_name = "Custom", config = list()))
  }
  cli::cli_abort(c("{.arg {arg}} must be an initializer, its name, or a function {.code function(shape, dtype)}.",
                   x = "Got {.obj_type_friendly {x}}."),
                 class = c("recurrent_error_argument", "recurrent_error"), call = call)
}

#' @export
print.recurrent_initializer <- function(x, ...) {
  cat(format(x, ...), "\n", sep = "")
  invisible(x)
}

#' @export
format.recurrent_initializer <- function(x, ...) {
  cfg <- attr(x, "config")
  args <- vapply(names(cfg), function(n) paste0(n, "=", if (is.null(cfg[[n]])) "NULL" else format(cfg[[n]])[1]), "")
  sprintf("<Initializer %s(%s)>", attr(x, "class_name"), paste(args, collapse = ", "))
}
