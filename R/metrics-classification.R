# Classification metrics over confusion counts: true/false positives/negatives,
# precision, recall, the constrained ones (sensitivity at specificity, precision at
# recall, ...), F-beta / F1 and top-k accuracy, as Keras 3's
# keras/src/metrics/{confusion_metrics,f_score_metrics,accuracy_metrics}.py. Counts
# are R doubles, kept by the metric classes of metrics.R.

check_thresholds <- function(thresholds, call = rlang::caller_env()) {
  if (is.null(thresholds)) return(NULL)
  if (!is.numeric(thresholds) || !length(thresholds) || anyNA(thresholds) || any(thresholds < 0 | thresholds > 1))
    recurrent_abort(c("Threshold values must be in [0, 1].", x = "Got {describe_value(thresholds)}."), call = call)
  as.numeric(thresholds)
}

# y_true / y_pred / weights as flat R vectors of the positions that count: the
# `class_id` column, and with `top_k` only the k largest predictions per sample (the
# others get -Inf, as Keras's _filter_top_k does).
confusion_inputs <- function(y_true, y_pred, sample_weight, class_id = NULL, top_k = NULL) {
  yp <- auc_values(y_pred, "y_pred")
  yt <- auc_values(y_true, "y_true")
  both <- auc_same_rank(yp, yt)
  yp <- both[[1]]; yt <- both[[2]]
  if (!identical(dim(yp), dim(yt)))
    recurrent_abort(c("{.arg y_true} and {.arg y_pred} must have the same shape.",
                      x = "Got ({toString(dim(yt))}) and ({toString(dim(yp))})."), call = NULL)
  dp <- dim(yp)
  w <- auc_sample_weight(sample_weight, dp)
  if (is.null(w)) w <- rep(1, length(yp))
  if (!is.null(top_k)) {
    m <- matrix(yp, ncol = dp[length(dp)])
    keep <- t(apply(m, 1, function(r) seq_along(r) %in% order(-r)[seq_len(min(top_k, length(r)))]))
    if (ncol(m) == 1) keep <- t(keep)
    yp <- array(ifelse(keep, m, -Inf), dp)
  }
  if (!is.null(class_id)) {
    k <- dp[length(dp)]
    if (length(dp) < 2 || class_id >= k)
      recurrent_abort(c("{.arg class_id} must be a class of {.arg y_pred} (0 to {k - 1}).",
                        x = "Got {class_id} for predictions of shape ({toString(dp)})."), call = NULL)
    cols <- (length(yp) / k) * class_id + seq_len(length(yp) / k)
    yp <- yp[cols]; yt <- yt[cols]; w <- w[cols]
  }
  list(p = as.numeric(yp), t = as.numeric(yt), w = as.numeric(w))
}

# Weighted counts at each threshold: a prediction is positive above the threshold.
confusion_counts <- function(x, thresholds, evenly_spaced = FALSE) {
  pos <- (x$t != 0) * x$w
  neg <- (x$t == 0) * x$w
  if (evenly_spaced) return(auc_counts(x$p, pos, neg, thresholds, TRUE, TRUE))
  above <- outer(x$p, thresholds, `>`)
  list(tp = colSums(above * pos), fp = colSums(above * neg), tn = colSums((!above) * neg),
       fn = colSums((!above) * pos))
}

ConfusionMetric <- R6::R6Class("recurrent_ConfusionMetric", inherit = MetricBase, lock_objects = FALSE,
  public = list(
    thresholds = NULL, scalar = TRUE, evenly_spaced = FALSE, top_k = NULL, class_id = NULL,
    counts = NULL, result_fn = NULL, config = NULL,
    initialize = function(name, dtype, thresholds, scalar, result_fn, direction, config, top_k = NULL,
                          class_id = NULL, evenly_spaced = FALSE) {
      super$initialize(name, dtype, direction)
      self$thresholds <- thresholds
      self$scalar <- scalar
      self$result_fn <- result_fn
      self$config <- config
      self$top_k <- top_k
      self$class_id <- class_id
      self$evenly_spaced <- evenly_spaced
      self$reset_state()
    },
    update_state = function(y_true, y_pred, sample_weight = NULL) {
      x <- confusion_inputs(y_true, y_pred, sample_weight, self$class_id, self$top_k)
      cnt <- confusion_counts(x, self$thresholds, self$evenly_spaced)
      for (k in names(cnt)) self$counts[[k]] <- self$counts[[k]] + cnt[[k]]
      invisible(self)
    },
    result = function() {
      out <- self$result_fn(self$counts)
      if (self$scalar && length(out) == 1) out[[1]] else out
    },
    reset_state = function() {
      zero <- numeric(length(self$thresholds))
      self$counts <- list(tp = zero, fp = zero, tn = zero, fn = zero)
      invisible(self)
    },
    get_config = function() c(list(name = self$name, dtype = self$dtype), self$config)
  )
)

