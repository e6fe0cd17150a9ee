dense_model <- function(units = 1, input = 2, ...) {
  keras_model_sequential(input_shape = input) |> layer_dense(units, ...)
}

regression_data <- function(n = 64) {
  withr::with_seed(7, {
    x <- matrix(stats::runif(2 * n, -1, 1), n, 2)
    y <- x %*% c(2, -1) + 0.5
  })
  list(x = x, y = y)
}

test_that("fit() learns a small linear regression (loss falls a lot)", {
  d <- regression_data()
  set.seed(1)
  model <- dense_model()
  compile(model, optimizer = optimizer_adam(0.05), loss = "mse", metrics = "mae")
  h <- fit(model, d$x, d$y, epochs = 40, batch_size = 16, verbose = 0)
  expect_s3_class(h, "keras_training_history")
  expect_named(h$metrics, c("loss", "mae"))
  expect_length(h$metrics$loss, 40)
  expect_lt(h$metrics$loss[40], h$metrics$loss[1] / 20)
  w <- get_weights(model)
  expect_equal(as.numeric(w[[1]]), c(2, -1), tolerance = 0.1)
  expect_equal(h$params, list(verbose = 0L, epochs = 40L, steps = 4L))
})

test_that("fit() returns its history invisibly and evaluate() a named list", {
  d <- regression_data(32)
  model <- dense_model()
  compile(model, optimizer = "sgd", loss = "mse", metrics = list("mae", metric_root_mean_squared_error()))
  expect_invisible(fit(model, d$x, d$y, verbose = 0))
  res <- evaluate(model, d$x, d$y, verbose = 0)
  expect_named(res, c("loss", "mae", "root_mean_squared_error"))
  pred <- predict(model, d$x, verbose = 0)
  expect_equal(res$loss, mean((pred - d$y)^2), tolerance = 1e-5)
  expect_equal(res$mae, mean(abs(pred - d$y)), tolerance = 1e-5)
  expect_equal(res$root_mean_squared_error, sqrt(mean((pred - d$y)^2)), tolerance = 1e-5)
  compile(model, loss = "mse")
  expect_named(evaluate(model, d$x, d$y, verbose = 0), "loss")
})

test_that("one SGD step of a dense model equals the finite-difference gradient step (float64)", {
  old <- config_set_floatx("float64")
  on.exit(config_set_floatx(old))
  set.seed(3)
  x <- matrix(stats::rnorm(12), 6, 2)
  y <- matrix(stats::rnorm(6))
  model <- dense_model(units = 1, activation = "tanh")
  compile(model, optimizer = optimizer_sgd(0.1), loss = "mse")
  w0 <- get_weights(model)
  loss_at <- function(w) {
    pred <- tanh(x %*% matrix(w[1:2]) + w[3])
    mean((pred - y)^2)
  }
  theta <- c(as.numeric(w0[[1]]), as.numeric(w0[[2]]))
  h <- 1e-6
  fd <- vapply(seq_along(theta), function(i) {
    e <- replace(numeric(length(theta)), i, h)
    (loss_at(theta + e) - loss_at(theta - e)) / (2 * h)
  }, 0)
  fit(model, x, y, batch_size = 6, epochs = 1, shuffle = FALSE, verbose = 0)
  w1 <- get_weights(model)
  expect_equal(c(as.numeric(w1[[1]]), as.numeric(w1[[2]])), theta - 0.1 * fd, tolerance = 1e-8)
})

test_that("validation_split holds out the last samples, before shuffling", {
  d <- regression_data(20)
  seen <- new.env()
  seen$rows <- c()
  Recorder <- Layer("Recorder", call = function(inputs) {
    seen$rows <- c(seen$rows, as.array(inputs)[, 1])
    inputs
  })
  model <- keras_model_sequential(input_shape = 2) |> Recorder() |> layer_dense(1)
  compile(model, optimizer = "sgd", loss = "mse")
  seen$rows <- c()  # (building the model may have called the layer)
  h <- fit(model, d$x, d$y, epochs = 1, batch_size = 4, validation_split = 0.25, verbose = 0)
  rows <- seen$rows
  expect_length(rows, 20)
  expect_equal(sort(rows[1:15]), sort(d$x[1:15, 1]), tolerance = 1e-6)  # float32 inside the model
  expect_equal(rows[16:20], d$x[16:20, 1], tolerance = 1e-6)
  expect_named(h$metrics, c("loss", "val_loss"))
  expect_error(fit(model, d$x[1, , drop = FALSE], d$y[1, , drop = FALSE], validation_split = 0.5, verbose = 0),
               class = "recurrent_error_argument")
})

