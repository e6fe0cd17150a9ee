# layer_time_distributed(): the wrapped layer applied to each timestep, checked
# against per-timestep computations in plain R.

test_that("layer_time_distributed() applies one dense layer to every timestep", {
  set.seed(31)
  x <- array(rnorm(2 * 5 * 3), c(2, 5, 3))
  dense <- layer_dense(units = 4)
  td <- layer_time_distributed(layer = dense)
  td(x)
  k <- matrix(rnorm(12), 3, 4); b <- rnorm(4)
  set_weights(td, list(k, b))
  # the wrapper holds the very instance it was given: its weights are the dense layer's
  expect_equal(get_weights(dense), list(k, b), ignore_attr = TRUE, tolerance = 1e-6)
  expect_identical(count_params(td), 16L)
  y <- as.array(td(x))
  expect_identical(dim(y), c(2L, 5L, 4L))
  for (t in 1:5) expect_equal(y[, t, ], x[, t, ] %*% k + matrix(b, 2, 4, byrow = TRUE), tolerance = 1e-5)
  # tensors work as well as arrays, and the alias is the same function
  expect_tensor_equal(time_distributed(op_convert_to_tensor(x), dense), y)
})

test_that("layer_time_distributed() builds the inner layer with the per-timestep shape", {
  seen <- NULL
  recorder <- Layer("ShapeRecorder",
    build = function(input_shape) seen <<- input_shape,
    call = function(inputs) op_multiply(inputs, 2))
  inp <- keras_input(shape = c(7, 4, 3))
  out <- layer_time_distributed(inp, recorder())
  expect_identical(seen, list(NULL, 4L, 3L))
  expect_tensor_shape(out, c(NA, 7, 4, 3))
  # symbolic output shapes, with a known and an unknown time axis
  expect_tensor_shape(layer_time_distributed(inp, layer_flatten()), c(NA, 7, 12))
  expect_tensor_shape(time_distributed(keras_input(shape = c(NA, 6)), layer_dense(units = 2)), c(NA, NA, 2))
  x <- array(1:24, c(2, 3, 4))
  expect_tensor_equal(layer_time_distributed(x, recorder()), x * 2)
})

test_that("keras3's sequential time_distributed() test and use after a recurrent layer", {
  model <- keras_model_sequential() %>% time_distributed(layer_dense(units = 8), input_shape = c(10, 16))
  expect_tensor_shape(model$output, c(NA, 10, 8))
  expect_identical(count_params(model), 16L * 8L + 8L)

  set.seed(32)
  model <- keras_model_sequential(input_shape = c(NA, 3)) |>
    layer_lstm(units = 4, return_sequences = TRUE) |>
    time_distributed(layer_dense(units = 2))
  expect_tensor_shape(model$output, c(NA, NA, 2))
  x <- array(rnorm(3 * 6 * 3), c(3, 6, 3))
  pred <- predict(model, x, verbose = 0)
  expect_identical(dim(pred), c(3L, 6L, 2L))
  h <- as.array(model$layers[[1]](x))
  w <- get_weights(model$layers[[2]])
  for (t in 1:6)
    expect_equal(pred[, t, ], h[, t, ] %*% w[[1]] + matrix(w[[2]], 3, 2, byrow = TRUE), tolerance = 1e-5)
  compile(model, optimizer = "adam", loss = "mse")
  hist <- fit(model, x, array(0, c(3, 6, 2)), epochs = 2, verbose = 0)
  expect_length(hist$metrics$loss, 2)
})

test_that("layer_time_distributed() passes the mask on and into layers that take one", {
  mask <- matrix(c(TRUE, TRUE, FALSE, FALSE, TRUE, FALSE), 2)
  x <- array(1:12, c(2, 3, 2))
  for (f in 1:2) x[, , f][!mask] <- 0
  masked <- layer_masking(x)
  expect_identical(tensor_mask(masked), mask)
  y <- layer_time_distributed(masked, layer_dense(units = 3))
  expect_identical(tensor_mask(y), mask)
  # an inner layer with a mask argument gets the mask folded like the input
  mask_seen <- NULL
  keep_only <- Layer("KeepOnly",
    call = function(inputs, mask = NULL) {
      mask_seen <<- as.array(mask)
      op_multiply(inputs, op_expand_dims(op_cast(mask, "float32"), -1))
    })
  td <- layer_time_distributed(layer = keep_only())
  z <- td(op_convert_to_tensor(array(1, c(2, 3, 2))), mask = mask)
  expect_identical(as.vector(mask_seen), as.vector(t(mask)))   # row-major: batch 1's steps first
  expect_tensor_equal(z, array(as.numeric(mask), c(2, 3, 2)))
  expect_identical(tensor_mask(z), mask)
  # symbolic: the output carries a mask when the input does
  inp <- keras_input(shape = c(3, 2))
  expect_true(layer_time_distributed(layer_masking(inp), layer_dense(units = 1))$has_mask)
  expect_error(td(array(1, c(2, 3, 2)), mask = matrix(TRUE, 2, 4)), class = "recurrent_error_shape")
})

