# metric_auc(): expected values are worked out by hand below, or are the numbers
# asserted by Keras's own tests (keras/src/metrics/confusion_metrics_test.py,
# AUCTest and MultiAUCTest), with the absolute tolerances those tests use.

expect_close <- function(actual, expected, atol = 1e-6) {
  expect_true(is.numeric(actual) && length(actual) == 1)
  expect_lt(abs(actual - expected), atol)
}

test_that("hand-computed counts and areas on five thresholds", {
  # thresholds: -eps, 0.25, 0.5, 0.75, 1 + eps. Positives predict 0.8, 0.4, 1;
  # negatives 0.6, 0.1, 0.5 (exactly on a threshold: not above it).
  y <- c(1, 0, 1, 0, 1, 0)
  p <- c(0.8, 0.6, 0.4, 0.1, 1, 0.5)
  m <- metric_auc(num_thresholds = 5)
  m$update_state(y, p)
  expect_equal(m$thresholds, c(-1e-7, 0.25, 0.5, 0.75, 1 + 1e-7))
  expect_equal(m$true_positives, c(3, 3, 2, 2, 0))
  expect_equal(m$false_positives, c(3, 2, 1, 0, 0))
  expect_equal(m$false_negatives, c(0, 0, 1, 1, 3))
  expect_equal(m$true_negatives, c(0, 1, 2, 3, 3))
  # tpr = 1, 1, 2/3, 2/3, 0 and fpr = 1, 2/3, 1/3, 0, 0: trapezoids of width 1/3
  expect_close(m$result(), 1 / 3 * 1 + 1 / 3 * (1 + 2 / 3) / 2 + 1 / 3 * (2 / 3 + 2 / 3) / 2)
  expect_close(m$result(), 15 / 18)

  expect_close(metric_auc(num_thresholds = 5, summation_method = "minoring")(y, p), 1 / 3 + 2 / 9 + 2 / 9)
  expect_close(metric_auc(num_thresholds = 5, summation_method = "majoring")(y, p), 1 / 3 + 1 / 3 + 2 / 9)
  # PR: recall 1, 1, 2/3, 2/3, 0; precision 1/2, 3/5, 2/3, 1, 0 (no predicted positive: 0)
  expect_close(metric_auc(num_thresholds = 5, curve = "PR", summation_method = "majoring")(y, p),
               1 / 3 * 2 / 3 + 2 / 3 * 1)
  expect_close(metric_auc(num_thresholds = 5, curve = "PR", summation_method = "minoring")(y, p),
               1 / 3 * 3 / 5 + 2 / 3 * 0)
  # PR interpolation: predicted positives P = 6, 5, 3, 2, 0. Only the intervals where
  # TP changes add area: (5 -> 3) with slope dTP/dP = 1/2 and intercept
  # TP - slope * P = 2 - 3/2 = 1/2, and (2 -> 0) with slope 1, intercept 0 and ratio 1;
  # each is slope * (dTP + intercept * log(P_a / P_b)) / positives.
  expect_close(metric_auc(num_thresholds = 5, curve = "PR")(y, p),
               0.5 * (1 + 0.5 * log(5 / 3)) / 3 + 1 * (2 + 0) / 3)
})

test_that("counts accumulate over batches and reset_state() clears them", {
  y <- c(1, 0, 1, 0, 1, 0)
  p <- c(0.8, 0.6, 0.4, 0.1, 1, 0.5)
  m <- metric_auc(num_thresholds = 5)
  expect_equal(m$result(), 0)
  m$update_state(y[1:2], p[1:2])
  m$update_state(matrix(y[3:6]), matrix(p[3:6]))
  expect_equal(m$true_positives, c(3, 3, 2, 2, 0))
  expect_equal(m$false_positives, c(3, 2, 1, 0, 0))
  expect_close(m$result(), 15 / 18)
  m$reset_state()
  expect_equal(m$true_positives, rep(0, 5))
  expect_equal(m$true_negatives, rep(0, 5))
  expect_equal(m$result(), 0)
  # calling the object updates and returns the result
  expect_close(m(c(0, 1), c(0.2, 0.9)), 1)
})

