# metric_auc(): a stateful metric over confusion counts at fixed thresholds, on the
# metric classes of metrics.R.

# Keras's AUC (keras/src/metrics/confusion_metrics.py): weighted confusion counts
# (TP, FP, TN, FN) at fixed thresholds, summed over batches; the result is a Riemann
# sum under the ROC, precision-recall or PR-gain curve that the counts trace. The
# counts are R doubles: a vector over thresholds, or a thresholds x labels matrix
# with multi_label = TRUE.
AUCMetric <- R6::R6Class("recurrent_AUC", inherit = MetricBase, lock_objects = FALSE,
  public = list(
    num_thresholds = NULL,
    thresholds = NULL,
    curve = NULL,
    summation_method = NULL,
    multi_label = FALSE,
    num_labels = NULL,
    label_weights = NULL,
    from_logits = FALSE,
    evenly_spaced = TRUE,
    init_from_thresholds = FALSE,
    true_positives = NULL,
    false_positives = NULL,
    true_negatives = NULL,
    false_negatives = NULL,
    initialize = function(name, dtype, thresholds, curve, summation_method, multi_label, num_labels,
                          label_weights, from_logits) {
      super$initialize(name, dtype, direction = "up")
      self$init_from_thresholds <- !is.null(thresholds$inner)
      self$thresholds <- thresholds$all
      self$num_thresholds <- length(thresholds$all)
      self$evenly_spaced <- thresholds$evenly_spaced
      self$curve <- curve
      self$summation_method <- summation_method
      self$multi_label <- multi_label
      self$num_labels <- num_labels
      self$label_weights <- label_weights
      self$from_logits <- from_logits
      # the flat metric, or a multi-label one told its label count, has its counts now
      if (!multi_label) self$build_counts(NULL) else if (!is.null(num_labels)) self$build_counts(num_labels)
    },
    build_counts = function(n_labels) {
      zero <- if (is.null(n_labels)) numeric(self$num_thresholds) else matrix(0, self$num_thresholds, n_labels)
      self$true_positives <- zero
      self$false_positives <- zero
      self$true_negatives <- zero
      self$false_negatives <- zero
      invisible(self)
    },
    update_state = function(y_true, y_pred, sample_weight = NULL) {
      yp <- auc_values(y_pred, "y_pred")
      yt <- auc_values(y_true, "y_true")
      if (anyNA(yt)) recurrent_abort("{.arg y_true} must not contain missing values.", call = NULL)
      if (self$multi_label) {
        if (length(dim(yp)) != 2)
          recurrent_abort(c("{.arg y_pred} must be a matrix (samples x labels) when {.code multi_label = TRUE}.",
                            x = "Got an array of shape ({toString(dim(yp))})."), call = NULL)
        n_labels <- dim(yp)[2]
        if (is.null(self$true_positives)) {
          if (!is.null(self$label_weights) && length(self$label_weights) != n_labels)
            recurrent_abort(c("{.arg label_weights} must have one weight per label.",
                              x = "Got {length(self$label_weights)} weight{?s} for {n_labels} label{?s}."),
                            call = NULL)
          self$build_counts(n_labels)
        } else if (ncol(self$true_positives) != n_labels) {
          recurrent_abort(c("{.arg y_pred} must have {ncol(self$true_positives)} label column{?s}, as before.",
                            x = "Got {n_labels}."), call = NULL)
        }
      }
      both <- auc_same_rank(yp, yt)
      yp <- both[[1]]; yt <- both[[2]]
      if (!identical(dim(yp), dim(yt)))
        recurrent_abort(c("{.arg y_true} and {.arg y_pred} must have the same shape.",
                          x = "Got ({toString(dim(yt))}) and ({toString(dim(yp))})."), call = NULL)
      dp <- dim(yp)
      w <- auc_sample_weight(sample_weight, dp)
      if (!self$multi_label && !is.null(self$label_weights)) {
        n_lab <- if (length(dp) >= 2) dp[length(dp)] else 1L
        if (!length(self$label_weights) %in% c(1L, n_lab))
          recurrent_abort(c("{.arg label_weights} must have one weight per label (the last axis of {.arg y_pred}).",
                            x = "Got {length(self$label_weights)} weight{?s} for {n_lab} label{?s}."), call = NULL)
        lw <- rep(self$label_weights, each = length(yp) / n_lab, length.out = length(yp))
        w <- if (is.null(w)) lw else w * lw
      }
      single <- !identical(self$dtype %||% config_floatx(), "float64")
      if (single) yp <- as_float32_values(yp)
      if (self$from_logits) yp <- 1 / (1 + exp(-yp))
      if (single) yp <- as_float32_values(yp)
      if (is.null(w)) w <- rep(1, length(yp))
      pos <- (yt != 0) * w
      neg <- (yt == 0) * w
      cols <- if (self$multi_label) dp[2] else 1L
      per_col <- if (self$multi_label) dp[1] else length(yp)
      for (j in seq_len(cols)) {
        idx <- (j - 1L) * per_col + seq_len(per_col)
        cnt <- auc_counts(yp[idx], pos[idx], neg[idx], self$thresholds, self$evenly_spaced, single)
        if (self$multi_label) {
          self$true_positives[, j] <- self$true_positives[, j] + cnt$tp
          self$false_positives[, j] <- self$false_positives[, j] + cnt$fp
          self$true_negatives[, j] <- self$true_negatives[, j] + cnt$tn
          self$false_negatives[, j] <- self$false_negatives[, j] + cnt$fn
        } else {
          self$true_positives <- self$true_positives + cnt$tp
          self$false_positives <- self$false_positives + cnt$fp
          self$true_negatives <- self$true_negatives + cnt$tn
          self$false_negatives <- self$false_negatives + cnt$fn
        }
      }
      invisible(self)
    },
    result = function() {
      if (is.null(self$true_positives)) return(0)
      tp <- as.matrix(self$true_positives); fp <- as.matrix(self$false_positives)
      tn <- as.matrix(self$true_negatives); fn <- as.matrix(self$false_negatives)
      areas <- vapply(seq_len(ncol(tp)), function(j) {
        auc_area(tp[, j], fp[, j], tn[, j], fn[, j], self$curve, self$summation_method)
      }, numeric(1))
      if (!self$multi_label) return(areas)
      if (is.null(self$label_weights)) mean(areas) else div_no_nan(sum(areas * self$label_weights), sum(self$label_weights))
    },
    reset_state = function() {
      if (!is.null(self$true_positives)) {
        self$true_positives[] <- 0
        self$false_positives[] <- 0
        self$true_negatives[] <- 0
        self$false_negatives[] <- 0
      }
      invisible(self)
    },
    get_config = function() {
      config <- c(super$get_config(), list(
        num_thresholds = self$num_thresholds, curve = self$curve, summation_method = self$summation_method,
        multi_label = self$multi_label, num_labels = self$num_labels, label_weights = self$label_weights,
        from_logits = self$from_logits))
      if (self$init_from_thresholds) config$thresholds <- self$thresholds[-c(1, self$num_thresholds)]
      config
    }
  )
)

