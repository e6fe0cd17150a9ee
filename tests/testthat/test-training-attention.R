# Small end-to-end models that use the attention and merge layers around LSTMs; each
# must learn (held-out loss well below the loss of the best constant prediction).

test_that("an LSTM + attention sequence classifier learns", {
  set_random_seed(11)
  n <- 384; steps <- 12
  x <- array(0, c(n, steps, 2))
  x[, , 1] <- rnorm(n * steps)
  # one step per sequence is flagged (second feature 1); the class is the sign of the
  # first feature at that step, so the model has to find the flagged step
  at <- sample(steps, n, replace = TRUE)
  x[cbind(seq_len(n), at, 2)] <- 1
  y <- as.integer(x[cbind(seq_len(n), at, 1)] > 0)
  train <- 1:256; test <- 257:n
  inp <- keras_input(shape = c(steps, 2))
  h <- inp |> layer_lstm(16, return_sequences = TRUE)
  ctx <- layer_attention(list(h, h))
  pooled <- layer_lambda(ctx, function(t) op_mean(t, axis = 2))
  out <- pooled |> layer_dense(1, activation = "sigmoid")
  model <- keras_model(inp, out)
  compile(model, optimizer = optimizer_adam(0.01), loss = "binary_crossentropy")
  fit(model, x[train, , ], y[train], epochs = 25, batch_size = 32, verbose = 0)
  held_out <- evaluate(model, x[test, , ], y[test], verbose = 0)
  baseline <- -mean(y[test] * log(mean(y[train])) + (1 - y[test]) * log(1 - mean(y[train])))
  expect_lt(unname(held_out[[1]]), 0.6 * baseline)
})

test_that("a residual stacked LSTM with layer_add() learns", {
  set_random_seed(12)
  n <- 320; steps <- 10
  x <- array(runif(n * steps, -1, 1), c(n, steps, 1))
  y <- apply(x[, , 1], 1, function(v) sum(v * seq(0.1, 1, length.out = steps)))
  train <- 1:256; test <- 257:n
  inp <- keras_input(shape = c(steps, 1))
  h1 <- inp |> layer_lstm(12, return_sequences = TRUE)
  h2 <- h1 |> layer_lstm(12, return_sequences = TRUE)
  res <- layer_add(h1, h2)
  out <- res |> layer_lstm(12) |> layer_dense(1)
  model <- keras_model(inp, out)
  expect_equal(length(model$layers), 6L)
  compile(model, optimizer = optimizer_adam(0.01), loss = "mse")
  fit(model, x[train, , , drop = FALSE], y[train], epochs = 20, batch_size = 32, verbose = 0)
  held_out <- evaluate(model, x[test, , , drop = FALSE], y[test], verbose = 0)
  baseline <- mean((y[test] - mean(y[train]))^2)
  expect_lt(unname(held_out[[1]]), 0.1 * baseline)
})

test_that("a model with attention, merge, activation and einsum layers survives save_model() / load_model()", {
  inp <- keras_input(shape = c(6, 4))
  h <- inp |> layer_lstm(8, return_sequences = TRUE)
  a <- layer_multi_head_attention(list(h, h), num_heads = 2, key_dim = 4)
  s <- layer_add(h, a) |> layer_activation_leaky_relu() |> layer_permute(c(2, 1)) |>
    layer_einsum_dense("abc,cd->abd", c(NA, 3), bias_axes = "d")
  out <- layer_attention()(list(s, s)) |> layer_activation_parametric_relu()
  model <- keras_model(inp, out)
  x <- array(runif(2 * 6 * 4), c(2, 6, 4))
  before <- predict(model, x, verbose = 0)
  path <- withr::local_tempfile(fileext = ".keras")
  save_model(model, path)
  restored <- load_model(path)
  expect_equal(predict(restored, x, verbose = 0), before, tolerance = 1e-6)
  expect_equal(vapply(restored$layers, function(l) class(l)[1], ""), vapply(model$layers, function(l) class(l)[1], ""))
})
