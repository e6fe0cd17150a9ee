# Normalization layers against plain-R computations: base R mean() and the biased
# variance mean((v - mean(v))^2), which is what Keras divides by.

biased_var <- function(v) mean((v - mean(v))^2)
vec <- function(v) as.vector(as.array(v))

# layer normalization of (B, T, F) over the last axis
ref_layer_norm <- function(x, gamma, beta, eps = 0.001) {
  out <- x
  for (b in seq_len(dim(x)[1])) for (t in seq_len(dim(x)[2])) {
    v <- x[b, t, ]
    out[b, t, ] <- (v - mean(v)) / sqrt(biased_var(v) + eps) * gamma + beta
  }
  out
}

# batch normalization of (B, T, F) over features (axis -1) with batch statistics;
# `mask` (B, T) leaves timesteps out of the statistics
ref_batch_norm <- function(x, gamma, beta, eps = 0.001, mask = NULL) {
  out <- x
  means <- vars <- numeric(dim(x)[3])
  for (f in seq_len(dim(x)[3])) {
    v <- x[, , f]
    used <- if (is.null(mask)) v else v[mask]
    means[f] <- mean(used)
    vars[f] <- biased_var(used)
    out[, , f] <- (v - means[f]) / sqrt(vars[f] + eps) * gamma[f] + beta[f]
  }
  list(output = out, mean = means, var = vars)
}

test_that("layer_layer_normalization() normalizes each timestep over its features", {
  set.seed(11)
  x <- array(rnorm(2 * 3 * 4, mean = 3, sd = 2), c(2, 3, 4))
  ln <- layer_layer_normalization()
  y0 <- as.array(ln(x))
  expect_equal(y0, ref_layer_norm(x, rep(1, 4), rep(0, 4)), tolerance = 1e-5)
  expect_identical(vapply(ln$weights, function(v) v$name, ""), c("gamma", "beta"))
  gamma <- c(0.5, 2, -1, 1.5); beta <- c(0.1, -0.2, 0.3, 0)
  set_weights(ln, list(gamma, beta))
  expect_equal(as.array(ln(x)), ref_layer_norm(x, gamma, beta), tolerance = 1e-5)
  # a different epsilon changes the result as the formula says
  ln2 <- layer_layer_normalization(epsilon = 0.5)
  expect_equal(as.array(ln2(x)), ref_layer_norm(x, rep(1, 4), rep(0, 4), eps = 0.5), tolerance = 1e-5)
  # no weights without center and scale
  plain <- layer_layer_normalization(center = FALSE, scale = FALSE)
  expect_equal(as.array(plain(x)), ref_layer_norm(x, 1, 0), tolerance = 1e-5)
  expect_length(plain$weights, 0)
  only_scale <- layer_layer_normalization(center = FALSE)
  only_scale(x)
  expect_identical(vapply(only_scale$weights, function(v) v$name, ""), "gamma")
})

test_that("layer_layer_normalization() over several axes and with rms_scaling", {
  set.seed(12)
  x <- array(rnorm(2 * 3 * 4), c(2, 3, 4))
  ln <- layer_layer_normalization(axis = c(2, 3))
  ln(x)
  gamma <- matrix(runif(12, 0.5, 1.5), 3, 4); beta <- matrix(rnorm(12), 3, 4)
  expect_identical(dim(get_weights(ln)[[1]]), c(3L, 4L))
  set_weights(ln, list(gamma, beta))
  y <- as.array(ln(x))
  for (b in 1:2) {
    blk <- x[b, , ]
    expect_equal(y[b, , ], (blk - mean(blk)) / sqrt(biased_var(blk) + 0.001) * gamma + beta, tolerance = 1e-5)
  }
  # negative axes name the same positions
  ln_neg <- layer_layer_normalization(axis = c(-2, -1))
  ln_neg(x)
  set_weights(ln_neg, list(gamma, beta))
  expect_equal(as.array(ln_neg(x)), y, tolerance = 1e-6)
  # rms_scaling: inputs * gamma / sqrt(var + eps), no mean subtracted, no beta
  rms <- layer_layer_normalization(rms_scaling = TRUE)
  rms(x)
  expect_identical(vapply(rms$weights, function(v) v$name, ""), "gamma")
  g <- c(1, 2, 3, 0.5)
  set_weights(rms, list(g))
  yr <- as.array(rms(x))
  for (b in 1:2) for (t in 1:3) {
    v <- x[b, t, ]
    expect_equal(yr[b, t, ], v * g / sqrt(biased_var(v) + 0.001), tolerance = 1e-5)
  }
})