# y_true / y_pred of the AUC as a numeric R array (logical and factor targets allowed).
auc_values <- function(x, arg) {
  if (!op_is_tensor(x) && !is.numeric(x) && !is.logical(x) && !is.factor(x))
    recurrent_abort(c("{.arg {arg}} must be numeric (an R array or a tensor).", x = "Got {describe_value(x)}."),
                    call = NULL)
  metric_array(x)
}

# Keras's squeeze_or_expand_to_same_rank(y_pred, y_true) on R arrays.
auc_same_rank <- function(a, b) {
  da <- dim(a); db <- dim(b)
  if (length(da) == length(db) + 1 && da[length(da)] == 1) {
    if (length(db) == 1) dim(b) <- c(db, 1L) else dim(a) <- da[-length(da)]
  } else if (length(db) == length(da) + 1 && db[length(db)] == 1) {
    if (length(da) == 1) dim(a) <- c(da, 1L) else dim(b) <- db[-length(db)]
  }
  list(a, b)
}

# Sample weights as one weight per element of y_pred (shape `dp`), or NULL. A weight
# array covers the leading axes of y_pred (one per sample, per sample and timestep,
# ...) and repeats over the remaining ones; a single number weights everything.
auc_sample_weight <- function(sample_weight, dp) {
  if (is.null(sample_weight)) return(NULL)
  w <- auc_values(sample_weight, "sample_weight")
  if (anyNA(w)) recurrent_abort("{.arg sample_weight} must not contain missing values.", call = NULL)
  if (length(w) == 1) return(rep(as.numeric(w), prod(dp)))
  dw <- dim(w)
  is_prefix <- function(d) length(d) <= length(dp) && all(d == dp[seq_along(d)])
  while (length(dw) > 1 && dw[length(dw)] == 1 && !is_prefix(dw)) dw <- dw[-length(dw)]
  if (!is_prefix(dw))
    recurrent_abort(c("{.arg sample_weight} does not fit {.arg y_pred}.",
                      i = "Give one weight per sample (or per element of the leading axes of {.arg y_pred}).",
                      x = "Got weights of shape ({toString(dim(w))}) for predictions of shape ({toString(dp)})."),
                    call = NULL)
  as.numeric(array(as.numeric(w), dim = dp))
}

