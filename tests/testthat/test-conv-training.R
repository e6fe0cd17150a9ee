# Proof in use: small models that combine convolution with recurrence learn, judged on
# held-out data against naive forecasts.

test_that("a CNN-LSTM forecaster learns the sunspot series", {
  withr::local_seed(1)
  s <- as.numeric(datasets::sunspot.month)
  s <- utils::tail(s, 1200)
  s <- (s - mean(s)) / stats::sd(s)
  w <- 24
  starts <- seq_len(length(s) - w)
  x <- array(t(vapply(starts, function(i) s[i:(i + w - 1)], numeric(w))), c(length(starts), w, 1))
  y <- s[starts + w]
  train <- 1:900
  model <- keras_model_sequential(input_shape = c(w, 1)) |>
    layer_conv_1d(16, 3, activation = "relu", padding = "causal") |>
    layer_max_pooling_1d(2) |>
    layer_lstm(16) |>
    layer_dense(1)
  compile(model, optimizer = optimizer_adam(0.01), loss = "mse")
  fit(model, x[train, , , drop = FALSE], y[train], epochs = 8, batch_size = 32, verbose = 0)
  pred <- as.vector(predict(model, x[-train, , , drop = FALSE], verbose = 0))
  test_mse <- mean((pred - y[-train])^2)
  mean_mse <- mean((mean(y[train]) - y[-train])^2)       # naive: the training mean
  last_mse <- mean((x[-train, w, 1] - y[-train])^2)      # naive: this month = last month
  expect_lt(test_mse, 0.25 * mean_mse)
  expect_lt(test_mse, 1.2 * last_mse)
})

# Clips of a 2x2 square moving one pixel per frame in one of four directions, inside an
# 8x8 frame.
moving_squares <- function(n, steps = 6, size = 8) {
  out <- array(0, c(n, steps, size, size, 1))
  dirs <- rbind(c(0, 1), c(1, 0), c(0, -1), c(-1, 0))
  for (i in seq_len(n)) {
    d <- dirs[sample(4, 1), ]
    lo <- ifelse(d < 0, steps, 1)
    hi <- ifelse(d > 0, size - steps, size - 1)
    p <- c(sample(lo[1]:hi[1], 1), sample(lo[2]:hi[2], 1))
    for (t in seq_len(steps)) {
      q <- p + (t - 1) * d
      out[i, t, q[1] + 0:1, q[2] + 0:1, 1] <- 1
    }
  }
  out
}

test_that("a ConvLSTM next-frame model learns moving squares", {
  withr::local_seed(2)
  frames <- moving_squares(160)
  x <- frames[, 1:5, , , , drop = FALSE]
  y <- frames[, 2:6, , , , drop = FALSE]
  train <- 1:120
  model <- keras_model_sequential(input_shape = c(NA, 8, 8, 1)) |>
    layer_conv_lstm_2d(8, 3, padding = "same", return_sequences = TRUE) |>
    layer_conv_3d(1, c(1, 3, 3), padding = "same", activation = "sigmoid")
  compile(model, optimizer = optimizer_adam(0.03), loss = "binary_crossentropy")
  fit(model, x[train, , , , , drop = FALSE], y[train, , , , , drop = FALSE], epochs = 15, batch_size = 24,
      verbose = 0)
  pred <- predict(model, x[-train, , , , , drop = FALSE], verbose = 0)
  truth <- y[-train, , , , , drop = FALSE]
  test_mse <- mean((pred - truth)^2)
  still_mse <- mean((x[-train, , , , , drop = FALSE] - truth)^2)   # naive: the square does not move
  blank_mse <- mean(truth^2)                                        # naive: an empty frame
  expect_lt(test_mse, 0.5 * min(still_mse, blank_mse))
})