test_that("shuffling draws from R's RNG, so set.seed() reproduces a run", {
  d <- regression_data(40)
  run <- function(seed, shuffle = TRUE) {
    set.seed(11)
    model <- dense_model()
    compile(model, optimizer = optimizer_sgd(0.1), loss = "mse")
    set.seed(seed)
    fit(model, d$x, d$y, epochs = 2, batch_size = 8, shuffle = shuffle, verbose = 0)$metrics$loss
  }
  expect_identical(run(5), run(5))
  expect_false(identical(run(5), run(6)))
  expect_identical(run(5, FALSE), run(6, FALSE))
})

test_that("validation_data gives val_ metrics; validation_freq skips epochs", {
  d <- regression_data(32)
  model <- dense_model()
  compile(model, optimizer = "adam", loss = "mse", metrics = "mae")
  h <- fit(model, d$x, d$y, epochs = 4, verbose = 0, validation_data = list(d$x[1:8, ], d$y[1:8, , drop = FALSE]),
           validation_freq = 2)
  expect_named(h$metrics, c("loss", "mae", "val_loss", "val_mae"))
  expect_true(all(is.na(h$metrics$val_loss[c(1, 3)])))
  expect_false(anyNA(h$metrics$val_loss[c(2, 4)]))
  expect_error(fit(model, d$x, d$y, validation_data = list(d$x), verbose = 0), class = "recurrent_error_argument")
})

test_that("initial_epoch resumes: epochs is the final epoch number", {
  d <- regression_data(16)
  model <- dense_model()
  compile(model, optimizer = "sgd", loss = "mse")
  epochs_seen <- c()
  cb <- callback_lambda(on_epoch_begin = function(epoch, logs) epochs_seen <<- c(epochs_seen, epoch))
  h <- fit(model, d$x, d$y, epochs = 5, initial_epoch = 3, callbacks = list(cb), verbose = 0)
  expect_equal(epochs_seen, 3:5)
  expect_length(h$metrics$loss, 3)
  expect_equal(h$params$epochs, 5L)
})

test_that("sample_weight and class_weight weight the loss", {
  x <- matrix(c(1, 2, 3, 4), 4, 1); y <- c(0, 1, 1, 0)
  model <- dense_model(input = 1, kernel_initializer = "zeros")
  compile(model, optimizer = optimizer_sgd(0), loss = "mse")
  # predictions are all 0, so the per-sample loss is y^2
  expect_equal(evaluate(model, x, y, sample_weight = c(1, 2, 3, 4), verbose = 0)$loss, (2 + 3) / 4)
  h <- fit(model, x, y, class_weight = list("0" = 1, "1" = 5), shuffle = FALSE, batch_size = 4, verbose = 0)
  expect_equal(h$metrics$loss, (5 + 5) / 4)
  h2 <- fit(model, x, y, class_weight = c(1, 5), batch_size = 4, verbose = 0)
  expect_equal(h2$metrics$loss, (5 + 5) / 4)
  onehot <- cbind(1 - y, y)
  model2 <- dense_model(units = 2, input = 1, kernel_initializer = "zeros")
  compile(model2, optimizer = optimizer_sgd(0), loss = "mse")
  h3 <- fit(model2, x, onehot, class_weight = list("1" = 3), batch_size = 4, verbose = 0)
  expect_equal(h3$metrics$loss, (0.5 + 3 * 0.5 + 3 * 0.5 + 0.5) / 4)
  expect_error(fit(model, x, y, sample_weight = c(1, 1, 1, 1), class_weight = list("0" = 1), verbose = 0),
               class = "recurrent_error_argument")
  expect_error(fit(model, x, y, class_weight = list(a = 1), verbose = 0), class = "recurrent_error_argument")
})

