# Expected values are Keras 3's own, from keras-team/keras keras/src/metrics/:
# confusion_metrics_test.py, f_score_metrics_test.py, correlation_metrics_test.py,
# accuracy_metrics_test.py, regression_metrics_test.py; or hand computations noted.

test_that("true/false positives/negatives give Keras's tested counts", {
  y_true <- rbind(c(0, 1, 0, 1, 0), c(0, 0, 1, 1, 1), c(1, 1, 1, 1, 0), c(0, 0, 0, 0, 1))
  y_pred <- rbind(c(0, 0, 1, 1, 0), c(1, 1, 1, 1, 1), c(0, 1, 0, 1, 0), c(1, 1, 1, 1, 1))
  expect_equal(metric_false_positives()(y_true, y_pred), 7)
  expect_equal(metric_false_positives()(y_true, y_pred, sample_weight = c(1, 1.5, 2, 2.5)), 14)
  expect_equal(metric_false_negatives()(y_true, y_pred), 3)
  expect_equal(metric_true_negatives()(y_true, y_pred), 3)
  expect_equal(metric_true_positives()(y_true, y_pred), 7)
  yp <- rbind(c(0.9, 0.2, 0.8, 0.1), c(0.2, 0.9, 0.7, 0.6), c(0.1, 0.2, 0.4, 0.3), c(0, 1, 0.7, 0.3))
  yt <- rbind(c(0, 1, 1, 0), c(1, 0, 0, 0), c(0, 0, 0, 0), c(1, 1, 1, 1))
  th <- c(0.15, 0.5, 0.85)
  expect_equal(metric_false_positives(thresholds = th)(yt, yp), c(7, 4, 2))
  sw <- rbind(c(1, 2, 3, 5), c(7, 11, 13, 17), c(19, 23, 29, 31), c(5, 15, 10, 0))
  expect_equal(metric_false_positives(thresholds = th)(yt, yp, sample_weight = sw), c(125, 42, 12))
  expect_equal(metric_false_negatives(thresholds = th)(yt, yp), c(1, 4, 6))
  expect_equal(metric_true_negatives(thresholds = th)(yt, yp), c(2, 5, 7))
  expect_equal(metric_true_positives(thresholds = th)(yt, yp), c(6, 3, 1))
  expect_error(metric_false_positives(thresholds = c(-1, 0.5, 2)), class = "recurrent_error")
})

test_that("precision and recall give Keras's tested values", {
  expect_equal(metric_precision()(c(0, 1, 1, 0), c(1, 0, 1, 0)), 0.5)
  p <- metric_precision()(rbind(c(0, 1, 1, 0), c(1, 0, 0, 1)), rbind(c(1, 0, 1, 0), c(1, 0, 1, 0)),
                          sample_weight = rbind(c(1, 2, 3, 4), c(4, 3, 2, 1)))
  expect_equal(p, (3 + 4) / ((1 + 3) + (4 + 2)))
  expect_equal(metric_precision()(c(0, 0, 0, 0), c(0, 0, 0, 0)), 0)
  m <- metric_precision(thresholds = c(0.5, 1))
  for (i in 1:2) m$update_state(rbind(c(0, 1), c(1, 0)), rbind(c(1, 0), c(0.6, 0)),
                                sample_weight = rbind(c(4, 0), c(3, 1)))
  expect_equal(m$result(), c(6 / 14, 0))
  expect_equal(metric_recall()(c(0, 1, 1, 0), c(1, 0, 1, 0)), 0.5)
  r <- metric_recall()(rbind(c(0, 1, 1, 0), c(1, 0, 0, 1)), rbind(c(1, 0, 1, 0), c(0, 1, 0, 1)),
                       sample_weight = rbind(c(1, 2, 3, 4), c(4, 3, 2, 1)))
  expect_equal(r, (3 + 1) / ((2 + 3) + (4 + 1)))
  # top_k = 3 (confusion_metrics_test.py test_unweighted_top_k): precision 1/3, recall 1/2
  expect_equal(metric_precision(top_k = 3)(rbind(c(0, 1, 1, 0, 0)), rbind(c(0.2, 0.1, 0.5, 0, 0.2))), 1 / 3)
  expect_equal(metric_recall(top_k = 3)(rbind(c(0, 1, 1, 0, 0)), rbind(c(0.2, 0.1, 0.5, 0, 0.2))), 1 / 2)
  expect_equal(metric_precision()$get_config()$top_k, NULL)
  expect_s3_class(metric_precision(), "keras.src.metrics.confusion_metrics.Precision")
})

