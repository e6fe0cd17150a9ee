# Losses: per-sample functions written with op_* (so gradients flow through them)
# and Loss objects that weight and reduce them, as in Keras 3's
# keras/src/losses/{losses,loss}.py.

# ---- helpers -------------------------------------------------------------------

loss_as_tensor <- function(x) if (op_is_tensor(x)) x else as_tensor(x)

# y_pred as a tensor, y_true as a tensor of y_pred's float dtype.
loss_prepare <- function(y_true, y_pred) {
  y_pred <- loss_as_tensor(y_pred)
  if (is.factor(y_true)) y_true <- factor_codes(y_true)
  y_true <- loss_as_tensor(y_true)
  if (op_dtype(y_true) != op_dtype(y_pred)) y_true <- op_cast(y_true, op_dtype(y_pred))
  list(y_true, y_pred)
}

factor_codes <- function(x) array(as.integer(x) - 1L, dim = dim(x) %||% length(x))

# Keras's squeeze_or_expand_to_same_rank(): when ranks differ by one and the extra
# last axis has size 1, drop it (or, with a rank-1 partner, add it to the partner).
squeeze_or_expand <- function(x1, x2, expand_rank_1 = TRUE) {
  d1 <- dim(x1); d2 <- dim(x2)
  r1 <- length(d1); r2 <- length(d2)
  if (r1 == r2) return(list(x1, x2))
  if (r1 == r2 + 1 && d1[r1] == 1) {
    if (r2 == 1 && expand_rank_1) x2 <- op_expand_dims(x2, -1) else x1 <- op_squeeze(x1, -1)
  }
  if (r2 == r1 + 1 && d2[r2] == 1) {
    if (r1 == 1 && expand_rank_1) x1 <- op_expand_dims(x1, -1) else x2 <- op_squeeze(x2, -1)
  }
  list(x1, x2)
}

check_reduction <- function(reduction, call = rlang::caller_env()) {
  ok <- c("sum_over_batch_size", "sum", "none", "mean", "mean_with_sample_weight")
  if (is.null(reduction)) return("none")
  if (!is.character(reduction) || length(reduction) != 1 || !reduction %in% ok) {
    got <- describe_value(reduction)
    recurrent_abort(c("{.arg reduction} must be one of {.val {ok}} or {.code NULL}.", x = "Got {got}."), call = call)
  }
  reduction
}

# Weight per-sample loss values and reduce them (Keras's reduce_weighted_values).
# A mask (TRUE = counts) rescales as Keras does: under "sum_over_batch_size" the
# result is the mean over the unmasked values.
reduce_weighted_values <- function(values, sample_weight = NULL, reduction = "sum_over_batch_size",
                                   mask = NULL) {
  dtype <- op_dtype(values)
  if (!is.null(mask)) {
    mask <- op_cast(loss_as_tensor(mask), dtype)
    if (reduction %in% c("mean", "sum_over_batch_size")) {
      total <- length(mask)
      valid <- as.numeric(as.array(op_sum(mask)))
      mask <- op_multiply(mask, if (valid > 0) total / valid else 0)
    }
    sample_weight <- if (is.null(sample_weight)) mask else {
      sw <- op_cast(loss_as_tensor(sample_weight), dtype)
      p <- squeeze_or_expand(mask, sw); mask <- p[[1]]; sw <- p[[2]]
      op_multiply(sw, mask)
    }
  }
  if (!is.null(sample_weight)) {
    sw <- sample_weight
    if (!op_is_tensor(sw)) sw <- as_tensor(array(as.numeric(sw), dim = dim(sw) %||% length(sw)))
    sw <- op_cast(sw, dtype)
    p <- squeeze_or_expand(values, sw); values <- p[[1]]; sw <- p[[2]]
    # per-sample weights on per-timestep values: weight every step of a sample
    while (length(dim(sw)) < length(dim(values))) sw <- op_expand_dims(sw, -1)
    values <- op_multiply(values, sw)
    sample_weight <- sw
  }
  d <- dim(values)
  if (reduction == "none" || length(d) == 0 || identical(as.integer(d), 0L)) return(values)
  loss <- op_sum(values)
  if (reduction %in% c("sum_over_batch_size", "mean", "mean_with_sample_weight")) {
    divisor <- if (reduction == "mean_with_sample_weight" && !is.null(sample_weight))
      as.numeric(as.array(op_sum(op_broadcast_to(sample_weight, d)))) else prod(d)
    loss <- if (divisor == 0) op_multiply(loss, 0) else op_divide(loss, divisor)
  }
  loss
}

