# Metrics: stateful running means (Keras 3's keras/src/metrics/reduction_metrics.py)
# over per-sample values from op_* functions. The state lives in R doubles; each
# metric object is a function (update, then result) carrying an R6 object.

MetricBase <- R6::R6Class("recurrent_MetricBase",
  lock_objects = FALSE,
  public = list(
    name = NULL,
    dtype = NULL,
    # "up" (accuracies) or "down" (errors): lets callbacks with mode = "auto" know
    # whether larger is better.
    direction = NULL,
    total = 0,
    count = 0,
    initialize = function(name, dtype = NULL, direction = NULL) {
      self$name <- name
      # Keras's metrics report their dtype (floatx unless given) in get_config()
      self$dtype <- dtype %||% config_floatx()
      self$direction <- direction
    },
    # Add per-sample values (an R array or tensor whose first axis is the batch).
    update_values = function(values, sample_weight = NULL) {
      r <- samplewise_values(values, sample_weight)
      self$total <- self$total + sum(r$values)
      self$count <- self$count + (if (is.null(r$weights)) max(NROW(r$values), 1) else sum(r$weights))
      invisible(self)
    },
    update_state = function(...) recurrent_abort("This metric does not define {.fn update_state}.", call = NULL),
    result = function() if (self$count == 0) 0 else self$total / self$count,
    reset_state = function() {
      self$total <- 0
      self$count <- 0
      invisible(self)
    },
    get_config = function() list(name = self$name, dtype = self$dtype),
    format = function(...) sprintf("<Metric %s: result=%s>", self$name, format(self$result(), digits = 4)),
    print = function(...) {
      cat(self$format(), "\n", sep = "")
      invisible(self)
    }
  )
)

# metric_mean(): a weighted mean of the values given to update_state().
MeanMetric <- R6::R6Class("recurrent_MeanMetric", inherit = MetricBase, lock_objects = FALSE,
  public = list(
    update_state = function(values, sample_weight = NULL) self$update_values(values, sample_weight)
  )
)

SumMetric <- R6::R6Class("recurrent_SumMetric", inherit = MetricBase, lock_objects = FALSE,
  public = list(
    update_state = function(values, sample_weight = NULL) {
      r <- samplewise_values(values, sample_weight, sum)
      self$total <- self$total + sum(r$values)
      invisible(self)
    },
    result = function() self$total
  )
)

# The mean of a per-sample function of (y_true, y_pred). Its config is Keras's: the
# function's arguments (threshold, from_logits, axis, k, ...) after name and dtype;
# a wrapper around a user's function (metric_mean_wrapper(), Keras's own
# MeanMetricWrapper class) also names the function, as `fn`.
MeanMetricWrapper <- R6::R6Class("recurrent_MeanMetricWrapper", inherit = MetricBase, lock_objects = FALSE,
  public = list(
    fn = NULL,
    fn_args = NULL,
    config_fn = FALSE,
    initialize = function(fn, fn_args = list(), name, dtype = NULL, direction = NULL, config_fn = FALSE) {
      super$initialize(name, dtype, direction)
      self$fn <- fn
      self$fn_args <- fn_args
      self$config_fn <- config_fn
    },
    get_config = function() {
      c(list(name = self$name, dtype = self$dtype), if (self$config_fn) list(fn = self$fn), self$fn_args)
    },
    update_state = function(y_true, y_pred, sample_weight = NULL) {
      values <- without_gradient_recording(do.call(self$fn, c(list(y_true, y_pred), self$fn_args)))
      mask <- if (op_is_tensor(values)) attr(values, "recurrent_mask") else NULL
      # a mask on the predictions (masked timesteps) weights them out, as in Keras
      in_mask <- if (op_is_tensor(y_pred)) attr(y_pred, "keras_mask", exact = TRUE) else NULL
      if (!is.null(in_mask) && identical(dim(in_mask), dim(values))) mask <- mask %||% in_mask
      if (!is.null(mask)) {
        mask <- as.array(mask) * 1
        sample_weight <- if (is.null(sample_weight)) mask else metric_array(sample_weight) * mask
      }
      self$update_values(values, sample_weight)
    }
  )
)

