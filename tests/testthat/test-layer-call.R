# The call machinery: conversion, training, masks.

test_that("R doubles become the layer's float dtype, integers stay integers", {
  seen <- NULL
  probe <- Layer("Probe", call = function(inputs) {
    seen <<- recurrent:::cpp_dtype(inputs)
    inputs
  })()
  probe(matrix(1.5, 2, 2)); expect_identical(seen, "float32")
  probe(matrix(1L, 2, 2)); expect_identical(seen, "int32")
  probe(matrix(TRUE, 2, 2)); expect_identical(seen, "bool")
  probe(op_convert_to_tensor(matrix(1, 2, 2), dtype = "float64")); expect_identical(seen, "float32")
  p64 <- Layer("Probe64", call = function(inputs) {
    seen <<- recurrent:::cpp_dtype(inputs)
    inputs
  })(dtype = "float64")
  p64(matrix(1, 2, 2)); expect_identical(seen, "float64")
})

test_that("training is passed only when call() declares it, and flows to inner layers", {
  got <- list()
  t_layer <- Layer("T", call = function(inputs, training = NULL) {
    got[[length(got) + 1]] <<- training
    inputs
  })
  plain <- Layer("Plain", call = function(inputs, ...) {
    got[[length(got) + 1]] <<- list(...)$training
    inputs
  })
  t1 <- t_layer()
  t1(1); t1(1, training = TRUE)
  expect_identical(got, list(FALSE, TRUE))
  got <- list()
  wrapper <- Layer("Wrap", initialize = function(...) {
    super$initialize(...)
    self$inner <- t_layer()
  }, call = function(inputs) self$inner(inputs))()
  wrapper(1, training = TRUE)
  wrapper(1)
  expect_identical(got, list(TRUE, FALSE))
  # like Keras, `training` only reaches a call() that declares it
  got <- list()
  plain()(1, training = TRUE)
  expect_length(got, 0)
})

test_that("dropout follows training inside sequential and functional models", {
  set.seed(1)
  model <- keras_model_sequential(input_shape = 100) |> layer_dropout(0.5)
  x <- matrix(1, 4, 100)
  expect_tensor_equal(model(x), x)
  y <- as.array(model(x, training = TRUE))
  expect_true(all(y %in% c(0, 2)))
  expect_true(any(y == 0))
  inp <- keras_input(shape = 100)
  fm <- keras_model(inp, layer_dropout(inp, 0.5))
  expect_tensor_equal(fm(x), x)
  expect_true(any(as.array(fm(x, training = TRUE)) == 0))
  expect_equal(predict(fm, x), x, ignore_attr = TRUE)
})

test_that("masks ride on tensors: embedding -> dense -> custom layer", {
  ids <- matrix(c(1L, 2L, 0L, 3L, 0L, 0L), 2, byrow = TRUE)
  keep <- ids != 0
  emb <- layer_embedding(input_dim = 5, output_dim = 2, mask_zero = TRUE)
  e <- emb(ids)
  expect_identical(tensor_mask(e), keep)
  d <- layer_dense(e, 3)
  expect_identical(tensor_mask(d), keep)
  received <- NULL
  user <- Layer("UsesMask", call = function(inputs, mask = NULL) {
    received <<- if (is.null(mask)) NULL else as.array(mask)
    inputs
  }, supports_masking = TRUE)()
  u <- user(d)
  expect_identical(received, keep)
  expect_identical(tensor_mask(u), keep)
  # the input tensor's own handle is not modified by attaching masks downstream
  expect_identical(tensor_mask(e), keep)
})

test_that("an explicit mask argument wins, and compute_mask() can change it", {
  received <- NULL
  rev_mask <- Layer("RevMask",
    call = function(inputs, mask = NULL) {
      received <<- as.array(mask)
      inputs
    },
    compute_mask = function(inputs, mask = NULL) op_logical_not(mask)
  )()
  x <- array(1, c(1, 3, 2))
  m <- matrix(c(TRUE, FALSE, TRUE), 1)
  y <- rev_mask(x, mask = m)
  expect_identical(received, m)
  expect_identical(tensor_mask(y), !m)
})

test_that("a layer that does not support masking warns once and drops the mask", {
  emb <- layer_embedding(input_dim = 5, output_dim = 2, mask_zero = TRUE)
  e <- emb(matrix(c(1L, 0L), 1))
  fl <- layer_flatten()
  expect_warning(out <- fl(e), "does not support masking and will therefore destroy the mask information")
  expect_null(tensor_mask(out))
  expect_no_warning(fl(e))
})

test_that("masks flow through sequential and functional models", {
  x <- array(0, c(2, 4, 3))
  x[1, 1:2, ] <- 1
  x[2, 1:3, ] <- 2
  keep <- rbind(c(TRUE, TRUE, FALSE, FALSE), c(TRUE, TRUE, TRUE, FALSE))
  received <- NULL
  probe <- Layer("Probe", call = function(inputs, mask = NULL) {
    received <<- if (is.null(mask)) NULL else as.array(mask)
    inputs
  }, supports_masking = TRUE)
  seq_model <- keras_model_sequential(input_shape = c(4, 3)) |>
    layer_masking(mask_value = 0) |> layer_dense(2) |> probe()
  out <- seq_model(x)
  expect_identical(received, keep)
  expect_identical(tensor_mask(out), keep)
  received <- NULL
  inp <- keras_input(shape = c(NA, 3))
  outs <- inp |> layer_masking() |> layer_dense(2) |> probe()
  fm <- keras_model(inp, outs)
  received <- NULL
  fm(x)
  expect_identical(received, keep)
  # unbuilt sequential model
  received <- NULL
  lazy <- keras_model_sequential() |> layer_masking() |> probe()
  lazy(x)
  expect_identical(received, keep)
})

test_that("extra named call arguments reach call()", {
  got <- NULL
  two <- Layer("TwoArgs", call = function(inputs, scale = 1, offset = NULL) {
    got <<- list(scale, offset)
    op_multiply(inputs, scale)
  })()
  y <- two(matrix(1, 1, 2), scale = 3, offset = "o")
  expect_identical(got, list(3, "o"))
  expect_tensor_equal(y, c(3, 3))
})
