# Inputs checked against what layers and models were built or declared for; masks;
# integer arguments and allocation sizes; zero timesteps; integer inputs; the
# interrupt message.

rand3 <- function(b, t, f, seed = 1) withr::with_seed(seed, array(runif(b * t * f, -1, 1), c(b, t, f)))

# ---- masks ---------------------------------------------------------------------------

test_that("an NA in a mask is an error naming `mask`", {
  x <- rand3(2, 3, 2)
  m <- matrix(TRUE, 2, 3)
  m[2, 2] <- NA
  expect_error(layer_lstm(units = 2)(x, mask = m), "`mask` must not contain `NA`", class = "recurrent_error_argument")
  expect_error(layer_rnn(cell = rnn_cell_minimal(units = 2))(x, mask = m), "`mask`", class = "recurrent_error")
  expect_error(layer_time_distributed(layer = layer_dense(units = 2))(x, mask = m), "`mask`", class = "recurrent_error")
  # NaN in a float mask tensor too
  mt <- as_tensor(matrix(c(1, NaN, 1, 0, 1, 1), 2), "float32")
  expect_error(layer_gru(units = 2)(x, mask = mt), "`mask`", class = "recurrent_error")
})

test_that("a numeric 0/1 mask (array or tensor) acts as the logical mask, as Keras casts it", {
  x <- rand3(2, 4, 3)
  m <- matrix(c(TRUE, TRUE, FALSE, TRUE, TRUE, FALSE, TRUE, TRUE), 2)
  layer <- layer_lstm(units = 2, return_sequences = TRUE)
  y <- as.array(layer(x, mask = m))
  w <- get_weights(layer)
  ref <- ref_lstm(x, w[[1]], w[[2]], w[[3]], mask = m, return_sequences = TRUE)[[1]]
  expect_equal(y, ref, tolerance = 1e-5)
  expect_equal(as.array(layer(x, mask = m + 0)), ref, tolerance = 1e-5)
  expect_equal(as.array(layer(x, mask = as_tensor(m + 0, "float32"))), ref, tolerance = 1e-5)
  expect_equal(as.array(layer(x, mask = as_tensor(m + 0L))), ref, tolerance = 1e-5)
})

test_that("a mask of the wrong shape is an error for every layer that gets one", {
  x <- rand3(2, 4, 3)
  bad <- matrix(TRUE, 3, 4)
  expect_error(layer_lstm(units = 2)(x, mask = bad), "must have shape \\(2, 4\\)", class = "recurrent_error")
  expect_error(layer_time_distributed(layer = layer_dense(units = 2))(x, mask = bad),
               "`mask` must have shape \\(2, 4\\)", class = "recurrent_error_shape")
  expect_error(layer_time_distributed(layer = layer_dense(units = 2))(x, mask = matrix(TRUE, 2, 5)),
               "`mask`", class = "recurrent_error_shape")
  expect_error(layer_dense(units = 2)(x, mask = bad), "`mask`", class = "recurrent_error_shape")
  expect_error(layer_bidirectional(layer = layer_gru(units = 2))(x, mask = bad), "`mask`", class = "recurrent_error")
})

test_that("no mask warning where no layer made a mask; the warning stays where one did", {
  Doubler <- Layer("Doubler", call = function(inputs) inputs * 2)
  x <- array(1, c(2, 4, 1))
  model <- keras_model_sequential(input_shape = c(4, 1)) |>
    layer_lstm(units = 3, return_sequences = TRUE) |>
    Doubler()
  expect_no_warning(y <- model(x))
  expect_equal(dim(y), c(2, 4, 3))
  inp <- keras_input(shape = c(4, 1))
  expect_no_warning(out <- inp |> layer_gru(units = 2, return_sequences = TRUE) |> Doubler())
  # layer_masking() makes a mask: a layer that cannot take it warns, as in Keras
  expect_warning(keras_model_sequential(input_shape = c(4, 1)) |> layer_masking() |> Doubler(),
                 "mask attached")
})

# ---- shapes ---------------------------------------------------------------------------

test_that("a built layer given another feature count says so", {
  lstm <- layer_lstm(units = 3)
  lstm(rand3(2, 5, 2))
  expect_error(lstm(rand3(2, 5, 3)), "built for 2 features \\(the last axis of `sequences`\\), got 3",
               class = "recurrent_error_shape")
  expect_error(lstm(rand3(2, 5, 3)), "has shape \\(2, 5, 3\\)")
  # more timesteps and another batch size are fine for a non-stateful layer
  expect_equal(dim(lstm(rand3(4, 7, 2))), c(4, 3))
  dense <- layer_dense(units = 2)
  dense(matrix(1, 3, 4))
  expect_error(dense(matrix(1, 3, 5)), "built for 4 features \\(the last axis of `inputs`\\), got 5",
               class = "recurrent_error_shape")
  expect_equal(dim(dense(array(1, c(2, 3, 4)))), c(2, 3, 2))   # any rank with the same last axis
  rnn <- layer_rnn(cell = rnn_cell_minimal(units = 2))
  rnn(rand3(1, 2, 3))
  expect_error(rnn(rand3(1, 2, 4)), "built for 3 features", class = "recurrent_error_shape")
  bi <- layer_bidirectional(layer = layer_gru(units = 2))
  bi(rand3(1, 2, 3))
  expect_error(bi(rand3(1, 2, 1)), "built for 3 features", class = "recurrent_error_shape")
  td <- layer_time_distributed(layer = layer_dense(units = 2))
  td(rand3(1, 2, 3))
  expect_error(td(rand3(1, 2, 5)), "built for 3 features", class = "recurrent_error_shape")
  # a symbolic call checks too
  expect_error(lstm(keras_input(shape = c(NA, 4))), "built for 2 features", class = "recurrent_error_shape")
})

