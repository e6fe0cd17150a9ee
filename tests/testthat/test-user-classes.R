# keras3's class constructors: Loss(), Metric(), Model(), Callback(),
# LearningRateSchedule(), Constraint(). Expected values are computed in base R.

test_that("Loss(): call() gives per-sample values, reduced like a built-in loss, usable in compile()", {
  loss_scaled_mae <- Loss("ScaledMAE",
    initialize = function(scale = 1, ...) {
      super$initialize(...)
      self$scale <- scale
    },
    call = function(y_true, y_pred) op_mean(op_abs(y_true - y_pred), axis = -1) * self$scale
  )
  l <- loss_scaled_mae(2)                     # positional argument goes to initialize()
  expect_identical(l$scale, 2)
  expect_identical(l$name, "scaled_mae")
  expect_identical(l$reduction, "sum_over_batch_size")
  yt <- matrix(c(0, 1, 2, 3), 2); yp <- matrix(c(1, 1, 0, 3), 2)
  expected <- mean(rowMeans(abs(yt - yp)) * 2)
  expect_equal(as.numeric(as.array(l(yt, yp))), expected, tolerance = 1e-6)
  # sample weights: sum(w * values) / batch size
  w <- c(1, 3)
  expect_equal(as.numeric(as.array(l(yt, yp, sample_weight = w))), sum(rowMeans(abs(yt - yp)) * 2 * w) / 2,
               tolerance = 1e-6)
  l_sum <- loss_scaled_mae(scale = 1, reduction = "sum", name = "s")
  expect_equal(as.numeric(as.array(l_sum(yt, yp))), sum(rowMeans(abs(yt - yp))), tolerance = 1e-6)
  expect_identical(l_sum$get_config()$name, "s")

  # in compile(): the loss logged by fit() on a model that predicts zeros is the
  # loss of zeros
  model <- keras_model_sequential(input_shape = 2) |>
    layer_dense(2, kernel_initializer = "zeros", bias_initializer = "zeros")
  compile(model, loss = loss_scaled_mae(scale = 3), optimizer = optimizer_sgd(0))
  h <- fit(model, matrix(1, 2, 2), yt, epochs = 1, verbose = 0, batch_size = 2)
  expect_equal(h$metrics$loss, mean(rowMeans(abs(yt)) * 3), tolerance = 1e-6)
  expect_error(Loss("NoCall")()(1, 1), class = "recurrent_error")
})

test_that("Metric(): add_variable() state, update_state(), result(), reset_state() and compile()", {
  metric_count_above <- Metric("CountAbove",
    initialize = function(threshold = 0, name = "count_above", ...) {
      super$initialize(name = name, ...)
      self$threshold <- threshold
      self$n <- self$add_variable(shape = shape(), name = "n", initializer = "zeros")
    },
    update_state = function(y_true, y_pred, sample_weight = NULL) {
      self$n$assign_add(op_sum(op_cast(y_pred > self$threshold, "float32")))
    },
    result = function() self$n$value
  )
  m <- metric_count_above(0.5)
  expect_identical(m$name, "count_above")
  m$update_state(NULL, c(0.1, 0.6, 0.9))
  m$update_state(NULL, c(0.7))
  expect_identical(m$result(), 3)
  expect_length(m$variables, 1)
  m$reset_state()                              # default: variables back to zero
  expect_identical(m$result(), 0)
  # in compile(): after one epoch, the count over all predictions of the epoch
  model <- keras_model_sequential(input_shape = 1) |>
    layer_dense(1, kernel_initializer = "ones", bias_initializer = "zeros")
  compile(model, loss = "mse", optimizer = optimizer_sgd(0), metrics = c(metric_count_above(2.5)))
  x <- matrix(1:5)
  h <- fit(model, x, x, epochs = 1, verbose = 0, batch_size = 2)
  expect_equal(h$metrics$count_above, sum(1:5 > 2.5))
  expect_equal(evaluate(model, x, x, verbose = 0)$count_above, sum(1:5 > 2.5))
})

test_that("Model(): positional arguments go to initialize(), super() and non-function fields work", {
  subclassed_model <- Model("SubclassedModel",
    doc = "A model with one dense layer.",
    initialize = function(units, ...) {
      super()$initialize(...)
      self$dense <- layer_dense(units = units, kernel_initializer = "ones", use_bias = FALSE)
    },
    call = function(x) self$dense(x)
  )
  m <- subclassed_model(3)
  expect_identical(m$doc, "A model with one dense layer.")
  expect_equal(predict(m, matrix(1:4, 2), verbose = 0), matrix(rowSums(matrix(1:4, 2)), 2, 3))
  expect_length(m$weights, 1)
})