# ---- per-sample functions (Keras's function forms) --------------------------------

fn_mean_squared_error <- function(y_true, y_pred) {
  p <- loss_prepare(y_true, y_pred); y_true <- p[[1]]; y_pred <- p[[2]]
  p <- squeeze_or_expand(y_true, y_pred); y_true <- p[[1]]; y_pred <- p[[2]]
  op_mean(op_square(op_subtract(y_true, y_pred)), axis = -1)
}

fn_mean_absolute_error <- function(y_true, y_pred) {
  p <- loss_prepare(y_true, y_pred); y_true <- p[[1]]; y_pred <- p[[2]]
  p <- squeeze_or_expand(y_true, y_pred); y_true <- p[[1]]; y_pred <- p[[2]]
  op_mean(op_abs(op_subtract(y_true, y_pred)), axis = -1)
}

fn_mean_absolute_percentage_error <- function(y_true, y_pred) {
  p <- loss_prepare(y_true, y_pred); y_true <- p[[1]]; y_pred <- p[[2]]
  p <- squeeze_or_expand(y_true, y_pred); y_true <- p[[1]]; y_pred <- p[[2]]
  diff <- op_abs(op_divide(op_subtract(y_true, y_pred), op_maximum(op_abs(y_true), config_epsilon())))
  op_multiply(op_mean(diff, axis = -1), 100)
}

fn_mean_squared_logarithmic_error <- function(y_true, y_pred) {
  p <- loss_prepare(y_true, y_pred); y_true <- p[[1]]; y_pred <- p[[2]]
  p <- squeeze_or_expand(y_true, y_pred); y_true <- p[[1]]; y_pred <- p[[2]]
  eps <- config_epsilon()
  a <- op_log(op_add(op_maximum(y_pred, eps), 1))
  b <- op_log(op_add(op_maximum(y_true, eps), 1))
  op_mean(op_square(op_subtract(a, b)), axis = -1)
}

fn_huber <- function(y_true, y_pred, delta = 1) {
  p <- loss_prepare(y_true, y_pred); y_true <- p[[1]]; y_pred <- p[[2]]
  p <- squeeze_or_expand(y_true, y_pred); y_true <- p[[1]]; y_pred <- p[[2]]
  error <- op_subtract(y_pred, y_true)
  abs_error <- op_abs(error)
  quadratic <- op_multiply(op_square(error), 0.5)
  linear <- op_subtract(op_multiply(abs_error, delta), 0.5 * delta^2)
  op_mean(op_where(op_less_equal(abs_error, delta), quadratic, linear), axis = -1)
}

fn_log_cosh <- function(y_true, y_pred) {
  p <- loss_prepare(y_true, y_pred); y_true <- p[[1]]; y_pred <- p[[2]]
  p <- squeeze_or_expand(y_true, y_pred); y_true <- p[[1]]; y_pred <- p[[2]]
  # log(cosh(x)) = x + softplus(-2x) - log(2), stable for large |x|
  x <- op_subtract(y_pred, y_true)
  op_mean(op_subtract(op_add(x, op_softplus(op_multiply(x, -2))), log(2)), axis = -1)
}