RootMeanSquaredErrorMetric <- R6::R6Class("recurrent_RootMeanSquaredError", inherit = MetricBase, lock_objects = FALSE,
  public = list(
    update_state = function(y_true, y_pred, sample_weight = NULL) {
      err <- without_gradient_recording({
        p <- loss_prepare(y_true, y_pred)
        p <- squeeze_or_expand(p[[1]], p[[2]])
        op_square(op_subtract(p[[2]], p[[1]]))
      })
      self$update_values(err, sample_weight)
    },
    result = function() sqrt(super$result())
  )
)

metric_array <- function(x) {
  if (op_is_tensor(x)) x <- as.array(x)
  if (is.factor(x)) x <- factor_codes(x)
  x <- x * 1
  if (is.null(dim(x))) dim(x) <- length(x)
  x
}

# Keras's reduce_to_samplewise_values() on R arrays: per-sample values (means over
# every axis after the first) and, with weights, the weights per sample.
samplewise_values <- function(values, sample_weight = NULL, reduce = mean) {
  v <- metric_array(values)
  # the mean over trailing axes, keeping the first k
  keep_leading <- function(a, k) {
    d <- dim(a)
    if (length(d) <= k) return(a)
    m <- matrix(a, nrow = prod(d[seq_len(k)]))
    out <- if (identical(reduce, sum)) rowSums(m) else rowMeans(m)
    array(out, dim = d[seq_len(k)])
  }
  w <- NULL
  if (!is.null(sample_weight)) {
    w <- metric_array(sample_weight)
    dv <- dim(v); dw <- dim(w)
    if (length(dv) == length(dw) + 1 && dv[length(dv)] == 1) {
      v <- array(v, dim = dv[-length(dv)])
    } else if (length(dw) == length(dv) + 1 && dw[length(dw)] == 1) {
      w <- array(w, dim = dw[-length(dw)])
    }
    wn <- length(dim(w))
    if (length(dim(v)) > wn) v <- keep_leading(v, wn)
    if (length(w) == 1) {
      w <- array(rep(as.numeric(w), length(v)), dim = dim(v))
    } else if (length(w) != length(v)) {
      recurrent_abort(c("{.arg sample_weight} does not fit the metric values.",
                        x = "Got {length(w)} weight{?s} for values of shape ({toString(dim(v))})."), call = NULL)
    }
    v <- v * as.numeric(w)
    if (wn > 1) w <- keep_leading(w, 1)
  }
  if (length(dim(v)) > 1) v <- keep_leading(v, 1)
  list(values = as.numeric(v), weights = if (is.null(w)) NULL else as.numeric(w))
}

# ---- per-sample metric functions -------------------------------------------------

fn_binary_accuracy <- function(y_true, y_pred, threshold = 0.5) {
  p <- loss_prepare(y_true, y_pred)
  p <- squeeze_or_expand(p[[1]], p[[2]])
  pred <- op_cast(op_greater(p[[2]], threshold), op_dtype(p[[1]]))
  op_cast(op_equal(p[[1]], pred), config_floatx())
}

fn_categorical_accuracy <- function(y_true, y_pred) {
  y_pred <- loss_as_tensor(y_pred)
  truth <- op_argmax(loss_as_tensor(y_true), axis = -1, zero_indexed = TRUE)
  pred <- op_argmax(y_pred, axis = -1, zero_indexed = TRUE)
  op_cast(op_equal(truth, pred), config_floatx())
}

fn_sparse_categorical_accuracy <- function(y_true, y_pred) {
  y_pred <- loss_as_tensor(y_pred)
  if (is.factor(y_true)) y_true <- factor_codes(y_true)
  y_true <- loss_as_tensor(y_true)
  dt <- dim(y_true); dp <- dim(y_pred)
  if (length(dt) == length(dp) && dt[length(dt)] == 1) y_true <- op_squeeze(y_true, -1)
  pred <- op_argmax(y_pred, axis = -1, zero_indexed = TRUE)
  matches <- op_cast(op_equal(op_cast(y_true, "float64"), op_cast(pred, "float64")), config_floatx())
  dm <- dim(matches)
  if (length(dm) > 1 && dm[length(dm)] == 1) matches <- op_squeeze(matches, -1)
  matches
}

# ---- constructors ------------------------------------------------------------------

new_metric <- function(r6, ..., keras_class) {
  obj <- r6$new(...)
  f <- function(y_true, y_pred, sample_weight = NULL) {
    obj$update_state(y_true, y_pred, sample_weight)
    obj$result()
  }
  structure(f, metric = obj,
            class = c("recurrent_metric", paste0("keras.src.metrics.", keras_class),
                      "keras.src.metrics.metric.Metric", "function"))
}