test_that("sample weights multiply the counts; weight 0 leaves a prediction out", {
  # Keras's docstring example: weights 1, 0, 0, 1 keep predictions 0 (negative) and 0.9 (positive)
  m <- metric_auc(num_thresholds = 3)
  m$update_state(c(0, 0, 1, 1), c(0, 0.5, 0.3, 0.9), sample_weight = c(1, 0, 0, 1))
  expect_equal(m$true_positives, c(1, 1, 0))
  expect_equal(m$false_positives, c(1, 0, 0))
  expect_close(m$result(), 1)
  # a weight per sample repeats over the label columns of a matrix
  m <- metric_auc(num_thresholds = 3)
  m$update_state(cbind(c(1, 0), c(0, 1)), cbind(c(0.9, 0.2), c(0.4, 0.7)), sample_weight = c(2, 5))
  # positives: 0.9 (w 2), 0.7 (w 5); negatives: 0.2 (w 5), 0.4 (w 2); all but 0.9 and 0.7 at or below 0.5
  expect_equal(m$true_positives, c(7, 7, 0))
  expect_equal(m$false_positives, c(7, 0, 0))
  expect_close(m$result(), 1)
  # weights on the leading axes of a 3-d prediction (samples x steps), one number for all
  yt <- array(c(1, 0, 0, 1), c(2, 2, 1)); yp <- array(c(0.9, 0.8, 0.1, 0.2), c(2, 2, 1))
  m <- metric_auc(num_thresholds = 3)
  m$update_state(yt, yp, sample_weight = matrix(c(1, 1, 0, 1), 2))
  # kept: (1, 0.9), (0, 0.8), (1, 0.2); dropped (0, 0.1)
  expect_equal(m$true_positives, c(2, 1, 0))
  expect_equal(m$false_positives, c(1, 1, 0))
  m$reset_state()
  m$update_state(yt, yp, sample_weight = 3)
  expect_equal(m$true_positives, c(6, 3, 0))
  expect_equal(m$false_positives, c(6, 3, 0))
})

test_that("Keras AUCTest expectations", {
  y <- c(0, 0, 1, 1)
  p <- c(0, 0.5, 0.3, 0.9)
  sw <- c(1, 2, 3, 4)
  expect_equal(metric_auc()(y, y), 1)
  expect_close(metric_auc(num_thresholds = 3)(y, p), 0.75, 1e-3)
  logits <- -log(1 / (p + 1e-12) - 1)
  expect_close(metric_auc(num_thresholds = 3, from_logits = TRUE)(y, logits), 0.75, 1e-3)
  manual <- metric_auc(num_thresholds = 2, thresholds = 0.5)
  expect_equal(manual$num_thresholds, 3)
  expect_equal(manual$thresholds, c(0, 0.5, 1), tolerance = 1e-6)
  expect_close(manual(y, p), 0.75, 1e-3)

  w <- metric_auc(num_thresholds = 3)
  expect_close(w(y, p, sample_weight = sw), 0.7855, 1e-3)
  expect_equal(w$true_positives, c(7, 4, 0))
  expect_equal(w$false_positives, c(3, 0, 0))
  expect_equal(w$false_negatives, c(0, 3, 7))
  expect_equal(w$true_negatives, c(0, 3, 3))
  roc <- function(method) metric_auc(num_thresholds = 3, summation_method = method)(y, p, sample_weight = sw)
  expect_close(roc("majoring"), 1, 1e-3)
  expect_close(roc("minoring"), 0.571, 1e-3)
  pr <- function(method) metric_auc(num_thresholds = 3, curve = "PR", summation_method = method)(y, p, sample_weight = sw)
  expect_close(pr("majoring"), 1 * 0.429 + 1 * 0.571, 1e-3)
  expect_close(pr("minoring"), 0.7 * 0.429, 1e-3)
  expect_close(pr("interpolation"), 2.416 / 7 + 4 / 7, 1e-3)
  expect_close(metric_auc(num_thresholds = 3, curve = "PR")(y, p, sample_weight = -sw), 0, 1e-3)
  gain <- function(method) metric_auc(num_thresholds = 3, curve = "PRGAIN", summation_method = method)(y, p, sample_weight = sw)
  expect_close(gain("majoring"), 1, 1e-3)
  expect_close(gain("minoring"), 0, 1e-3)
  expect_close(gain("interpolation"), 0.5, 1e-3)
  expect_close(metric_auc(num_thresholds = 3, curve = "PRGAIN")(c(0, 0, 0, 1, 0, 1, 0, 1, 1, 1),
                                                               c(0.1, 0.2, 0.3, 0.3, 0.4, 0.4, 0.6, 0.6, 0.8, 0.9)),
               0.666666 * 0.333333 + 0.333333 * 0.833333, 1e-3)
  # test_extra_dims: a 2 x 2 x 3 array of sigmoid(-logits), default 200 thresholds
  logits3 <- array(0, c(2, 2, 3))
  logits3[1, 1, ] <- c(-10, 10, -10); logits3[1, 2, ] <- c(10, -10, 10)
  logits3[2, 1, ] <- c(-12, 12, -12); logits3[2, 2, ] <- c(12, -12, 12)
  labels3 <- array(0, c(2, 2, 3))
  labels3[1, 1, ] <- c(1, 0, 0); labels3[1, 2, ] <- c(1, 0, 0)
  labels3[2, 1, ] <- c(0, 1, 1); labels3[2, 2, ] <- c(0, 1, 1)
  expect_equal(metric_auc()(labels3, 1 / (1 + exp(logits3))), 0.5)
})

