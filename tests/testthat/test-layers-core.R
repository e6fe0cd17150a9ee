test_that("layer_dense() computes activation(x %*% kernel + bias)", {
  set.seed(1)
  x <- array(rnorm(2 * 5 * 3), c(2, 5, 3))
  k <- matrix(rnorm(12), 3, 4); b <- rnorm(4)
  l <- layer_dense(units = 4, activation = "tanh")
  l(x[, 1, ])
  set_weights(l, list(k, b))
  expected <- tanh(x[, 2, ] %*% k + rep(b, each = 2))
  expect_tensor_equal(l(x[, 2, ]), expected)
  y3 <- as.array(l(x))
  expect_identical(dim(y3), c(2L, 5L, 4L))
  expect_equal(y3[, 3, ], tanh(x[, 3, ] %*% k + rep(b, each = 2)), tolerance = 1e-5)
  nb <- layer_dense(units = 2, use_bias = FALSE)
  nb(matrix(1, 1, 3))
  expect_length(nb$weights, 1)
  expect_error(layer_dense(units = 0), class = "recurrent_error_argument")
  expect_error(layer_dense(units = 2.5), class = "recurrent_error_argument")
  expect_error(layer_dense(), class = "recurrent_error_argument")
  expect_error(layer_dense(units = 2, activation = "bogus"), class = "recurrent_error_argument")
  expect_error(layer_dense(units = 2, lora_rank = 2), class = "recurrent_error_argument")
  expect_error(layer_dense(units = 2, kernel_initializer = "bogus"), class = "recurrent_error_argument")
})

test_that("layer_activation() applies the named function", {
  expect_tensor_equal(layer_activation(matrix(c(-1, 2), 1), "relu"), c(0, 2))
  expect_tensor_equal(layer_activation(matrix(c(1, 1), 1), "softmax"), c(0.5, 0.5))
  expect_error(layer_activation(activation = "nope"), class = "recurrent_error_argument")
})

test_that("layer_dropout() drops at `rate` with 1/(1-rate) scaling, reproducibly", {
  x <- matrix(1, 50, 40)
  set.seed(9); a <- as.array(layer_dropout(rate = 0.3)(x, training = TRUE))
  set.seed(9); b <- as.array(layer_dropout(rate = 0.3)(x, training = TRUE))
  expect_identical(a, b)
  expect_true(all(a == 0 | abs(a - 1 / 0.7) < 1e-6))
  expect_equal(mean(a == 0), 0.3, tolerance = 0.1)
  d <- layer_dropout(rate = 0.5, seed = 3)
  r1 <- as.array(d(x, training = TRUE)); r2 <- as.array(d(x, training = TRUE))
  expect_false(identical(r1, r2))
  d2 <- layer_dropout(rate = 0.5, seed = 3)
  expect_identical(as.array(d2(x, training = TRUE)), r1)
  ns <- as.array(layer_dropout(rate = 0.5, noise_shape = c(NA, 1, NA))(array(1, c(3, 5, 4)), training = TRUE))
  for (t in 2:5) expect_identical(ns[, t, ], ns[, 1, ])
  # noise_shape is the keep/drop pattern's shape, one entry per input axis (Keras's
  # Dropout docstring: (batch_size, 1, features) for (batch_size, timesteps, features))
  x3 <- array(1, c(3, 5, 4))
  expect_error(layer_dropout(rate = 0.5, noise_shape = c(NA, 1))(x3, training = TRUE),
               class = "recurrent_error_argument")
  expect_error(layer_dropout(rate = 0.5, noise_shape = c(NA, 1, NA, 1))(x3, training = TRUE),
               class = "recurrent_error_argument")
  expect_tensor_equal(layer_dropout(x, 0.5), x)
  expect_error(layer_dropout(rate = 1), class = "recurrent_error_argument")
  expect_error(layer_dropout(rate = -0.1), class = "recurrent_error_argument")
})

test_that("layer_masking() zeroes and masks steps whose features all equal mask_value", {
  x <- array(c(1, 0.5, 3, 4, 0.5, 6), c(1, 3, 2))
  x[1, 2, ] <- 0.5
  y <- layer_masking(x, mask_value = 0.5)
  keep <- apply(x != 0.5, c(1, 2), any)
  expect_identical(tensor_mask(y), keep)
  expected <- x; expected[1, 2, ] <- 0
  expect_tensor_equal(y, expected)
  expect_error(layer_masking(mask_value = "a"), class = "recurrent_error_argument")
})

