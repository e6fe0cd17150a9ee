test_that("pooling layers match the plain-R pooling", {
  x <- array(c(1, 5, 2, 4, 3, 0), c(1, 6, 1))
  expect_equal(as.vector(as.array(layer_max_pooling_1d(x))), c(5, 4, 3))
  expect_equal(as.vector(as.array(layer_average_pooling_1d(x, pool_size = 3))), c(8 / 3, 7 / 3), tolerance = 1e-6)
  set.seed(1)
  x2 <- array(rnorm(2 * 5 * 4 * 3), c(2, 5, 4, 3))
  expect_equal(as.array(layer_max_pooling_2d(x2, padding = "same")), ref_pool(x2, 2, padding = "same"),
               tolerance = 1e-6)
  expect_equal(as.array(layer_average_pooling_2d(x2, pool_size = c(3, 2), strides = 1)),
               ref_pool(x2, c(3, 2), strides = 1, fn = mean), tolerance = 1e-6)
  x3 <- array(rnorm(1 * 4 * 4 * 4 * 2), c(1, 4, 4, 4, 2))
  expect_equal(as.array(layer_max_pooling_3d(x3)), ref_pool(x3, 2), tolerance = 1e-6)
  expect_equal(as.array(layer_average_pooling_3d(x3, pool_size = 2)), ref_pool(x3, 2, fn = mean), tolerance = 1e-6)
  xf <- aperm(x2, c(1, 4, 2, 3))
  expect_equal(as.array(layer_max_pooling_2d(xf, data_format = "channels_first")),
               aperm(ref_pool(x2, 2), c(1, 4, 2, 3)), tolerance = 1e-6)
})

test_that("global pooling reduces the steps; the 1-D average leaves masked steps out", {
  x <- array(1:12, c(1, 4, 3))     # steps (1,2,3,4), (5,...), ...
  expect_equal(as.vector(as.array(layer_global_max_pooling_1d(x))), c(4, 8, 12))
  gap <- layer_global_average_pooling_1d()
  expect_equal(as.vector(as.array(gap(x))), c(2.5, 6.5, 10.5))
  expect_equal(as.vector(as.array(gap(x, mask = matrix(c(TRUE, TRUE, FALSE, FALSE), 1)))), c(1.5, 5.5, 9.5))
  expect_equal(dim(layer_global_average_pooling_1d(x, keepdims = TRUE)), c(1L, 1L, 3L))
  x2 <- array(1:24, c(1, 2, 4, 3))
  expect_equal(as.vector(as.array(layer_global_max_pooling_2d(x2))), apply(x2, 4, max))
  expect_equal(as.vector(as.array(layer_global_average_pooling_2d(x2))), apply(x2, 4, mean))
  expect_equal(dim(layer_global_max_pooling_3d(array(0, c(2, 2, 2, 2, 5)))), c(2L, 5L))
  # a mask made by an embedding reaches the pooling in a model
  inp <- keras_input(4, dtype = "int32")
  out <- inp |> layer_embedding(5, 2, mask_zero = TRUE, embeddings_initializer = "ones") |>
    layer_global_average_pooling_1d()
  m <- keras_model(inp, out)
  emb <- get_weights(m)[[1]]
  emb[] <- c(0, 1, 2, 3, 4, 0, 10, 20, 30, 40)
  set_weights(m, list(emb))
  expect_equal(as.vector(predict(m, matrix(c(1, 3, 0, 0), 1), verbose = 0)), c(2, 20))
})

test_that("pooling gradients match finite differences", {
  x <- array(sample(30) / 7, c(1, 5, 6, 1))
  expect_layer_grads(layer_max_pooling_2d(pool_size = 2, strides = 1, padding = "same"), x)
  expect_layer_grads(layer_average_pooling_2d(pool_size = 3, padding = "same"), x)
  x1 <- array(sample(12) / 5, c(2, 3, 2))
  expect_layer_grads(layer_global_max_pooling_1d(), x1)
  expect_layer_grads(layer_global_average_pooling_1d(), x1)
})

