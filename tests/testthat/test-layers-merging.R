test_that("the elementwise merge layers compute their operation", {
  a <- matrix(c(1, -2, 3, 4), 2); b <- matrix(c(10, 2, -3, 1), 2); c3 <- matrix(c(0.5, 1, 2, -1), 2)
  expect_tensor_equal(layer_add(a, b), a + b)
  expect_tensor_equal(layer_add(list(a, b, c3)), a + b + c3)
  expect_tensor_equal(layer_subtract(list(a, b)), a - b)
  expect_tensor_equal(layer_multiply(a, b, c3), a * b * c3)
  expect_tensor_equal(layer_average(list(a, b, c3)), (a + b + c3) / 3)
  expect_tensor_equal(layer_maximum(a, b, c3), pmax(a, b, c3))
  expect_tensor_equal(layer_minimum(a, b, c3), pmin(a, b, c3))
  # a lower-rank input gets a size-1 axis after the batch axis and broadcasts
  x3 <- array(1:12, c(2, 3, 2)) + 0
  got <- as.array(layer_add(x3, a))
  for (t in 1:3) expect_equal(got[, t, ], x3[, t, ] + a)
  # the layer object form, reused
  add <- layer_add(name = "sum")
  expect_s3_class(add, "keras.src.layers.merging.add.Add")
  expect_tensor_equal(add(list(a, a)), 2 * a)
})

test_that("layer_dot() gives Keras's documented values, cosine similarity and shapes", {
  x <- op_reshape(0:9, c(1, 5, 2)); y <- op_reshape(10:19, c(1, 2, 5))
  expect_tensor_equal(layer_dot(x, y, axes = c(2, 3)), matrix(c(260, 320, 360, 445), 2))  # [[260, 360], [320, 445]]
  a <- matrix(c(3, 0, 4, 1), 2); b <- matrix(c(1, 2, 1, 2), 2)
  expect_tensor_equal(layer_dot(a, b, axes = 2), matrix(rowSums(a * b), 2, 1))
  expect_tensor_equal(layer_dot(a, b, axes = -1, normalize = TRUE),
                      matrix(rowSums(a * b) / sqrt(rowSums(a^2) * rowSums(b^2)), 2, 1))
  set.seed(1)
  p <- array(rnorm(2 * 3 * 4), c(2, 3, 4)); q <- array(rnorm(2 * 5 * 4), c(2, 5, 4))
  ref <- array(0, c(2, 3, 5)); for (i in 1:2) ref[i, , ] <- p[i, , ] %*% t(q[i, , ])
  expect_tensor_equal(layer_dot(p, q, axes = 3), ref)
  expect_tensor_shape(layer_dot(keras_input(shape = c(3, 5)), keras_input(shape = c(10, 3)), axes = c(2, 3)), c(NA, 5, 10))
  expect_tensor_shape(layer_dot(keras_input(shape = 4), keras_input(shape = 4), axes = 2), c(NA, 1))
  expect_equal(get_config(layer_dot(axes = c(2, 3), normalize = TRUE))[c("axes", "normalize")],
               list(axes = c(1L, 2L), normalize = TRUE))
})

