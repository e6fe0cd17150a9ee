cb_model <- function() {
  set.seed(4)
  model <- keras_model_sequential(input_shape = 1) |> layer_dense(1)
  compile(model, optimizer = optimizer_sgd(0.05), loss = "mse", metrics = "mae")
  model
}
cb_x <- matrix(seq(-1, 1, length.out = 16))
cb_y <- 3 * cb_x + 1

# A callback that replays given values as the logged `val_loss`, so tests control
# what the monitoring callbacks see.
fake_val_loss <- function(values) {
  Replayer <- Callback("Replayer", on_epoch_end = function(epoch, logs = NULL) list(val_loss = values[epoch]))
  Replayer()
}

test_that("early stopping stops after `patience` epochs without improvement and restores the best weights", {
  model <- cb_model()
  saved <- list()
  snap <- callback_lambda(on_epoch_end = function(epoch, logs) saved[[epoch]] <<- get_weights(model))
  losses <- c(5, 3, 4, 4.5, 3.5, 6, 7)
  es <- callback_early_stopping(monitor = "val_loss", patience = 2, restore_best_weights = TRUE)
  h <- fit(model, cb_x, cb_y, epochs = 7, verbose = 0,
           callbacks = list(fake_val_loss(losses), snap, es))
  expect_length(h$metrics$loss, 4)
  expect_equal(h$metrics$val_loss, losses[1:4])
  expect_equal(es$stopped_epoch, 4L)
  expect_equal(es$best_epoch, 2L)
  expect_equal(get_weights(model), saved[[2]])
})

test_that("callbacks' verbose messages are printed, and silenced with interactive logging off", {
  run <- function() {
    es <- callback_early_stopping(monitor = "val_loss", patience = 1, verbose = 1)
    capture.output(fit(cb_model(), cb_x, cb_y, epochs = 5, verbose = 0,
                       callbacks = list(fake_val_loss(c(2, 3, 4, 5, 6)), es)))
  }
  # val_loss never improves after epoch 1: patience 1 stops at epoch 2
  expect_equal(run(), "Epoch 2: early stopping")
  config_disable_interactive_logging()
  on.exit(config_enable_interactive_logging())
  expect_equal(run(), character())
})

test_that("early stopping honours min_delta, mode, baseline and start_from_epoch", {
  model <- cb_model()
  es <- callback_early_stopping(monitor = "val_loss", min_delta = 0.5, patience = 1)
  h <- fit(model, cb_x, cb_y, epochs = 6, verbose = 0, callbacks = list(fake_val_loss(c(5, 4.8, 4.6, 4.4, 1, 1)), es))
  expect_length(h$metrics$loss, 2)
  es_max <- callback_early_stopping(monitor = "val_loss", mode = "max", patience = 0)
  h2 <- fit(model, cb_x, cb_y, epochs = 5, verbose = 0, callbacks = list(fake_val_loss(c(1, 2, 1.5, 3, 4)), es_max))
  expect_length(h2$metrics$loss, 3)
  # a baseline never beaten keeps the patience counter running from the first epoch
  worse <- c(5, 6, 7, 8, 9, 10)
  es_base <- callback_early_stopping(monitor = "val_loss", baseline = 2, patience = 2)
  h3 <- fit(model, cb_x, cb_y, epochs = 6, verbose = 0, callbacks = list(fake_val_loss(worse), es_base))
  expect_length(h3$metrics$loss, 2)
  es_nobase <- callback_early_stopping(monitor = "val_loss", patience = 2)
  h3b <- fit(model, cb_x, cb_y, epochs = 6, verbose = 0, callbacks = list(fake_val_loss(worse), es_nobase))
  expect_length(h3b$metrics$loss, 3)
  es_start <- callback_early_stopping(monitor = "val_loss", patience = 0, start_from_epoch = 3)
  h4 <- fit(model, cb_x, cb_y, epochs = 6, verbose = 0, callbacks = list(fake_val_loss(c(1, 2, 3, 4, 5, 6)), es_start))
  expect_length(h4$metrics$loss, 5)
})

test_that("early stopping on a metric infers the direction; an unknown metric warns", {
  model <- cb_model()
  es <- callback_early_stopping(monitor = "loss", patience = 50)
  expect_no_warning(fit(model, cb_x, cb_y, epochs = 2, verbose = 0, callbacks = list(es)))
  expect_equal(es$monitor_better, "less")
  acc_model <- keras_model_sequential(input_shape = 1) |> layer_dense(1, activation = "sigmoid")
  compile(acc_model, optimizer = "sgd", loss = "binary_crossentropy", metrics = "accuracy")
  es2 <- callback_early_stopping(monitor = "accuracy", patience = 50)
  fit(acc_model, cb_x, as.numeric(cb_x > 0), epochs = 2, verbose = 0, callbacks = list(es2))
  expect_equal(es2$monitor_better, "greater")
  expect_warning(fit(model, cb_x, cb_y, epochs = 1, verbose = 0, callbacks = list(callback_early_stopping())),
                 "not available")
})

