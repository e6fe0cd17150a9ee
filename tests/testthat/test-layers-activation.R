x <- matrix(c(-2, -0.5, 0, 0.5, 1.5, 3), 2, byrow = TRUE)

test_that("layer_activation_relu() follows Keras's relu with slope, cap and threshold", {
  expect_tensor_equal(layer_activation_relu(x), pmax(x, 0))
  expect_tensor_equal(layer_activation_relu(x, max_value = 1), pmin(pmax(x, 0), 1))
  expect_tensor_equal(layer_activation_relu(x, negative_slope = 0.1), ifelse(x >= 0, x, 0.1 * x))
  # above the threshold x (capped), below it negative_slope * (x - threshold)
  ref <- ifelse(x > 0.5, pmin(x, 2), 0) - 0.1 * pmax(0.5 - x, 0)
  expect_tensor_equal(layer_activation_relu(x, max_value = 2, negative_slope = 0.1, threshold = 0.5), ref)
  expect_tensor_equal(layer_activation_relu(x, threshold = 1), ifelse(x > 1, x, 0))
  expect_error(layer_activation_relu(max_value = -1), class = "recurrent_error_argument")
  expect_error(layer_activation_relu(negative_slope = -0.1), class = "recurrent_error_argument")
  expect_error(layer_activation_relu(threshold = "a"), class = "recurrent_error_argument")
})

test_that("leaky relu, elu and parametric relu compute their formulas", {
  expect_tensor_equal(layer_activation_leaky_relu(x), ifelse(x >= 0, x, 0.3 * x))
  expect_tensor_equal(layer_activation_leaky_relu(x, negative_slope = 0.05), ifelse(x >= 0, x, 0.05 * x))
  expect_tensor_equal(layer_activation_elu(x), ifelse(x > 0, x, exp(x) - 1))
  expect_tensor_equal(layer_activation_elu(x, alpha = 2), ifelse(x > 0, x, 2 * (exp(x) - 1)))
  expect_error(layer_activation_leaky_relu(negative_slope = -1), class = "recurrent_error_argument")
  pr <- layer_activation_parametric_relu()
  expect_tensor_equal(pr(x), pmax(x, 0))        # alpha starts at zero
  expect_equal(dim(pr$alpha), 3L)
  alpha <- c(0.1, 0.2, 0.3)
  set_weights(pr, list(alpha))
  expect_tensor_equal(pr(x), ifelse(x >= 0, x, sweep(x, 2, alpha, `*`)))
  seq3 <- array(rnorm(2 * 4 * 3), c(2, 4, 3))
  shared <- layer_activation_parametric_relu(shared_axes = 2)
  shared(seq3)
  expect_equal(dim(shared$alpha), c(1L, 3L))
  expect_equal(get_config(shared)$shared_axes, 1L)   # Keras's numbering
  expect_error(layer_activation_parametric_relu(shared_axes = 1), class = "recurrent_error_argument")
  expect_error(layer_activation_parametric_relu()(keras_input(shape = c(NA, 3))), class = "recurrent_error")
})

test_that("layer_activation_softmax() normalises along axis and respects masks", {
  sm <- function(v) exp(v) / sum(exp(v))
  expect_tensor_equal(layer_activation_softmax(x), t(apply(x, 1, sm)))
  expect_tensor_equal(layer_activation_softmax(x, axis = 1), apply(x, 2, sm))
  a3 <- array(rnorm(2 * 2 * 3), c(2, 2, 3))
  both <- as.array(layer_activation_softmax(a3, axis = c(2, 3)))
  for (b in 1:2) expect_equal(both[b, , ], array(sm(a3[b, , ]), c(2, 3)), tolerance = 1e-5)
  m <- matrix(c(TRUE, FALSE, TRUE, FALSE, FALSE, FALSE), 2, byrow = TRUE)
  got <- as.array(layer_activation_softmax()(x, mask = m))
  expect_equal(got[1, ], c(sm(x[1, c(1, 3)])[1], 0, sm(x[1, c(1, 3)])[2]), tolerance = 1e-6)
  expect_equal(got[2, ], c(0, 0, 0))
  expect_equal(get_config(layer_activation_softmax(axis = 2))$axis, 1L)
  expect_error(layer_activation_softmax(axis = 0), class = "recurrent_error_argument")
})