metric_object <- function(x) attr(x, "metric", exact = TRUE)

#' @export
`$.recurrent_metric` <- function(x, name) metric_object(x)[[name]]

#' @export
`$<-.recurrent_metric` <- function(x, name, value) {
  obj <- metric_object(x)
  obj[[name]] <- value
  x
}

#' @export
print.recurrent_metric <- function(x, ...) metric_object(x)$print()

#' @export
format.recurrent_metric <- function(x, ...) metric_object(x)$format()

# keras3's dual use: with y_true and y_pred the per-sample values, else an object.
metric_dispatch <- function(fn, y_true, y_pred, fn_args, name, dtype, direction, keras_class, call) {
  if (missing(y_true) && missing(y_pred))
    return(new_metric(MeanMetricWrapper, fn, fn_args, name = check_string(name, "name", call = call),
                      dtype = dtype, direction = direction, keras_class = keras_class))
  if (missing(y_true) || missing(y_pred))
    recurrent_abort("Supply both {.arg y_true} and {.arg y_pred}, or neither (to get a metric object).", call = call)
  do.call(fn, c(list(y_true, y_pred), fn_args))
}

#' Metrics
#'
#' Metrics judge a model during training and evaluation; unlike losses they are
#' not differentiated. As in keras3, each `metric_*()` function called with
#' `y_true` and `y_pred` returns per-sample values; called without them it
#' returns a metric object for `compile(metrics = )`. A metric object keeps a
#' running, optionally weighted, mean across batches: `m$update_state(y_true,
#' y_pred, sample_weight)`, `m$result()`, `m$reset_state()`; calling `m(y_true,
#' y_pred)` updates and returns the result.
#'
#' [compile()] also accepts names: `"mse"`, `"mae"`, `"mape"`, `"rmse"`, the
#' full snake-case names such as `"mean_squared_error"`, `"binary_accuracy"`,
#' `"categorical_accuracy"`, `"sparse_categorical_accuracy"`, the crossentropies,
#' `"auc"` (a [metric_auc()] with its defaults), and `"accuracy"` / `"acc"`,
#' which becomes binary accuracy when the model's output has one unit per
#' sample, sparse categorical accuracy when the targets have one axis fewer than
#' the outputs (or a last axis of 1), and categorical accuracy otherwise. The history and progress bar show a metric under the name
#' it was given (`"mse"`, `"accuracy"`), or an object's `name`.
#'
#' @param y_true,y_pred Targets and predictions (R arrays or tensors). For sparse
#'   categorical accuracy, targets are 0-based class ids.
#' @param ... Must be empty.
#' @param threshold Number: predictions above it count as 1. Default `0.5`.
#' @param from_logits,label_smoothing,axis,ignore_class As for [losses].
#' @param name String, the metric's name (shown in the history).
#' @param dtype Ignored.
#' @returns With `y_true` and `y_pred`: a tensor of per-sample values. Without:
#'   a metric object (class `recurrent_metric`).
#' @examples
#' m <- metric_mean_absolute_error()
#' m$update_state(c(0, 1), c(0.5, 0.5))
#' m$update_state(c(1, 1), c(1, 0))
#' m$result()
#' m$reset_state()
#'
#' metric_binary_accuracy(c(1, 0, 1), c(0.9, 0.6, 0.2))
#' acc <- metric_sparse_categorical_accuracy()
#' acc(c(0, 2), rbind(c(0.7, 0.2, 0.1), c(0.5, 0.4, 0.1)))
#' @name metrics
NULL

#' @rdname metrics
#' @export
metric_mean_squared_error <- function(y_true, y_pred, ..., name = "mean_squared_error", dtype = NULL) {
  check_dots_empty(list(...))
  metric_dispatch(fn_mean_squared_error, y_true, y_pred, list(), name, dtype, "down",
                  "regression_metrics.MeanSquaredError", rlang::current_env())
}

#' @rdname metrics
#' @export
metric_mean_absolute_error <- function(y_true, y_pred, ..., name = "mean_absolute_error", dtype = NULL) {
  check_dots_empty(list(...))
  metric_dispatch(fn_mean_absolute_error, y_true, y_pred, list(), name, dtype, "down",
                  "regression_metrics.MeanAbsoluteError", rlang::current_env())
}

