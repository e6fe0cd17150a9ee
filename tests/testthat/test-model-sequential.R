test_that("keras_model_sequential() with an input shape builds every layer at once", {
  model <- keras_model_sequential(input_shape = c(10, 8), name = "seq")
  expect_s3_class(model, "recurrent_sequential")
  expect_s3_class(model, "keras.src.models.sequential.Sequential")
  expect_s3_class(model, "keras.src.models.model.Model")
  model |> layer_dense(16, activation = "relu") |> layer_dense(1)
  expect_length(model$layers, 2)
  expect_true(model$layers[[1]]$built)
  expect_tensor_shape(model$output, c(NA, 10, 1))
  expect_tensor_shape(model$input, c(NA, 10, 8))
  expect_identical(model$name, "seq")
  expect_identical(count_params(model), 8L * 16L + 16L + 16L + 1L)
  y <- model(array(1, c(3, 10, 8)))
  expect_tensor_shape(y, c(3, 10, 1))
})

test_that("a sequential model without input builds on its first call", {
  model <- keras_model_sequential() |> layer_dense(3)
  expect_false(model$built)
  expect_false(model$layers[[1]]$built)
  y <- model(matrix(1, 4, 5))
  expect_tensor_shape(y, c(4, 3))
  expect_true(model$built)
  expect_tensor_shape(model$output, c(NA, 3))
})

test_that("legacy input arguments and a first layer's input_shape give the input", {
  m1 <- keras_model_sequential(input_shape = c(10, 16), batch_size = 32)
  expect_identical(m1$input$shape, list(32L, 10L, 16L))
  m2 <- keras_model_sequential(input_batch_shape = c(4, NA, 3))
  expect_identical(m2$input$shape, list(4L, NULL, 3L))
  m3 <- keras_model_sequential() |> layer_dense(32, input_shape = c(784))
  expect_identical(m3$input$shape, list(NULL, 784L))
  m4 <- keras_model_sequential(layers = list(layer_dense(units = 2, input_dim = 3), layer_dense(units = 1)))
  expect_length(m4$layers, 2)
  expect_tensor_shape(m4$output, c(NA, 1))
  expect_error(keras_model_sequential(list(layer_dense(units = 1))), "named argument")
  expect_error(keras_model_sequential(input_shape = 3, foo = 1), class = "recurrent_error_argument")
  expect_error(keras_model_sequential(input_shape = 3, 1), class = "recurrent_error_argument")
  expect_error(keras_model_sequential(input_batch_size = 3), class = "recurrent_error_argument")
})

test_that("a static batch size reaches build()", {
  seen <- NULL
  probe <- Layer("Probe", build = function(input_shape) seen <<- input_shape, call = function(inputs) inputs)
  keras_model_sequential(input_shape = c(10, 16), input_batch_size = 32) |> probe()
  expect_identical(seen, list(32L, 10L, 16L))
})

test_that("adding, popping and naming layers", {
  model <- keras_model_sequential(input_shape = 3)
  d <- layer_dense(units = 2, name = "same")
  model |> d()
  expect_error(model |> layer_dense(2, name = "same"), "distinct names")
  expect_length(model$layers, 1)
  expect_error(model$add(3), class = "recurrent_error_argument")
  # a layer that cannot take the current output is not kept
  expect_error(model |> layer_repeat_vector(2) |> layer_repeat_vector(2))
  n <- length(model$layers)
  res <- withVisible(pop_layer(model))
  expect_false(res$visible)
  expect_length(model$layers, n - 1)
  while (length(model$layers)) pop_layer(model)
  expect_error(pop_layer(model), class = "recurrent_error_argument")
  expect_error(pop_layer(keras_model(keras_input(shape = 1), keras_input(shape = 1))))
})

test_that("an existing instance and Layer() constructors can be added", {
  model <- keras_model_sequential(input_shape = shape(NULL, 28))
  lstm_like <- layer_dense(units = 4)
  model %>% lstm_like() %>% layer_dense(10)
  expect_length(model$layers, 2)
  expect_tensor_shape(model$output, c(NA, NA, 10))
  times <- Layer("Times", initialize = function(x, ...) {
    super$initialize(...)
    self$x <- x
  }, call = function(inputs) op_multiply(inputs, self$x))
  m <- keras_model_sequential(input_shape = 1) |> times(2)
  expect_equal(predict(m, matrix(1:5)), matrix(1:5) * 2)
})

test_that("a sequential model's config rebuilds an equivalent model", {
  model <- keras_model_sequential(input_shape = c(4, 3), name = "orig") |>
    layer_dense(5, activation = "relu", name = "h") |> layer_dense(2, name = "o")
  cfg <- get_config(model)
  # Keras's layout: the input layer first, then the layers
  expect_identical(cfg$layers[[1]]$class_name, "InputLayer")
  expect_identical(cfg$layers[[2]]$class_name, "Dense")
  expect_identical(cfg$layers[[2]]$config$units, 5L)
  cfg$name <- "copy"
  cfg$layers[[2]]$config$name <- "h2"
  cfg$layers[[3]]$config$name <- "o2"
  copy <- from_config(cfg)
  expect_s3_class(copy, "recurrent_sequential")
  expect_identical(copy$name, "copy")
  expect_identical(vapply(copy$layers, function(l) l$name, ""), c("h2", "o2"))
  expect_identical(copy$input$shape, list(NULL, 4L, 3L))
  set_weights(copy, get_weights(model))
  x <- array(runif(24), c(2, 4, 3))
  expect_equal(predict(copy, x), predict(model, x))
})
