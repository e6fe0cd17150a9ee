# Metric configs. The expected keys are those of each class's get_config() in Keras
# (keras-team/keras at commit 3422977, keras/src/metrics/): accuracy_metrics.py,
# confusion_metrics.py, correlation_metrics.py, f_score_metrics.py, hinge_metrics.py,
# probabilistic_metrics.py, regression_metrics.py, reduction_metrics.py. Every config
# starts with Metric's name and dtype (floatx unless given, metric.py). Values are
# the ones each metric was made with.

metric_config_cases <- function() list(
  list(metric_binary_accuracy(threshold = 0.7, name = "acc7"), list(name = "acc7", dtype = "float32", threshold = 0.7)),
  list(metric_categorical_accuracy(), list(name = "categorical_accuracy", dtype = "float32")),
  list(metric_sparse_categorical_accuracy(), list(name = "sparse_categorical_accuracy", dtype = "float32")),
  list(metric_top_k_categorical_accuracy(k = 2), list(name = "top_k_categorical_accuracy", dtype = "float32", k = 2)),
  # SparseTopKCategoricalAccuracy names from_sorted_ids only when it is true
  list(metric_sparse_top_k_categorical_accuracy(k = 3), list(name = "sparse_top_k_categorical_accuracy", dtype = "float32", k = 3)),
  list(metric_sparse_top_k_categorical_accuracy(k = 3, from_sorted_ids = TRUE),
       list(name = "sparse_top_k_categorical_accuracy", dtype = "float32", k = 3, from_sorted_ids = TRUE)),
  list(metric_true_positives(thresholds = c(0.2, 0.8)), list(name = "true_positives", dtype = "float32", thresholds = c(0.2, 0.8))),
  list(metric_false_negatives(), list(name = "false_negatives", dtype = "float32", thresholds = NULL)),
  list(metric_precision(thresholds = 0.3, class_id = 1),
       list(name = "precision", dtype = "float32", thresholds = 0.3, top_k = NULL, class_id = 1)),
  list(metric_recall(top_k = 2), list(name = "recall", dtype = "float32", thresholds = NULL, top_k = 2, class_id = NULL)),
  list(metric_sensitivity_at_specificity(0.6, num_thresholds = 50),
       list(name = "sensitivity_at_specificity", dtype = "float32", class_id = NULL, num_thresholds = 50, specificity = 0.6)),
  list(metric_precision_at_recall(0.4, class_id = 2),
       list(name = "precision_at_recall", dtype = "float32", class_id = 2, num_thresholds = 200, recall = 0.4)),
  list(metric_auc(num_thresholds = 50, curve = "PR", summation_method = "minoring", name = "pr_auc"),
       list(name = "pr_auc", dtype = "float32", num_thresholds = 50, curve = "PR", summation_method = "minoring",
            multi_label = FALSE, num_labels = NULL, label_weights = NULL, from_logits = FALSE)),
  # AUC made from thresholds adds them (without the 0 and 1 it appends)
  list(metric_auc(thresholds = c(0.3, 0.6), name = "auc_t"),
       list(name = "auc_t", dtype = "float32", num_thresholds = 4, curve = "ROC", summation_method = "interpolation",
            multi_label = FALSE, num_labels = NULL, label_weights = NULL, from_logits = FALSE, thresholds = c(0.3, 0.6))),
  list(metric_pearson_correlation(axis = 1), list(name = "pearson_correlation", dtype = "float32", axis = 1)),
  list(metric_concordance_correlation(), list(name = "concordance_correlation", dtype = "float32", axis = -1)),
  list(metric_fbeta_score(average = "macro", beta = 2, threshold = 0.4),
       list(name = "fbeta_score", dtype = "float32", average = "macro", beta = 2, threshold = 0.4)),
  list(metric_f1_score(average = "micro"), list(name = "f1_score", dtype = "float32", average = "micro", threshold = NULL)),
  list(metric_hinge(), list(name = "hinge", dtype = "float32")),
  list(metric_kl_divergence(), list(name = "kl_divergence", dtype = "float32")),
  list(metric_binary_crossentropy(from_logits = TRUE, label_smoothing = 0.1),
       list(name = "binary_crossentropy", dtype = "float32", from_logits = TRUE, label_smoothing = 0.1)),
  list(metric_categorical_crossentropy(label_smoothing = 0.2, axis = 2),
       list(name = "categorical_crossentropy", dtype = "float32", from_logits = FALSE, label_smoothing = 0.2, axis = 2)),
  list(metric_sparse_categorical_crossentropy(ignore_class = 0),
       list(name = "sparse_categorical_crossentropy", dtype = "float32", from_logits = FALSE, ignore_class = 0, axis = -1)),
  list(metric_mean_squared_error(name = "m"), list(name = "m", dtype = "float32")),
  list(metric_root_mean_squared_error(), list(name = "root_mean_squared_error", dtype = "float32")),
  list(metric_log_cosh_error(), list(name = "logcosh", dtype = "float32")),
  # Keras's CosineSimilarity.get_config() leaves out its axis; it is kept here so that
  # the metric comes back as it was made (Keras's constructor takes the key)
  list(metric_cosine_similarity(axis = 2), list(name = "cosine_similarity", dtype = "float32", axis = 2)),
  list(metric_r2_score(class_aggregation = "variance_weighted_average", num_regressors = 2),
       list(name = "r2_score", dtype = "float32", class_aggregation = "variance_weighted_average", num_regressors = 2)),
  list(metric_mean(name = "avg"), list(name = "avg", dtype = "float32")),
  list(metric_sum(), list(name = "sum", dtype = "float32"))
)

