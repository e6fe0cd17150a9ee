# Ops on symbolic tensors (keras3's functional API with ops): shapes and dtypes of the
# symbolic results follow Keras's op semantics; the models built through them are
# checked against base R computations on the same inputs.

test_that("operators, comparisons, op_cast and op_*() on symbolic tensors give the right shape and dtype", {
  clear_session()
  x <- keras_input(shape = c(10, 3))
  expect_identical((x + 1)$shape, list(NULL, 10L, 3L))
  expect_identical((x * x)$dtype, "float32")
  expect_identical((-x)$shape, list(NULL, 10L, 3L))
  expect_identical((x > 0)$dtype, "bool")
  expect_identical((x == x)$dtype, "bool")
  expect_identical(op_cast(x, "int32")$dtype, "int32")
  expect_identical(op_reshape(x, c(-1, 30))$shape, list(NULL, 30L))
  expect_identical(op_reshape(x, c(5, 6))$shape, list(5L, 6L))   # Keras: the new shape as given
  expect_identical(op_concatenate(list(x, x * 2), axis = -1)$shape, list(NULL, 10L, 6L))
  expect_identical(op_expand_dims(x, 2)$shape, list(NULL, 1L, 10L, 3L))
  expect_identical(op_mean(x, axis = 2)$shape, list(NULL, 3L))
  expect_identical(op_sum(x, axis = 2, keepdims = TRUE)$shape, list(NULL, 1L, 3L))
  expect_identical(x[, 1, ]$shape, list(NULL, 3L))
  expect_identical(x[, -1, 2:3]$shape, list(NULL, 2L))
  expect_identical(x[, 2:5, ]$shape, list(NULL, 4L, 3L))
  expect_identical(exp(x)$shape, list(NULL, 10L, 3L))
  expect_identical(t(op_mean(x, axis = 1))$shape, list(3L, 10L))
  # an eager tensor (or a variable) on the left of a symbolic one
  expect_identical((op_convert_to_tensor(2) * x)$shape, list(NULL, 10L, 3L))
  v <- layer_dense(units = 3)
  v$build(list(NULL, 3L))
  expect_identical((v$bias + x)$shape, list(NULL, 10L, 3L))
  ids <- keras_input(shape = 5, dtype = "int32")
  oh <- op_one_hot(ids, 7)
  expect_identical(oh$shape, list(NULL, 5L, 7L))
  expect_identical(oh$dtype, "float32")
  # a variable number of timesteps stays unknown
  v <- keras_input(shape = c(NA, 4))
  expect_identical(op_reshape(v, c(-1, 2))$shape, list(NULL, 2L))
  expect_identical(op_mean(v, axis = 2)$shape, list(NULL, 4L))
  expect_identical(op_shape(v), shape(NA, NA, 4))
  # activation functions are ops too
  expect_identical(activation_relu(x)$shape, list(NULL, 10L, 3L))
  expect_identical(activation_softmax(op_mean(x, axis = 2))$shape, list(NULL, 3L))
})

test_that("a functional model through ops predicts what base R computes", {
  clear_session()
  x <- keras_input(shape = c(4, 3))
  y <- op_mean(x, axis = 2) * 2 - x[, 1, ] + op_sum(x[, -1, 2:3], axis = 2, keepdims = TRUE)
  model <- keras_model(x, y)
  set.seed(1)
  a <- array(runif(24), c(2, 4, 3))
  expected <- apply(a, c(1, 3), mean) * 2 - a[, 1, ] + rowSums(a[, 4, 2:3])
  expect_equal(predict(model, a, verbose = 0), expected, tolerance = 1e-6)
  relu_model <- keras_model(x, activation_relu(x - 0.5))
  expect_equal(predict(relu_model, a, verbose = 0), pmax(a - 0.5, 0), tolerance = 1e-6)

  # one-hot of integer ids, cast, comparison
  ids <- keras_input(shape = 3, dtype = "int32")
  oh <- op_one_hot(ids, 4)
  flag <- op_cast(ids > 2L, "float32")
  m2 <- keras_model(ids, list(oh, flag))
  out <- predict(m2, matrix(c(1L, 4L, 2L, 3L, 4L, 1L), 2), verbose = 0)
  idm <- matrix(c(1L, 4L, 2L, 3L, 4L, 1L), 2)
  expected_oh <- array(0, c(2, 3, 4))
  for (i in 1:2) for (j in 1:3) expected_oh[i, j, idm[i, j]] <- 1
  expect_equal(out[[1]], expected_oh)
  expect_equal(out[[2]], (idm > 2) * 1)
})

test_that("ops between layers train, and the summary lists them as operation rows", {
  clear_session()
  inp <- keras_input(shape = c(5, 2))
  h <- inp |> layer_lstm(3, return_sequences = TRUE)
  out <- op_mean(h, axis = 2) |> layer_dense(1)
  model <- keras_model(inp, out)
  set.seed(2)
  a <- array(runif(40), c(4, 5, 2))
  # the op node replays the LSTM output averaged over time (checked against the layers
  # applied by hand)
  lstm <- get_layer(model, index = 2)
  dense <- get_layer(model, index = 4)
  hs <- as.array(lstm(a))
  expect_equal(predict(model, a, verbose = 0), as.array(dense(apply(hs, c(1, 3), mean))), tolerance = 1e-6)
  compile(model, loss = "mse", optimizer = optimizer_sgd(0.1))
  hist <- fit(model, a, matrix(1, 4, 1), epochs = 3, verbose = 0)
  expect_lt(hist$metrics$loss[3], hist$metrics$loss[1])
  txt <- format(model)
  expect_match(txt, "mean (Mean)", fixed = TRUE, all = FALSE)
  expect_identical(model$count_params(), as.integer(4 * (3 * (2 + 3 + 1)) + 3 + 1))
})

