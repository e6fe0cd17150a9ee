# Regression and similarity metrics: R², Pearson and concordance correlation,
# cosine similarity, the hinge family, Poisson, KL divergence, log-cosh, and
# metric_mean_wrapper(), as Keras 3's keras/src/metrics/{regression,correlation,
# hinge,probabilistic}_metrics.py.

fn_pearson_correlation <- function(y_true, y_pred, axis = -1L) {
  p <- loss_pair(y_true, y_pred); yt <- p[[1]]; yp <- p[[2]]
  tn <- op_subtract(yt, op_mean(yt, axis = axis, keepdims = TRUE))
  pn <- op_subtract(yp, op_mean(yp, axis = axis, keepdims = TRUE))
  tn <- op_divide(tn, op_std(tn, axis = axis, keepdims = TRUE))
  pn <- op_divide(pn, op_std(pn, axis = axis, keepdims = TRUE))
  op_mean(op_multiply(tn, pn), axis = axis)
}

fn_concordance_correlation <- function(y_true, y_pred, axis = -1L) {
  p <- loss_pair(y_true, y_pred); yt <- p[[1]]; yp <- p[[2]]
  tm <- op_mean(yt, axis = axis, keepdims = TRUE)
  pm <- op_mean(yp, axis = axis, keepdims = TRUE)
  tv <- op_var(op_subtract(yt, tm), axis = axis, keepdims = TRUE)
  pv <- op_var(op_subtract(yp, pm), axis = axis, keepdims = TRUE)
  # Keras centres y_true on the mean of y_pred here; kept for identical numbers
  covar <- op_multiply(op_subtract(yt, pm), op_subtract(yp, pm))
  norm <- op_add(op_add(tv, pv), op_square(op_subtract(tm, pm)))
  op_mean(op_divide(op_multiply(covar, 2), op_add(norm, config_epsilon())), axis = axis)
}

fn_cosine_similarity_metric <- function(y_true, y_pred, axis = -1L) op_negative(fn_cosine_similarity(y_true, y_pred, axis))

#' Regression, correlation and similarity metrics
#'
#' Keras 3's metrics, with keras3's dual use (per-sample values when given
#' `y_true` and `y_pred`, else a metric object): Pearson and concordance
#' correlation along `axis`, cosine similarity, hinge, squared hinge and
#' categorical hinge, Poisson, KL divergence and log-cosh error.
#' `metric_r2_score()` is the coefficient of determination over all samples seen
#' (`1 - SS_res / SS_tot`, per output column, then averaged).
#'
#' @param y_true,y_pred Targets and predictions.
#' @param axis The axis along which correlation or similarity is computed.
#' @param ... Must be empty.
#' @param name String, the metric's name.
#' @param dtype Ignored.
#' @param class_aggregation `"uniform_average"` (default), `"variance_weighted_average"`
#'   or `NULL` (one value per output).
#' @param num_regressors Number of regressors, for the adjusted R². Default `0`.
#' @returns Per-sample values, or a metric object.
#' @examples
#' y_true <- rbind(c(0, 1, 0.5), c(1, 1, 0.2))
#' y_pred <- rbind(c(0.1, 0.9, 0.5), c(1, 0.9, 0.2))
#' metric_pearson_correlation(y_true, y_pred)
#' metric_concordance_correlation(y_true, y_pred)
#' metric_cosine_similarity(y_true, y_pred)
#' r2 <- metric_r2_score()
#' r2(rbind(1, 4, 3), rbind(2, 4, 4))
#' metric_hinge(c(0, 1), c(0.6, 0.4))
#' @name metrics_regression
NULL

#' @rdname metrics_regression
#' @export
metric_pearson_correlation <- function(y_true, y_pred, axis = -1L, ..., name = "pearson_correlation", dtype = NULL) {
  check_dots_empty(list(...))
  metric_dispatch(fn_pearson_correlation, y_true, y_pred, list(axis = loss_axis(axis)), name, dtype, "up",
                  "correlation_metrics.PearsonCorrelation", rlang::current_env())
}