#' @rdname metrics
#' @export
metric_mean_absolute_percentage_error <- function(y_true, y_pred, ..., name = "mean_absolute_percentage_error",
                                                  dtype = NULL) {
  check_dots_empty(list(...))
  metric_dispatch(fn_mean_absolute_percentage_error, y_true, y_pred, list(), name, dtype, "down",
                  "regression_metrics.MeanAbsolutePercentageError", rlang::current_env())
}

#' @rdname metrics
#' @export
metric_mean_squared_logarithmic_error <- function(y_true, y_pred, ..., name = "mean_squared_logarithmic_error",
                                                  dtype = NULL) {
  check_dots_empty(list(...))
  metric_dispatch(fn_mean_squared_logarithmic_error, y_true, y_pred, list(), name, dtype, "down",
                  "regression_metrics.MeanSquaredLogarithmicError", rlang::current_env())
}

#' @rdname metrics
#' @export
metric_root_mean_squared_error <- function(..., name = "root_mean_squared_error", dtype = NULL) {
  check_dots_empty(list(...))
  new_metric(RootMeanSquaredErrorMetric, name = check_string(name), dtype = dtype, direction = "down",
             keras_class = "regression_metrics.RootMeanSquaredError")
}

#' @rdname metrics
#' @export
metric_binary_accuracy <- function(y_true, y_pred, threshold = 0.5, ..., name = "binary_accuracy", dtype = NULL) {
  check_dots_empty(list(...))
  metric_dispatch(fn_binary_accuracy, y_true, y_pred, list(threshold = check_number(threshold)), name, dtype, "up",
                  "accuracy_metrics.BinaryAccuracy", rlang::current_env())
}

#' @rdname metrics
#' @export
metric_categorical_accuracy <- function(y_true, y_pred, ..., name = "categorical_accuracy", dtype = NULL) {
  check_dots_empty(list(...))
  metric_dispatch(fn_categorical_accuracy, y_true, y_pred, list(), name, dtype, "up",
                  "accuracy_metrics.CategoricalAccuracy", rlang::current_env())
}

#' @rdname metrics
#' @export
metric_sparse_categorical_accuracy <- function(y_true, y_pred, ..., name = "sparse_categorical_accuracy",
                                               dtype = NULL) {
  check_dots_empty(list(...))
  metric_dispatch(fn_sparse_categorical_accuracy, y_true, y_pred, list(), name, dtype, "up",
                  "accuracy_metrics.SparseCategoricalAccuracy", rlang::current_env())
}

#' @rdname metrics
#' @export
metric_binary_crossentropy <- function(y_true, y_pred, from_logits = FALSE, label_smoothing = 0, ...,
                                       name = "binary_crossentropy", dtype = NULL) {
  check_dots_empty(list(...))
  args <- list(from_logits = check_flag(from_logits), label_smoothing = check_number(label_smoothing, min = 0, max = 1))
  metric_dispatch(fn_binary_crossentropy, y_true, y_pred, args, name, dtype, "down",
                  "probabilistic_metrics.BinaryCrossentropy", rlang::current_env())
}

#' @rdname metrics
#' @export
metric_categorical_crossentropy <- function(y_true, y_pred, from_logits = FALSE, label_smoothing = 0,
                                            axis = -1L, ..., name = "categorical_crossentropy", dtype = NULL) {
  check_dots_empty(list(...))
  args <- list(from_logits = check_flag(from_logits), label_smoothing = check_number(label_smoothing, min = 0, max = 1),
               axis = loss_axis(axis))
  metric_dispatch(fn_categorical_crossentropy, y_true, y_pred, args, name, dtype, "down",
                  "probabilistic_metrics.CategoricalCrossentropy", rlang::current_env())
}

#' @rdname metrics
#' @export
metric_sparse_categorical_crossentropy <- function(y_true, y_pred, from_logits = FALSE, ignore_class = NULL,
                                                   axis = -1L, ..., name = "sparse_categorical_crossentropy",
                                                   dtype = NULL) {
  check_dots_empty(list(...))
  args <- list(from_logits = check_flag(from_logits), ignore_class = check_count(ignore_class, null_ok = TRUE),
               axis = loss_axis(axis))
  metric_dispatch(fn_sparse_categorical_crossentropy, y_true, y_pred, args, name, dtype, "down",
                  "probabilistic_metrics.SparseCategoricalCrossentropy", rlang::current_env())
}