test_that("Keras MultiAUCTest expectations", {
  p <- cbind(c(0, 0.5, 0.3, 0.9), c(0.1, 0.2, 0.3, 0.4))
  good <- cbind(c(0, 0, 1, 1), c(0, 0, 1, 1))
  bad <- cbind(c(0, 0, 1, 1), c(1, 1, 0, 0))
  sw <- c(1, 2, 3, 4)
  expect_equal(metric_auc(multi_label = TRUE)(good, good), 1)
  expect_equal(metric_auc(multi_label = FALSE)(good, good), 1)
  m <- metric_auc(num_thresholds = 5, multi_label = TRUE)
  expect_close(m(good, p), (0.875 + 1) / 2, 1e-3)
  # per label, over thresholds -eps, 0.25, 0.5, 0.75, 1 + eps
  expect_equal(m$true_positives, cbind(c(2, 2, 1, 1, 0), c(2, 2, 0, 0, 0)))
  expect_equal(m$false_positives, cbind(c(2, 1, 0, 0, 0), c(2, 0, 0, 0, 0)))
  m$reset_state()
  expect_equal(m$true_positives, matrix(0, 5, 2))
  logits <- -log(1 / (p + 1e-12) - 1)
  expect_close(metric_auc(num_thresholds = 5, multi_label = TRUE, from_logits = TRUE)(good, logits),
               (0.875 + 1) / 2, 1e-3)
  expect_close(metric_auc(num_thresholds = 5)(good, p, sample_weight = sw), 1 - 0.3333 * (1 - 0.2857) / 2, 1e-3)
  expect_close(metric_auc(num_thresholds = 5)(good, p, sample_weight = matrix(0:7, 4, byrow = TRUE)),
               1 - 0.3333 * (1 - 0.2727) / 2, 1e-3)
  expect_close(metric_auc(num_thresholds = 5, multi_label = TRUE, label_weights = c(0.75, 0.25))(good, p),
               (0.875 * 0.75 + 1 * 0.25) / (0.75 + 0.25), 1e-3)
  expect_close(metric_auc(num_thresholds = 5, label_weights = c(0.75, 0.25))(good, p),
               1 - (1 - 0.375) * 0.375 / 2, 1e-2)
  flat <- metric_auc(num_thresholds = 5)
  expect_close(flat(good, p), 1 - 3 / 32, 1e-3)
  expect_equal(flat$true_positives, c(4, 4, 1, 1, 0))
  expect_equal(flat$false_positives, c(4, 1, 0, 0, 0))
  expect_close(metric_auc(num_thresholds = 5, from_logits = TRUE)(good, logits), 1 - 3 / 32, 1e-3)
  expect_close(metric_auc(num_thresholds = 2, thresholds = 0.5, multi_label = TRUE)(good, p), (0.75 + 0.5) / 2, 1e-3)
  expect_close(metric_auc(num_thresholds = 5, multi_label = TRUE)(good, p, sample_weight = sw),
               1 - 0.5 * 0.43 * 0.67, 1e-1)
  # as in Keras's test, one object sees both batches: the second result is over both
  pr <- metric_auc(num_thresholds = 5, curve = "PR", multi_label = TRUE)
  expect_close(pr(good, p), (0.91667 + 1) / 2, 1e-1)
  expect_close(pr(bad, p), (0.91667 + 0.5) / 2, 1e-1)
  expect_close(metric_auc(num_thresholds = 5, curve = "PR", multi_label = TRUE)(good, p, sample_weight = sw),
               (0.939 + 1) / 2, 1e-1)
})