#' @rdname metrics_regression
#' @export
metric_concordance_correlation <- function(y_true, y_pred, axis = -1L, ..., name = "concordance_correlation",
                                           dtype = NULL) {
  check_dots_empty(list(...))
  metric_dispatch(fn_concordance_correlation, y_true, y_pred, list(axis = loss_axis(axis)), name, dtype, "up",
                  "correlation_metrics.ConcordanceCorrelation", rlang::current_env())
}

#' @rdname metrics_regression
#' @export
metric_cosine_similarity <- function(y_true, y_pred, axis = -1L, ..., name = "cosine_similarity", dtype = NULL) {
  check_dots_empty(list(...))
  metric_dispatch(fn_cosine_similarity_metric, y_true, y_pred, list(axis = loss_axis(axis)), name, dtype, "up",
                  "regression_metrics.CosineSimilarity", rlang::current_env())
}

#' @rdname metrics_regression
#' @export
metric_hinge <- function(y_true, y_pred, ..., name = "hinge", dtype = NULL) {
  check_dots_empty(list(...))
  metric_dispatch(fn_hinge, y_true, y_pred, list(), name, dtype, "down", "hinge_metrics.Hinge", rlang::current_env())
}

#' @rdname metrics_regression
#' @export
metric_squared_hinge <- function(y_true, y_pred, ..., name = "squared_hinge", dtype = NULL) {
  check_dots_empty(list(...))
  metric_dispatch(fn_squared_hinge, y_true, y_pred, list(), name, dtype, "down", "hinge_metrics.SquaredHinge",
                  rlang::current_env())
}

#' @rdname metrics_regression
#' @export
metric_categorical_hinge <- function(y_true, y_pred, ..., name = "categorical_hinge", dtype = NULL) {
  check_dots_empty(list(...))
  metric_dispatch(fn_categorical_hinge, y_true, y_pred, list(), name, dtype, "down",
                  "hinge_metrics.CategoricalHinge", rlang::current_env())
}

#' @rdname metrics_regression
#' @export
metric_poisson <- function(y_true, y_pred, ..., name = "poisson", dtype = NULL) {
  check_dots_empty(list(...))
  metric_dispatch(fn_poisson, y_true, y_pred, list(), name, dtype, "down", "probabilistic_metrics.Poisson",
                  rlang::current_env())
}

#' @rdname metrics_regression
#' @export
metric_kl_divergence <- function(y_true, y_pred, ..., name = "kl_divergence", dtype = NULL) {
  check_dots_empty(list(...))
  metric_dispatch(fn_kl_divergence, y_true, y_pred, list(), name, dtype, "down", "probabilistic_metrics.KLDivergence",
                  rlang::current_env())
}

#' @rdname metrics_regression
#' @export
metric_log_cosh_error <- function(y_true, y_pred, ..., name = "logcosh", dtype = NULL) {
  check_dots_empty(list(...))
  metric_dispatch(fn_log_cosh, y_true, y_pred, list(), name, dtype, "down", "regression_metrics.LogCoshError",
                  rlang::current_env())
}

R2Metric <- R6::R6Class("recurrent_R2Score", inherit = MetricBase, lock_objects = FALSE,
  public = list(
    class_aggregation = NULL, num_regressors = 0, sum = 0, squared_sum = 0, res = 0, n = 0,
    initialize = function(name, dtype, class_aggregation, num_regressors) {
      super$initialize(name, dtype, "up")
      self$class_aggregation <- class_aggregation
      self$num_regressors <- num_regressors
    },
    update_state = function(y_true, y_pred, sample_weight = NULL) {
      yt <- metric_array(y_true); yp <- metric_array(y_pred)
      if (length(dim(yt)) == 1) dim(yt) <- c(length(yt), 1)
      if (length(dim(yp)) == 1) dim(yp) <- c(length(yp), 1)
      if (!identical(dim(yt), dim(yp)) || length(dim(yt)) != 2)
        recurrent_abort(c("{.arg y_true} and {.arg y_pred} must be matrices (samples x outputs) of one shape.",
                          x = "Got ({toString(dim(yt))}) and ({toString(dim(yp))})."), call = NULL)
      w <- if (is.null(sample_weight)) 1 else {
        sw <- as.numeric(metric_array(sample_weight))
        if (length(sw) == 1) sw else matrix(sw, nrow(yt), ncol(yt))
      }
      self$sum <- self$sum + colSums(yt * w)
      self$squared_sum <- self$squared_sum + colSums(yt^2 * w)
      self$res <- self$res + colSums((yt - yp)^2 * w)
      self$n <- self$n + colSums(matrix(w, nrow(yt), ncol(yt)))
      invisible(self)
    },
    result = function() {
      mean <- self$sum / self$n
      total <- self$squared_sum - self$sum * mean
      raw <- 1 - self$res / total
      raw[is.na(raw) | is.infinite(raw)] <- 0
      r2 <- switch(self$class_aggregation %||% "none",
        uniform_average = mean(raw),
        variance_weighted_average = sum(raw * total / sum(total)),
        raw)
      if (self$num_regressors > 0) {
        n <- sum(self$n) / length(self$n)
        p <- self$num_regressors
        if (n - p - 1 > 0) r2 <- 1 - (1 - r2) * (n - 1) / (n - p - 1)
      }
      r2
    },
    reset_state = function() {
      self$sum <- 0; self$squared_sum <- 0; self$res <- 0; self$n <- 0
      invisible(self)
    },
    get_config = function() list(name = self$name, dtype = self$dtype, class_aggregation = self$class_aggregation,
                                 num_regressors = self$num_regressors)
  )
)