#' @rdname metrics
#' @export
metric_mean <- function(name = "mean", dtype = NULL) {
  new_metric(MeanMetric, name = check_string(name), dtype = dtype, keras_class = "reduction_metrics.Mean")
}

#' @rdname metrics
#' @export
metric_sum <- function(name = "sum", dtype = NULL) {
  new_metric(SumMetric, name = check_string(name), dtype = dtype, keras_class = "reduction_metrics.Sum")
}

#' Use an R function as a named metric
#'
#' Gives a function of `(y_true, y_pred)` the name it is shown under in the
#' training history, as in keras3. The function returns per-sample values (or a
#' single value per batch); the metric is their mean over the epoch.
#'
#' @param name String, the metric's name.
#' @param metric_fn A function of `(y_true, y_pred)` returning a tensor or R array.
#' @returns `metric_fn` with the name attached.
#' @examples
#' max_error <- custom_metric("max_error", function(y_true, y_pred) {
#'   op_max(op_abs(op_subtract(y_true, y_pred)), axis = -1)
#' })
#' max_error(rbind(c(1, 2)), rbind(c(1.5, 4)))
#' @export
custom_metric <- function(name, metric_fn) {
  name <- check_string(name)
  if (!is.function(metric_fn))
    recurrent_abort(c("{.arg metric_fn} must be a function of {.code (y_true, y_pred)}.", x = "Got {describe_value(metric_fn)}."))
  attr(metric_fn, "name") <- name
  metric_fn
}

# ---- resolving compile(metrics = ) ----------------------------------------------------

metric_registry <- function() c(list(
  mse = metric_mean_squared_error, mean_squared_error = metric_mean_squared_error,
  mae = metric_mean_absolute_error, mean_absolute_error = metric_mean_absolute_error,
  mape = metric_mean_absolute_percentage_error, mean_absolute_percentage_error = metric_mean_absolute_percentage_error,
  msle = metric_mean_squared_logarithmic_error, mean_squared_logarithmic_error = metric_mean_squared_logarithmic_error,
  rmse = metric_root_mean_squared_error, root_mean_squared_error = metric_root_mean_squared_error,
  binary_accuracy = metric_binary_accuracy, categorical_accuracy = metric_categorical_accuracy,
  sparse_categorical_accuracy = metric_sparse_categorical_accuracy,
  binary_crossentropy = metric_binary_crossentropy, bce = metric_binary_crossentropy,
  categorical_crossentropy = metric_categorical_crossentropy,
  sparse_categorical_crossentropy = metric_sparse_categorical_crossentropy,
  auc = metric_auc
), metric_registry_extra())

# One metric object (the R6 object) from a compile() entry, named as keras3 logs it:
# a string keeps its spelling, an object its name. y shapes resolve "accuracy".
resolve_metric <- function(x, y_true, y_pred, call = rlang::caller_env()) {
  if (inherits(x, "recurrent_metric")) return(metric_object(x))
  if (inherits(x, "recurrent_loss")) {
    spec <- attr(x, "spec")
    return(MeanMetricWrapper$new(spec$fn, spec$fn_args, name = spec$name, direction = "down"))
  }
  if (is_dual_use_constructor(x)) {
    made <- x()
    return(if (inherits(made, "recurrent_loss")) resolve_metric(made, y_true, y_pred, call) else metric_object(made))
  }
  if (is.character(x) && length(x) == 1) {
    key <- tolower(x)
    if (key %in% c("accuracy", "acc")) {
      kind <- classify_targets(y_true, y_pred)
      make <- switch(kind, binary = metric_binary_accuracy, sparse = metric_sparse_categorical_accuracy,
                     metric_categorical_accuracy)
      obj <- metric_object(make())
    } else {
      make <- metric_registry()[[key]]
      if (is.null(make)) {
        choices <- c("accuracy", names(metric_registry()))
        recurrent_abort(c("Unknown metric {.val {x}}.", i = "Known names: {.val {choices}}."), call = call)
      }
      obj <- metric_object(make())
    }
    obj$name <- x
    return(obj)
  }
  if (is.function(x)) {
    name <- attr(x, "name") %||% "custom_metric"
    return(MeanMetricWrapper$new(function(y_true, y_pred) x(y_true, y_pred), list(), name = name))
  }
  recurrent_abort(c("Each metric must be a metric object, a metric name or a function of {.code (y_true, y_pred)}.",
                    x = "Got {describe_value(x)}."), call = call)
}
