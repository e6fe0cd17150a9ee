# keras3's small conventions: negative positions in freeze_weights(), the extra
# random_*() functions, dtype policies, use_backend(), plot(model), input dtypes.

test_that("freeze_weights()/unfreeze_weights() take negative positions from the end", {
  model <- keras_model_sequential(input_shape = 3) |>
    layer_dense(4, name = "a") |> layer_dense(4, name = "b") |> layer_dense(1, name = "c")
  freeze_weights(model, from = -2)            # b and c
  expect_identical(vapply(model$layers, function(l) l$trainable, TRUE), c(TRUE, FALSE, FALSE))
  expect_length(model$trainable_weights, 2)
  unfreeze_weights(model, to = -3)            # a only (already trainable)
  unfreeze_weights(model, from = -2, to = -2)
  expect_identical(vapply(model$layers, function(l) l$trainable, TRUE), c(TRUE, TRUE, FALSE))
  expect_error(freeze_weights(model, from = -4), class = "recurrent_error_argument")
  expect_error(freeze_weights(model, from = 0), class = "recurrent_error_argument")
})

test_that("random_gamma/beta/binomial draw R's distributions under the seed", {
  g <- random_gamma(c(2, 3), alpha = 2, dtype = "float64", seed = 7)
  set.seed(7); ref <- rgamma(6, shape = 2)
  expect_equal(as.array(g), matrix(ref, 2, 3, byrow = TRUE))   # row-major fill
  b <- random_beta(4, alpha = 2, beta = 5, dtype = "float64", seed = 3)
  set.seed(3); expect_equal(as.numeric(as.array(b)), rbeta(4, 2, 5))
  n <- random_binomial(5, counts = 10, probabilities = 0.3, dtype = "float64", seed = 11)
  set.seed(11); expect_equal(as.numeric(as.array(n)), rbinom(5, 10, 0.3))
  # array parameters broadcast to the shape
  g2 <- random_gamma(c(2, 2), alpha = c(1, 50), dtype = "float64", seed = 1)
  set.seed(1); expect_equal(as.array(g2), matrix(rgamma(4, shape = c(1, 50, 1, 50)), 2, 2, byrow = TRUE))
  # moments over many draws: gamma(3) mean 3; beta(2, 6) mean 0.25
  expect_equal(mean(as.array(random_gamma(20000, alpha = 3, seed = 1))), 3, tolerance = 0.03)
  expect_equal(mean(as.array(random_beta(20000, alpha = 2, beta = 6, seed = 1))), 0.25, tolerance = 0.03)
  expect_error(random_gamma(3, alpha = -1), class = "recurrent_error")
  expect_error(random_binomial(3, counts = 2, probabilities = 1.5), class = "recurrent_error")
})

test_that("random_categorical() draws 1-based classes from softmax(logits); random_shuffle() permutes an axis", {
  logits <- matrix(c(0, -Inf, -Inf, 0, -Inf, -Inf), 2)   # row 1: class 1 only; row 2: class 2 only
  d <- random_categorical(logits, 5, seed = 1)
  expect_identical(as.array(d), matrix(rep(1:2, 5), 2))
  expect_identical(as.array(random_categorical(logits, 2, seed = 1, zero_indexed = TRUE)), matrix(rep(0:1, 2), 2))
  # frequencies follow softmax: logits log(1), log(3) -> probabilities 1/4, 3/4
  freq <- mean(as.array(random_categorical(matrix(log(c(1, 3)), 1), 20000, seed = 2)) == 2)
  expect_equal(freq, 0.75, tolerance = 0.02)
  x <- matrix(1:12, 4, 3)
  s <- as.array(random_shuffle(x, seed = 5))
  set.seed(5); perm <- sample.int(4)
  expect_identical(s, x[perm, ])
  s2 <- as.array(random_shuffle(x, axis = 2, seed = 5))
  set.seed(5); expect_identical(s2, x[, sample.int(3)])
})

test_that("config_dtype_policy()/config_set_dtype_policy() are floatx; mixed precision is an error", {
  withr::defer(config_set_floatx("float32"))
  expect_identical(config_dtype_policy()$name, "float32")
  expect_output(print(config_dtype_policy()), "<DTypePolicy \"float32\">", fixed = TRUE)
  old <- config_set_dtype_policy("float64")
  expect_identical(config_floatx(), "float64")
  expect_identical(layer_dense(units = 1)$dtype, "float64")
  config_set_dtype_policy(old)
  expect_identical(config_floatx(), "float32")
  expect_error(config_set_dtype_policy("mixed_float16"), class = "recurrent_error_unsupported")
  expect_error(config_set_dtype_policy("int8"), class = "recurrent_error_argument")
})