test_that("layer_time_distributed() passes `training` on (dropout, batch normalization)", {
  x <- array(1, c(4, 5, 6))
  td <- layer_time_distributed(layer = layer_dropout(rate = 0.5, seed = 1))
  expect_tensor_equal(td(x), x)
  dropped <- as.array(td(x, training = TRUE))
  expect_true(any(dropped == 0) && all(dropped == 0 | abs(dropped - 2) < 1e-6))
  # batch normalization inside sees every timestep of the batch, masked ones left out
  set.seed(33)
  x <- array(rnorm(2 * 3 * 2, mean = 4), c(2, 3, 2))
  mask <- matrix(c(TRUE, TRUE, TRUE, FALSE, TRUE, TRUE), 2)
  bn <- layer_batch_normalization(momentum = 0)
  out <- as.array(layer_time_distributed(layer = bn)(x, training = TRUE, mask = mask))
  for (f in 1:2) {
    used <- x[, , f][mask]
    m <- mean(used); v <- mean((used - m)^2)
    expect_equal(out[, , f], (x[, , f] - m) / sqrt(v + 0.001), tolerance = 1e-5)
    expect_equal(as.array(bn$moving_mean)[f], m, tolerance = 1e-5)
  }
})

test_that("layer_time_distributed() gradients match finite differences (float64)", {
  old <- config_set_floatx("float64")
  on.exit(config_set_floatx(old))
  set.seed(34)
  x <- array(rnorm(2 * 3 * 2), c(2, 3, 2))
  k <- matrix(rnorm(6), 2, 3); b <- rnorm(3)
  w <- array(rnorm(18), c(2, 3, 3))
  ref_loss <- function(xx, kk) {
    total <- 0
    for (t in 1:3) total <- total + sum(tanh(xx[, t, ] %*% kk + matrix(b, 2, 3, byrow = TRUE)) * w[, t, ])
    total
  }
  td <- layer_time_distributed(layer = layer_dense(units = 3, activation = "tanh"))
  td(x)
  set_weights(td, list(k, b))
  xv <- recurrent:::cpp_variable(op_convert_to_tensor(x), NULL)
  loss <- recurrent:::with_gradient_recording(op_sum(op_multiply(td(xv), w)))
  expect_equal(as.numeric(as.array(loss)), ref_loss(x, k), tolerance = 1e-10)
  grads <- lapply(recurrent:::gradients(loss, list(xv, td$layer$kernel)), as.array)
  expect_equal(grads[[1]], finite_diff(function(a) ref_loss(a, k), x), tolerance = 1e-6)
  expect_equal(grads[[2]], finite_diff(function(a) ref_loss(x, a), k), tolerance = 1e-6)
})

test_that("layer_time_distributed() checks its layer and input, and round-trips its config", {
  expect_error(layer_time_distributed(layer = "dense"), class = "recurrent_error_argument")
  expect_error(layer_time_distributed(), class = "recurrent_error_argument")
  expect_error(layer_time_distributed(matrix(1, 2, 3), layer_dense(units = 2)), class = "recurrent_error_shape")
  expect_error(layer_time_distributed(keras_input(shape = 3), layer_dense(units = 2)), class = "recurrent_error_shape")
  two_out <- Layer("TwoOut", call = function(inputs) list(inputs, inputs))
  expect_error(layer_time_distributed(array(1, c(1, 2, 2)), two_out()), class = "recurrent_error_call")
  td <- layer_time_distributed(layer = layer_dense(units = 5, activation = "relu"))
  td2 <- from_config(get_config(td))
  expect_s3_class(td2, "keras.src.layers.rnn.time_distributed.TimeDistributed")
  expect_identical(td2$layer$units, 5L)
  expect_tensor_shape(td2(array(1, c(2, 3, 4))), c(2, 3, 5))
})

test_that("a trained model with normalization and time_distributed() layers saves and loads", {
  set.seed(35)
  model <- keras_model_sequential(input_shape = c(5, 3)) |>
    layer_lstm(units = 4, return_sequences = TRUE) |>
    layer_layer_normalization() |>
    time_distributed(layer_batch_normalization()) |>
    time_distributed(layer_dense(units = 2))
  compile(model, optimizer = "adam", loss = "mse")
  x <- array(rnorm(8 * 5 * 3), c(8, 5, 3))
  fit(model, x, array(0, c(8, 5, 2)), epochs = 2, verbose = 0)
  # the moving mean of the wrapped batch normalization left its initial zeros
  expect_gt(max(abs(as.vector(get_weights(model$layers[[3]])[[3]]))), 0)
  path <- tempfile(fileext = ".keras")
  save_model(model, path)
  loaded <- load_model(path)
  expect_equal(predict(loaded, x, verbose = 0), predict(model, x, verbose = 0))
})