test_that("activation layers: gradients match finite differences", {
  set.seed(3)
  v <- matrix(c(-1.3, -0.4, 0.2, 0.9, 1.7, -2.2), 2)
  expect_grad(function(a) layer_activation_relu(max_value = 1.5, negative_slope = 0.2, threshold = 0.1)(a), v)
  expect_grad(function(a) layer_activation_elu(alpha = 0.7)(a), v)
  expect_grad(function(a) layer_activation_leaky_relu()(a), v)
  expect_grad(function(a) layer_activation_softmax()(a, mask = matrix(c(TRUE, TRUE, FALSE, TRUE, TRUE, TRUE), 2)), v)
  # PReLU: gradient with respect to alpha is min(x, 0)
  old <- config_set_floatx("float64")
  on.exit(config_set_floatx(old))
  pr <- layer_activation_parametric_relu()
  pr(v)
  set_weights(pr, list(c(0.1, 0.2, 0.3)))
  w <- matrix(rnorm(6), 2)
  loss <- recurrent:::with_gradient_recording(op_sum(op_multiply(pr(v), w)))
  g <- as_r(recurrent:::gradients(loss, list(pr$alpha))[[1]])
  expect_equal(g, colSums(pmin(v, 0) * w), tolerance = 1e-10)
})

test_that("activation layers pass masks, work in models and have Keras's configs", {
  emb <- layer_embedding(input_dim = 3, output_dim = 2, mask_zero = TRUE)
  e <- emb(matrix(c(1L, 0L), 1))
  for (f in list(layer_activation_relu, layer_activation_leaky_relu, layer_activation_elu,
                 layer_activation_parametric_relu)) {
    expect_equal(tensor_mask(f(e)), matrix(c(TRUE, FALSE), 1))
  }
  inp <- keras_input(shape = c(4, 3))
  out <- inp |> layer_activation_relu(max_value = 6) |> layer_activation_parametric_relu() |> layer_activation_softmax()
  expect_tensor_shape(out, c(NA, 4, 3))
  expect_equal(count_params(keras_model(inp, out)), 12)
  expect_equal(get_config(layer_activation_relu(max_value = 6))[c("max_value", "negative_slope", "threshold")],
               list(max_value = 6, negative_slope = 0, threshold = 0))
  expect_equal(get_config(layer_activation_leaky_relu())$negative_slope, 0.3)
  expect_s3_class(layer_activation_relu(), "keras.src.layers.activations.relu.ReLU")
  expect_s3_class(layer_activation_leaky_relu(), "keras.src.layers.activations.leaky_relu.LeakyReLU")
  expect_s3_class(layer_activation_elu(), "keras.src.layers.activations.elu.ELU")
  expect_s3_class(layer_activation_softmax(), "keras.src.layers.activations.softmax.Softmax")
  expect_s3_class(layer_activation_parametric_relu(), "keras.src.layers.activations.prelu.PReLU")
  restored <- from_config(get_config(layer_activation_elu(alpha = 0.5)))
  expect_tensor_equal(restored(x), ifelse(x > 0, x, 0.5 * (exp(x) - 1)))
})

test_that("activation layers come back from their configs", {
  layers <- list(layer_activation_relu(max_value = 2, negative_slope = 0.1, threshold = 0.5),
                 layer_activation_leaky_relu(negative_slope = 0.2), layer_activation_elu(alpha = 0.4),
                 layer_activation_softmax(axis = c(2, 3)), layer_activation_parametric_relu(shared_axes = c(2, 3)))
  for (l in layers) {
    cfg <- get_config(l)
    back <- from_config(cfg)
    expect_equal(class(back)[1], class(l)[1])
    expect_equal(get_config(back)[-1], cfg[-1])
  }
})