test_that("use_backend() accepts keras3's backends and changes nothing", {
  expect_identical(suppressMessages(use_backend("jax")), "recurrent")
  expect_identical(config_backend(), "recurrent")
  expect_error(use_backend("theano"), class = "recurrent_error_argument")
})

test_that("plot(model) draws the layer graph with base graphics, to a device or a file", {
  inp <- keras_input(shape = c(10, 3), name = "seq")
  h <- layer_lstm(inp, 8, name = "lstm")
  out <- layer_concatenate(list(layer_dense(h, 4, name = "d1"), layer_dense(h, 2, name = "d2")), name = "cat")
  model <- keras_model(inp, out)
  g <- recurrent:::model_graph(recurrent:::unwrap_model(model), NULL)
  nms <- vapply(g$layers, function(l) l$name, "")
  edges <- apply(g$edges, 1, function(e) paste(nms[e[1]], nms[e[2]], sep = "->"))
  expect_setequal(edges, c("seq->lstm", "lstm->d1", "lstm->d2", "d1->cat", "d2->cat"))
  f <- tempfile(fileext = ".png")
  expect_identical(plot(model, to_file = f), f)
  expect_gt(file.size(f), 1000)
  pdf_file <- tempfile(fileext = ".pdf")
  grDevices::pdf(pdf_file)
  expect_identical(plot(model, rankdir = "LR"), model)
  grDevices::dev.off()
  expect_gt(file.size(pdf_file), 1000)
  seq_model <- keras_model_sequential(input_shape = 2) |> layer_dense(3) |> layer_dense(1)
  gs <- recurrent:::model_graph(recurrent:::unwrap_model(seq_model), NULL)
  expect_identical(unname(gs$edges), matrix(c(1L, 2L), 1))   # the two dense layers
  expect_error(plot(model, to_file = tempfile(fileext = ".txt")), class = "recurrent_error_argument")
  expect_error(plot(model, rankdir = "XY"), class = "recurrent_error_argument")
})

test_that("inputs of every dtype: 'int', integer and logical arrays into recurrent layers", {
  expect_identical(keras_input(shape = 5, dtype = "int")$dtype, "int32")
  expect_identical(keras_input(shape = 5, dtype = "bool")$dtype, "bool")
  expect_identical(keras_input(shape = 5, dtype = "string")$dtype, "string")  # for text preprocessing layers
  expect_error(keras_input(shape = 5, sparse = TRUE), class = "recurrent_error_unsupported")
  expect_error(keras_input(shape = 5, ragged = TRUE), "ragged")
  # an integer array gives the LSTM's output for the same values as doubles
  lstm <- layer_lstm(units = 3)
  xi <- array(1:12, c(2, 3, 2))
  expect_equal(as.array(lstm(xi)), as.array(lstm(xi * 1.0)))
  gru <- layer_gru(units = 2)
  xl <- array(c(TRUE, FALSE), c(2, 3, 2))
  expect_equal(as.array(gru(xl)), as.array(gru(xl * 1.0)))
  model <- keras_model_sequential(input_shape = c(3, 2)) |> layer_simple_rnn(2)
  expect_equal(predict(model, xi, verbose = 0), predict(model, xi * 1.0, verbose = 0))
})

test_that("trailing commas are accepted where keras3 accepts them", {
  model <- keras_model_sequential(input_shape = c(3, 2), ) |> layer_lstm(2, kernel_initializer = "ones", )
  compile(model, optimizer = "adam", loss = "mse", metrics = "mae", )
  a <- array(1, c(2, 3, 2))
  h <- fit(model, a, matrix(0, 2, 2), epochs = 2, verbose = 0, )
  expect_length(h$metrics$loss, 2)
  expect_identical(dim(predict(model, a, verbose = 0, )), c(2L, 2L))
  expect_named(evaluate(model, a, matrix(0, 2, 2), verbose = 0, ), c("loss", "mae"))
  expect_identical(shape(1, 2, ), shape(1, 2))
  scale <- Layer("Scale", initialize = function(k, ...) {
    super$initialize(...)
    self$k <- k
  }, call = function(x) x * self$k, build = NULL, get_config = NULL, extra_field = 1, )
  expect_equal(as.array(scale(k = 3, )(matrix(1, 1, 2))), matrix(3, 1, 2))
  lc <- Loss("L", call = function(y_true, y_pred) op_mean(op_abs(y_true - y_pred), axis = -1), )
  expect_equal(as.numeric(as.array(lc()(matrix(c(1, 3), 1), matrix(c(0, 0), 1)))), 2)
})