test_that("classification: factors are 0-based targets and 'accuracy' resolves", {
  set.seed(2)
  x <- matrix(stats::rnorm(120), 60, 2)
  cls <- factor(ifelse(x[, 1] + x[, 2] > 0, "pos", "neg"), levels = c("neg", "pos"))
  model <- dense_model(units = 2, activation = "softmax")
  compile(model, optimizer = optimizer_adam(0.05), loss = "sparse_categorical_crossentropy", metrics = "accuracy")
  h <- fit(model, x, cls, epochs = 30, batch_size = 20, verbose = 0)
  expect_named(h$metrics, c("loss", "accuracy"))
  expect_gt(h$metrics$accuracy[30], 0.9)
  binary <- dense_model(units = 1, activation = "sigmoid")
  compile(binary, optimizer = optimizer_adam(0.05), loss = "binary_crossentropy", metrics = c("acc", "mse"))
  h2 <- fit(binary, x, as.integer(cls) - 1, epochs = 30, batch_size = 20, verbose = 0)
  expect_named(h2$metrics, c("loss", "acc", "mse"))
  expect_gt(h2$metrics$acc[30], 0.9)
  df <- data.frame(a = x[, 1], b = x[, 2])
  expect_no_error(fit(binary, df, data.frame(y = as.integer(cls) - 1), verbose = 0))
})

test_that("weight and activity regularization add to the loss", {
  x <- matrix(1, 4, 1); y <- matrix(0, 4, 1)
  model <- dense_model(input = 1, kernel_initializer = "ones", bias_initializer = "zeros",
                       kernel_regularizer = regularizer_l2(0.1))
  compile(model, optimizer = optimizer_sgd(0), loss = "mse")
  # mse = 1 (prediction 1), plus 0.1 * 1^2
  expect_equal(evaluate(model, x, y, verbose = 0)$loss, 1.1, tolerance = 1e-6)
  model2 <- dense_model(input = 1, kernel_initializer = "ones", activity_regularizer = regularizer_l1(0.5))
  compile(model2, optimizer = optimizer_sgd(0), loss = "mse")
  expect_equal(evaluate(model2, x, y, verbose = 0)$loss, 1 + 0.5, tolerance = 1e-6)
})

test_that("train_on_batch() and test_on_batch() return the loss, or a named list with metrics", {
  d <- regression_data(8)
  model <- dense_model()
  compile(model, optimizer = optimizer_sgd(0.1), loss = "mse")
  before <- test_on_batch(model, d$x, d$y)
  expect_type(before, "double")
  expect_length(before, 1)
  model$reset_metrics()
  l1 <- train_on_batch(model, d$x, d$y)
  expect_equal(l1, before, tolerance = 1e-6)
  model$reset_metrics()
  expect_lt(test_on_batch(model, d$x, d$y), before)
  compile(model, optimizer = "sgd", loss = "mse", metrics = "mae")
  res <- train_on_batch(model, d$x, d$y, sample_weight = rep(1, 8))
  expect_named(res, c("loss", "mae"))
})

test_that("weighted_metrics use the sample weights; plain metrics do not", {
  x <- matrix(c(1, 2), 2, 1); y <- c(1, 3)
  model <- dense_model(input = 1, kernel_initializer = "zeros")
  compile(model, optimizer = optimizer_sgd(0), loss = "mse", metrics = "mae", weighted_metrics = "mae")
  res <- evaluate(model, x, y, sample_weight = c(3, 1), verbose = 0)
  expect_named(res, c("loss", "mae", "weighted_mae"))
  expect_equal(res$mae, 2)
  expect_equal(res$weighted_mae, (3 * 1 + 1 * 3) / 4)
})