test_that("model checkpoints write weight files that load back", {
  dir <- withr::local_tempdir()
  model <- cb_model()
  path <- file.path(dir, "ckpt-{epoch:02d}.weights.h5")
  cb <- callback_model_checkpoint(path, save_weights_only = TRUE, monitor = "loss")
  fit(model, cb_x, cb_y, epochs = 3, verbose = 0, callbacks = list(cb))
  expect_true(all(file.exists(file.path(dir, sprintf("ckpt-%02d.weights.h5", 1:3)))))
  other <- keras_model_sequential(input_shape = 1) |> layer_dense(1)
  load_model_weights(other, file.path(dir, "ckpt-03.weights.h5"))
  expect_equal(get_weights(other), get_weights(model))
})

test_that("save_best_only saves only when the monitored value improves", {
  dir <- withr::local_tempdir()
  model <- cb_model()
  path <- file.path(dir, "best-{epoch}-{val_loss:.1f}.weights.h5")
  cb <- callback_model_checkpoint(path, save_weights_only = TRUE, save_best_only = TRUE)
  fit(model, cb_x, cb_y, epochs = 4, verbose = 0, callbacks = list(fake_val_loss(c(3, 2, 2.5, 1)), cb))
  expect_setequal(list.files(dir), c("best-1-3.0.weights.h5", "best-2-2.0.weights.h5", "best-4-1.0.weights.h5"))
  expect_error(callback_model_checkpoint(file.path(dir, "x.h5"), save_weights_only = TRUE),
               class = "recurrent_error_argument")
  expect_error(callback_model_checkpoint(file.path(dir, "x.rds")), class = "recurrent_error_argument")
})

test_that("checkpoint paths use Python's format placeholders", {
  expect_equal(format_checkpoint_path("m-{epoch:03d}-{loss:.3f}.keras", 7, NULL, list(loss = 0.12345)),
               "m-007-0.123.keras")
  expect_equal(format_checkpoint_path("plain.weights.h5", 1, NULL, list()), "plain.weights.h5")
  expect_error(format_checkpoint_path("{acc}.keras", 1, NULL, list(loss = 1)), class = "recurrent_error_argument")
})

test_that("reduce_lr_on_plateau lowers the learning rate and logs it", {
  model <- cb_model()
  cb <- callback_reduce_lr_on_plateau(monitor = "val_loss", factor = 0.5, patience = 1, min_lr = 0.01)
  h <- fit(model, cb_x, cb_y, epochs = 6, verbose = 0, callbacks = list(fake_val_loss(c(1, 1, 1, 1, 1, 1)), cb))
  # no improvement after epoch 1: reduced at the end of epochs 2, 3, 4 (0.05 -> 0.025 -> 0.0125 -> 0.01)
  expect_equal(h$metrics$learning_rate, c(0.05, 0.05, 0.025, 0.0125, 0.01, 0.01))
  expect_equal(model$optimizer$learning_rate, 0.01)
  cool <- callback_reduce_lr_on_plateau(monitor = "val_loss", factor = 0.5, patience = 1, cooldown = 2)
  model2 <- cb_model()
  h2 <- fit(model2, cb_x, cb_y, epochs = 6, verbose = 0, callbacks = list(fake_val_loss(rep(1, 6)), cool))
  # reduced at the end of epoch 2, then two quiet epochs, then again at the end of epoch 4
  expect_equal(h2$metrics$learning_rate, c(0.05, 0.05, 0.025, 0.025, 0.0125, 0.0125))
  expect_error(callback_reduce_lr_on_plateau(factor = 1), class = "recurrent_error_argument")
})

test_that("callback_learning_rate_scheduler sets the rate from the 0-based epoch", {
  model <- cb_model()
  seen <- c()
  sched <- callback_learning_rate_scheduler(function(epoch, lr) {
    seen <<- c(seen, epoch)
    0.1 / (epoch + 1)
  })
  h <- fit(model, cb_x, cb_y, epochs = 3, verbose = 0, callbacks = list(sched))
  expect_equal(seen, 0:2)
  expect_equal(h$metrics$learning_rate, 0.1 / (1:3))
  bad <- callback_learning_rate_scheduler(function(epoch, lr) "fast")
  expect_error(fit(model, cb_x, cb_y, verbose = 0, callbacks = list(bad)), class = "recurrent_error_argument")
})