test_that("a model's declared input shape is enforced in fit, evaluate, predict and train_on_batch", {
  model <- keras_model_sequential(input_shape = c(24, 1)) |> layer_lstm(units = 3) |> layer_dense(1)
  compile(model, loss = "mse")
  short <- array(runif(5 * 12), c(5, 12, 1))
  wide <- array(runif(5 * 24 * 2), c(5, 24, 2))
  y <- matrix(runif(5), 5)
  msg <- "`x` does not match the input of model .*: expected shape \\(None, 24, 1\\) \\(batch first\\), got \\(5, 12, 1\\)"
  expect_error(fit(model, short, y, verbose = 0), msg, class = "recurrent_error_shape")
  expect_error(fit(model, short, y, verbose = 0), "Expected timesteps \\(axis 2\\): 24; `x` has 12")
  expect_error(evaluate(model, short, y, verbose = 0), msg, class = "recurrent_error_shape")
  expect_error(predict(model, short, verbose = 0), msg, class = "recurrent_error_shape")
  expect_error(train_on_batch(model, short, y), msg, class = "recurrent_error_shape")
  expect_error(test_on_batch(model, short, y), msg, class = "recurrent_error_shape")
  expect_error(predict(model, wide, verbose = 0), "Expected features \\(last axis\\): 1; `x` has 2",
               class = "recurrent_error_shape")
  good <- array(runif(5 * 24), c(5, 24, 1))
  expect_error(fit(model, good, y, validation_data = list(short, y), verbose = 0), "`validation_data`",
               class = "recurrent_error_shape")
  # a direct call checks the same, batch size included when declared
  expect_error(model(short), "expected shape \\(None, 24, 1\\)", class = "recurrent_error_shape")
  # a missing trailing axis of size 1 is added, as Keras does
  expect_equal(predict(model, array(good, c(5, 24)), verbose = 0), predict(model, good, verbose = 0))
  # nothing trained on the bad calls
  fixed <- keras_model_sequential(input_batch_shape = c(2, 3, 1)) |> layer_dense(1)
  expect_error(fixed(array(1, c(4, 3, 1))), "Expected batch size: 2", class = "recurrent_error_shape")
})

test_that("each input of a functional model is checked and named", {
  a <- keras_input(shape = c(5, 2), name = "seq")
  b <- keras_input(shape = 3, name = "side")
  out <- layer_concatenate(list(layer_gru(a, units = 2), layer_dense(b, units = 2))) |> layer_dense(1)
  model <- keras_model(list(seq = a, side = b), out)
  compile(model, loss = "mse")
  xa <- array(1, c(4, 5, 2))
  xb <- matrix(1, 4, 3)
  expect_equal(dim(predict(model, list(seq = xa, side = xb), verbose = 0)), c(4, 1))
  expect_error(predict(model, list(seq = xa, side = matrix(1, 4, 4)), verbose = 0),
               "`x\\$side` does not match .*expected shape \\(None, 3\\)", class = "recurrent_error_shape")
  expect_error(predict(model, list(xa[, 1:3, , drop = FALSE], xb), verbose = 0), "`x\\[\\[1\\]\\]`",
               class = "recurrent_error_shape")
})

# ---- arguments and sizes ---------------------------------------------------------------

test_that("integer arguments are checked before coercion, and absurd sizes fail fast", {
  for (u in list(1e10, 2.5, NA, Inf, -3, "3")) {
    expect_no_warning(expect_error(layer_lstm(units = u), "`units`", class = "recurrent_error_argument"))
  }
  expect_no_warning(expect_error(layer_lstm(units = 2^29), "`units` is too large: the recurrent kernel of shape",
                                 class = "recurrent_error_size"))
  expect_no_warning(expect_error(layer_gru(units = 2147483647), "`units` is too large", class = "recurrent_error_size"))
  expect_no_warning(expect_error(rnn_cell_simple(units = 1e6), "`units` is too large", class = "recurrent_error_size"))
  # the size check follows options(recurrent.max_array_size)
  withr::with_options(list(recurrent.max_array_size = 100), {
    expect_error(layer_dense(units = 30)(matrix(1, 1, 4)), "`units` is too large: the kernel of shape \\(4, 30\\)",
                 class = "recurrent_error_size")
    expect_error(layer_embedding(input_dim = 1000, output_dim = 2), "`input_dim` is too large",
                 class = "recurrent_error_size")
  })
  expect_equal(recurrent:::check_count(5, "n"), 5L)
  expect_error(recurrent:::check_count(11, "n", max = 10), "`n` must be at most 10")
  model <- keras_model_sequential(input_shape = 2) |> layer_dense(1)
  compile(model, loss = "mse")
  x <- matrix(1, 4, 2)
  expect_no_warning(expect_error(fit(model, x, x[, 1], epochs = 1e10, verbose = 0), "`epochs`"))
  expect_error(fit(model, x, x[, 1], batch_size = 2.5, verbose = 0), "`batch_size`")
  expect_error(predict(model, x, batch_size = 0, verbose = 0), "`batch_size`")
})