test_that("operation nodes describe themselves for serialization", {
  clear_session()
  x <- keras_input(shape = 6)
  y <- op_reshape(x, c(-1, 2, 3))
  model <- keras_model(x, y)
  layer <- get_layer(model, index = 2)
  cfg <- layer$get_config()
  expect_identical(cfg$op, "reshape")
  expect_identical(cfg$args$x, list(slot = 1L))
  expect_equal(cfg$args$newshape, c(-1, 2, 3))
  expect_match(format(model), "reshape (Reshape)", fixed = TRUE, all = FALSE)
  # indexing keeps its index in the config (an empty index is NULL)
  z <- keras_input(shape = c(4, 3))
  m2 <- keras_model(z, z[, 2:3, -1])
  cfg2 <- get_layer(m2, index = 2)$get_config()
  expect_identical(cfg2$op, "get_item")
  expect_identical(cfg2$args$key, list(NULL, 2:3, -1))
})

test_that("`[` on eager tensors indexes like keras3 (1-based, negative from the end)", {
  a <- array(1:24, c(2, 3, 4))
  x <- op_convert_to_tensor(a)
  expect_equal(as.array(x[, 1, ]), a[, 1, ])
  expect_equal(c(as.array(x[2, , -1])), a[2, , 4])
  expect_equal(as.array(x[, 2:3, c(4, 1)]), a[, 2:3, c(4, 1)])
  expect_equal(as.array(x[1, 2, 3]), a[1, 2, 3])
  expect_error(x[, 4, ], class = "recurrent_error")
  expect_error(x[1, 1, 1, 1], class = "recurrent_error")
})

test_that("a masked tensor exposes its mask as `_keras_mask`", {
  emb <- layer_embedding(input_dim = 5, output_dim = 2, mask_zero = TRUE)
  y <- emb(matrix(c(1L, 0L, 2L, 0L), 2))
  expect_equal(as.array(y$`_keras_mask`), matrix(c(TRUE, FALSE, TRUE, FALSE), 2))
  expect_null(op_convert_to_tensor(1)$`_keras_mask`)
})

test_that("a symbolic tensor exposes its mask as a symbolic `_keras_mask` that a model can output", {
  # Keras: a KerasTensor made by a masking layer carries its mask as a KerasTensor
  # (keras/src/layers/layer.py, _set_mask_metadata(); Embedding.compute_mask() is
  # `not_equal(inputs, 0)`, Masking's `any(not_equal(inputs, mask_value), axis=-1)`);
  # an RNN without return_sequences returns no mask (keras/src/layers/rnn/rnn.py).
  ids <- keras_input(shape = 5, dtype = "int32")
  emb <- layer_embedding(ids, input_dim = 10, output_dim = 3, mask_zero = TRUE)
  m <- emb$`_keras_mask`
  expect_s3_class(m, "recurrent_symbolic_tensor")
  expect_identical(m$shape, list(NULL, 5L))
  expect_identical(m$dtype, "bool")
  expect_identical(emb$`_keras_mask`, m)                       # one tensor, made once
  expect_null(ids$`_keras_mask`)
  seq <- layer_lstm(emb, units = 2, return_sequences = TRUE)
  expect_identical(seq$`_keras_mask`$shape, list(NULL, 5L))
  expect_null(layer_lstm(emb, units = 2)$`_keras_mask`)
  expect_null(layer_embedding(ids, input_dim = 10, output_dim = 3)$`_keras_mask`)

  model <- keras_model(ids, list(m, seq$`_keras_mask`))
  x <- rbind(c(4, 2, 0, 0, 0), c(3, 0, 7, 0, 0))
  want <- x != 0
  out <- predict(model, x, verbose = 0)
  expect_identical(out[[1]], want)
  expect_identical(out[[2]], want)
  f <- withr::local_tempfile(fileext = ".keras")
  save_model(model, f)
  expect_identical(predict(load_model(f), x, verbose = 0)[[1]], want)

  feats <- keras_input(shape = c(3, 2))
  masked <- layer_masking(feats, mask_value = -1)
  dense <- layer_dense(masked, units = 4)
  expect_identical(masked$`_keras_mask`$shape, list(NULL, 3L))
  expect_identical(dense$`_keras_mask`$shape, list(NULL, 3L))     # Dense passes the mask on
  a <- array(c(1, -1, 2, 3, -1, -1), c(1, 3, 2))                   # step 2: every feature is -1
  expect_identical(predict(keras_model(feats, dense$`_keras_mask`), a, verbose = 0),
                   matrix(c(TRUE, FALSE, TRUE), 1))
})

test_that("a functional model with op nodes saves and loads with the same predictions", {
  clear_session()
  x <- keras_input(shape = c(4, 2))
  y <- op_mean(layer_lstm(x, 3, return_sequences = TRUE), axis = 2) * 2 + op_sum(x[, 1, ], axis = 2, keepdims = TRUE)
  m <- keras_model(x, y)
  f <- withr::local_tempfile(fileext = ".keras")
  save_model(m, f)
  m2 <- load_model(f)
  set.seed(5)
  a <- array(runif(16), c(2, 4, 2))
  expect_equal(predict(m2, a, verbose = 0), predict(m, a, verbose = 0))
})

test_that("`[` on tensors passes gradients to the entries it picks", {
  set.seed(9)
  a <- array(rnorm(24), c(2, 3, 4))
  expect_grad(function(x) x[, 2:3, -1], a)
  expect_grad(function(x) x[2, c(3, 1, 3), ], a)
})