# Round doubles to the nearest float32, as Keras holds predictions under its default
# float32 dtype (a prediction on a threshold then falls in the same bucket).
as_float32_values <- function(x) {
  out <- readBin(writeBin(as.double(x), raw(), size = 4L), "double", n = length(x), size = 4L)
  dim(out) <- dim(x)
  out
}

# a / b, with 0 where b is 0 (NaN stays NaN).
div_no_nan <- function(a, b) {
  out <- a / b
  out[!is.na(b) & b == 0] <- 0
  out
}

# Confusion counts of one label at every threshold: a prediction counts as positive
# at threshold t when it is above t. Evenly spaced thresholds use Keras's bucket
# index ceil(p * (n - 1)) - 1 (predictions clipped to [0, 1]; the lowest threshold,
# below 0, takes every prediction); other thresholds are compared directly.
auc_counts <- function(p, pos, neg, thresholds, evenly_spaced, single) {
  n <- length(thresholds)
  if (anyNA(p)) {
    nan <- rep(NaN, n)
    return(list(tp = nan, fp = nan, tn = nan, fn = nan))
  }
  if (evenly_spaced) {
    k <- pmin(pmax(p, 0), 1) * (n - 1)
    if (single) k <- as_float32_values(k)
    bucket <- factor(pmax(ceiling(k) - 1, 0), levels = seq_len(n) - 1)
    above <- function(w) rev(cumsum(rev(as.numeric(tapply(w, bucket, sum, default = 0)))))
    tp <- above(pos)
    fp <- above(neg)
  } else {
    th <- if (single) as_float32_values(thresholds) else thresholds
    o <- order(p)
    at_or_below <- findInterval(th, p[o])  # predictions <= each threshold
    from_top <- function(w) c(rev(cumsum(rev(w[o]))), 0)[at_or_below + 1]
    tp <- from_top(pos)
    fp <- from_top(neg)
  }
  list(tp = tp, fp = fp, tn = sum(neg) - fp, fn = sum(pos) - tp)
}

# The area under one label's curve from its counts (vectors over thresholds).
auc_area <- function(tp, fp, tn, fn, curve, summation_method) {
  n <- length(tp)
  a <- seq_len(n - 1); b <- a + 1
  if (curve == "PR" && summation_method == "interpolation") {
    # Davis & Goadrich (2006): TP and TP + FP vary linearly between thresholds, so
    # precision over each interval integrates in closed form.
    dtp <- tp[a] - tp[b]
    p <- tp + fp
    dp <- p[a] - p[b]
    slope <- div_no_nan(dtp, pmax(dp, 0))
    intercept <- tp[b] - slope * p[b]
    ratio <- div_no_nan(p[a], pmax(p[b], 0))
    ratio[which(!(p[a] > 0 & p[b] > 0))] <- 1
    return(sum(div_no_nan(slope * (dtp + intercept * log(ratio)), pmax(tp[b] + fn[b], 0))))
  }
  recall <- div_no_nan(tp, tp + fn)
  if (curve == "ROC") {
    x <- div_no_nan(fp, fp + tn)
    y <- recall
  } else if (curve == "PR") {
    x <- recall
    y <- div_no_nan(tp, tp + fp)
  } else {
    # PR gain (Flach & Kull 2015), with gains set to 0 (recall) and 1 (precision)
    # where there are no true positives, and negative recall gains set to 0.
    scale <- div_no_nan(tp + fn, tn + fp)
    x <- 1 - scale * div_no_nan(fn, tp)
    y <- 1 - scale * div_no_nan(fp, tp)
    x[tp == 0] <- 0
    y[tp == 0] <- 1
    x <- pmax(x, 0)
  }
  heights <- switch(summation_method,
    interpolation = (y[a] + y[b]) / 2,
    minoring = pmin(y[a], y[b]),
    majoring = pmax(y[a], y[b]))
  sum((x[a] - x[b]) * heights)
}