test_that("layer_layer_normalization() gradients match finite differences (float64)", {
  old <- config_set_floatx("float64")
  on.exit(config_set_floatx(old))
  set.seed(13)
  x <- array(rnorm(2 * 2 * 3), c(2, 2, 3))
  gamma <- c(0.7, -1.2, 2); beta <- c(0.2, 0.1, -0.3)
  w <- array(rnorm(12), c(2, 2, 3))
  ref_loss <- function(xx, gg, bb) sum(ref_layer_norm(xx, gg, bb) * w)
  ln <- layer_layer_normalization()
  ln(x)
  set_weights(ln, list(gamma, beta))
  xv <- recurrent:::cpp_variable(op_convert_to_tensor(x), NULL)
  loss <- recurrent:::with_gradient_recording(op_sum(op_multiply(ln(xv), w)))
  expect_reference_gradients(loss, list(xv, ln$gamma, ln$beta), ref_loss, list(x, gamma, beta))
})

test_that("layer_layer_normalization() passes masks, works symbolically and checks its arguments", {
  x <- array(c(1, 0, 3, 4, 0, 6), c(1, 3, 2))
  y <- layer_layer_normalization(layer_masking(x, mask_value = 0))
  expect_identical(tensor_mask(y), matrix(c(TRUE, FALSE, TRUE), 1))
  inp <- keras_input(shape = c(NA, 5))
  expect_tensor_shape(layer_layer_normalization(inp), c(NA, NA, 5))
  cfg <- get_config(layer_layer_normalization(axis = c(2, 3), epsilon = 0.01, rms_scaling = TRUE))
  expect_identical(cfg$axis, c(2L, 3L))
  expect_equal(cfg$epsilon, 0.01)
  expect_true(from_config(cfg)$rms_scaling)
  expect_error(layer_layer_normalization(axis = 0), class = "recurrent_error_argument")
  expect_error(layer_layer_normalization(axis = 1.5), class = "recurrent_error_argument")
  expect_error(layer_layer_normalization(axis = "last"), class = "recurrent_error_argument")
  expect_error(layer_layer_normalization(epsilon = -1), class = "recurrent_error_argument")
  expect_error(layer_layer_normalization(center = NA), class = "recurrent_error_argument")
  expect_error(layer_layer_normalization(rms_scaling = "yes"), class = "recurrent_error_argument")
  expect_error(layer_layer_normalization(gamma_initializer = "bogus"), class = "recurrent_error_argument")
  expect_error(layer_layer_normalization(matrix(1, 2, 3), axis = 3), class = "recurrent_error_shape")
  expect_error(layer_layer_normalization(keras_input(shape = NA)), class = "recurrent_error_shape")
  ln <- layer_layer_normalization()
  ln(matrix(1, 2, 3))
  expect_error(ln(array(1, c(2, 2, 3))), class = "recurrent_error_shape")
})

test_that("layer_batch_normalization() trains on batch statistics and updates the moving ones", {
  set.seed(21)
  x <- array(rnorm(3 * 4 * 2, mean = c(2, -1), sd = 3), c(3, 4, 2))
  bn <- layer_batch_normalization(momentum = 0.8)
  # inference before any training: moving mean 0, variance 1
  expect_equal(as.array(bn(x)), x / sqrt(1 + 0.001), tolerance = 1e-5)
  gamma <- c(1.5, 0.5); beta <- c(-0.2, 0.3)
  set_weights(bn, list(gamma, beta, c(0, 0), c(1, 1)))
  ref <- ref_batch_norm(x, gamma, beta)
  expect_equal(as.array(bn(x, training = TRUE)), ref$output, tolerance = 1e-5)
  expect_equal(vec(bn$moving_mean), 0 * 0.8 + ref$mean * 0.2, tolerance = 1e-6)
  expect_equal(vec(bn$moving_variance), 1 * 0.8 + ref$var * 0.2, tolerance = 1e-6)
  # a second training call moves them again, from where they are
  mm <- vec(bn$moving_mean); mv <- vec(bn$moving_variance)
  bn(x, training = TRUE)
  expect_equal(vec(bn$moving_mean), mm * 0.8 + ref$mean * 0.2, tolerance = 1e-6)
  expect_equal(vec(bn$moving_variance), mv * 0.8 + ref$var * 0.2, tolerance = 1e-6)
  # inference uses the moving statistics and changes nothing
  mm <- vec(bn$moving_mean); mv <- vec(bn$moving_variance)
  expected <- x
  for (f in 1:2) expected[, , f] <- (x[, , f] - mm[f]) / sqrt(mv[f] + 0.001) * gamma[f] + beta[f]
  expect_equal(as.array(bn(x)), expected, tolerance = 1e-5)
  expect_equal(as.array(bn(x, training = FALSE)), expected, tolerance = 1e-5)
  expect_equal(vec(bn$moving_mean), mm)
  # a frozen layer runs in inference mode even when training
  bn$trainable <- FALSE
  expect_equal(as.array(bn(x, training = TRUE)), expected, tolerance = 1e-5)
  expect_equal(vec(bn$moving_mean), mm)
})

