# float64 end to end through every wrapper: weights, states and outputs in the layer's
# dtype (given to the layer, or to the wrapper that owns it), numbers equal to the
# plain-R references at float64 precision, gradients equal to finite differences,
# training, and weights carried over with get_weights()/set_weights().

weight_dtypes <- function(layer) unique(vapply(layer$weights, function(v) v$dtype, ""))

# Forward in float64 against `ref(weights)`, and the gradient w.r.t. the input.
expect_float64_layer <- function(layer, x, ref, tolerance = 1e-10, ...) {
  y <- layer(x, ...)
  expect_equal(recurrent:::cpp_dtype(y), "float64")
  expect_equal(weight_dtypes(layer), "float64")
  expect_equal(as.array(y), ref(get_weights(layer)), tolerance = tolerance)
  expect_grad(function(t) layer(t, ...), x, tolerance = 1e-6)
  # weights move to a fresh layer of the same kind through get/set_weights
  invisible(y)
}

x3 <- function(b = 2, t = 4, f = 3, seed = 1) withr::with_seed(seed, array(runif(b * t * f, -1, 1), c(b, t, f)))
zeros_like_states <- function(b, sizes) lapply(sizes, function(n) matrix(0, b, n))

test_that("layer_rnn(rnn_cell_*(), dtype = 'float64') makes the cell float64", {
  x <- x3()
  lstm <- layer_rnn(cell = rnn_cell_lstm(units = 3), dtype = "float64")
  expect_float64_layer(lstm, x, function(w) ref_lstm(x, w[[1]], w[[2]], w[[3]])[[1]])
  expect_equal(lstm$cell$dtype, "float64")
  gru <- layer_rnn(cell = rnn_cell_gru(units = 2, reset_after = FALSE), dtype = "float64", return_sequences = TRUE)
  expect_float64_layer(gru, x, function(w) ref_gru(x, w[[1]], w[[2]], w[[3]], reset_after = FALSE,
                                                   return_sequences = TRUE)[[1]])
})

test_that("a cell given its own dtype keeps it, and the layer computes in it", {
  x <- x3()
  rnn <- layer_rnn(cell = rnn_cell_simple(units = 2, dtype = "float64"))
  expect_equal(rnn$dtype, "float64")
  expect_float64_layer(rnn, x, function(w) ref_simple_rnn(x, w[[1]], w[[2]], w[[3]])[[1]])
  # the layer's dtype given explicitly does not override the cell's
  rnn32 <- layer_rnn(cell = rnn_cell_simple(units = 2, dtype = "float32"), dtype = "float64")
  expect_equal(rnn32$cell$dtype, "float32")
})

test_that("stacked cells take the layer's dtype", {
  x <- x3()
  rnn <- layer_rnn(cell = list(rnn_cell_gru(units = 3), rnn_cell_lstm(units = 2)), dtype = "float64",
                   return_state = TRUE)
  out <- rnn(x)
  expect_equal(unique(vapply(rnn$cell$cells, function(c) c$dtype, "")), "float64")
  w <- get_weights(rnn)
  ref <- ref_rnn(ref_step_stack(list(ref_step_gru(w[[1]], w[[2]], w[[3]], "tanh", "sigmoid", TRUE),
                                     ref_step_lstm(w[[4]], w[[5]], w[[6]], "tanh", "sigmoid")), c(1L, 2L)),
                 x, zeros_like_states(2, c(3, 2, 2)))
  expect_equal(lapply(recurrent:::flatten_states(out), as.array), ref, tolerance = 1e-10)
  expect_equal(weight_dtypes(rnn), "float64")
  expect_grad(function(t) rnn(t)[[1]], x)
})

test_that("bidirectional: float64 layers inside, or dtype given to the wrapper", {
  x <- x3()
  ref_bi <- function(w, kind) {
    f <- switch(kind, lstm = ref_lstm, gru = ref_gru, simple = ref_simple_rnn)
    cbind(f(x, w[[1]], w[[2]], w[[3]])[[1]], f(x, w[[4]], w[[5]], w[[6]], go_backwards = TRUE)[[1]])
  }
  bi1 <- layer_bidirectional(layer = layer_lstm(units = 3, dtype = "float64"))
  expect_float64_layer(bi1, x, function(w) ref_bi(w, "lstm"))
  expect_equal(bi1$dtype, "float64")
  bi2 <- layer_bidirectional(layer = layer_gru(units = 3), dtype = "float64")
  expect_float64_layer(bi2, x, function(w) ref_bi(w, "gru"))
  expect_equal(c(bi2$forward_layer$cell$dtype, bi2$backward_layer$cell$dtype), c("float64", "float64"))
  bi3 <- layer_bidirectional(layer = layer_rnn(cell = rnn_cell_simple(3), dtype = "float64"))
  expect_float64_layer(bi3, x, function(w) ref_bi(w, "simple"))
  # initial states given as float32 tensors are cast to the layers' dtype
  st <- lapply(1:4, function(i) as_tensor(matrix(0.1 * i, 2, 3), "float32"))
  y <- bi1(x, initial_state = st)
  w <- get_weights(bi1)
  s <- lapply(1:4, function(i) matrix(0.1 * i, 2, 3))
  expect_equal(as.array(y), cbind(ref_lstm(x, w[[1]], w[[2]], w[[3]], initial_state = s[1:2])[[1]],
                                  ref_lstm(x, w[[4]], w[[5]], w[[6]], initial_state = s[3:4], go_backwards = TRUE)[[1]]),
               tolerance = 1e-7)  # the states were rounded to float32 on the way in
})