fn_binary_crossentropy <- function(y_true, y_pred, from_logits = FALSE, label_smoothing = 0, axis = -1L) {
  p <- loss_prepare(y_true, y_pred); y_true <- p[[1]]; y_pred <- p[[2]]
  p <- squeeze_or_expand(y_true, y_pred); y_true <- p[[1]]; y_pred <- p[[2]]
  if (label_smoothing) y_true <- op_add(op_multiply(y_true, 1 - label_smoothing), 0.5 * label_smoothing)
  if (from_logits) {
    # max(x, 0) - x * z + log(1 + exp(-|x|)), the stable form for logits x
    bce <- op_add(op_subtract(op_relu(y_pred), op_multiply(y_pred, y_true)),
                  op_log1p(op_exp(op_negative(op_abs(y_pred)))))
  } else {
    eps <- config_epsilon()
    p <- op_clip(y_pred, eps, 1 - eps)
    bce <- op_negative(op_add(op_multiply(y_true, op_log(p)),
                              op_multiply(op_subtract(1, y_true), op_log(op_subtract(1, p)))))
  }
  op_mean(bce, axis = axis)
}

fn_categorical_crossentropy <- function(y_true, y_pred, from_logits = FALSE, label_smoothing = 0, axis = -1L) {
  p <- loss_prepare(y_true, y_pred); y_true <- p[[1]]; y_pred <- p[[2]]
  p <- squeeze_or_expand(y_true, y_pred); y_true <- p[[1]]; y_pred <- p[[2]]
  if (!identical(dim(y_true), dim(y_pred)))
    recurrent_abort(c("{.arg y_true} and {.arg y_pred} must have the same shape for categorical crossentropy.",
                      x = "Got shapes ({toString(dim(y_true))}) and ({toString(dim(y_pred))}).",
                      i = "For integer class labels use {.fn loss_sparse_categorical_crossentropy}."), call = NULL)
  if (label_smoothing) {
    k <- dim(y_pred)[if (axis < 0) length(dim(y_pred)) + axis + 1 else axis]
    y_true <- op_add(op_multiply(y_true, 1 - label_smoothing), label_smoothing / k)
  }
  op_negative(op_sum(op_multiply(y_true, class_log_probs(y_pred, from_logits, axis)), axis = axis))
}

# log-probabilities along `axis`: log_softmax of logits, or the log of the
# renormalised probabilities clipped to [eps, 1 - eps] (as Keras does).
class_log_probs <- function(y_pred, from_logits, axis) {
  if (from_logits) return(op_log_softmax(y_pred, axis = axis))
  eps <- config_epsilon()
  p <- op_divide(y_pred, op_sum(y_pred, axis = axis, keepdims = TRUE))
  op_log(op_clip(p, eps, 1 - eps))
}

fn_sparse_categorical_crossentropy <- function(y_true, y_pred, from_logits = FALSE, ignore_class = NULL,
                                               axis = -1L) {
  y_pred <- loss_as_tensor(y_pred)
  if (is.factor(y_true)) y_true <- factor_codes(y_true)
  y_true <- loss_as_tensor(y_true)
  dp <- dim(y_pred); dt <- dim(y_true)
  if (length(dt) == length(dp) && dt[length(dt)] == 1) y_true <- op_squeeze(y_true, -1)
  dt <- dim(y_true)
  if (!identical(as.integer(dt), as.integer(dp[-length(dp)])))
    recurrent_abort(c("{.arg y_true} must have the shape of {.arg y_pred} without its last (class) axis.",
                      x = "Got shapes ({toString(dt)}) and ({toString(dp)}).",
                      i = "Sparse targets are 0-based class ids; use {.fn loss_categorical_crossentropy} for one-hot targets."),
                    call = NULL)
  labels <- op_cast(y_true, "int32")
  valid <- NULL
  if (!is.null(ignore_class)) {
    valid <- op_not_equal(labels, as.integer(ignore_class))
    labels <- op_where(valid, labels, 0L)
    y_pred <- op_where(op_expand_dims(valid, -1), y_pred, 0)
  }
  onehot <- op_one_hot(labels, dp[length(dp)], dtype = op_dtype(y_pred), zero_indexed = TRUE)
  res <- op_negative(op_sum(op_multiply(onehot, class_log_probs(y_pred, from_logits, axis)), axis = axis))
  if (!is.null(valid)) {
    res <- op_where(valid, res, 0)
    attr(res, "recurrent_mask") <- valid
  }
  res
}