test_that("manual thresholds: sorted, compared directly when uneven, kept in the config", {
  m <- metric_auc(num_thresholds = NULL, thresholds = c(0.5, 0.3), curve = "PR", summation_method = "majoring",
                  name = "auc_1")
  expect_equal(m$name, "auc_1")
  expect_equal(m$num_thresholds, 4)
  expect_equal(m$thresholds, c(0, 0.3, 0.5, 1), tolerance = 1e-6)
  m$update_state(c(0, 0, 1, 1), c(0, 0.5, 0.3, 0.9))
  # 0.3 is not above 0.3 and 0.5 not above 0.5: above 0.3 are 0.5 (neg) and 0.9 (pos)
  expect_equal(m$true_positives, c(2, 1, 1, 0))
  expect_equal(m$false_positives, c(2, 1, 0, 0))
  cfg <- m$get_config()
  expect_equal(cfg$thresholds, c(0.3, 0.5))
  expect_equal(cfg$curve, "PR")
  expect_equal(cfg$summation_method, "majoring")
  expect_null(metric_auc()$get_config()$thresholds)
  expect_equal(metric_auc()$get_config()$num_thresholds, 200)
})

test_that("dtype: float32 rounds predictions before bucketing, float64 does not", {
  # 0.5 + 1e-9 rounds to 0.5 in float32 (not above the 0.5 threshold): Keras's 0.75.
  # In float64 it is above 0.5: fp = 2, 1, 0, so tpr = fpr = 1, 0.5, 0 and the area is 0.5.
  p <- c(0, 0.5 + 1e-9, 0.3, 0.9)
  expect_close(metric_auc(num_thresholds = 3)(c(0, 0, 1, 1), p), 0.75)
  m64 <- metric_auc(num_thresholds = 3, dtype = "float64")
  expect_close(m64(c(0, 0, 1, 1), p), 0.5)
  expect_equal(m64$false_positives, c(2, 1, 0))
})

test_that("names: auc, then auc_1; the string 'auc' in compile()", {
  clear_session()
  expect_equal(metric_auc()$name, "auc")
  expect_equal(metric_auc()$name, "auc_1")
  expect_equal(metric_auc(name = "roc")$name, "roc")
  expect_s3_class(metric_auc(), "keras.src.metrics.confusion_metrics.AUC")
  expect_equal(resolve_metric("auc", NULL, NULL)$name, "auc")
  expect_equal(resolve_metric(metric_auc, NULL, NULL)$direction, "up")
  clear_session()
})