test_that("time_distributed passes its dtype to the layer it wraps", {
  x <- x3()
  td <- layer_time_distributed(layer = layer_dense(units = 2, activation = "tanh"), dtype = "float64")
  expect_float64_layer(td, x, function(w) ref_dense(x, w[[1]], w[[2]], "tanh"))
  expect_equal(td$layer$dtype, "float64")
  td2 <- layer_time_distributed(layer = layer_layer_normalization(dtype = "float64"))
  expect_float64_layer(td2, x, function(w) ref_layer_norm(x, w[[1]], w[[2]], 0.001))
  expect_equal(td2$dtype, "float64")
})

test_that("dense, normalization, embedding and masking layers work in float64", {
  x <- x3()
  expect_float64_layer(layer_dense(units = 2, dtype = "float64"), x, function(w) ref_dense(x, w[[1]], w[[2]]))
  expect_float64_layer(layer_layer_normalization(dtype = "float64", epsilon = 0.1), x,
                       function(w) ref_layer_norm(x, w[[1]], w[[2]], 0.1))
  bn <- layer_batch_normalization(dtype = "float64")
  expect_float64_layer(bn, x, function(w) ref_batch_norm(x, w[[1]], w[[2]], w[[3]], w[[4]], 0.001, training = TRUE),
                       training = TRUE)
  emb <- layer_embedding(input_dim = 5, output_dim = 2, dtype = "float64")
  ids <- matrix(c(0L, 4L, 2L, 1L), 2)
  y <- emb(ids)
  expect_equal(recurrent:::cpp_dtype(y), "float64")
  e <- get_weights(emb)[[1]]
  expect_equal(as.array(y), array(e[ids + 1L, ], c(2, 2, 2)))
  xm <- x
  xm[1, 2, ] <- 0
  m <- layer_masking(dtype = "float64")
  ym <- m(xm)
  expect_equal(recurrent:::cpp_dtype(ym), "float64")
  expect_equal(as.array(ym), ref_masking(xm, 0))
})

test_that("a cell written in R runs in the dtype of its layer", {
  x <- x3()
  rnn <- layer_rnn(cell = rnn_cell_minimal(units = 2), dtype = "float64", return_sequences = TRUE)
  y <- rnn(x)
  expect_equal(recurrent:::cpp_dtype(y), "float64")
  w <- get_weights(rnn)
  expect_equal(weight_dtypes(rnn), "float64")
  expect_equal(as.array(y), ref_minimal_rnn(x, w[[1]], w[[2]], return_sequences = TRUE)$output, tolerance = 1e-12)
  expect_grad(function(t) rnn(t), x)
})

test_that("float64 models train, and their weights carry over through get/set_weights", {
  set.seed(5)
  x <- x3(b = 16, t = 5, f = 2, seed = 2)
  y <- matrix(rowSums(x[, 5, ]), 16, 1)
  make <- function() {
    keras_model_sequential(input_shape = c(5, 2)) |>
      layer_bidirectional(layer_gru(units = 3, return_sequences = TRUE), dtype = "float64") |>
      layer_time_distributed(layer_dense(units = 2), dtype = "float64") |>
      layer_rnn(cell = list(rnn_cell_simple(2), rnn_cell_lstm(2)), dtype = "float64") |>
      layer_layer_normalization(dtype = "float64") |>
      layer_dense(units = 1, dtype = "float64")
  }
  model <- make()
  compile(model, optimizer = optimizer_adam(0.01), loss = "mse")
  before <- evaluate(model, x, y, verbose = 0)$loss
  h <- fit(model, x, y, epochs = 15, batch_size = 8, verbose = 0, shuffle = FALSE)
  expect_lt(h$metrics$loss[15], before)
  expect_equal(weight_dtypes(model), "float64")
  other <- make()
  set_weights(other, get_weights(model))
  expect_equal(predict(other, x, verbose = 0), predict(model, x, verbose = 0), tolerance = 1e-12)
})

test_that("normalization layers normalize integer inputs in their own dtype", {
  xi <- matrix(c(1L, 0L, 2L, 1L, 3L, 0L), 2)
  ln <- layer_layer_normalization(dtype = "float64")
  y <- ln(xi)
  expect_equal(recurrent:::cpp_dtype(y), "float64")
  w <- get_weights(ln)
  expect_equal(as.array(y), ref_layer_norm(xi + 0, w[[1]], w[[2]], 0.001), tolerance = 1e-12)
  bn <- layer_batch_normalization(dtype = "float64")
  yb <- bn(xi, training = TRUE)
  wb <- get_weights(bn)
  expect_equal(as.array(yb), ref_batch_norm(xi + 0, wb[[1]], wb[[2]], wb[[3]], wb[[4]], 0.001, TRUE), tolerance = 1e-12)
})