new_confusion_metric <- function(kind, thresholds, name, dtype, keras_class, top_k = NULL, class_id = NULL,
                                 call = rlang::caller_env()) {
  thresholds_given <- check_thresholds(thresholds, call = call)
  top_k <- check_count(top_k, "top_k", call = call, min = 1, null_ok = TRUE)
  class_id <- check_count(class_id, "class_id", call = call, null_ok = TRUE)
  # Keras's default threshold is 0.5, or -Inf (every kept prediction) with top_k
  th <- thresholds_given %||% (if (is.null(top_k)) 0.5 else -Inf)
  result_fn <- switch(kind,
    tp = function(c) c$tp, fp = function(c) c$fp, tn = function(c) c$tn, fn = function(c) c$fn,
    precision = function(c) div_no_nan(c$tp, c$tp + c$fp),
    recall = function(c) div_no_nan(c$tp, c$tp + c$fn))
  direction <- if (kind %in% c("fp", "fn")) "down" else "up"
  config <- if (kind %in% c("precision", "recall")) list(thresholds = thresholds, top_k = top_k, class_id = class_id)
    else list(thresholds = thresholds)
  new_metric(ConfusionMetric, name = check_string(name, "name", call = call), dtype = dtype, thresholds = th,
             scalar = length(th) == 1, result_fn = result_fn, direction = direction, config = config,
             top_k = top_k, class_id = class_id, keras_class = keras_class)
}

#' Confusion-matrix metrics: counts, precision and recall
#'
#' `metric_true_positives()` and its siblings count (weighted) predictions above
#' each threshold against the labels; `metric_precision()` is `tp / (tp + fp)` and
#' `metric_recall()` `tp / (tp + fn)` (0 when the denominator is 0). With one
#' threshold (the default `0.5`) the result is a number, with several a vector.
#' `top_k` keeps only the k largest predictions of each sample; `class_id`
#' (0-based) looks at one class column only. The values are Keras's.
#'
#' @param thresholds `NULL` (0.5) or numbers in `[0, 1]`.
#' @param top_k `NULL` or a whole number.
#' @param class_id `NULL` or a 0-based class index.
#' @param name String, the metric's name.
#' @param dtype Ignored.
#' @returns A metric object (class `recurrent_metric`).
#' @examples
#' m <- metric_precision()
#' m(c(0, 1, 1, 0), c(1, 0, 1, 0))
#' metric_recall(thresholds = c(0.5, 0.7))(c(0, 1, 1, 0), c(1, 0, 0.6, 0))
#' metric_false_positives()(c(0, 1, 0, 0), c(0.9, 0.8, 0.7, 0.1))
#' @name metrics_confusion
NULL

#' @rdname metrics_confusion
#' @export
metric_true_positives <- function(thresholds = NULL, name = NULL, dtype = NULL) {
  new_confusion_metric("tp", thresholds, name %||% "true_positives", dtype, "confusion_metrics.TruePositives")
}

#' @rdname metrics_confusion
#' @export
metric_false_positives <- function(thresholds = NULL, name = NULL, dtype = NULL) {
  new_confusion_metric("fp", thresholds, name %||% "false_positives", dtype, "confusion_metrics.FalsePositives")
}

#' @rdname metrics_confusion
#' @export
metric_true_negatives <- function(thresholds = NULL, name = NULL, dtype = NULL) {
  new_confusion_metric("tn", thresholds, name %||% "true_negatives", dtype, "confusion_metrics.TrueNegatives")
}

#' @rdname metrics_confusion
#' @export
metric_false_negatives <- function(thresholds = NULL, name = NULL, dtype = NULL) {
  new_confusion_metric("fn", thresholds, name %||% "false_negatives", dtype, "confusion_metrics.FalseNegatives")
}

#' @rdname metrics_confusion
#' @export
metric_precision <- function(thresholds = NULL, top_k = NULL, class_id = NULL, name = NULL, dtype = NULL) {
  new_confusion_metric("precision", thresholds, name %||% "precision", dtype, "confusion_metrics.Precision",
                       top_k, class_id)
}