test_that("merge masks follow Keras: kept where any input keeps, only if every input has a mask", {
  emb <- layer_embedding(input_dim = 4, output_dim = 2, mask_zero = TRUE, embeddings_initializer = "ones")
  e1 <- emb(matrix(c(1L, 0L, 2L, 0L), 2))   # ids by row: (1, 2) and (0, 0)
  e2 <- emb(matrix(c(1L, 1L, 0L, 0L), 2))   # ids by row: (1, 0) and (1, 0)
  m1 <- matrix(c(1, 0, 2, 0), 2) != 0; m2 <- matrix(c(1, 1, 0, 0), 2) != 0
  for (f in list(layer_add, layer_subtract, layer_average, layer_maximum, layer_minimum, layer_multiply)) {
    expect_equal(tensor_mask(f(list(e1, e2))), m1 | m2)
  }
  expect_null(tensor_mask(layer_add(list(e1, array(1, c(2, 2, 2))))))
  expect_null(tensor_mask(layer_dot(list(e1, e2), axes = 3)))
  # multiply: masked entries count as 1, all-masked entries give 0
  e1x2 <- layer_embedding(input_dim = 4, output_dim = 2, mask_zero = TRUE, embeddings_initializer = initializer_constant(2))(
    matrix(c(1L, 0L, 2L, 0L), 2))
  e2x3 <- layer_embedding(input_dim = 4, output_dim = 2, mask_zero = TRUE, embeddings_initializer = initializer_constant(3))(
    matrix(c(1L, 1L, 0L, 0L), 2))
  prod <- as.array(layer_multiply(list(e1x2, e2x3)))
  expect_equal(prod[1, 1, ], c(6, 6)); expect_equal(prod[1, 2, ], c(2, 2))
  expect_equal(prod[2, 1, ], c(3, 3)); expect_equal(prod[2, 2, ], c(0, 0))
  # maximum / minimum: a masked entry defers to the other input
  mx <- as.array(layer_minimum(list(e1x2, e2x3)))
  expect_equal(mx[1, 2, ], c(2, 2)); expect_equal(mx[2, 1, ], c(3, 3))
  # a functional model passes the merged mask on to an LSTM
  inp1 <- keras_input(shape = 2, dtype = "int32"); inp2 <- keras_input(shape = 2, dtype = "int32")
  emb2 <- layer_embedding(input_dim = 4, output_dim = 3, mask_zero = TRUE)
  h <- layer_add(emb2(inp1), emb2(inp2)) |> layer_lstm(2)
  model <- keras_model(list(inp1, inp2), h)
  expect_equal(dim(predict(model, list(matrix(c(1L, 0L, 2L, 0L), 2), matrix(c(1L, 1L, 0L, 0L), 2)), verbose = 0)), c(2L, 2L))
})

test_that("merge layer gradients match finite differences", {
  set.seed(2)
  a <- matrix(rnorm(6), 2); b <- matrix(rnorm(6), 2); c3 <- matrix(rnorm(6), 2)
  expect_grad(function(x, y, z) layer_add(list(x, y, z)), a, b, c3)
  expect_grad(function(x, y) layer_subtract(list(x, y)), a, b)
  expect_grad(function(x, y, z) layer_multiply(list(x, y, z)), a, b, c3)
  expect_grad(function(x, y) layer_average(list(x, y)), a, b)
  expect_grad(function(x, y) layer_maximum(list(x, y)), a, b)
  expect_grad(function(x, y) layer_minimum(list(x, y)), a, b)
  expect_grad(function(x, y) layer_dot(list(x, y), axes = 2, normalize = TRUE), a, b)
  expect_grad(function(x, y) layer_dot(list(x, y), axes = c(3, 2)), array(rnorm(12), c(2, 3, 2)), array(rnorm(8), c(2, 2, 2)))
})

test_that("merge layers: symbolic shapes, summary rows, config and errors", {
  i1 <- keras_input(shape = c(5, 4), name = "a"); i2 <- keras_input(shape = c(5, 4), name = "b")
  s <- layer_add(i1, i2, name = "residual")
  expect_tensor_shape(s, c(NA, 5, 4))
  expect_tensor_shape(layer_multiply(i1, keras_input(shape = c(1, 4))), c(NA, 5, 4))
  expect_tensor_shape(layer_add(i1, keras_input(shape = 4)), c(NA, 5, 4))
  model <- keras_model(list(i1, i2), s, name = "residual_sum")
  expect_snapshot(summary(model))
  expect_equal(get_config(layer_add(name = "s")), structure(list(name = "s", trainable = TRUE, dtype = "float32"),
                                                             `__class__` = attr(layer_add, "r6_class")))
  expect_s3_class(from_config(get_config(layer_maximum())), "keras.src.layers.merging.maximum.Maximum")
  a <- matrix(1, 2, 2)
  expect_error(layer_subtract(a, a, a), class = "recurrent_error_argument")
  expect_snapshot(layer_subtract(a, a, a), error = TRUE)
  expect_tensor_equal(layer_add(a), a)   # one input: nothing to merge, as in Keras
  expect_error(layer_add(list(a, matrix(1, 2, 3))), class = "recurrent_error")
  expect_error(layer_add(i1, keras_input(shape = c(5, 3))), class = "recurrent_error")
  expect_error(layer_dot(a, a), class = "recurrent_error_argument")
  expect_error(layer_dot(a, a, axes = 1), class = "recurrent_error_argument")
  expect_error(layer_dot(a, matrix(1, 2, 3), axes = 2), class = "recurrent_error")
  expect_error(layer_dot(a, a, a, axes = 2), class = "recurrent_error")
})