test_that("a stateful model warns when shuffled and needs whole batches", {
  model <- keras_model_sequential(input_batch_shape = c(4, 3, 1)) |>
    layer_simple_rnn(2, stateful = TRUE) |> layer_dense(1)
  compile(model, optimizer = "sgd", loss = "mse")
  x <- array(stats::runif(24), c(8, 3, 1)); y <- matrix(0, 8, 1)
  expect_warning(fit(model, x, y, batch_size = 4, verbose = 0), class = "recurrent_warning_stateful_shuffle")
  expect_no_warning(fit(model, x, y, batch_size = 4, shuffle = FALSE, verbose = 0))
  # states carry across batches; a callback can reset them at each epoch
  rnn <- get_layer(model, index = 1)
  resets <- 0
  cb <- callback_lambda(on_epoch_begin = function(epoch, logs) {
    reset_state(model)
    resets <<- resets + 1
    expect_equal(sum(abs(as.array(rnn$states[[1]]))), 0)
  })
  fit(model, x, y, batch_size = 4, epochs = 2, shuffle = FALSE, verbose = 0, callbacks = list(cb))
  expect_equal(resets, 2)
  expect_gt(sum(abs(as.array(rnn$states[[1]]))), 0)
  expect_error(fit(model, x[1:6, , , drop = FALSE], y[1:6, , drop = FALSE], batch_size = 4, shuffle = FALSE,
                   verbose = 0), class = "recurrent_error_argument")
})

test_that("an interrupt stops between batches and returns the history so far", {
  d <- regression_data(32)
  model <- dense_model()
  compile(model, optimizer = optimizer_sgd(0.1), loss = "mse")
  cb <- callback_lambda(on_train_batch_end = function(batch, logs) {
    if (get("epoch_now", envir = counter) == 3 && batch == 2) rlang::interrupt()
  })
  counter <- new.env()
  track <- callback_lambda(on_epoch_begin = function(epoch, logs) assign("epoch_now", epoch, envir = counter))
  expect_message(h <- fit(model, d$x, d$y, epochs = 5, batch_size = 8, callbacks = list(track, cb), verbose = 0),
                 class = "recurrent_message_interrupted")
  expect_length(h$metrics$loss, 2)
  expect_equal(model$optimizer$iterations, 2 * 4 + 2)
  w <- get_weights(model)
  expect_false(anyNA(unlist(w)))
})

test_that("verbose = 2 prints one line per epoch in keras3's format", {
  d <- regression_data(32)
  model <- dense_model()
  compile(model, optimizer = "sgd", loss = "mse", metrics = "mae")
  out <- capture.output(fit(model, d$x, d$y, epochs = 2, verbose = 2, validation_split = 0.25))
  expect_equal(out[c(1, 3)], c("Epoch 1/2", "Epoch 2/2"))
  expect_match(out[2], "^1/1 - \\d+s - \\d+(ms|us|s)/step - loss: \\d\\.\\d{4} - mae: \\d\\.\\d{4} - val_loss: \\d\\.\\d{4} - val_mae: \\d\\.\\d{4}$")
  out1 <- capture.output(fit(model, d$x, d$y, epochs = 1, verbose = 1, batch_size = 8))
  expect_match(out1[length(out1)], "^4/4 .* - loss: \\d\\.\\d{4} - mae: \\d\\.\\d{4}$")
  ev <- capture.output(evaluate(model, d$x, d$y, verbose = 2))
  expect_match(ev[1], "^1/1 - \\d+s - .*/step - loss: ")
})

test_that("fit() and friends explain bad arguments", {
  d <- regression_data(8)
  model <- dense_model()
  expect_error(fit(model, d$x, d$y, verbose = 0), class = "recurrent_error_not_compiled")
  expect_error(evaluate(model, d$x, d$y, verbose = 0), class = "recurrent_error_not_compiled")
  compile(model, optimizer = "sgd", loss = "mse")
  expect_error(fit(model, d$x, d$y, batch_size = 0, verbose = 0), class = "recurrent_error_argument")
  expect_error(fit(model, d$x, d$y, epochs = -1, verbose = 0), class = "recurrent_error_argument")
  expect_error(fit(model, d$x, d$y, verbose = 5), class = "recurrent_error_argument")
  expect_error(fit(model, d$x, d$y[1:4, , drop = FALSE], verbose = 0), class = "recurrent_error_argument")
  expect_error(fit(model, d$x, d$y, validation_split = 1, verbose = 0), class = "recurrent_error_argument")
  expect_error(fit(model, d$x, d$y, callbacks = list(1), verbose = 0), class = "recurrent_error_argument")
  expect_error(fit(model, d$x, d$y, epoch = 3, verbose = 0), class = "recurrent_error_argument")
  expect_error(fit(model, "a", d$y, verbose = 0), class = "recurrent_error_argument")
  expect_error(compile(model, optimizer = "nope"), class = "recurrent_error_argument")
  expect_error(compile(model, loss = "nope"), class = "recurrent_error_argument")
  expect_error(compile(model, loss = "mse", metrics = "nope"), class = "recurrent_error_argument")
  expect_error(compile(layer_dense(units = 2), loss = "mse"), class = "recurrent_error_argument")
  expect_snapshot(fit(model, d$x, d$y[1:4, , drop = FALSE], verbose = 0), error = TRUE)
})