fn_kl_divergence <- function(y_true, y_pred) {
  p <- loss_prepare(y_true, y_pred); y_true <- p[[1]]; y_pred <- p[[2]]
  p <- squeeze_or_expand(y_true, y_pred); y_true <- p[[1]]; y_pred <- p[[2]]
  eps <- config_epsilon()
  t <- op_clip(y_true, eps, 1); p <- op_clip(y_pred, eps, 1)
  op_sum(op_multiply(t, op_log(op_divide(t, p))), axis = -1)
}

fn_poisson <- function(y_true, y_pred) {
  p <- loss_prepare(y_true, y_pred); y_true <- p[[1]]; y_pred <- p[[2]]
  p <- squeeze_or_expand(y_true, y_pred); y_true <- p[[1]]; y_pred <- p[[2]]
  op_mean(op_subtract(y_pred, op_multiply(y_true, op_log(op_add(y_pred, config_epsilon())))), axis = -1)
}

# ---- Loss objects --------------------------------------------------------------

new_loss <- function(fn, fn_args, name, reduction, dtype = NULL, keras_class = "LossFunctionWrapper",
                     call = rlang::caller_env()) {
  spec <- list(fn = fn, fn_args = fn_args, name = check_string(name, "name", call = call),
               reduction = check_reduction(reduction, call = call), dtype = dtype)
  obj <- function(y_true, y_pred, sample_weight = NULL) {
    values <- do.call(spec$fn, c(list(y_true, y_pred), spec$fn_args))
    if (!op_is_tensor(values)) values <- as_tensor(values)
    # a mask on the predictions (from masked sequence layers) combines with one
    # the loss function sets (ignore_class), as in Keras's Loss.__call__
    mask <- attr(values, "recurrent_mask")
    in_mask <- if (op_is_tensor(y_pred)) attr(y_pred, "keras_mask", exact = TRUE) else NULL
    if (!is.null(in_mask) && identical(dim(in_mask), dim(values)))
      mask <- if (is.null(mask)) in_mask else op_logical_and(in_mask, mask)
    reduce_weighted_values(values, sample_weight, spec$reduction, mask = mask)
  }
  structure(obj, spec = spec,
            class = c("recurrent_loss", paste0("keras.src.losses.losses.", keras_class),
                      "keras.src.losses.loss.Loss", "function"))
}

#' @export
`$.recurrent_loss` <- function(x, name) {
  spec <- attr(x, "spec")
  switch(name,
    call = function(y_true, y_pred) do.call(spec$fn, c(list(y_true, y_pred), spec$fn_args)),
    get_config = function() c(list(name = spec$name, reduction = spec$reduction), spec$fn_args),
    spec[[name]] %||% spec$fn_args[[name]]
  )
}

#' @export
print.recurrent_loss <- function(x, ...) {
  spec <- attr(x, "spec")
  args <- spec$fn_args
  extra <- if (length(args)) paste0(", ", paste(names(args), vapply(args, function(a) if (is.null(a)) "NULL" else format(a), ""),
                                                sep = "=", collapse = ", ")) else ""
  cat(sprintf("<Loss %s: reduction=%s%s>\n", spec$name, spec$reduction, extra))
  invisible(x)
}

# The dual-use pattern of keras3: with y_true and y_pred, the per-sample values;
# without, a Loss object.
loss_dispatch <- function(fn, y_true, y_pred, fn_args, name, reduction, dtype, keras_class, call) {
  if (missing(y_true) && missing(y_pred))
    return(new_loss(fn, fn_args, name, reduction, dtype, keras_class, call = call))
  if (missing(y_true) || missing(y_pred))
    recurrent_abort("Supply both {.arg y_true} and {.arg y_pred}, or neither (to get a loss object).", call = call)
  do.call(fn, c(list(y_true, y_pred), fn_args))
}

