test_that("keras_input() makes symbolic tensors that print like keras3's", {
  clear_session()
  x <- keras_input(shape = c(NA, 8))
  expect_s3_class(x, "recurrent_symbolic_tensor")
  expect_s3_class(x, "keras.src.backend.common.keras_tensor.KerasTensor")
  expect_identical(x$shape, list(NULL, NULL, 8L))
  expect_identical(x$dtype, "float32")
  expect_identical(shape(x), shape(NA, NA, 8))
  expect_identical(dim(x), c(NA, NA, 8L))
  expect_output(print(x), "<KerasTensor shape=(None, None, 8), dtype=float32, sparse=False, ragged=False, name=keras_tensor>",
                fixed = TRUE)
  expect_identical(layer_input(shape = 3)$name, "keras_tensor_1")
  expect_identical(keras_input(batch_shape = c(32, 10, 8))$shape, list(32L, 10L, 8L))
  expect_identical(keras_input(shape = 5, batch_size = 4)$shape, list(4L, 5L))
  expect_identical(keras_input(shape = 5, dtype = "int32")$dtype, "int32")
  expect_output(print(keras_input(shape = 4)), "shape=(None, 4)", fixed = TRUE)
  expect_error(keras_input(), class = "recurrent_error_argument")
  expect_error(keras_input(shape = 3, batch_shape = c(1, 3)), class = "recurrent_error_argument")
  expect_error(keras_input(shape = 3, sparse = TRUE), class = "recurrent_error_argument")
  expect_error(keras_input(shape = "a"), class = "recurrent_error_argument")
  expect_error(as_tensor(x), class = "recurrent_error_argument")
})

test_that("a user Layer() without compute_output_shape gets symbolic shapes by running it", {
  cell <- Layer("MinimalRNNCell",
    initialize = function(units, ...) {
      super$initialize(...)
      self$units <- as.integer(units)
      self$state_size <- as.integer(units)
    },
    build = function(input_shape) {
      self$kernel <- self$add_weight(shape = shape(tail(input_shape, 1), self$units), initializer = "uniform",
                                     name = "kernel")
      self$recurrent_kernel <- self$add_weight(shape = shape(self$units, self$units), initializer = "uniform",
                                               name = "recurrent_kernel")
    },
    call = function(inputs, states) {
      output <- op_matmul(inputs, self$kernel) + op_matmul(states[[1]], self$recurrent_kernel)
      list(output, list(output))
    }
  )(units = 32)
  x <- keras_input(shape = 5)
  s <- keras_input(shape = 32)
  out <- cell(x, list(s))
  expect_length(out, 2)
  expect_tensor_shape(out[[1]], c(NA, 32))
  expect_tensor_shape(out[[2]][[1]], c(NA, 32))
  expect_identical(vapply(cell$weights, function(v) v$name, ""), c("kernel", "recurrent_kernel"))
  model <- keras_model(list(x, s), out[[1]])
  y <- model(list(matrix(1, 2, 5), matrix(0, 2, 32)))
  k <- get_weights(cell)[[1]]
  expect_tensor_equal(y, matrix(1, 2, 5) %*% k)
  # time-length-dependent outputs come out unknown
  sum_time <- Layer("SumTime", call = function(inputs) op_sum(inputs, axis = 2))()
  expect_tensor_shape(sum_time(keras_input(shape = c(NA, 3))), c(NA, 3))
  keep_time <- Layer("KeepTime", call = function(inputs) op_multiply(inputs, 2))()
  expect_tensor_shape(keep_time(keras_input(shape = c(NA, 3))), c(NA, NA, 3))
})

test_that("compute_output_shape() is used when a layer defines it", {
  calls <- 0
  l <- Layer("Declared", call = function(inputs) {
    calls <<- calls + 1
    inputs
  }, compute_output_shape = function(input_shape) shape(input_shape[[1]], 99))()
  y <- l(keras_input(shape = 3))
  expect_tensor_shape(y, c(NA, 99))
  expect_identical(calls, 0)
  expect_identical(l$compute_output_shape(list(NULL, 3L)), shape(NA, 99))
  expect_identical(layer_dense(units = 4)$compute_output_shape(list(NULL, 7L)), list(NULL, 4L))
  undeclared <- Layer("Undeclared", call = function(inputs) op_concatenate(list(inputs, inputs), axis = -1))()
  expect_identical(undeclared$compute_output_shape(list(NULL, 3L)), shape(NA, 6))
})