test_that("fit() logs auc and val_auc computed on the batches", {
  clear_session()
  # one dense unit, kernel 1 and bias 0, no learning: predictions are sigmoid(x)
  model <- keras_model_sequential(input_shape = 1) |>
    layer_dense(1, activation = "sigmoid", kernel_initializer = initializer_constant(1),
                bias_initializer = "zeros")
  model |> compile(optimizer = optimizer_sgd(learning_rate = 0), loss = "binary_crossentropy",
                   metrics = list(metric_auc(), "auc"))
  x <- matrix(c(-2, -1, 0.5, 1, 2, -0.5))
  y <- matrix(c(0, 1, 0, 1, 1, 0))
  xv <- matrix(c(-1.5, 1.5, 0.2, -0.2))
  yv <- matrix(c(0, 1, 1, 0))
  h <- fit(model, x, y, epochs = 2, batch_size = 4, verbose = 0, validation_data = list(xv, yv))
  expect_true(all(c("auc", "auc_1", "val_auc", "val_auc_1") %in% names(h$metrics)))
  # the predictions sit in distinct buckets of the 200 thresholds, so the ROC area
  # is the share of (positive, negative) pairs ranked correctly
  pair_auc <- function(score, label) mean(outer(score[label == 1], score[label == 0], ">"))
  expect_equal(pair_auc(c(-2, -1, 0.5, 1, 2, -0.5), c(0, 1, 0, 1, 1, 0)), 7 / 9)
  expect_equal(h$metrics$auc, rep(7 / 9, 2), tolerance = 1e-6)
  expect_equal(h$metrics$auc_1, rep(7 / 9, 2), tolerance = 1e-6)
  # validation: positives 1.5, 0.2 above both negatives -1.5, -0.2
  expect_equal(h$metrics$val_auc, rep(1, 2), tolerance = 1e-6)
  clear_session()
})

test_that("bad arguments and inputs give clear errors", {
  expect_error(metric_auc(num_thresholds = 1), "num_thresholds", class = "recurrent_error_argument")
  expect_error(metric_auc(num_thresholds = 2.5), "num_thresholds", class = "recurrent_error_argument")
  expect_error(metric_auc(curve = "Invalid"), "curve", class = "recurrent_error_argument")
  expect_error(metric_auc(summation_method = "Invalid"), "summation_method", class = "recurrent_error_argument")
  expect_error(metric_auc(thresholds = c(0.2, 1.5)), "thresholds", class = "recurrent_error_argument")
  expect_error(metric_auc(thresholds = "a"), "thresholds", class = "recurrent_error_argument")
  expect_error(metric_auc(num_labels = 2), "multi_label", class = "recurrent_error_argument")
  expect_error(metric_auc(multi_label = NA), "multi_label", class = "recurrent_error_argument")
  expect_error(metric_auc(from_logits = "yes"), "from_logits", class = "recurrent_error_argument")
  expect_error(metric_auc(label_weights = c(1, -1)), "label_weights", class = "recurrent_error_argument")
  expect_error(metric_auc(multi_label = TRUE, num_labels = 3, label_weights = c(1, 2)), "label_weights",
               class = "recurrent_error_argument")
  expect_error(metric_auc(dtype = "int32"), "dtype", class = "recurrent_error_argument")
  expect_error(metric_auc(name = 3), "name", class = "recurrent_error_argument")
  expect_error(metric_auc(200), "Unknown argument", class = "recurrent_error_argument")

  m <- metric_auc()
  expect_error(m$update_state(c(0, 1, 1), c(0.2, 0.4)), "same shape", class = "recurrent_error_argument")
  expect_error(m$update_state(c("a", "b"), c(0.2, 0.4)), "y_true", class = "recurrent_error_argument")
  expect_error(m$update_state(c(0, NA), c(0.2, 0.4)), "y_true", class = "recurrent_error_argument")
  expect_error(m$update_state(c(0, 1), c(0.2, 0.4), sample_weight = c(1, 2, 3)), "sample_weight",
               class = "recurrent_error_argument")
  expect_error(metric_auc(multi_label = TRUE)$update_state(c(0, 1), c(0.2, 0.4)), "matrix",
               class = "recurrent_error_argument")
  ml <- metric_auc(multi_label = TRUE, num_labels = 2)
  expect_error(ml$update_state(diag(3), diag(3)), "2 label columns", class = "recurrent_error_argument")
  expect_error(metric_auc(multi_label = TRUE, label_weights = 1:3)$update_state(diag(2), diag(2)),
               "label_weights", class = "recurrent_error_argument")
  expect_error(metric_auc(label_weights = 1:3)$update_state(diag(2), diag(2)), "label_weights",
               class = "recurrent_error_argument")
  # nothing was counted by the failed updates
  expect_equal(m$true_positives, numeric(200))
  # a missing prediction makes the result NaN rather than an error mid-training
  m$update_state(c(0, 1), c(NaN, 0.4))
  expect_true(is.nan(m$result()))
})
