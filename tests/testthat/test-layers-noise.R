# Draws fill tensors in row-major order from R's RNG: with seed s, the noise for an
# R matrix (b, f) is value number (b - 1) * ncol + f of set.seed(s); rnorm(n).
row_major <- function(values, dims) aperm(array(values, rev(dims)), rev(seq_along(dims)))

test_that("noise layers leave inputs alone outside training", {
  x <- matrix(1:6, 2) + 0
  for (layer in list(layer_gaussian_noise(stddev = 1), layer_gaussian_dropout(rate = 0.5),
                     layer_alpha_dropout(rate = 0.5), layer_activity_regularization(l1 = 1))) {
    expect_tensor_equal(layer(x), x)
  }
  expect_tensor_equal(layer_spatial_dropout_1d(rate = 0.5)(array(1, c(2, 3, 4))), array(1, c(2, 3, 4)))
})

test_that("layer_gaussian_noise() and layer_gaussian_dropout() draw the documented noise", {
  x <- matrix(1:6, 2) + 0
  got <- layer_gaussian_noise(stddev = 0.3, seed = 7)(x, training = TRUE)
  expected <- x + row_major(withr::with_seed(7, rnorm(6, 0, 0.3)), c(2, 3))
  expect_tensor_equal(got, expected)
  got <- layer_gaussian_dropout(rate = 0.2, seed = 8)(x, training = TRUE)
  expected <- x * row_major(withr::with_seed(8, rnorm(6, 1, sqrt(0.2 / 0.8))), c(2, 3))
  expect_tensor_equal(got, expected)
  # successive training calls draw new noise, reproducibly
  l <- layer_gaussian_noise(stddev = 1, seed = 1)
  a <- as.array(l(x, training = TRUE)); b <- as.array(l(x, training = TRUE))
  expect_false(isTRUE(all.equal(a, b)))
  expect_tensor_equal(layer_gaussian_noise(stddev = 1, seed = 1)(x, training = TRUE), a)
})

test_that("layer_alpha_dropout() keeps or saturates entries with Keras's affine correction", {
  rate <- 0.3
  alpha_p <- -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946
  a <- ((1 - rate) * (1 + rate * alpha_p^2))^-0.5
  b <- -a * alpha_p * rate
  x <- matrix(seq(-1, 1, length.out = 12), 3)
  keep <- row_major(withr::with_seed(4, runif(12) >= rate), c(3, 4))
  expected <- ifelse(keep, a * x + b, a * alpha_p + b)
  expect_tensor_equal(layer_alpha_dropout(rate = rate, seed = 4)(x, training = TRUE), expected)
  # noise_shape: one draw per row, shared along the columns
  keep_rows <- withr::with_seed(5, runif(3) >= rate)
  expected <- ifelse(matrix(keep_rows, 3, 4), a * x + b, a * alpha_p + b)
  expect_tensor_equal(layer_alpha_dropout(rate = rate, noise_shape = c(NA, 1), seed = 5)(x, training = TRUE), expected)
})

test_that("layer_spatial_dropout_1d() drops whole channels at every timestep", {
  x <- array(rnorm(2 * 5 * 3), c(2, 5, 3))
  got <- as.array(layer_spatial_dropout_1d(rate = 0.5, seed = 3)(x, training = TRUE))
  keep <- row_major(withr::with_seed(3, runif(6) >= 0.5), c(2, 3))
  for (t in 1:5) expect_equal(got[, t, ], x[, t, ] * keep * 2, tolerance = 1e-6)
  expect_error(layer_spatial_dropout_1d(rate = 0.5)(matrix(1, 2, 2)), class = "recurrent_error")
})

test_that("layer_activity_regularization() adds l1 * sum|x| + l2 * sum x^2 per sample to the losses", {
  x <- matrix(c(1, -2, 3, -4), 2)
  reg <- layer_activity_regularization(l1 = 0.1, l2 = 0.01)
  expect_tensor_equal(reg(x), x)
  expect_equal(length(reg$losses), 1L)
  expect_equal(as.numeric(as.array(reg$losses[[1]])), (0.1 * sum(abs(x)) + 0.01 * sum(x^2)) / 2, tolerance = 1e-6)
  expect_equal(get_config(reg)[c("l1", "l2")], list(l1 = 0.1, l2 = 0.01))
})