test_that("layer_batch_normalization() has Keras's weights and parameter counts", {
  bn <- layer_batch_normalization()
  bn(matrix(1, 2, 64))
  expect_identical(vapply(bn$weights, function(v) v$name, ""), c("gamma", "beta", "moving_mean", "moving_variance"))
  expect_identical(vapply(bn$non_trainable_weights, function(v) v$name, ""), c("moving_mean", "moving_variance"))
  expect_identical(count_params(bn), 256L)
  expect_equal(vec(get_weights(bn)[[1]]), rep(1, 64))
  expect_equal(vec(get_weights(bn)[[4]]), rep(1, 64))
  nc <- layer_batch_normalization(center = FALSE, scale = FALSE)
  nc(matrix(1, 2, 3))
  expect_identical(vapply(nc$weights, function(v) v$name, ""), c("moving_mean", "moving_variance"))
  expect_length(nc$trainable_weights, 0)
})

test_that("keras3's sequential LSTM -> batch normalization -> dense model builds", {
  for (lstm_layer in list(layer_lstm(units = 64), layer_rnn(cell = rnn_cell_lstm(units = 64)))) {
    model <- keras_model_sequential(input_shape = shape(NULL, 28)) %>%
      lstm_layer() %>%
      layer_batch_normalization() %>%
      layer_dense(10)
    expect_tensor_shape(model$output, c(NA, 10))
    bn <- model$layers[[2]]
    expect_identical(count_params(bn), 4L * 64L)
    text <- format(model)
    expect_match(text, "Non-trainable params: 128 ", fixed = TRUE)
    expect_match(text, "Trainable params: 24,586 ", fixed = TRUE)
  }
})

test_that("fit() moves the moving statistics toward the data's (exact first step)", {
  set.seed(22)
  x <- cbind(rnorm(16, mean = 5, sd = 2), rnorm(16, mean = -3, sd = 0.5))
  y <- matrix(rnorm(16), 16, 1)
  model <- keras_model_sequential(input_shape = 2) |>
    layer_batch_normalization(momentum = 0.9) |>
    layer_dense(1)
  compile(model, optimizer = optimizer_sgd(learning_rate = 0.01), loss = "mse")
  bn <- model$layers[[1]]
  fit(model, x, y, batch_size = 16, epochs = 1, shuffle = FALSE, verbose = 0)
  data_mean <- colMeans(x)
  data_var <- apply(x, 2, biased_var)
  expect_equal(vec(bn$moving_mean), 0 * 0.9 + data_mean * 0.1, tolerance = 1e-5)
  expect_equal(vec(bn$moving_variance), 1 * 0.9 + data_var * 0.1, tolerance = 1e-5)
  fit(model, x, y, batch_size = 16, epochs = 99, shuffle = FALSE, verbose = 0)
  # after 100 steps the weight left on the initial values is 0.9^100
  expect_equal(vec(bn$moving_mean), data_mean * (1 - 0.9^100), tolerance = 1e-4)
  expect_equal(vec(bn$moving_variance), data_var * (1 - 0.9^100) + 0.9^100, tolerance = 1e-4)
  # predict() normalizes with the moving statistics
  w <- get_weights(model)
  z <- sweep(sweep(x, 2, w[[3]]), 2, sqrt(w[[4]] + 0.001), "/")
  z <- sweep(sweep(z, 2, w[[1]], "*"), 2, w[[2]], "+")
  expect_equal(unname(predict(model, x, verbose = 0)), z %*% w[[5]] + as.vector(w[[6]]), tolerance = 1e-4)
  # gamma and beta were trained
  expect_gt(max(abs(as.vector(w[[1]]) - 1)), 1e-6)
})

