# fit() caps, backup-and-restore and EMA swapping. Expected values: an uninterrupted
# run with the same seed (the resumed run must reproduce it exactly), epoch and
# batch counts by hand, and weights read back from the optimizer's averages.

toy_data <- function() {
  set.seed(7)
  x <- array(runif(32 * 4 * 2), c(32, 4, 2))
  list(x = x, y = apply(x, 1, sum))
}

toy_model <- function(opt = optimizer_adam(0.01)) {
  set.seed(8)
  model <- keras_model_sequential(input_shape = c(4, 2)) |> layer_gru(3) |> layer_dense(1)
  model |> compile(optimizer = opt, loss = "mse")
  model
}

test_that("config_set_max_epochs() and config_set_max_steps_per_epoch() cap fit()", {
  d <- toy_data()
  old_e <- config_set_max_epochs(2)
  old_s <- config_set_max_steps_per_epoch(3)
  on.exit({ config_set_max_epochs(old_e); config_set_max_steps_per_epoch(old_s) })
  expect_identical(config_max_epochs(), 2L)
  expect_identical(config_max_steps_per_epoch(), 3L)
  model <- toy_model()
  batches <- 0L
  count <- callback_lambda(on_train_batch_end = function(batch, logs) batches <<- batches + 1L)
  h <- model |> fit(d$x, d$y, epochs = 10, batch_size = 4, verbose = 0, callbacks = list(count))
  expect_length(h$metrics$loss, 2)
  expect_identical(batches, 6L)
  config_set_max_epochs(NULL); config_set_max_steps_per_epoch(NULL)
  withr::with_envvar(c(KERAS_MAX_EPOCHS = "1"), expect_identical(config_max_epochs(), 1L))
  expect_null(config_max_epochs())
  expect_error(config_set_max_epochs(0), class = "recurrent_error")
})

test_that("config_set_max_steps_per_epoch() also caps evaluate(), predict() and fit()'s validation", {
  # keras/src/trainers/epoch_iterator.py: the EpochIterator that fit(), evaluate()
  # and predict() all read through replaces a missing or larger steps_per_epoch by
  # keras.config.max_steps_per_epoch() (keras/src/backend/config.py documents it
  # for fit/evaluate/predict). The model predicts x itself, so the MAE against 0 of
  # batches 1:3 and 4:6 is mean(1:6) = 3.5.
  old <- config_set_max_steps_per_epoch(2)
  on.exit(config_set_max_steps_per_epoch(old))
  model <- keras_model_sequential(input_shape = 1) |>
    layer_dense(1, kernel_initializer = "ones", bias_initializer = "zeros")
  compile(model, loss = "mae", optimizer = optimizer_sgd(0))
  x <- matrix(1:10); y <- matrix(0, 10)
  expect_equal(predict(model, x, batch_size = 3, verbose = 0), matrix(1:6))
  expect_equal(evaluate(model, x, y, batch_size = 3, verbose = 0)$loss, 3.5)
  expect_equal(evaluate(model, x, y, batch_size = 3, steps = 1, verbose = 0)$loss, 2)   # a smaller `steps` stays
  batches <- 0L
  count <- callback_lambda(on_train_batch_end = function(batch, logs) batches <<- batches + 1L)
  h <- fit(model, x, y, batch_size = 3, epochs = 1, shuffle = FALSE, verbose = 0,
           validation_data = list(x, y), callbacks = list(count))
  expect_identical(batches, 2L)
  expect_equal(h$metrics$loss, 3.5)
  expect_equal(h$metrics$val_loss, 3.5)
  # a generator needs no steps_per_epoch under the cap: it is the cap
  calls <- 0L
  gen <- function() {
    calls <<- calls + 1L
    list(matrix(calls), matrix(0))
  }
  fit(model, gen, epochs = 2, verbose = 0)
  expect_identical(calls, 4L)
  expect_equal(predict(model, gen, verbose = 0), matrix(5:6))
  config_set_max_steps_per_epoch(NULL)
  expect_error(fit(model, gen, epochs = 1, verbose = 0), "steps_per_epoch", class = "recurrent_error")
})

test_that("callback_backup_and_restore() resumes an interrupted fit() to the same result", {
  d <- toy_data()
  full <- toy_model()
  set.seed(9)
  h_full <- full |> fit(d$x, d$y, epochs = 4, batch_size = 8, shuffle = FALSE, verbose = 0)

  dir <- file.path(tempfile(), "backup")
  model <- toy_model()
  fail_at_3 <- callback_lambda(on_epoch_begin = function(epoch, logs) if (epoch == 3) stop("simulated crash"))
  set.seed(9)
  expect_error(model |> fit(d$x, d$y, epochs = 4, batch_size = 8, shuffle = FALSE, verbose = 0,
                            callbacks = list(callback_backup_and_restore(dir), fail_at_3)), "simulated crash")
  expect_true(file.exists(file.path(dir, "latest.json")))
  # a fresh model and optimizer in a new session would start here
  resumed <- toy_model()
  h <- resumed |> fit(d$x, d$y, epochs = 4, batch_size = 8, shuffle = FALSE, verbose = 0,
                      callbacks = list(callback_backup_and_restore(dir)))
  expect_length(h$metrics$loss, 2)                    # epochs 3 and 4
  expect_equal(h$metrics$loss, h_full$metrics$loss[3:4], tolerance = 1e-6)
  expect_equal(lapply(get_weights(resumed), as.numeric), lapply(get_weights(full), as.numeric), tolerance = 1e-6)
  expect_equal(resumed$optimizer$iterations, full$optimizer$iterations)
  expect_false(dir.exists(dir))                       # deleted after a finished fit()
  expect_error(callback_backup_and_restore(dir, save_freq = 0), class = "recurrent_error")
})

test_that("callback_swap_ema_weights() evaluates with the moving averages and restores the weights", {
  d <- toy_data()
  model <- toy_model(optimizer_sgd(0.05, use_ema = TRUE, ema_momentum = 0.5))
  seen <- NULL
  # the model's weights during validation, as the first callback after the swap sees them
  spy <- callback_lambda(on_test_begin = function(logs) seen <<- lapply(get_weights(model), as.numeric))
  model |> fit(d$x[1:24, , ], d$y[1:24], epochs = 1, batch_size = 8, verbose = 0,
               validation_data = list(d$x[25:32, , ], d$y[25:32]),
               callbacks = list(callback_swap_ema_weights(), spy))
  # fit() ends by copying the averages into the weights (use_ema): they equal what
  # validation saw
  expect_equal(seen, lapply(get_weights(model), as.numeric), tolerance = 1e-6)
  bad <- toy_model(optimizer_sgd(0.05))
  expect_error(bad |> fit(d$x, d$y, epochs = 1, verbose = 0, callbacks = list(callback_swap_ema_weights())),
               class = "recurrent_error")
})