#' @rdname metrics_confusion
#' @export
metric_recall <- function(thresholds = NULL, top_k = NULL, class_id = NULL, name = NULL, dtype = NULL) {
  new_confusion_metric("recall", thresholds, name %||% "recall", dtype, "confusion_metrics.Recall", top_k, class_id)
}

# ---- constrained metrics -------------------------------------------------------------

new_constrained_metric <- function(value, value_arg, num_thresholds, class_id, name, dtype, constrained, dependent,
                                   keras_class, call = rlang::caller_env()) {
  value <- check_number(value, value_arg, call = call, min = 0, max = 1)
  num_thresholds <- check_count(num_thresholds, "num_thresholds", call = call, min = 1)
  class_id <- check_count(class_id, "class_id", call = call, null_ok = TRUE)
  th <- if (num_thresholds == 1) 0.5 else c(0, seq_len(num_thresholds - 2) / (num_thresholds - 1), 1)
  rates <- list(
    sensitivity = function(c) div_no_nan(c$tp, c$tp + c$fn), recall = function(c) div_no_nan(c$tp, c$tp + c$fn),
    specificity = function(c) div_no_nan(c$tn, c$tn + c$fp), precision = function(c) div_no_nan(c$tp, c$tp + c$fp))
  # the largest `dependent` rate among thresholds where `constrained` >= value, else 0
  result_fn <- function(c) {
    feasible <- rates[[constrained]](c) >= value
    max(c(0, ifelse(feasible, rates[[dependent]](c), 0)))
  }
  config <- stats::setNames(list(class_id, num_thresholds, value), c("class_id", "num_thresholds", value_arg))
  new_metric(ConfusionMetric, name = check_string(name, "name", call = call), dtype = dtype, thresholds = th,
             scalar = TRUE, result_fn = result_fn, direction = "up", config = config, class_id = class_id,
             evenly_spaced = num_thresholds > 1, keras_class = keras_class)
}

#' Metrics at a constraint: sensitivity, specificity, precision, recall
#'
#' Each evaluates the predictions at `num_thresholds` evenly spaced thresholds
#' and reports the best value of one rate among the thresholds where another
#' rate reaches `value` (0 if none does), as Keras does:
#' `metric_sensitivity_at_specificity()`, `metric_specificity_at_sensitivity()`,
#' `metric_precision_at_recall()`, `metric_recall_at_precision()`.
#'
#' @param specificity,sensitivity,recall,precision The constraint, in `[0, 1]`.
#' @param num_thresholds Whole number of thresholds. Default `200`.
#' @param class_id `NULL` or a 0-based class index.
#' @param name String, the metric's name.
#' @param dtype Ignored.
#' @returns A metric object.
#' @examples
#' m <- metric_precision_at_recall(0.8)
#' m(c(0, 0, 0, 0, 0, 1, 1, 1, 1, 1), c(0, 0.1, 0.2, 0.5, 0.6, 0.2, 0.5, 0.6, 0.8, 0.9))
#' @name metrics_constrained
NULL

#' @rdname metrics_constrained
#' @export
metric_sensitivity_at_specificity <- function(specificity, num_thresholds = 200L, class_id = NULL,
                                              name = NULL, dtype = NULL) {
  new_constrained_metric(specificity, "specificity", num_thresholds, class_id, name %||% "sensitivity_at_specificity",
                         dtype, "specificity", "sensitivity", "confusion_metrics.SensitivityAtSpecificity")
}

#' @rdname metrics_constrained
#' @export
metric_specificity_at_sensitivity <- function(sensitivity, num_thresholds = 200L, class_id = NULL,
                                              name = NULL, dtype = NULL) {
  new_constrained_metric(sensitivity, "sensitivity", num_thresholds, class_id, name %||% "specificity_at_sensitivity",
                         dtype, "sensitivity", "specificity", "confusion_metrics.SpecificityAtSensitivity")
}

#' @rdname metrics_constrained
#' @export
metric_precision_at_recall <- function(recall, num_thresholds = 200L, class_id = NULL, name = NULL, dtype = NULL) {
  new_constrained_metric(recall, "recall", num_thresholds, class_id, name %||% "precision_at_recall", dtype,
                         "recall", "precision", "confusion_metrics.PrecisionAtRecall")
}

#' @rdname metrics_constrained
#' @export
metric_recall_at_precision <- function(precision, num_thresholds = 200L, class_id = NULL, name = NULL,
                                       dtype = NULL) {
  new_constrained_metric(precision, "precision", num_thresholds, class_id, name %||% "recall_at_precision", dtype,
                         "precision", "recall", "confusion_metrics.RecallAtPrecision")
}