strip_config_attrs <- function(cfg) {
  attributes(cfg) <- list(names = names(cfg))
  cfg
}

test_that("every built-in metric's get_config() has Keras's keys and the metric's settings", {
  for (case in metric_config_cases()) {
    cfg <- get_config(case[[1]])
    expect_equal(strip_config_attrs(cfg), case[[2]], info = attr(cfg, "__class__"))
  }
})

test_that("from_config() and a JSON round trip through the Keras envelope rebuild each metric", {
  for (case in metric_config_cases()) {
    m <- case[[1]]
    cfg <- get_config(m)
    again <- from_config(cfg)
    expect_s3_class(again, class(m)[1:2])
    expect_equal(get_config(again), cfg, info = attr(cfg, "__class__"))
    # through JSON: Keras's 0-based axes and back
    json <- recurrent:::to_json(serialize_keras_object(m))
    back <- deserialize_keras_object(jsonlite::fromJSON(json, simplifyVector = FALSE))
    expect_equal(strip_config_attrs(get_config(back)), case[[2]], info = attr(cfg, "__class__"))
  }
  env <- serialize_keras_object(metric_categorical_crossentropy(axis = 2))
  expect_identical(env$config$axis, 1L)                   # Keras counts axes from 0
  expect_identical(env$class_name, "CategoricalCrossentropy")
})

test_that("metric_mean_wrapper() keeps its function and arguments in its config", {
  within <- function(y_true, y_pred, tol = 0.5) op_cast(op_abs(y_true - y_pred) <= tol, "float32")
  m <- metric_mean_wrapper(within, tol = 0.25, name = "within")
  cfg <- get_config(m)
  expect_identical(attr(cfg, "__class__"), "MeanMetricWrapper")
  expect_identical(cfg$fn, within)
  expect_identical(cfg$tol, 0.25)
  again <- from_config(cfg)
  expect_equal(again(c(1, 2, 3), c(1.2, 2.5, 3)), 2 / 3)   # |d| = 0.2, 0.5, 0: two within 0.25
  # a file holds no R code: the function must be registered to be saved
  expect_error(serialize_keras_object(m), "register_keras_serializable", class = "recurrent_error")
})

test_that("compiled metrics keep their settings through a .keras file", {
  withr::local_seed(31)
  model <- keras_model_sequential(input_shape = 2) |> layer_dense(3, activation = "sigmoid")
  metrics <- list(metric_binary_accuracy(threshold = 0.7, name = "acc7"),
                  metric_precision(thresholds = c(0.3, 0.6), class_id = 1, name = "p1"),
                  metric_auc(num_thresholds = 50, curve = "PR", name = "pr_auc"),
                  metric_top_k_categorical_accuracy(k = 2, name = "top2"),
                  metric_cosine_similarity(axis = 2, name = "cos"),
                  metric_f1_score(average = "macro", threshold = 0.4, name = "f1"))
  compile(model, optimizer = "sgd", loss = "binary_crossentropy", metrics = metrics)
  x <- matrix(runif(16, -2, 2), 8); y <- matrix(rbinom(24, 1, 0.5), 8)
  f <- withr::local_tempfile(fileext = ".keras")
  save_model(model, f)
  cfg <- jsonlite::fromJSON(file.path(unzip_keras(f), "config.json"), simplifyVector = FALSE)
  saved <- cfg$compile_config$metrics
  expect_identical(vapply(saved, function(e) e$class_name, ""),
                   c("BinaryAccuracy", "Precision", "AUC", "TopKCategoricalAccuracy", "CosineSimilarity", "F1Score"))
  expect_equal(saved[[1]]$config$threshold, 0.7)
  expect_equal(unlist(saved[[2]]$config$thresholds), c(0.3, 0.6))
  expect_equal(saved[[2]]$config$class_id, 1)
  expect_identical(saved[[3]]$config$curve, "PR")
  expect_identical(saved[[5]]$config$axis, 1L)
  loaded <- load_model(f)
  st <- function(m) recurrent:::unwrap_model(m)$.__enclos_env__$private$.train_state
  got <- lapply(st(loaded)$metrics_spec, get_config)
  want <- lapply(metrics, get_config)
  expect_equal(lapply(got, strip_config_attrs), lapply(want, strip_config_attrs))
  res <- evaluate(loaded, x, y, verbose = 0)
  expect_equal(res, evaluate(model, x, y, verbose = 0), tolerance = 1e-6)
  # binary accuracy at 0.7, by hand
  p <- predict(model, x, verbose = 0)
  expect_equal(res$acc7, mean((p > 0.7) == y), tolerance = 1e-6)
})