# The thresholds of metric_auc(): the inner ones (given, sorted, or num_thresholds - 2
# evenly spaced in (0, 1)) with an end point just below 0 and one just above 1.
auc_thresholds <- function(num_thresholds, thresholds, call) {
  if (is.null(thresholds)) {
    check_count(num_thresholds, min = 2, call = call)
    inner <- seq_len(num_thresholds - 2) / (num_thresholds - 1)
    evenly <- TRUE
    given <- NULL
  } else {
    check_count(num_thresholds, null_ok = TRUE, call = call)
    if (!is.numeric(thresholds) || !length(thresholds) || anyNA(thresholds) ||
        any(thresholds < 0 | thresholds > 1))
      abort_must_be(thresholds, "a numeric vector of values between 0 and 1", "thresholds", call)
    inner <- sort(as.numeric(thresholds))
    given <- inner
    ends <- c(0, inner, 1)
    even <- (seq_along(ends) - 1) / (length(ends) - 1)
    evenly <- length(ends) >= 3 && all(abs(ends - even) <= config_epsilon() + 1e-5 * abs(even))
  }
  list(all = c(-config_epsilon(), inner, 1 + config_epsilon()), inner = given, evenly_spaced = evenly)
}

# One of `choices` (a named character vector: accepted spelling -> value).
auc_choice <- function(x, choices, arg, call) {
  value <- if (is.character(x) && length(x) == 1 && !is.na(x)) choices[x] else NA
  if (is.na(value)) {
    shown <- unique(unname(choices))
    recurrent_abort(c("{.arg {arg}} must be one of {.val {shown}}.", x = "Got {describe_value(x)}."), call = call)
  }
  unname(value)
}