#' @rdname metrics_regression
#' @export
metric_r2_score <- function(class_aggregation = "uniform_average", num_regressors = 0L, name = "r2_score",
                            dtype = NULL) {
  if (!is.null(class_aggregation) &&
      !(is.character(class_aggregation) && class_aggregation %in% c("uniform_average", "variance_weighted_average")))
    recurrent_abort(c("{.arg class_aggregation} must be {.val uniform_average}, {.val variance_weighted_average} or {.code NULL}.",
                      x = "Got {describe_value(class_aggregation)}."))
  new_metric(R2Metric, name = check_string(name), dtype = dtype, class_aggregation = class_aggregation,
             num_regressors = check_count(num_regressors), keras_class = "regression_metrics.R2Score")
}

#' Wrap a function as a mean metric
#'
#' Makes a metric object whose result is the running (weighted) mean of
#' `fn(y_true, y_pred, ...)` over all samples seen, as Keras's
#' `MeanMetricWrapper`.
#'
#' @param fn A function of `(y_true, y_pred, ...)` returning per-sample values.
#' @param ... Further arguments passed to `fn`.
#' @param name String, the metric's name.
#' @param dtype Ignored.
#' @returns A metric object.
#' @examples
#' m <- metric_mean_wrapper(function(y_true, y_pred) op_abs(y_true - y_pred), name = "mae_like")
#' m$update_state(c(1, 2), c(1.5, 2))
#' m$result()
#' @export
metric_mean_wrapper <- function(fn, ..., name = NULL, dtype = NULL) {
  if (!is.function(fn)) recurrent_abort(c("{.arg fn} must be a function of {.code (y_true, y_pred)}.",
                                          x = "Got {describe_value(fn)}."))
  name <- name %||% "mean_metric_wrapper"
  new_metric(MeanMetricWrapper, fn, list(...), name = check_string(name), dtype = dtype, config_fn = TRUE,
             keras_class = "reduction_metrics.MeanMetricWrapper")
}

# Names compile() resolves to these metrics (merged into metric_registry()).
metric_registry_extra <- function() list(
  precision = metric_precision, recall = metric_recall, true_positives = metric_true_positives,
  false_positives = metric_false_positives, true_negatives = metric_true_negatives,
  false_negatives = metric_false_negatives, f1_score = metric_f1_score, fbeta_score = metric_fbeta_score,
  top_k_categorical_accuracy = metric_top_k_categorical_accuracy,
  sparse_top_k_categorical_accuracy = metric_sparse_top_k_categorical_accuracy,
  r2_score = metric_r2_score, pearson_correlation = metric_pearson_correlation,
  concordance_correlation = metric_concordance_correlation, cosine_similarity = metric_cosine_similarity,
  hinge = metric_hinge, squared_hinge = metric_squared_hinge, categorical_hinge = metric_categorical_hinge,
  poisson = metric_poisson, kl_divergence = metric_kl_divergence, kld = metric_kl_divergence,
  logcosh = metric_log_cosh_error, log_cosh_error = metric_log_cosh_error
)