test_that("the constrained metrics give Keras's tested values", {
  pv <- c(0, 0.1, 0.2, 0.3, 0.4, 0.1, 0.45, 0.5, 0.8, 0.9)
  lv <- c(0, 0, 0, 0, 0, 1, 1, 1, 1, 1)
  expect_equal(metric_sensitivity_at_specificity(0.8)(lv, pv), 0.8, tolerance = 1e-6)
  pv2 <- c(0, 0.1, 0.2, 0.3, 0.4, 0.01, 0.02, 0.25, 0.26, 0.26)
  expect_equal(metric_sensitivity_at_specificity(0.4)(lv, pv2), 0.6, tolerance = 1e-6)
  expect_equal(metric_sensitivity_at_specificity(0.4)(lv, pv2, sample_weight = 1:10), 0.675, tolerance = 1e-6)
  expect_equal(metric_specificity_at_sensitivity(1)(lv, pv2), 0.2, tolerance = 1e-6)
  expect_equal(metric_specificity_at_sensitivity(0.4)(lv, pv2), 0.6, tolerance = 1e-6)
  expect_equal(metric_specificity_at_sensitivity(0.4)(lv, pv2, sample_weight = 1:10), 0.4, tolerance = 1e-6)
  onehot <- t(sapply(c(0, 0, 0, 0, 0, 2, 2, 2, 2, 2), function(k) as.numeric(0:2 == k)))
  expect_equal(metric_specificity_at_sensitivity(0.4, class_id = 2)(onehot, cbind(pv2, pv2, pv2)), 0.6,
               tolerance = 1e-6)
  pv3 <- c(0, 0.1, 0.2, 0.5, 0.6, 0.2, 0.5, 0.6, 0.8, 0.9)
  expect_equal(metric_precision_at_recall(0.8)(lv, pv3), 2 / 3, tolerance = 1e-6)
  expect_equal(metric_precision_at_recall(0.6)(lv, pv3), 0.75, tolerance = 1e-6)
  expect_equal(metric_precision_at_recall(7 / 8)(lv, pv3, sample_weight = c(2, 1, 2, 1, 2, 1, 2, 2, 1, 2)), 0.7,
               tolerance = 1e-6)
  pv4 <- c(0.05, 0.1, 0.2, 0.3, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.9, 0.95)
  lv4 <- c(0, 1, 0, 0, 0, 1, 1, 0, 1, 1, 0, 1)
  expect_equal(metric_recall_at_precision(0.75)(lv4, pv4), 0.5, tolerance = 1e-6)
  expect_equal(metric_recall_at_precision(2 / 3)(lv4, pv4), 5 / 6, tolerance = 1e-6)
  expect_equal(metric_recall_at_precision(0.75)(c(0, 1, 0, 0, 0, 1, 1), c(0.1, 0.2, 0.3, 0.5, 0.6, 0.9, 0.9),
                                                sample_weight = c(1, 2, 1, 2, 1, 2, 1)), 0.6, tolerance = 1e-6)
  expect_equal(metric_recall_at_precision(2 / 3)(c(1, 1, 0, 0), c(0.1, 0.2, 0.3, 0.9)), 0)
  expect_error(metric_sensitivity_at_specificity(1.5), class = "recurrent_error")
  expect_error(metric_precision_at_recall(0.5, num_thresholds = 0), class = "recurrent_error")
})