#' Area under the ROC or precision-recall curve
#'
#' A stateful metric, as keras3's `metric_auc()`, that estimates the area under
#' the ROC curve (true positive rate against false positive rate) or the
#' precision-recall curve of a binary classifier. Each `update_state()` adds the
#' weighted true/false positive and negative counts of its batch at a fixed set
#' of thresholds (a prediction above a threshold counts as positive); `result()`
#' approximates the area under the curve those counts trace with a Riemann sum.
#'
#' The thresholds are `num_thresholds - 2` values spaced evenly in (0, 1), or the
#' given `thresholds`, plus one just below 0 and one just above 1 (by
#' [config_epsilon()]) so that predictions of exactly 0 or 1 are counted. The
#' estimate is good when predictions spread over \[0, 1\]; `"minoring"` and
#' `"majoring"` give lower and upper bounds of the sum.
#'
#' Targets are positive when non-zero. With `multi_label = FALSE`, every element
#' of a multi-column `y_pred` is one more prediction of a single label; with
#' `multi_label = TRUE`, `y_pred` is a (samples x labels) matrix and the result is
#' the mean (weighted by `label_weights`) of one AUC per label. `sample_weight`
#' may give one weight per sample, per element of `y_pred`'s leading axes, or per
#' element; a weight of 0 leaves a prediction out. Missing predictions make the
#' result `NaN`.
#'
#' @param ... Must be empty.
#' @param num_thresholds Whole number of at least 2: how many thresholds, ends
#'   included. Ignored when `thresholds` is given. Default `200`.
#' @param curve `"ROC"` (default), `"PR"` (precision against recall) or
#'   `"PRGAIN"` (precision gain against recall gain).
#' @param summation_method `"interpolation"` (default: trapezoids; for the PR
#'   curve, true and false positives are interpolated rather than precision),
#'   `"minoring"` (the lower of each interval's two heights) or `"majoring"`
#'   (the higher).
#' @param name String, the name shown in the history. By default `"auc"`, then
#'   `"auc_1"`, `"auc_2"`, ... for later ones (reset by [clear_session()]).
#' @param dtype `NULL` (the [config_floatx()] default), `"float32"` or
#'   `"float64"`: under float32, predictions are rounded to float32 before they
#'   are compared with the thresholds, as Keras does.
#' @param thresholds Optional numeric vector of thresholds in \[0, 1\], used
#'   instead of `num_thresholds` evenly spaced ones.
#' @param multi_label `TRUE` to compute one AUC per label (column of `y_pred`)
#'   and average them; `FALSE` (default) to pool all predictions.
#' @param num_labels Optional number of labels, with `multi_label = TRUE`;
#'   otherwise taken from the first batch.
#' @param label_weights Optional non-negative weights, one per label: with
#'   `multi_label = TRUE` they weight the average of the label AUCs; otherwise
#'   they weight each label's predictions in the pooled counts.
#' @param from_logits `TRUE` when predictions are logits (a sigmoid turns them
#'   into probabilities first).
#' @returns A metric object (class `recurrent_metric`) for `compile(metrics = )`
#'   or standalone use: `m$update_state(y_true, y_pred, sample_weight)`,
#'   `m$result()`, `m$reset_state()`; its counts are `m$true_positives`,
#'   `m$false_positives`, `m$true_negatives`, `m$false_negatives` at the
#'   thresholds `m$thresholds`.
#' @seealso [metrics]
#' @examples
#' m <- metric_auc(num_thresholds = 3)
#' m$update_state(c(0, 0, 1, 1), c(0, 0.5, 0.3, 0.9))
#' m$thresholds
#' m$true_positives
#' m$result()
#' m$reset_state()
#' m$update_state(c(0, 0, 1, 1), c(0, 0.5, 0.3, 0.9), sample_weight = c(1, 0, 0, 1))
#' m$result()
#'
#' pr <- metric_auc(curve = "PR", summation_method = "minoring")
#' pr(c(1, 0, 1, 0, 1), c(0.8, 0.7, 0.6, 0.2, 0.9))
#' @export
metric_auc <- function(..., num_thresholds = 200L, curve = "ROC", summation_method = "interpolation",
                       name = NULL, dtype = NULL, thresholds = NULL, multi_label = FALSE,
                       num_labels = NULL, label_weights = NULL, from_logits = FALSE) {
  check_dots_empty(list(...))
  call <- rlang::current_env()
  th <- auc_thresholds(num_thresholds, thresholds, call)
  curve <- auc_choice(curve, c(ROC = "ROC", roc = "ROC", PR = "PR", pr = "PR", PRGAIN = "PRGAIN",
                               prgain = "PRGAIN"), "curve", call)
  summation_method <- auc_choice(summation_method, c(interpolation = "interpolation", Interpolation = "interpolation",
                                                     minoring = "minoring", Minoring = "minoring",
                                                     majoring = "majoring", Majoring = "majoring"),
                                 "summation_method", call)
  if (!is.null(dtype)) dtype <- auc_choice(dtype, c(float32 = "float32", float64 = "float64"), "dtype", call)
  multi_label <- check_flag(multi_label)
  num_labels <- check_count(num_labels, min = 1, null_ok = TRUE)
  if (!multi_label && !is.null(num_labels))
    recurrent_abort("{.arg num_labels} is only used with {.code multi_label = TRUE}.", call = call)
  if (!is.null(label_weights)) {
    if (op_is_tensor(label_weights)) label_weights <- as.array(label_weights)
    if (!is.numeric(label_weights) || !length(label_weights) || anyNA(label_weights) || any(label_weights < 0))
      abort_must_be(label_weights, "{.code NULL} or a vector of non-negative numbers", "label_weights", call)
    label_weights <- as.numeric(label_weights)
    if (multi_label && !is.null(num_labels) && length(label_weights) != num_labels)
      recurrent_abort(c("{.arg label_weights} must have one weight per label.",
                        x = "Got {length(label_weights)} weight{?s} for {.code num_labels = {num_labels}}."),
                      call = call)
  }
  from_logits <- check_flag(from_logits)
  name <- if (is.null(name)) unique_name("auc") else check_string(name)
  new_metric(AUCMetric, name = name, dtype = dtype, thresholds = th, curve = curve,
             summation_method = summation_method, multi_label = multi_label, num_labels = num_labels,
             label_weights = label_weights, from_logits = from_logits, keras_class = "confusion_metrics.AUC")
}