test_that("callback_lambda() calls each hook with 1-based indices", {
  model <- cb_model()
  calls <- c()
  cb <- callback_lambda(
    on_train_begin = function(logs) calls <<- c(calls, "train_begin"),
    on_epoch_begin = function(epoch, logs) calls <<- c(calls, paste0("epoch_begin_", epoch)),
    on_train_batch_end = function(batch, logs) calls <<- c(calls, paste0("batch_", batch)),
    on_epoch_end = function(epoch, logs) calls <<- c(calls, sprintf("epoch_end_%d_%s", epoch, paste(names(logs), collapse = "+"))),
    on_train_end = function(logs) calls <<- c(calls, "train_end")
  )
  fit(model, cb_x, cb_y, epochs = 2, batch_size = 8, verbose = 0, callbacks = list(cb))
  expect_equal(calls, c("train_begin", "epoch_begin_1", "batch_1", "batch_2", "epoch_end_1_loss+mae",
                        "epoch_begin_2", "batch_1", "batch_2", "epoch_end_2_loss+mae", "train_end"))
  expect_error(callback_lambda(on_epoch_end = 1), class = "recurrent_error_argument")
  expect_error(callback_lambda(on_epoch_ending = function(epoch, logs) 1), class = "recurrent_error_argument")
})

test_that("callback_csv_logger writes one row per epoch", {
  path <- withr::local_tempfile(fileext = ".csv")
  model <- cb_model()
  h <- fit(model, cb_x, cb_y, epochs = 3, verbose = 0, validation_split = 0.25,
           callbacks = list(callback_csv_logger(path)))
  lines <- readLines(path)
  expect_equal(lines[1], "epoch,loss,mae,val_loss,val_mae")
  df <- utils::read.csv(path)
  expect_equal(df$epoch, 0:2)
  expect_equal(df$loss, h$metrics$loss, tolerance = 1e-12)
  expect_equal(df$val_mae, h$metrics$val_mae, tolerance = 1e-12)
  fit(model, cb_x, cb_y, epochs = 1, verbose = 0, validation_split = 0.25,
      callbacks = list(callback_csv_logger(path, append = TRUE, separator = ";")))
  expect_length(readLines(path), 5)
  expect_match(readLines(path)[5], "^0;")
})

test_that("callback_terminate_on_nan stops training at a NaN loss", {
  model <- cb_model()
  x <- cb_x; y <- cb_y
  y[5] <- NaN
  expect_output(h <- fit(model, x, y, epochs = 3, batch_size = 4, shuffle = FALSE, verbose = 0,
                         callbacks = list(callback_terminate_on_nan())), "Invalid loss")
  expect_length(h$metrics$loss, 1)
  expect_error(fit(model, x, y, epochs = 1, batch_size = 4, shuffle = FALSE, verbose = 0,
                   callbacks = list(callback_terminate_on_nan(raise_error = TRUE))), class = "recurrent_error_nan")
})

test_that("Callback() makes custom callbacks with self$model, params and stop_training", {
  Stopper <- Callback("Stopper",
    initialize = function(at) self$at <- at,
    on_train_batch_end = function(batch, logs = NULL) {
      self$steps <- self$params$steps
      if (batch == self$at) self$model$stop_training <- TRUE
    },
    on_epoch_end = function(epoch, logs = NULL) list(extra = epoch * 10)
  )
  stopper <- Stopper(at = 2)
  expect_s3_class(stopper, "keras.src.callbacks.callback.Callback")
  model <- cb_model()
  h <- fit(model, cb_x, cb_y, epochs = 5, batch_size = 4, verbose = 0, callbacks = list(stopper))
  expect_length(h$metrics$loss, 1)
  expect_equal(h$metrics$extra, 10)
  expect_equal(stopper$steps, 4L)
  expect_equal(model$optimizer$iterations, 2)
})

test_that("model checkpoints can save whole models (.keras) that load back", {
  dir <- withr::local_tempdir()
  model <- cb_model()
  cb <- callback_model_checkpoint(file.path(dir, "m-{epoch}.keras"), monitor = "loss")
  fit(model, cb_x, cb_y, epochs = 2, verbose = 0, callbacks = list(cb))
  expect_setequal(list.files(dir), c("m-1.keras", "m-2.keras"))
  expect_equal(get_weights(load_model(file.path(dir, "m-2.keras"))), get_weights(model))
})
