# One SGD step through fit() equals a step along the finite-difference gradient of
# the loss, computed from predict() alone (float64): checks the whole training path
# (forward, loss, autograd or fused BPTT, optimizer) for each kind of recurrent model.

sgd_step_matches_fd <- function(make_model, x, y, lr = 0.1, tolerance = 1e-7) {
  old <- config_set_floatx("float64")
  on.exit(config_set_floatx(old), add = TRUE)
  set.seed(12)
  model <- make_model()
  compile(model, optimizer = optimizer_sgd(lr), loss = "mse")
  w0 <- get_weights(model)
  theta <- unlist(lapply(w0, as.numeric))
  sizes <- lengths(w0)
  as_weights <- function(v) {
    ends <- cumsum(sizes)
    lapply(seq_along(w0), function(i) array(v[(ends[i] - sizes[i] + 1):ends[i]], dim(w0[[i]]) %||% sizes[i]))
  }
  loss_at <- function(v) {
    set_weights(model, as_weights(v))
    mean((predict(model, x, verbose = 0) - y)^2)
  }
  fd <- finite_diff(loss_at, theta, eps = 1e-6)
  set_weights(model, w0)
  fit(model, x, y, batch_size = dim(x)[1], epochs = 1, shuffle = FALSE, verbose = 0)
  got <- unlist(lapply(get_weights(model), as.numeric))
  expect_equal(got, theta - lr * fd, tolerance = tolerance)
}

seq_data <- function(n = 4, t = 5, f = 2) {
  withr::with_seed(5, list(x = array(stats::rnorm(n * t * f), c(n, t, f)), y = matrix(stats::rnorm(n * 2), n, 2)))
}

test_that("one SGD step on an LSTM equals the finite-difference step", {
  d <- seq_data()
  sgd_step_matches_fd(function() keras_model_sequential(input_shape = c(5, 2)) |> layer_lstm(3) |> layer_dense(2),
                      d$x, d$y)
})

test_that("one SGD step on a GRU equals the finite-difference step", {
  d <- seq_data()
  sgd_step_matches_fd(function() keras_model_sequential(input_shape = c(5, 2)) |> layer_gru(3) |> layer_dense(2),
                      d$x, d$y)
})

test_that("one SGD step on a SimpleRNN equals the finite-difference step", {
  d <- seq_data()
  sgd_step_matches_fd(function() keras_model_sequential(input_shape = c(5, 2)) |> layer_simple_rnn(3) |>
                        layer_dense(2), d$x, d$y)
})

test_that("one SGD step on a masked, go_backwards stack equals the finite-difference step", {
  d <- seq_data()
  d$x[1, 4:5, ] <- 0
  d$x[3, 3:5, ] <- 0
  sgd_step_matches_fd(function() {
    keras_model_sequential(input_shape = c(5, 2)) |>
      layer_masking(mask_value = 0) |>
      layer_lstm(3, return_sequences = TRUE, go_backwards = TRUE) |>
      layer_gru(2) |>
      layer_dense(2)
  }, d$x, d$y)
})

test_that("one SGD step through a cell written in R equals the finite-difference step", {
  d <- seq_data()
  sgd_step_matches_fd(function() {
    keras_model_sequential(input_shape = c(5, 2)) |>
      layer_rnn(cell = rnn_cell_minimal(units = 3)) |>
      layer_dense(2, activation = "tanh")
  }, d$x, d$y)
})