test_that("pooling layers give Keras's shapes, names and configs", {
  m <- keras_model_sequential(input_shape = c(NA, 4)) |> layer_max_pooling_1d() |>
    layer_global_average_pooling_1d()
  expect_equal(m$count_params(), 0)
  inp <- keras_input(c(9, 2))
  expect_equal(dim(layer_max_pooling_1d(inp, 2)), c(NA, 4L, 2L))
  expect_equal(dim(layer_max_pooling_1d(inp, 2, padding = "same")), c(NA, 5L, 2L))
  expect_equal(dim(layer_average_pooling_1d(inp, 3, strides = 1)), c(NA, 7L, 2L))
  l <- layer_max_pooling_1d()
  expect_s3_class(recurrent:::unwrap_layer(l), "MaxPooling1D")
  expect_match(l$name, "^max_pooling1d")
  expect_equal(get_config(l)[c("pool_size", "padding", "strides", "data_format")],
               list(pool_size = list(2L), padding = "valid", strides = list(2L), data_format = "channels_last"))
  expect_equal(get_config(layer_global_max_pooling_2d())[c("data_format", "keepdims")],
               list(data_format = "channels_last", keepdims = FALSE))
})

test_that("pooling layers reject bad arguments with errors naming them", {
  expect_error(layer_average_pooling_1d(), class = "recurrent_error", regexp = "pool_size")
  expect_error(layer_max_pooling_1d(pool_size = 0), class = "recurrent_error", regexp = "pool_size")
  expect_error(layer_max_pooling_2d(padding = "causal"), class = "recurrent_error", regexp = "padding")
  expect_error(layer_max_pooling_1d(array(0, c(1, 3, 3, 1))), class = "recurrent_error", regexp = "3-D")
  expect_error(layer_global_average_pooling_1d(keepdims = NA), class = "recurrent_error", regexp = "keepdims")
  expect_error(layer_max_pooling_1d(array(0, c(1, 1, 2)), pool_size = 3), class = "recurrent_error")
})

test_that("zero padding, cropping and upsampling reshape the steps", {
  x <- array(1:6, c(1, 3, 2))
  expect_equal(as.array(layer_zero_padding_1d(x, padding = c(1, 2)))[1, , ],
               rbind(0, cbind(1:3, 4:6), 0, 0), ignore_attr = TRUE)
  expect_equal(as.array(layer_cropping_1d(x, cropping = c(1, 0)))[1, , ], cbind(2:3, 5:6), ignore_attr = TRUE)
  expect_equal(as.array(layer_upsampling_1d(x, size = 2))[1, , ], cbind(rep(1:3, each = 2), rep(4:6, each = 2)),
               ignore_attr = TRUE)
  inp <- keras_input(c(NA, 3))
  expect_equal(dim(layer_zero_padding_1d(inp, 2)), c(NA, NA, 3L))
  expect_equal(dim(layer_upsampling_1d(keras_input(c(4, 3)), 3)), c(NA, 12L, 3L))
  expect_equal(dim(layer_cropping_1d(keras_input(c(4, 3)))), c(NA, 2L, 3L))
  expect_equal(get_config(layer_cropping_1d(cropping = 2))$cropping, list(2L, 2L))
  expect_error(layer_cropping_1d(x, cropping = c(2, 2)), class = "recurrent_error", regexp = "crop")
  expect_error(layer_upsampling_1d(size = 0), class = "recurrent_error", regexp = "size")
  expect_error(layer_zero_padding_1d(padding = -1), class = "recurrent_error", regexp = "padding")
  set.seed(2)
  xr <- array(rnorm(2 * 4 * 2), c(2, 4, 2))
  expect_layer_grads(layer_upsampling_1d(size = 2), xr)
  expect_layer_grads(layer_cropping_1d(cropping = c(1, 1)), xr)
  expect_layer_grads(layer_zero_padding_1d(padding = 1), xr)
})