#' Loss functions
#'
#' Each function has two uses, as in keras3. Called with `y_true` and `y_pred` it
#' returns the per-sample loss values (a tensor with the last axis reduced).
#' Called without them it returns a loss object for [compile()]; the object is
#' itself a function `loss(y_true, y_pred, sample_weight = NULL)` that weights
#' the per-sample values and reduces them to a scalar. [compile()] also accepts
#' the names `"mse"`, `"mean_squared_error"`, `"mae"`, `"mean_absolute_error"`,
#' `"mape"`, `"msle"`, `"huber"`, `"log_cosh"`, `"binary_crossentropy"`,
#' `"categorical_crossentropy"`, `"sparse_categorical_crossentropy"`,
#' `"kl_divergence"`, `"poisson"`, and `"crossentropy"` (chosen from the shapes
#' of the targets and outputs as Keras does).
#'
#' The formulas are Keras 3's: mean squared error `mean((y_true - y_pred)^2)`
#' over the last axis; mean absolute error `mean(abs(y_true - y_pred))`; Huber
#' `0.5 * e^2` where `abs(e) <= delta`, else `delta * abs(e) - 0.5 * delta^2`;
#' binary crossentropy `-(y log p + (1 - y) log(1 - p))` with `p` clipped to
#' `[1e-7, 1 - 1e-7]`, averaged over the last axis; categorical crossentropy
#' `-sum(y_true * log(p))` with `p` renormalised and clipped; sparse categorical
#' crossentropy is the same with `y_true` given as **0-based** class ids (a
#' factor is converted to its 0-based codes). With `from_logits = TRUE` the
#' predictions are logits and a numerically stable form is used.
#'
#' @param y_true Targets: an R array or tensor. For
#'   `loss_sparse_categorical_crossentropy()`, 0-based integer class ids of shape
#'   `(batch)` or `(batch, 1)` (or a factor).
#' @param y_pred Predictions: an R array or tensor.
#' @param ... Must be empty.
#' @param from_logits Logical. Whether `y_pred` holds logits rather than
#'   probabilities. Default `FALSE`.
#' @param label_smoothing Number in `[0, 1]`: targets are pulled towards
#'   uniform by this amount. Default `0`.
#' @param axis The class axis. Default `-1` (the last).
#' @param ignore_class `NULL` or a class id (0-based) whose targets count for
#'   nothing (for example padding).
#' @param delta Number > 0: where Huber loss turns from quadratic to linear.
#'   Default `1`.
#' @param reduction How a loss object reduces per-sample values: `"sum_over_batch_size"`
#'   (default; the sum divided by the number of values), `"sum"`, `"mean"`,
#'   `"mean_with_sample_weight"` (divided by the sum of the weights) or `"none"`.
#' @param name String, the loss object's name.
#' @param dtype Ignored (computations use the dtype of `y_pred`).
#' @returns With `y_true` and `y_pred`: a tensor of per-sample losses. Without:
#'   a loss object (class `recurrent_loss`).
#' @examples
#' y_true <- rbind(c(0, 1), c(0, 0))
#' y_pred <- rbind(c(0.6, 0.4), c(0.4, 0.6))
#' loss_mean_squared_error(y_true, y_pred)
#' mse <- loss_mean_squared_error()
#' mse(y_true, y_pred)
#' mse(y_true, y_pred, sample_weight = c(0.7, 0.3))
#'
#' loss_sparse_categorical_crossentropy(c(1, 2), rbind(c(0.05, 0.95, 0), c(0.1, 0.8, 0.1)))
#' loss_binary_crossentropy(rbind(0, 1), rbind(-2, 3), from_logits = TRUE)
#' loss_huber(c(0, 1), c(0.5, 3), delta = 1)
#' @name losses
NULL

#' @rdname losses
#' @export
loss_mean_squared_error <- function(y_true, y_pred, ..., reduction = "sum_over_batch_size",
                                    name = "mean_squared_error", dtype = NULL) {
  check_dots_empty(list(...))
  loss_dispatch(fn_mean_squared_error, y_true, y_pred, list(), name, reduction, dtype,
                "MeanSquaredError", rlang::current_env())
}

#' @rdname losses
#' @export
loss_mean_absolute_error <- function(y_true, y_pred, ..., reduction = "sum_over_batch_size",
                                     name = "mean_absolute_error", dtype = NULL) {
  check_dots_empty(list(...))
  loss_dispatch(fn_mean_absolute_error, y_true, y_pred, list(), name, reduction, dtype,
                "MeanAbsoluteError", rlang::current_env())
}