test_that("compile() returns the model invisibly and works with the pipe", {
  model <- dense_model()
  expect_invisible(compile(model, loss = "mse"))
  out <- model |> compile(optimizer = "adam", loss = "mae")
  expect_identical(out, model)
  expect_s3_class(model$optimizer, "recurrent_optimizer")
  expect_identical(compile, generics::compile)
  expect_identical(fit, generics::fit)
})

test_that("a model without an input shape builds on the first batch and trains from it", {
  d <- regression_data(16)
  model <- keras_model_sequential() |> layer_dense(1)
  compile(model, optimizer = optimizer_sgd(0.1), loss = "mse")
  h <- fit(model, d$x, d$y, epochs = 1, batch_size = 16, verbose = 0)
  expect_equal(model$optimizer$iterations, 1)
  expect_length(get_weights(model), 2)
})

test_that("masked timesteps of sequence outputs count for nothing in the loss and metrics", {
  set.seed(9)
  x <- array(stats::rnorm(3 * 4 * 2), c(3, 4, 2))
  x[1, 3:4, ] <- 0
  x[2, 4, ] <- 0
  y <- array(stats::rnorm(3 * 4), c(3, 4, 1))
  model <- keras_model_sequential(input_shape = c(4, 2)) |>
    layer_masking(mask_value = 0) |>
    layer_simple_rnn(3, return_sequences = TRUE) |>
    layer_dense(1)
  compile(model, optimizer = "sgd", loss = "mse", metrics = "mae")
  pred <- predict(model, x, verbose = 0)
  keep <- apply(x != 0, c(1, 2), any)
  err <- (pred - y)[, , 1]
  res <- evaluate(model, x, y, verbose = 0)
  expect_equal(res$loss, mean(err[keep]^2), tolerance = 1e-5)
  # a metric averages per sample the unmasked steps' values, weighting each sample by its count
  expect_equal(res$mae, sum(abs(err[keep])) / sum(keep), tolerance = 1e-5)
})

test_that("a model with two outputs trains on a list of targets, with per-output losses and metrics", {
  set.seed(1)
  inp <- keras_input(shape = 2)
  a <- inp |> layer_dense(1, name = "a")
  b <- inp |> layer_dense(2, activation = "softmax", name = "b")
  model <- keras_model(inp, list(a, b))
  x <- matrix(stats::rnorm(40), 20, 2); ya <- x %*% c(1, 2); yb <- as.integer(x[, 1] > 0)
  compile(model, optimizer = "adam", loss = list("mse", "sparse_categorical_crossentropy"),
          metrics = list("mae", "accuracy"), loss_weights = c(1, 2))
  h <- fit(model, x, list(ya, yb), epochs = 2, verbose = 0)
  expect_named(h$metrics, c("loss", "a_loss", "b_loss", "a_mae", "b_accuracy"))
  res <- evaluate(model, x, list(b = yb, a = ya), verbose = 0)
  p <- predict(model, x, verbose = 0)
  expect_equal(res$a_loss, mean((p[[1]] - ya)^2), tolerance = 1e-5)
  expect_equal(res$b_loss, 2 * mean(-log(p[[2]][cbind(1:20, yb + 1)])), tolerance = 1e-5)
  expect_equal(res$loss, res$a_loss + res$b_loss, tolerance = 1e-6)
  expect_equal(res$b_accuracy, mean(max.col(p[[2]]) - 1 == yb))
  compile(model, optimizer = "sgd", loss = list(b = "sparse_categorical_crossentropy", a = "mae"))
  res2 <- evaluate(model, x, list(ya, yb), verbose = 0)
  expect_equal(res2$a_loss, mean(abs(p[[1]] - ya)), tolerance = 1e-5)
})