test_that("zero timesteps are the same clear error for built-in and R cells", {
  x0 <- array(0, c(2, 0, 3))
  msg <- "`sequences` given to layer .* must have at least one timestep"
  expect_error(layer_lstm(units = 2)(x0), msg, class = "recurrent_error_shape")
  expect_error(layer_rnn(cell = rnn_cell_gru(2))(x0), msg, class = "recurrent_error_shape")
  expect_error(layer_rnn(cell = rnn_cell_minimal(units = 2))(x0), msg, class = "recurrent_error_shape")
  expect_error(layer_rnn(cell = rnn_cell_minimal(units = 2))(x0), "Got shape \\(2, 0, 3\\)")
  expect_error(layer_bidirectional(layer = layer_gru(units = 2))(x0), msg, class = "recurrent_error_shape")
})

test_that("integer and logical sequences compute in the layer's dtype, for built-in and R cells", {
  xi <- array(c(1L, 0L, -1L, 2L, 1L, 0L, 1L, 1L, 0L, -2L, 1L, 0L), c(2, 3, 2))
  lstm <- layer_lstm(units = 2)
  y <- lstm(xi)
  expect_equal(recurrent:::cpp_dtype(y), "float32")
  w <- get_weights(lstm)
  expect_equal(as.array(y), ref_lstm(xi + 0, w[[1]], w[[2]], w[[3]])[[1]], tolerance = 1e-5)
  xl <- xi > 0
  rnn <- layer_rnn(cell = rnn_cell_minimal(units = 2))
  yl <- rnn(xl)
  wl <- get_weights(rnn)
  expect_equal(as.array(yl), ref_minimal_rnn(xl + 0, wl[[1]], wl[[2]])$output, tolerance = 1e-5)
  expect_equal(as.array(lstm(xl)), ref_lstm(xl + 0, w[[1]], w[[2]], w[[3]])[[1]], tolerance = 1e-5)
})

test_that("a layer needing real weights refuses an integer dtype, naming `dtype`", {
  expect_error(layer_lstm(units = 2, dtype = "int32"), "`dtype` of layer .* must be \"float32\" or \"float64\"",
               class = "recurrent_error_argument")
  expect_error(layer_dense(units = 2, dtype = "bool"), "`dtype`", class = "recurrent_error_argument")
  expect_error(layer_layer_normalization(dtype = "int32"), "`dtype`", class = "recurrent_error_argument")
})

test_that("embedding ids outside 0..input_dim-1 are an error naming `inputs`", {
  emb <- layer_embedding(input_dim = 3, output_dim = 2)
  expect_error(emb(matrix(c(0L, 3L), 1)), "`inputs` of embedding layer .* must be ids from 0 to 2",
               class = "recurrent_error_argument")
  expect_error(emb(matrix(c(0, -1), 1)), "Got ids from -1 to 0", class = "recurrent_error_argument")
  expect_error(emb(matrix(c(0, NA), 1)), "`inputs`", class = "recurrent_error")
  # float ids are truncated as Keras casts them
  e <- get_weights(emb)[[1]]
  expect_equal(as.array(emb(matrix(c(0, 1.7), 1))), array(e[c(1, 2), ], c(1, 2, 2)))
})

test_that("layer_masking() checks mask_value", {
  expect_error(layer_masking(mask_value = "a"), "`mask_value`", class = "recurrent_error_argument")
  expect_error(layer_masking(mask_value = NA), "`mask_value`", class = "recurrent_error_argument")
})

# ---- interrupts --------------------------------------------------------------------------

test_that("an interrupt before the first batch of an epoch reports 0 batches of it", {
  model <- keras_model_sequential(input_shape = 2) |> layer_dense(1)
  compile(model, optimizer = "sgd", loss = "mse")
  x <- matrix(runif(32), 16, 2)
  y <- x[, 1]
  cb <- callback_lambda(on_epoch_begin = function(epoch, logs) if (epoch == 2) rlang::interrupt())
  expect_message(h <- fit(model, x, y, epochs = 3, batch_size = 4, callbacks = list(cb), verbose = 0),
                 "interrupted in epoch 2 after 0 batches of that epoch")
  expect_length(h$metrics$loss, 1)
  cb2 <- callback_lambda(on_train_batch_end = function(batch, logs) if (batch == 3) rlang::interrupt())
  expect_message(fit(model, x, y, epochs = 2, batch_size = 4, callbacks = list(cb2), verbose = 0),
                 "interrupted in epoch 1 after 3 batches of that epoch")
})