#' @rdname losses
#' @export
loss_mean_absolute_percentage_error <- function(y_true, y_pred, ..., reduction = "sum_over_batch_size",
                                                name = "mean_absolute_percentage_error", dtype = NULL) {
  check_dots_empty(list(...))
  loss_dispatch(fn_mean_absolute_percentage_error, y_true, y_pred, list(), name, reduction, dtype,
                "MeanAbsolutePercentageError", rlang::current_env())
}

#' @rdname losses
#' @export
loss_mean_squared_logarithmic_error <- function(y_true, y_pred, ..., reduction = "sum_over_batch_size",
                                                name = "mean_squared_logarithmic_error", dtype = NULL) {
  check_dots_empty(list(...))
  loss_dispatch(fn_mean_squared_logarithmic_error, y_true, y_pred, list(), name, reduction, dtype,
                "MeanSquaredLogarithmicError", rlang::current_env())
}

#' @rdname losses
#' @export
loss_huber <- function(y_true, y_pred, delta = 1, ..., reduction = "sum_over_batch_size",
                       name = "huber_loss", dtype = NULL) {
  check_dots_empty(list(...))
  delta <- check_number(delta, min = 0, min_open = TRUE)
  loss_dispatch(fn_huber, y_true, y_pred, list(delta = delta), name, reduction, dtype, "Huber",
                rlang::current_env())
}

#' @rdname losses
#' @export
loss_log_cosh <- function(y_true, y_pred, ..., reduction = "sum_over_batch_size", name = "log_cosh",
                          dtype = NULL) {
  check_dots_empty(list(...))
  loss_dispatch(fn_log_cosh, y_true, y_pred, list(), name, reduction, dtype, "LogCosh", rlang::current_env())
}

#' @rdname losses
#' @export
loss_binary_crossentropy <- function(y_true, y_pred, from_logits = FALSE, label_smoothing = 0, axis = -1L, ...,
                                     reduction = "sum_over_batch_size", name = "binary_crossentropy",
                                     dtype = NULL) {
  check_dots_empty(list(...))
  args <- list(from_logits = check_flag(from_logits), label_smoothing = check_number(label_smoothing, min = 0, max = 1),
               axis = loss_axis(axis))
  loss_dispatch(fn_binary_crossentropy, y_true, y_pred, args, name, reduction, dtype, "BinaryCrossentropy",
                rlang::current_env())
}

#' @rdname losses
#' @export
loss_categorical_crossentropy <- function(y_true, y_pred, from_logits = FALSE, label_smoothing = 0, axis = -1L,
                                          ..., reduction = "sum_over_batch_size",
                                          name = "categorical_crossentropy", dtype = NULL) {
  check_dots_empty(list(...))
  args <- list(from_logits = check_flag(from_logits), label_smoothing = check_number(label_smoothing, min = 0, max = 1),
               axis = loss_axis(axis))
  loss_dispatch(fn_categorical_crossentropy, y_true, y_pred, args, name, reduction, dtype,
                "CategoricalCrossentropy", rlang::current_env())
}

#' @rdname losses
#' @export
loss_sparse_categorical_crossentropy <- function(y_true, y_pred, from_logits = FALSE, ignore_class = NULL,
                                                 axis = -1L, ..., reduction = "sum_over_batch_size",
                                                 name = "sparse_categorical_crossentropy", dtype = NULL) {
  check_dots_empty(list(...))
  args <- list(from_logits = check_flag(from_logits), ignore_class = check_count(ignore_class, null_ok = TRUE),
               axis = loss_axis(axis))
  loss_dispatch(fn_sparse_categorical_crossentropy, y_true, y_pred, args, name, reduction, dtype,
                "SparseCategoricalCrossentropy", rlang::current_env())
}

#' @rdname losses
#' @export
loss_kl_divergence <- function(y_true, y_pred, ..., reduction = "sum_over_batch_size", name = "kl_divergence",
                               dtype = NULL) {
  check_dots_empty(list(...))
  loss_dispatch(fn_kl_divergence, y_true, y_pred, list(), name, reduction, dtype, "KLDivergence",
                rlang::current_env())
}