test_that("keras_model() replays the graph: multi-input, multi-output, shared layers", {
  a <- keras_input(shape = 3, name = "a")
  b <- keras_input(shape = 2, name = "b")
  shared <- layer_dense(units = 4, kernel_initializer = "ones", name = "shared")
  ha <- shared(layer_dense(a, 2, kernel_initializer = "ones", name = "pa"))
  hb <- shared(b)
  joined <- layer_concatenate(list(ha, hb))
  out1 <- layer_dense(joined, 1, kernel_initializer = "ones", name = "out1")
  model <- keras_model(list(a, b), list(first = out1, second = hb), name = "multi")
  expect_s3_class(model, "recurrent_functional")
  expect_identical(model$name, "multi")
  # Keras's order (keras/src/ops/function.py map_graph), by hand: longest path to an
  # output a 4, pa 3, b 3, shared 2, concatenate 1, out1 0; pa before b because the walk
  # back from out1 meets it first.
  expect_identical(vapply(model$layers, function(l) l$name, ""), c("a", "pa", "b", "shared", "concatenate", "out1"))
  xa <- matrix(1, 2, 3); xb <- matrix(2, 2, 2)
  res <- model(list(xa, xb))
  expect_named(res, c("first", "second"))
  expect_tensor_equal(res$second, matrix(4, 2, 4))
  # pa: rows sum to 3 -> (3, 3); shared: 6 per unit; concat (6,6,6,6,4,4,4,4) -> 40
  expect_tensor_equal(res$first, matrix(40, 2, 1))
  pred <- predict(model, list(xa, xb))
  expect_named(pred, c("first", "second"))
  expect_equal(pred$first, matrix(40, 2, 1), ignore_attr = TRUE)
  expect_length(model$weights, 6)
  expect_error(model(xa), class = "recurrent_error_argument")
  expect_identical(model$input[[1]]$name, "a")
  expect_type(model$output, "list")
})

test_that("keras_model() checks its graph", {
  x <- keras_input(shape = 3)
  other <- keras_input(shape = 3)
  y <- layer_concatenate(list(x, other))
  expect_error(keras_model(x, y), class = "recurrent_error_graph")
  expect_error(keras_model(x, 3), class = "recurrent_error_argument")
  expect_error(keras_model(x), class = "recurrent_error_argument")
  m <- keras_model(list(x), list(layer_dense(x, 2)))
  expect_tensor_shape(m$output, c(NA, 2))
})

test_that("models are layers: nest them and call them with training", {
  inner_in <- keras_input(shape = 4)
  inner <- keras_model(inner_in, layer_dense(inner_in, 2, name = "inner_dense"), name = "inner")
  outer_in <- keras_input(shape = 4)
  outer_out <- outer_in |> inner() |> layer_dense(1)
  outer <- keras_model(outer_in, outer_out)
  expect_tensor_shape(outer_out, c(NA, 1))
  expect_length(outer$weights, 4)
  expect_tensor_shape(outer(matrix(1, 3, 4)), c(3, 1))
  seq_model <- keras_model_sequential(input_shape = 4) |> inner() |> layer_dense(1)
  expect_tensor_shape(predict(seq_model, matrix(1, 5, 4)), c(5, 1))
})

test_that("model$layers follows Keras's order: deepest first, ties in the walk back from the outputs", {
  names_of <- function(m) vapply(m$layers, function(l) l$name, "")
  # Encoder-decoder (seq2seq): depths a 4, b 3, emb_a 3, emb_b 2, enc 2, dec 1, out 0; the walk
  # back from `out` meets dec, emb_b, b, enc, emb_a, a in that order (the decoder's inputs
  # before its initial_state).
  a <- keras_input(shape(NA), name = "a")
  b <- keras_input(shape(NA), name = "b")
  enc <- layer_lstm(layer_embedding(a, 10, 4, name = "emb_a"), 4, return_state = TRUE, name = "enc")
  dec <- layer_lstm(units = 4, name = "dec")(layer_embedding(b, 12, 4, name = "emb_b"),
                                             initial_state = list(enc[[2]], enc[[3]]))
  m <- keras_model(list(a, b), layer_dense(dec, 2, name = "out"))
  expect_identical(names_of(m), c("a", "b", "emb_a", "emb_b", "enc", "dec", "out"))

  # keras3's babi_rnn example (two branches of different lengths merged by layer_add):
  # qi 8, qe 7, si 6, qd 6, se 5, ql 5, sd 4, rep 4, add 3, lstm 2, drop 1, dense 0.
  si <- keras_input(shape(12), dtype = "int32", name = "si")
  qi <- keras_input(shape(4), dtype = "int32", name = "qi")
  s_enc <- si |> layer_embedding(20, 8, name = "se") |> layer_dropout(0.3, name = "sd")
  q_enc <- qi |> layer_embedding(20, 8, name = "qe") |> layer_dropout(0.3, name = "qd") |>
    layer_lstm(8, name = "ql") |> layer_repeat_vector(12, name = "rep")
  out <- list(s_enc, q_enc) |> layer_add(name = "add") |> layer_lstm(8, name = "lstm") |>
    layer_dropout(0.3, name = "drop") |> layer_dense(20, name = "dense")
  m2 <- keras_model(list(si, qi), out)
  expect_identical(names_of(m2), c("qi", "qe", "si", "qd", "se", "ql", "sd", "rep", "add", "lstm", "drop", "dense"))

  # An input that no output uses gets depth 0 and comes before the other depth-0 layers
  # (map_graph gives it traversal index -1).
  x <- keras_input(shape(2), name = "x")
  unused <- keras_input(shape(2), name = "unused")
  m3 <- keras_model(list(x, unused), layer_dense(x, 1, name = "d"))
  expect_identical(names_of(m3), c("x", "unused", "d"))
})