test_that("F-beta and F1 give Keras's tested values", {
  y_pred <- rbind(c(0.7, 0.7, 0.7), c(1, 0, 0), c(0.9, 0.8, 0))
  y_true <- rbind(c(0, 0, 1), c(1, 1, 0), c(1, 1, 1))
  cases <- list(list(NULL, 0.5, c(0.71428573, 0.5, 0.833334)), list(NULL, 1, c(0.8, 0.5, 0.6666667)),
                list(NULL, 2, c(0.9090904, 0.5, 0.555556)), list("micro", 0.5, 0.6666667),
                list("macro", 0.5, 0.6825397), list("macro", 2, 0.6548822), list("weighted", 1, 0.6555555))
  for (cs in cases) {
    got <- metric_fbeta_score(average = cs[[1]], beta = cs[[2]], threshold = 0.66)(y_true, y_pred)
    expect_allclose(got, cs[[3]], rtol = 1e-5, atol = 1e-5)
  }
  # threshold = NULL: the largest prediction of each sample is the positive one
  y_true <- rbind(c(1, 0, 0), c(0, 1, 0), c(0, 0, 1), c(1, 0, 0), c(1, 0, 0), c(0, 0, 1))
  y_pred <- rbind(c(0.9, 0.1, 0), c(0.2, 0.6, 0.2), c(0, 0, 1), c(0.4, 0.3, 0.3), c(0, 0.9, 0.1), c(0, 0, 1))
  expect_allclose(metric_fbeta_score(beta = 0.5)(y_true, y_pred), c(0.9090904, 0.555556, 1), rtol = 1e-5, atol = 1e-5)
  expect_allclose(metric_f1_score(average = "weighted")(y_true, y_pred, sample_weight = c(0.5, 1, 1, 1, 0.5, 1)),
                  0.902857, rtol = 1e-5, atol = 1e-5)
  expect_allclose(metric_f1_score(average = "micro")(y_true, y_pred, sample_weight = c(1, 0, 1, 1, 0, 1)), 1,
                  rtol = 1e-5, atol = 1e-5)
  expect_error(metric_fbeta_score(beta = 0), class = "recurrent_error")
  expect_error(metric_fbeta_score(average = "invalid_average"), class = "recurrent_error")
})

test_that("top-k accuracy gives Keras's tested values (accuracy_metrics_test.py)", {
  y_true <- rbind(c(0, 0, 1), c(0, 1, 0))
  y_pred <- rbind(c(0.1, 0.9, 0.8), c(0.05, 0.95, 0))
  m <- metric_top_k_categorical_accuracy(k = 1)
  expect_equal(m(y_true, y_pred), 0.5)
  m <- metric_top_k_categorical_accuracy(k = 1)
  expect_equal(m(y_true, y_pred, sample_weight = c(0.7, 0.3)), 0.3, tolerance = 1e-6)
  expect_equal(metric_sparse_top_k_categorical_accuracy(k = 1)(c(2, 1), y_pred), 0.5)
  expect_equal(metric_sparse_top_k_categorical_accuracy(k = 1)(c(2, 1), y_pred, sample_weight = c(0.7, 0.3)), 0.3,
               tolerance = 1e-6)
  expect_equal(metric_sparse_top_k_categorical_accuracy(k = 2)(c(2, 1), y_pred), 1)
  expect_equal(metric_sparse_top_k_categorical_accuracy(k = 1, from_sorted_ids = TRUE)(c(2, 1),
                 rbind(c(1, 0, 3), c(1, 2, 3))), 0.5)
})

test_that("correlation metrics give Keras's tested values (correlation_metrics_test.py)", {
  y_true <- rbind(c(0, 1, 0.5), c(1, 1, 0.2), c(1, 1, 0.1), c(0.1, 0.7, 0))
  y_pred <- rbind(c(0.1, 0.9, 0.5), c(1, 0.9, 0.2), c(0.2, 0.8, 0), c(0.3, 0.3, 0.9))
  ccc <- c(0.97560976, 0.98765432, 0.46511628, -0.46376812)
  pcc <- vapply(1:4, function(i) stats::cor(y_true[i, ], y_pred[i, ]), 1)  # scipy's pearsonr in the test
  expect_allclose(metric_pearson_correlation(y_true, y_pred), pcc, rtol = 1e-5, atol = 1e-6)
  expect_allclose(metric_concordance_correlation(y_true, y_pred), ccc, rtol = 1e-5, atol = 1e-6)
  m <- metric_pearson_correlation()
  m$update_state(y_true[1:2, ], y_pred[1:2, ])
  expect_equal(m$result(), mean(pcc[1:2]), tolerance = 1e-5)
  m$update_state(y_true[3:4, ], y_pred[3:4, ])
  expect_equal(m$result(), mean(pcc), tolerance = 1e-5)
  expect_identical(metric_pearson_correlation()$get_config()$name, "pearson_correlation")
})