test_that("layer_embedding() looks up 0-based ids and masks zeros", {
  emb <- layer_embedding(input_dim = 4, output_dim = 3, mask_zero = TRUE)
  ids <- matrix(c(1, 3, 0, 2), 2)
  y <- emb(ids)
  w <- get_weights(emb)[[1]]
  expect_identical(dim(w), c(4L, 3L))
  expect_true(all(abs(w) <= 0.05))
  ya <- as.array(y)
  for (i in 1:2) for (j in 1:2) expect_equal(ya[i, j, ], w[ids[i, j] + 1, ], tolerance = 1e-6)
  expect_identical(tensor_mask(y), ids != 0)
  no_mask <- layer_embedding(input_dim = 4, output_dim = 2)
  expect_null(tensor_mask(no_mask(ids)))
  init <- matrix(1:8, 4, 2)
  pre <- layer_embedding(input_dim = 4, output_dim = 2, weights = list(init))
  expect_tensor_equal(pre(matrix(c(0L, 3L), 1)), rbind(init[1, ], init[4, ]))
  expect_error(layer_embedding(input_dim = 0, output_dim = 2), class = "recurrent_error_argument")
  expect_error(layer_embedding(output_dim = 2), class = "recurrent_error_argument")
  inp <- keras_input(shape = 7, dtype = "int32")
  expect_tensor_shape(layer_embedding(inp, 10, 4), c(NA, 7, 4))
})

test_that("layer_flatten() and layer_reshape() use C order", {
  x <- array(1:12, c(2, 3, 2))
  flat <- as.array(layer_flatten(x))
  expect_identical(dim(flat), c(2L, 6L))
  expect_equal(flat[1, ], as.vector(t(x[1, , ])))
  r <- as.array(layer_reshape(matrix(1:6, 1), c(2, 3)))
  expect_equal(r[1, , ], matrix(1:6, 2, byrow = TRUE))
  r2 <- layer_reshape(matrix(1:6, 1), c(-1, 2))
  expect_tensor_shape(r2, c(1, 3, 2))
  expect_error(layer_reshape(matrix(1:6, 1), c(4, 2)), class = "recurrent_error_shape")
  expect_error(layer_reshape(target_shape = c(-1, -1)), class = "recurrent_error_argument")
  inp <- keras_input(shape = c(4, 3))
  expect_tensor_shape(layer_flatten(inp), c(NA, 12))
  expect_tensor_shape(layer_reshape(inp, c(2, -1)), c(NA, 2, 6))
})

test_that("layer_repeat_vector() repeats along a new time axis", {
  y <- as.array(layer_repeat_vector(matrix(1:4, 2), 3))
  expect_identical(dim(y), c(2L, 3L, 2L))
  for (t in 1:3) expect_equal(y[, t, ], matrix(1:4, 2))
  expect_error(layer_repeat_vector(n = 0), class = "recurrent_error_argument")
  expect_error(layer_repeat_vector(array(1, c(1, 2, 2)), 2), class = "recurrent_error_shape")
  expect_tensor_shape(layer_repeat_vector(keras_input(shape = 5), 4), c(NA, 4, 5))
})

test_that("layer_concatenate() joins along an axis and merges masks", {
  a <- matrix(1, 2, 2); b <- matrix(2, 2, 3)
  expect_tensor_equal(layer_concatenate(list(a, b)), cbind(a, b))
  expect_tensor_equal(layer_concatenate(list(a, matrix(3, 1, 2)), axis = 1), rbind(a, matrix(3, 1, 2)))
  expect_s3_class(layer_concatenate(axis = 1), "recurrent_layer")
  x1 <- keras_input(shape = c(5, 2)); x2 <- keras_input(shape = c(5, 3))
  expect_tensor_shape(layer_concatenate(list(x1, x2)), c(NA, 5, 5))
  e1 <- layer_embedding(input_dim = 3, output_dim = 2, mask_zero = TRUE)(matrix(c(1L, 0L, 1L), 1))
  e2 <- layer_embedding(input_dim = 3, output_dim = 2, mask_zero = TRUE)(matrix(c(1L, 1L, 0L), 1))
  joined <- layer_concatenate(list(e1, e2))
  expect_identical(tensor_mask(joined), matrix(c(TRUE, FALSE, FALSE), 1))
  expect_error(layer_concatenate(a), class = "recurrent_error_argument")
})

test_that("layer_lambda() wraps a function", {
  expect_tensor_equal(layer_lambda(matrix(1:4, 2), function(x) op_multiply(x, 10)), matrix(1:4, 2) * 10)
  add <- layer_lambda(f = function(x, k) op_add(x, k), arguments = list(k = 5))
  expect_tensor_equal(add(matrix(0, 1, 2)), c(5, 5))
  inp <- keras_input(shape = 3)
  expect_tensor_shape(layer_lambda(inp, function(x) op_concatenate(list(x, x), axis = 2)), c(NA, 6))
  expect_tensor_shape(layer_lambda(inp, function(x) x, output_shape = c(3)), c(NA, 3))
  expect_error(layer_lambda(f = 3), class = "recurrent_error_argument")
})

test_that("layer_embedding(input_length = ) is ignored with Keras 3's deprecation warning", {
  # keras/src/layers/core/embedding.py pops input_length and warns "Argument
  # `input_length` is deprecated. Just remove it."; old keras scripts (e.g. the
  # imdb_bidirectional_lstm example) still pass it
  expect_warning(emb <- layer_embedding(input_dim = 5, output_dim = 2, input_length = 10),
                 "input_length.*deprecated", class = "recurrent_warning_deprecated")
  # the output is still shaped by the data, not by input_length
  expect_identical(dim(emb(matrix(1:3, 1, 3))), c(1L, 3L, 2L))
  expect_no_warning(layer_embedding(input_dim = 5, output_dim = 2))
})
