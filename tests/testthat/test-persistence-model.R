# save_model()/load_model(): the loaded model computes what the saved one did, trains on
# from the same optimizer state, and keeps custom cells and stateful states.

test_that("a saved LSTM model predicts the same after loading, from a file or raw bytes", {
  set.seed(31)
  model <- keras_model_sequential(input_shape = c(4, 2)) |>
    layer_lstm(units = 3) |>
    layer_dense(units = 1)
  x <- array(runif(5 * 4 * 2), c(5, 4, 2))
  want <- predict(model, x, verbose = 0)
  path <- withr::local_tempfile(fileext = ".keras")
  expect_invisible(save_model(model, path))
  loaded <- load_model(path)
  expect_equal(predict(loaded, x, verbose = 0), want)
  expect_equal(get_weights(loaded), get_weights(model))
  expect_equal(predict(load_model(save_model(model)), x, verbose = 0), want)
  # the copy is independent of the original
  set_weights(loaded, lapply(get_weights(loaded), function(w) w * 0))
  expect_equal(predict(model, x, verbose = 0), want)
})

test_that("a compiled model trains on from the saved optimizer state", {
  set.seed(32)
  x <- array(runif(16 * 3 * 2), c(16, 3, 2))
  y <- matrix(rowSums(x[, 3, ]), ncol = 1)
  model <- keras_model_sequential(input_shape = c(3, 2)) |>
    layer_gru(units = 4) |>
    layer_dense(units = 1)
  model |> compile(optimizer = optimizer_adam(learning_rate = 0.01), loss = "mse")
  fit(model, x, y, epochs = 2, batch_size = 8, shuffle = FALSE, verbose = 0)
  path <- withr::local_tempfile(fileext = ".keras")
  save_model(model, path)
  loaded <- load_model(path)
  fit(model, x, y, epochs = 1, batch_size = 8, shuffle = FALSE, verbose = 0)
  fit(loaded, x, y, epochs = 1, batch_size = 8, shuffle = FALSE, verbose = 0)
  expect_equal(get_weights(loaded), get_weights(model), tolerance = 1e-6)
  uncompiled <- load_model(path, compile = FALSE)
  expect_error(fit(uncompiled, x, y, verbose = 0), "compile")
})

test_that("custom R cells and stateful states travel with the model", {
  set.seed(33)
  model <- keras_model_sequential(input_batch_shape = c(2, 3, 2)) |>
    layer_rnn(cell = rnn_cell_minimal(units = 2), stateful = TRUE)
  x <- array(runif(12), c(2, 3, 2))
  model(x)
  path <- withr::local_tempfile(fileext = ".keras")
  save_model(model, path)
  loaded <- load_model(path)
  expect_equal(as.array(loaded(x)), as.array(model(x)))
})

test_that("bad paths are clear errors", {
  model <- keras_model_sequential(input_shape = 2) |> layer_dense(units = 1)
  expect_error(save_model(model, "model.h5"), "must be a path ending in")
  path <- withr::local_tempfile(fileext = ".keras")
  save_model(model, path)
  expect_error(save_model(model, path), "already exists")
  expect_silent(save_model(model, path, overwrite = TRUE))
  expect_error(load_model(tempfile()), "path of a saved model")
  bad <- withr::local_tempfile(fileext = ".keras")
  saveRDS(list(1), bad)
  expect_error(load_model(bad), "not a model saved")
})