test_that("R2, cosine similarity and the hinge/Poisson/KL/log-cosh metrics", {
  # regression_metrics_test.py R2ScoreTest: sklearn's r2_score values
  y_true <- rbind(c(1), c(4), c(3)); y_pred <- rbind(c(2), c(4), c(4))
  expect_allclose(metric_r2_score()(y_true, y_pred), 0.57142854, rtol = 1e-5)
  yt <- rbind(c(1, 2), c(3, 4), c(5, 7)); yp <- rbind(c(1.5, 2), c(3, 3), c(4, 8))
  r2 <- 1 - colSums((yt - yp)^2) / colSums(sweep(yt, 2, colMeans(yt))^2)  # by hand
  expect_allclose(metric_r2_score(class_aggregation = NULL)(yt, yp), r2, rtol = 1e-6)
  expect_allclose(metric_r2_score()(yt, yp), mean(r2), rtol = 1e-6)
  # cosine similarity metric (regression_metrics_test.py CosineSimilarityTest)
  a <- rbind(c(1, 9, 2), c(-5, -2, 6)); b <- rbind(c(4, 8, 12), c(8, 1, 3))
  l2 <- function(m) m / sqrt(rowSums(m^2))
  expect_allclose(metric_cosine_similarity()(a, b), mean(rowSums(l2(a) * l2(b))), rtol = 1e-5)
  # hinge metrics on the loss tests' inputs (hinge_metrics_test.py gives the same numbers)
  yt <- rbind(c(0, 1), c(0, 0)); yp <- rbind(c(0.6, 0.4), c(0.4, 0.6))
  expect_allclose(metric_hinge()(yt, yp), 1.3, rtol = 1e-6)
  expect_allclose(metric_squared_hinge()(yt, yp), 1.86, rtol = 1e-6)
  expect_allclose(metric_categorical_hinge()(yt, yp), 1.4, rtol = 1e-6)
  p <- rbind(c(1, 9, 2), c(5, 2, 6)); q <- rbind(c(4, 8, 12), c(8, 1, 3))
  expect_allclose(metric_poisson()(p, q), mean(q - p * log(q + 1e-7)), rtol = 1e-5)
  expect_allclose(metric_log_cosh_error()(p, q), mean(log(cosh(q - p))), rtol = 1e-5)
  pt <- rbind(c(0.5, 0.8, 0.12), c(0.7, 0.43, 0.8)); pp <- rbind(c(0.4, 0.9, 0.12), c(0.36, 0.3, 0.4))
  expect_allclose(metric_kl_divergence()(pt, pp), mean(rowSums(pt * log(pt / pp))), rtol = 1e-5)
  m <- metric_mean_wrapper(function(y_true, y_pred, scale) op_abs(y_true - y_pred) * scale, scale = 2, name = "twice")
  m$update_state(c(1, 2), c(1.5, 2))
  expect_equal(m$result(), mean(c(1, 0)))
  expect_identical(m$name, "twice")
})

test_that("the new metrics work in compile() and fit() by object and by name", {
  set.seed(3)
  x <- array(runif(40 * 3 * 2), c(40, 3, 2))
  y <- as.numeric(x[, 3, 1] > 0.5)
  model <- keras_model_sequential(input_shape = c(3, 2)) |> layer_gru(4) |> layer_dense(1, "sigmoid")
  model |> compile(optimizer = "adam", loss = "binary_crossentropy",
                   metrics = list(metric_precision(), metric_recall(), "true_positives",
                                  metric_recall_at_precision(0.5)))
  h <- model |> fit(x, y, epochs = 2, batch_size = 20, verbose = 0)
  expect_true(all(c("precision", "recall", "true_positives", "recall_at_precision") %in% names(h$metrics)))
  ev <- model |> evaluate(x, y, verbose = 0)
  pred <- predict(model, x, verbose = 0) > 0.5
  expect_equal(ev[["true_positives"]], sum(pred & y == 1))
  expect_equal(ev[["precision"]], sum(pred & y == 1) / max(sum(pred), 1), tolerance = 1e-6)
})

test_that("metric configs carry Keras's keys (correlation_metrics_test.py test_get_config)", {
  cfg <- metric_pearson_correlation()$get_config()
  expect_identical(cfg$axis, -1L)
  expect_identical(cfg$name, "pearson_correlation")
  expect_identical(metric_concordance_correlation()$get_config()$name, "concordance_correlation")
  expect_identical(metric_top_k_categorical_accuracy(k = 3)$get_config()$k, 3L)
  expect_identical(metric_precision(thresholds = c(0.4, 0.9))$get_config()$thresholds, c(0.4, 0.9))
  expect_identical(metric_fbeta_score(beta = 0.5, threshold = 0.3)$get_config()[c("beta", "threshold")],
                   list(beta = 0.5, threshold = 0.3))
  expect_identical(metric_precision_at_recall(0.6)$get_config()[c("num_thresholds", "recall")],
                   list(num_thresholds = 200L, recall = 0.6))
})