test_that("Callback(): super()$ and trailing commas", {
  counter <- Callback("Counter",
    initialize = function(start = 0) {
      super()$initialize()
      self$n <- start
    },
    on_epoch_end = function(epoch, logs = NULL) self$n <- self$n + 1,
  )
  cb <- counter(10)
  model <- keras_model_sequential(input_shape = 1) |> layer_dense(1)
  compile(model, loss = "mse", )
  fit(model, matrix(1:4), matrix(1:4), epochs = 3, verbose = 0, callbacks = list(cb), )
  expect_identical(cb$n, 13)
})

test_that("LearningRateSchedule(): call(step) drives the optimizer", {
  inverse_time <- LearningRateSchedule("InverseTime",
    initialize = function(initial_learning_rate) self$initial_learning_rate <- initial_learning_rate,
    call = function(step) self$initial_learning_rate / (step + 1),
    get_config = function() list(initial_learning_rate = self$initial_learning_rate)
  )
  s <- inverse_time(0.1)
  expect_equal(s(0), 0.1)
  expect_equal(s(4), 0.02)
  expect_identical(s$initial_learning_rate, 0.1)
  # SGD on w with loss (w - 0)^2 / 1 from w = 1: w <- w - lr_t * 2 w, lr_t = 0.1 / (t + 1)
  model <- keras_model_sequential(input_shape = 1) |>
    layer_dense(1, use_bias = FALSE, kernel_initializer = "ones")
  compile(model, loss = "mse", optimizer = optimizer_sgd(learning_rate = s))
  fit(model, matrix(1), matrix(0), epochs = 3, verbose = 0)
  w <- 1
  for (t in 0:2) w <- w - 0.1 / (t + 1) * 2 * w
  expect_equal(as.numeric(get_weights(model)[[1]]), w, tolerance = 1e-6)
})

test_that("Constraint(): call(w) projects the weights after each update", {
  # keras3's documented example (R/Constraint.R)
  constraint_nonnegative <- Constraint("NonNegative",
    call = function(w) w * op_cast(w >= 0, dtype = w$dtype)
  )
  weight <- op_convert_to_tensor(c(-1, 1))
  expect_equal(as.array(constraint_nonnegative()(weight)), c(0, 1), ignore_attr = TRUE)
  model <- keras_model_sequential(input_shape = 2) |>
    layer_dense(1, use_bias = FALSE, kernel_initializer = "ones", kernel_constraint = constraint_nonnegative())
  compile(model, loss = "mse", optimizer = optimizer_sgd(10))
  fit(model, matrix(c(1, 0), 1), matrix(-100), epochs = 1, verbose = 0)
  # w1 = 1 - 10 * 2 * (1 - (-100)) * 1 < 0 -> projected to 0; w2 has zero gradient
  expect_equal(as.numeric(get_weights(model)[[1]]), c(0, 1))
})

test_that("a model compiled with a Loss() and a Metric() instance saves and loads", {
  loss_my_mae <- Loss("MyMAE", call = function(y_true, y_pred) op_mean(op_abs(y_true - y_pred), axis = -1))
  metric_batches <- Metric("Batches",
    initialize = function(...) {
      super$initialize(...)
      self$n <- self$add_weight(shape = shape())
    },
    update_state = function(y_true, y_pred, sample_weight = NULL) self$n$assign_add(1),
    result = function() self$n$value
  )
  model <- keras_model_sequential(input_shape = 2) |> layer_dense(1)
  compile(model, loss = loss_my_mae(), metrics = list(metric_batches()))
  x <- matrix(c(1, 2, 3, 4, 5, 6, 7, 8), 4); y <- matrix(1, 4, 1)
  fit(model, x, y, epochs = 1, verbose = 0)
  f <- withr::local_tempfile(fileext = ".keras")
  save_model(model, f)
  # user classes come back only from what the user passes (nothing in a file runs as code)
  loaded <- load_model(f, custom_objects = list(MyMAE = loss_my_mae, Batches = metric_batches))
  res <- evaluate(loaded, x, y, verbose = 0, batch_size = 2)
  expect_equal(res$loss, mean(abs(1 - predict(model, x, verbose = 0))), tolerance = 1e-6)
  expect_equal(res$batches, 2)   # two batches of 2
})