test_that("layer_batch_normalization() leaves masked timesteps out of the batch statistics", {
  set.seed(23)
  x <- array(rnorm(2 * 4 * 3, mean = 1), c(2, 4, 3))
  mask <- matrix(c(TRUE, TRUE, FALSE, TRUE, TRUE, FALSE, FALSE, TRUE), 2, byrow = TRUE)
  bn <- layer_batch_normalization(momentum = 0.5)
  out <- bn(x, training = TRUE, mask = mask)
  ref <- ref_batch_norm(x, rep(1, 3), rep(0, 3), mask = mask)
  # Keras divides by (count + config_epsilon()); 1e-7 on a count of 5 is far below the tolerance
  expect_equal(as.array(out), ref$output, tolerance = 1e-5)
  expect_equal(vec(bn$moving_mean), ref$mean * 0.5, tolerance = 1e-5)
  expect_equal(vec(bn$moving_variance), 0.5 + ref$var * 0.5, tolerance = 1e-5)
  expect_identical(tensor_mask(out), mask)
  # the same through layer_masking(): the zeroed timesteps do not count
  xm <- x
  for (b in 1:2) xm[b, !mask[b, ], ] <- 0
  bn2 <- layer_batch_normalization()
  out2 <- bn2(layer_masking(xm), training = TRUE)
  a1 <- as.array(out); a2 <- as.array(out2)
  for (b in 1:2) expect_equal(a2[b, mask[b, ], ], a1[b, mask[b, ], ], tolerance = 1e-5)
  expect_identical(tensor_mask(out2), mask)
  expect_error(bn(x, training = TRUE, mask = matrix(TRUE, 2, 3)), class = "recurrent_error_shape")
})

test_that("layer_batch_normalization() gradients in training mode match finite differences (float64)", {
  old <- config_set_floatx("float64")
  on.exit(config_set_floatx(old))
  set.seed(24)
  x <- array(rnorm(3 * 2 * 2), c(3, 2, 2))
  gamma <- c(0.8, -1.3); beta <- c(0.4, -0.1)
  mask <- matrix(c(TRUE, FALSE, TRUE, TRUE, TRUE, FALSE), 3)
  w <- array(rnorm(12), c(3, 2, 2))
  for (m in list(NULL, mask)) {
    ref_loss <- function(xx, gg, bb) sum(ref_batch_norm(xx, gg, bb, mask = m)$output * w)
    bn <- layer_batch_normalization()
    bn(x)
    set_weights(bn, list(gamma, beta, c(0, 0), c(1, 1)))
    xv <- recurrent:::cpp_variable(op_convert_to_tensor(x), NULL)
    loss <- recurrent:::with_gradient_recording(op_sum(op_multiply(bn(xv, training = TRUE, mask = m), w)))
    expect_reference_gradients(loss, list(xv, bn$gamma, bn$beta), ref_loss, list(x, gamma, beta),
                               tolerance = 1e-5, value_tolerance = 1e-6)
  }
})

test_that("layer_batch_normalization() on another axis normalizes per position of that axis", {
  set.seed(25)
  x <- array(rnorm(2 * 3 * 4), c(2, 3, 4))
  bn <- layer_batch_normalization(axis = 2, momentum = 0)
  y <- as.array(bn(x, training = TRUE))
  expect_identical(dim(get_weights(bn)[[1]]), 3L)
  for (t in 1:3) {
    v <- x[, t, ]
    expect_equal(y[, t, ], (v - mean(v)) / sqrt(biased_var(v) + 0.001), tolerance = 1e-5)
  }
  expect_equal(vec(bn$moving_mean), apply(x, 2, mean), tolerance = 1e-6)
})

test_that("layer_batch_normalization() checks its arguments and inputs", {
  expect_error(layer_batch_normalization(axis = 0), class = "recurrent_error_argument")
  expect_error(layer_batch_normalization(axis = c(1, 2)), class = "recurrent_error_argument")
  expect_error(layer_batch_normalization(momentum = 1.5), class = "recurrent_error_argument")
  expect_error(layer_batch_normalization(momentum = "a"), class = "recurrent_error_argument")
  expect_error(layer_batch_normalization(epsilon = -0.1), class = "recurrent_error_argument")
  expect_error(layer_batch_normalization(scale = NA), class = "recurrent_error_argument")
  expect_error(layer_batch_normalization(center = c(TRUE, FALSE)), class = "recurrent_error_argument")
  expect_error(layer_batch_normalization(synchronized = TRUE), "not supported", class = "recurrent_error_argument")
  expect_error(layer_batch_normalization(beta_regularizer = "bogus"), class = "recurrent_error_argument")
  expect_error(layer_batch_normalization(bogus = 1), class = "recurrent_error_argument")
  expect_error(layer_batch_normalization(matrix(1, 2, 3), axis = 3), class = "recurrent_error_shape")
  expect_error(layer_batch_normalization(keras_input(shape = NA)), class = "recurrent_error_shape")
  bn <- layer_batch_normalization()
  bn(matrix(1, 2, 3))
  expect_error(bn(matrix(1, 2, 4)), class = "recurrent_error_shape")
  expect_error(bn(array(1, c(2, 2, 3))), class = "recurrent_error_shape")
  cfg <- get_config(layer_batch_normalization(axis = 2, momentum = 0.5))
  expect_identical(cfg$axis, 2L)
  expect_equal(from_config(cfg)$momentum, 0.5)
})