test_that("noise layers: masks, gradients, models, configs and errors", {
  emb <- layer_embedding(input_dim = 3, output_dim = 2, mask_zero = TRUE)
  e <- emb(matrix(c(1L, 0L), 1))
  for (l in list(layer_gaussian_noise(stddev = 1), layer_gaussian_dropout(rate = 0.1), layer_alpha_dropout(rate = 0.1),
                 layer_spatial_dropout_1d(rate = 0.1), layer_activity_regularization())) {
    expect_equal(tensor_mask(l(e, training = TRUE)), matrix(c(TRUE, FALSE), 1))
  }
  x <- matrix(c(0.3, -1.2, 2, 0.7), 2)
  expect_grad(function(a) layer_gaussian_noise(stddev = 0.5, seed = 2)(a, training = TRUE), x)
  expect_grad(function(a) layer_gaussian_dropout(rate = 0.4, seed = 2)(a, training = TRUE), x)
  expect_grad(function(a) layer_alpha_dropout(rate = 0.4, seed = 2)(a, training = TRUE), x)
  expect_grad(function(a) layer_spatial_dropout_1d(rate = 0.4, seed = 2)(a, training = TRUE), array(rnorm(12), c(2, 3, 2)))
  expect_grad(function(a) layer_activity_regularization(l1 = 0.1)(a), x)
  inp <- keras_input(shape = c(6, 3))
  out <- inp |> layer_spatial_dropout_1d(0.2) |> layer_gaussian_noise(0.1) |> layer_alpha_dropout(0.1) |>
    layer_gaussian_dropout(0.1) |> layer_activity_regularization(l2 = 0.01)
  expect_tensor_shape(out, c(NA, 6, 3))
  expect_equal(get_config(layer_gaussian_noise(stddev = 0.2, seed = 3))[c("stddev", "seed")], list(stddev = 0.2, seed = 3L))
  expect_equal(get_config(layer_gaussian_dropout(rate = 0.2))$rate, 0.2)
  expect_equal(get_config(layer_alpha_dropout(rate = 0.2, noise_shape = c(NA, 1)))$noise_shape, list(NULL, 1L))
  expect_s3_class(layer_spatial_dropout_1d(rate = 0.1),
                  "keras.src.layers.regularization.spatial_dropout.SpatialDropout1D")
  expect_s3_class(layer_activity_regularization(), "keras.src.layers.regularization.activity_regularization.ActivityRegularization")
  expect_error(layer_gaussian_noise(stddev = -1), class = "recurrent_error_argument")
  expect_error(layer_gaussian_noise(), class = "recurrent_error_argument")
  expect_error(layer_gaussian_dropout(rate = 1), class = "recurrent_error_argument")
  expect_error(layer_alpha_dropout(rate = 0.1, noise_shape = "a"), class = "recurrent_error_argument")
  expect_error(layer_spatial_dropout_1d(rate = 0.1, seed = "a"), class = "recurrent_error_argument")
  expect_error(layer_activity_regularization(l1 = -1), class = "recurrent_error_argument")
})

test_that("noise layers come back from their configs", {
  layers <- list(layer_gaussian_noise(stddev = 0.2, seed = 1), layer_gaussian_dropout(rate = 0.3),
                 layer_alpha_dropout(rate = 0.1, noise_shape = c(NA, 1)), layer_spatial_dropout_1d(rate = 0.4),
                 layer_activity_regularization(l1 = 0.1, l2 = 0.2))
  for (l in layers) {
    cfg <- get_config(l)
    back <- from_config(cfg)
    expect_equal(class(back)[1], class(l)[1])
    expect_equal(get_config(back)[-1], cfg[-1])
  }
})