# ---- F-beta ---------------------------------------------------------------------------

FBetaMetric <- R6::R6Class("recurrent_FBetaScore", inherit = MetricBase, lock_objects = FALSE,
  public = list(
    average = NULL, beta = 1, threshold = NULL, tp = 0, fp = 0, fn = 0, support = 0, f1 = FALSE,
    initialize = function(name, dtype, average, beta, threshold, f1 = FALSE) {
      super$initialize(name, dtype, "up")
      self$f1 <- f1
      self$average <- average
      self$beta <- beta
      self$threshold <- threshold
    },
    update_state = function(y_true, y_pred, sample_weight = NULL) {
      yp <- metric_array(y_pred); yt <- metric_array(y_true)
      if (length(dim(yp)) != 2 || !identical(dim(yp), dim(yt)))
        recurrent_abort(c("{.arg y_true} and {.arg y_pred} must be matrices (samples x classes) of one shape.",
                          x = "Got ({toString(dim(yt))}) and ({toString(dim(yp))})."), call = NULL)
      pred <- if (is.null(self$threshold)) (yp >= apply(yp, 1, max) & abs(yp) > 1e-9) * 1 else (yp > self$threshold) * 1
      w <- if (is.null(sample_weight)) 1 else {
        sw <- metric_array(sample_weight)
        if (length(sw) == 1) as.numeric(sw) else matrix(as.numeric(sw), nrow(yp), ncol(yp))
      }
      red <- if (identical(self$average, "micro")) sum else colSums
      add <- function(v) red(v * w)
      self$tp <- self$tp + add(pred * yt)
      self$fp <- self$fp + add(pred * (1 - yt))
      self$fn <- self$fn + add((1 - pred) * yt)
      self$support <- self$support + add(yt)
      invisible(self)
    },
    result = function() {
      eps <- config_epsilon()
      p <- self$tp / (self$tp + self$fp + eps)
      r <- self$tp / (self$tp + self$fn + eps)
      f <- (1 + self$beta^2) * (p * r) / (self$beta^2 * p + r + eps)
      if (identical(self$average, "weighted")) return(sum(f * self$support / (sum(self$support) + eps)))
      if (!is.null(self$average)) return(mean(f))
      f
    },
    reset_state = function() {
      self$tp <- 0; self$fp <- 0; self$fn <- 0; self$support <- 0
      invisible(self)
    },
    # F1Score's config has no beta (keras/src/metrics/f_score_metrics.py)
    get_config = function() {
      cfg <- list(name = self$name, dtype = self$dtype, average = self$average, beta = self$beta,
                  threshold = self$threshold)
      if (self$f1) cfg$beta <- NULL
      cfg
    }
  )
)

#' F-beta and F1 scores
#'
#' The harmonic-type mean of precision and recall,
#' `(1 + beta^2) * p * r / (beta^2 * p + r)`, per class (`average = NULL`), over
#' all classes at once (`"micro"`), averaged over classes (`"macro"`) or weighted
#' by each class's support (`"weighted"`). Predictions above `threshold` are
#' positive; with `threshold = NULL` the largest prediction of each sample is.
#' `y_true` and `y_pred` are matrices (samples x classes), as in Keras.
#'
#' @param average `NULL`, `"micro"`, `"macro"` or `"weighted"`.
#' @param beta Number > 0 (F-beta only).
#' @param threshold `NULL` or a number.
#' @param name String, the metric's name.
#' @param dtype Ignored.
#' @returns A metric object.
#' @examples
#' f1 <- metric_f1_score(average = "macro", threshold = 0.5)
#' f1(rbind(c(1, 0), c(0, 1), c(1, 0)), rbind(c(0.9, 0.2), c(0.6, 0.7), c(0.3, 0.4)))
#' @export
metric_fbeta_score <- function(average = NULL, beta = 1, threshold = NULL, name = "fbeta_score", dtype = NULL) {
  new_fbeta(average, beta, threshold, name, dtype, "FBetaScore")
}

#' @rdname metric_fbeta_score
#' @export
metric_f1_score <- function(average = NULL, threshold = NULL, name = "f1_score", dtype = NULL) {
  new_fbeta(average, 1, threshold, name, dtype, "F1Score")
}

