# fit(), evaluate() and predict() on datasets and generator functions: the same
# batches as arrays give the same weights and logs as the (separately tested)
# array path; steps, callbacks and running out of data follow Keras's EpochIterator.

series_model <- function() {
  model <- keras_model_sequential(input_shape = c(4, 1)) |> layer_simple_rnn(3) |> layer_dense(1)
  set_weights_seq(model)
  compile(model, optimizer = optimizer_sgd(0.05), loss = "mse", metrics = "mae")
  model
}

set_weights_seq <- function(model) {
  w <- get_weights(model)
  set_weights(model, lapply(seq_along(w), function(i) array(sin(seq_along(w[[i]]) + i) / 2, dim(w[[i]]) %||% length(w[[i]]))))
}

windows_as_arrays <- function(series, targets, L) {
  n <- length(targets)
  x <- t(vapply(seq_len(n), function(i) series[i:(i + L - 1)], numeric(L)))
  list(array(x, c(n, L, 1)), targets)
}

test_that("fit() on a dataset equals fit() on the same windows as arrays", {
  s <- sin(seq(0, 6, length.out = 40))
  tg <- s[5:40]
  ds <- timeseries_dataset_from_array(matrix(s), tg, sequence_length = 4, batch_size = 8)
  arr <- windows_as_arrays(s, tg, 4)
  m1 <- series_model()
  m2 <- series_model()
  h1 <- fit(m1, ds, epochs = 3, verbose = 0)
  h2 <- fit(m2, arr[[1]], arr[[2]], epochs = 3, batch_size = 8, shuffle = FALSE, verbose = 0)
  expect_equal(h1$metrics, h2$metrics, tolerance = 1e-6)
  expect_equal(get_weights(m1), get_weights(m2), tolerance = 1e-6)
  expect_equal(h1$params$steps, 5L)   # 36 windows in batches of 8
  expect_equal(evaluate(m1, ds, verbose = 0), evaluate(m2, arr[[1]], arr[[2]], batch_size = 8, verbose = 0),
               tolerance = 1e-6)
  expect_equal(predict(m1, ds, verbose = 0), predict(m2, arr[[1]], verbose = 0), tolerance = 1e-6)
  # validation_data as a dataset gives the val_ logs of evaluate() on it
  m3 <- series_model()
  h3 <- fit(m3, ds, epochs = 1, validation_data = ds, verbose = 0)
  expect_equal(h3$metrics$val_loss, evaluate(m3, ds, verbose = 0)$loss, tolerance = 1e-6)
})

test_that("steps_per_epoch continues a dataset's pass across epochs and warns when it runs out", {
  ds <- timeseries_dataset_from_array(matrix(1:20 / 20), (1:20) / 20, sequence_length = 4, batch_size = 5)  # 17 windows: 4 batches
  seen <- integer()
  cb <- callback_lambda(on_train_batch_begin = function(batch, logs) seen <<- c(seen, batch))
  model <- series_model()
  # 3 steps, then 1 (the pass ends: warning), then a fresh pass of 3
  expect_warning(h <- fit(model, ds, epochs = 3, steps_per_epoch = 3, callbacks = list(cb), verbose = 0),
                 class = "recurrent_warning_out_of_data")
  expect_equal(seen, c(1, 2, 3, 1, 1, 2, 3))
  expect_length(h$metrics$loss, 3)
  expect_equal(h$params$steps, 3L)
})

test_that("fit() on a generator function calls it steps_per_epoch times per epoch", {
  calls <- 0L
  gen <- function() {
    calls <<- calls + 1L
    x <- array(calls / 10, c(2, 4, 1))
    list(x, c(1, 2))
  }
  model <- series_model()
  h <- fit(model, gen, steps_per_epoch = 3, epochs = 2, verbose = 0)
  expect_equal(calls, 6L)
  expect_length(h$metrics$loss, 2)
  # with sample weights: a zero weight on every sample gives zero loss
  gen_w <- function() list(array(1, c(2, 4, 1)), c(1, 2), c(0, 0))
  h <- fit(series_model(), gen_w, steps_per_epoch = 2, verbose = 0)
  expect_equal(h$metrics$loss, 0)
  # a generator that returns NULL has run out
  k <- 0L
  short <- function() { k <<- k + 1L; if (k > 2) NULL else list(array(1, c(2, 4, 1)), c(1, 2)) }
  expect_warning(fit(series_model(), short, steps_per_epoch = 5, verbose = 0), class = "recurrent_warning_out_of_data")
  expect_error(fit(series_model(), gen, verbose = 0), "steps_per_epoch", class = "recurrent_error")
  # a generator for validation needs validation_steps
  expect_error(fit(series_model(), gen, steps_per_epoch = 1, validation_data = gen, verbose = 0),
               "validation_steps", class = "recurrent_error")
  h <- fit(series_model(), gen, steps_per_epoch = 1, validation_data = gen, validation_steps = 2, verbose = 0)
  expect_true("val_loss" %in% names(h$metrics))
})

test_that("progress output and callbacks run as with arrays", {
  ds <- timeseries_dataset_from_array(matrix(1:20 / 20), (1:20) / 20, sequence_length = 4, batch_size = 5)
  out <- capture.output(fit(series_model(), ds, epochs = 2, verbose = 2))
  expect_match(out[1], "Epoch 1/2")
  expect_match(out[2], "^4/4 - .*loss: ")
  ends <- 0L
  cb <- callback_lambda(on_epoch_end = function(epoch, logs) ends <<- ends + 1L)
  fit(series_model(), ds, epochs = 2, callbacks = list(cb), verbose = 0)
  expect_equal(ends, 2L)
})

test_that("arguments that only apply to arrays are errors with a dataset", {
  ds <- timeseries_dataset_from_array(matrix(1:20 / 20), (1:20) / 20, sequence_length = 4, batch_size = 5)
  m <- series_model()
  expect_error(fit(m, ds, y = 1:3, verbose = 0), "y", class = "recurrent_error")
  expect_error(fit(m, ds, validation_split = 0.2, verbose = 0), "validation_split", class = "recurrent_error")
  expect_error(fit(m, ds, sample_weight = 1, verbose = 0), "sample_weight", class = "recurrent_error")
  no_targets <- timeseries_dataset_from_array(matrix(1:20 / 20), NULL, sequence_length = 4, batch_size = 5)
  expect_equal(dim(predict(m, no_targets, verbose = 0)), c(17L, 1L))
})

test_that("class_weight applies to a dataset's batches", {
  x <- array(c(0, 1), c(2, 4, 1))
  y <- c(0, 1)
  gen <- function() list(x, y)
  m1 <- series_model()
  m2 <- series_model()
  h1 <- fit(m1, gen, steps_per_epoch = 1, class_weight = list("0" = 1, "1" = 3), verbose = 0)
  h2 <- fit(m2, x, y, batch_size = 2, shuffle = FALSE, sample_weight = c(1, 3), verbose = 0)
  expect_equal(h1$metrics$loss, h2$metrics$loss, tolerance = 1e-6)
})