#' @rdname losses
#' @export
loss_poisson <- function(y_true, y_pred, ..., reduction = "sum_over_batch_size", name = "poisson", dtype = NULL) {
  check_dots_empty(list(...))
  loss_dispatch(fn_poisson, y_true, y_pred, list(), name, reduction, dtype, "Poisson", rlang::current_env())
}

loss_axis <- function(axis, call = rlang::caller_env()) {
  if (!is.numeric(axis) || length(axis) != 1 || is.na(axis) || axis != trunc(axis) || axis == 0)
    recurrent_abort(c("{.arg axis} must be a single non-zero whole number (1-based, or negative from the end).",
                      x = "Got {describe_value(axis)}."), call = call)
  as.integer(axis)
}

# ---- resolving compile(loss = ) ------------------------------------------------------

loss_registry <- function() c(list(
  mse = fn_mean_squared_error, mean_squared_error = fn_mean_squared_error,
  mae = fn_mean_absolute_error, mean_absolute_error = fn_mean_absolute_error,
  mape = fn_mean_absolute_percentage_error, mean_absolute_percentage_error = fn_mean_absolute_percentage_error,
  msle = fn_mean_squared_logarithmic_error, mean_squared_logarithmic_error = fn_mean_squared_logarithmic_error,
  huber = fn_huber, huber_loss = fn_huber, log_cosh = fn_log_cosh, logcosh = fn_log_cosh,
  binary_crossentropy = fn_binary_crossentropy, bce = fn_binary_crossentropy,
  categorical_crossentropy = fn_categorical_crossentropy,
  sparse_categorical_crossentropy = fn_sparse_categorical_crossentropy,
  kl_divergence = fn_kl_divergence, kld = fn_kl_divergence, poisson = fn_poisson
), loss_registry_extra())

# Is `x` one of the dual-use loss_*/metric_* constructors (to be called for its object)?
is_dual_use_constructor <- function(x) {
  is.function(x) && !inherits(x, c("recurrent_loss", "recurrent_metric")) &&
    all(c("name", "dtype") %in% names(formals(x))) &&
    (identical(names(formals(x))[1:2], c("y_true", "y_pred")) || identical(names(formals(x))[1], "..."))
}

# A loss object from what compile() was given. `y_true`/`y_pred` shapes resolve
# "crossentropy"; they may be NULL until the first batch is seen.
resolve_loss <- function(x, y_true = NULL, y_pred = NULL, call = rlang::caller_env()) {
  if (inherits(x, "recurrent_loss")) return(x)
  if (is_dual_use_constructor(x)) return(x())
  if (is.character(x) && length(x) == 1) {
    key <- tolower(x)
    if (key %in% c("crossentropy", "ce")) {
      kind <- classify_targets(y_true, y_pred)
      fn <- switch(kind, binary = fn_binary_crossentropy, sparse = fn_sparse_categorical_crossentropy,
                   fn_categorical_crossentropy)
      return(new_loss(fn, list(), x, "sum_over_batch_size"))
    }
    fn <- loss_registry()[[key]]
    if (is.null(fn)) {
      choices <- names(loss_registry())
      recurrent_abort(c("Unknown loss {.val {x}}.", i = "Known names: {.val {choices}}."), call = call)
    }
    return(new_loss(fn, list(), x, "sum_over_batch_size"))
  }
  if (is.function(x)) {
    name <- attr(x, "name") %||% attr(x, "py_function_name") %||% "custom_loss"
    return(new_loss(function(y_true, y_pred) x(y_true, y_pred), list(), name, "sum_over_batch_size"))
  }
  recurrent_abort(c("{.arg loss} must be a loss object, a loss name or a function of {.code (y_true, y_pred)}.",
                    x = "Got {describe_value(x)}."), call = call)
}

# Keras's is_binary_or_sparse_categorical() on dims: "binary", "sparse" or "categorical".
classify_targets <- function(y_true, y_pred) {
  dt <- dim(y_true) %||% length(y_true); dp <- dim(y_pred) %||% length(y_pred)
  if (dp[length(dp)] == 1) return("binary")
  if (length(dt) < length(dp) || (dt[length(dt)] == 1 && dp[length(dp)] > 1)) return("sparse")
  "categorical"
}