new_fbeta <- function(average, beta, threshold, name, dtype, keras_class, call = rlang::caller_env()) {
  if (!is.null(average) && !(is.character(average) && length(average) == 1 &&
                             average %in% c("micro", "macro", "weighted")))
    recurrent_abort(c("{.arg average} must be {.code NULL}, {.val micro}, {.val macro} or {.val weighted}.",
                      x = "Got {describe_value(average)}."), call = call)
  beta <- check_number(beta, "beta", call = call, min = 0, min_open = TRUE)
  threshold <- check_number(threshold, "threshold", call = call, null_ok = TRUE)
  new_metric(FBetaMetric, name = check_string(name, "name", call = call), dtype = dtype, average = average,
             beta = beta, threshold = threshold, f1 = keras_class == "F1Score",
             keras_class = paste0("f_score_metrics.", keras_class))
}

# ---- top-k accuracy --------------------------------------------------------------------

# Keras's in_top_k: the target class is among the k largest predictions (ties with
# the k-th largest count as in).
in_top_k <- function(pred, target, k) {
  m <- matrix(pred, ncol = dim(pred)[length(dim(pred))])
  kth <- apply(m, 1, function(r) sort(r, decreasing = TRUE)[min(k, length(r))])
  as.numeric(m[cbind(seq_len(nrow(m)), target + 1)] >= kth)
}

fn_top_k_categorical_accuracy <- function(y_true, y_pred, k = 5L) {
  yt <- metric_array(y_true); yp <- metric_array(y_pred)
  target <- apply(matrix(yt, ncol = dim(yt)[length(dim(yt))]), 1, which.max) - 1
  array(in_top_k(yp, target, k), dim(yp)[-length(dim(yp))])
}

fn_sparse_top_k_categorical_accuracy <- function(y_true, y_pred, k = 5L, from_sorted_ids = FALSE) {
  yt <- metric_array(y_true); yp <- metric_array(y_pred)
  target <- as.numeric(yt)
  if (from_sorted_ids) {
    m <- matrix(yp, ncol = dim(yp)[length(dim(yp))])
    hit <- vapply(seq_len(nrow(m)), function(i) as.numeric(target[i] %in% m[i, seq_len(min(k, ncol(m)))]), 1)
    return(array(hit, nrow(m)))
  }
  array(in_top_k(yp, target, k), dim(yp)[-length(dim(yp))])
}

#' Top-k accuracy
#'
#' The fraction of samples whose target class is among the `k` largest
#' predictions: targets one-hot (`metric_top_k_categorical_accuracy()`) or as
#' 0-based class ids (`metric_sparse_top_k_categorical_accuracy()`; with
#' `from_sorted_ids = TRUE`, `y_pred` holds class ids sorted by score).
#'
#' @param y_true,y_pred Targets and predictions.
#' @param k Whole number. Default `5`.
#' @param from_sorted_ids Logical. Default `FALSE`.
#' @param ... Must be empty.
#' @param name String, the metric's name.
#' @param dtype Ignored.
#' @returns Per-sample values (0/1) with `y_true` and `y_pred`; else a metric object.
#' @examples
#' metric_top_k_categorical_accuracy(rbind(c(0, 0, 1), c(0, 1, 0)),
#'                                   rbind(c(0.1, 0.9, 0.8), c(0.05, 0.95, 0)), k = 1)
#' metric_sparse_top_k_categorical_accuracy(c(2, 1), rbind(c(0.1, 0.9, 0.8), c(0.05, 0.95, 0)), k = 2)
#' @export
metric_top_k_categorical_accuracy <- function(y_true, y_pred, k = 5L, ..., name = "top_k_categorical_accuracy",
                                              dtype = NULL) {
  check_dots_empty(list(...))
  metric_dispatch(fn_top_k_categorical_accuracy, y_true, y_pred, list(k = check_count(k, min = 1)), name, dtype, "up",
                  "accuracy_metrics.TopKCategoricalAccuracy", rlang::current_env())
}

#' @rdname metric_top_k_categorical_accuracy
#' @export
metric_sparse_top_k_categorical_accuracy <- function(y_true, y_pred, k = 5L, ..., from_sorted_ids = FALSE,
                                                     name = "sparse_top_k_categorical_accuracy", dtype = NULL) {
  check_dots_empty(list(...))
  # Keras's config names from_sorted_ids only when it is TRUE
  args <- list(k = check_count(k, min = 1))
  if (check_flag(from_sorted_ids)) args$from_sorted_ids <- TRUE
  metric_dispatch(fn_sparse_top_k_categorical_accuracy, y_true, y_pred, args, name, dtype, "up",
                  "accuracy_metrics.SparseTopKCategoricalAccuracy", rlang::current_env())
}
