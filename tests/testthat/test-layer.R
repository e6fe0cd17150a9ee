# Layer base class, Layer() constructors, the object rule, weights.

layer_scale <- Layer("Scale",
  initialize = function(factor = 2, ...) {
    super$initialize(...)
    self$factor <- factor
  },
  call = function(inputs) op_multiply(inputs, self$factor)
)

layer_linear <- Layer("Linear",
  initialize = function(self, units = 4, ...) {
    super$initialize(...)
    self$units <- as.integer(units)
  },
  build = function(self, input_shape) {
    self$seen_shape <- input_shape
    self$w <- self$add_weight(shape = shape(tail(input_shape, 1), self$units), initializer = "ones", name = "w")
    self$b <- self$add_weight(shape = shape(self$units), initializer = "zeros", name = "b")
    self$count <- self$add_weight(shape = shape(), initializer = "zeros", trainable = FALSE, name = "count")
  },
  call = function(self, inputs) op_add(op_matmul(inputs, self$w), self$b)
)

test_that("the object rule: missing/NULL gives the layer", {
  a <- layer_scale()
  b <- layer_scale(NULL, 3)
  c <- layer_scale(, factor = 4)
  for (l in list(a, b, c)) {
    expect_s3_class(l, "recurrent_layer")
    expect_s3_class(l, "keras.src.layers.layer.Layer")
    expect_true(is.function(l))
  }
  expect_identical(b$factor, 3)
  expect_identical(c$factor, 4)
  expect_identical(a$factor, 2)
})

test_that("the object rule: an array or tensor gives the computed output", {
  y <- layer_scale(matrix(1:4, 2), factor = 3)
  expect_s3_class(y, "recurrent_tensor")
  expect_tensor_equal(y, matrix(1:4, 2) * 3)
  y2 <- op_convert_to_tensor(matrix(1, 2, 2)) |> layer_scale(5)
  expect_tensor_equal(y2, matrix(5, 2, 2))
})

test_that("the object rule: a sequential model is changed in place and returned invisibly", {
  model <- keras_model_sequential(input_shape = 3)
  res <- withVisible(model |> layer_linear(units = 2))
  expect_false(res$visible)
  expect_identical(res$value, model)
  expect_length(model$layers, 1)
  model |> layer_dense(4) |> layer_dense(1)   # no reassignment
  expect_length(model$layers, 3)
  l <- layer_scale(factor = 2)
  model %>% l()
  expect_length(model$layers, 4)
  expect_warning(model |> layer_scale()(extra = 1), "ignored")
})

test_that("the object rule: a symbolic tensor gives a symbolic output", {
  x <- keras_input(shape = c(NA, 5))
  y <- layer_linear(x, units = 7)
  expect_s3_class(y, "recurrent_symbolic_tensor")
  expect_tensor_shape(y, c(NA, NA, 7))
})

test_that("Layer() methods see self, super and private, with or without a self formal", {
  counter <- Layer("Counter",
    initialize = function(...) {
      super$initialize(...)
      private$n <- 0L
    },
    call = function(inputs) {
      private$bump()
      inputs
    },
    calls = function() private$n,
    private = list(n = NULL, bump = function(self) private$n <- private$n + 1L)
  )
  l <- counter()
  l(1); l(2)
  expect_identical(l$calls(), 2L)
  child <- Layer("Child", inherit = layer_scale,
    initialize = function(...) super$initialize(factor = 10, ...))
  ch <- child()
  expect_tensor_equal(ch(matrix(1, 1, 1)), 10)
  expect_true(inherits(attr(ch, "layer"), "Scale"))
})

test_that("build() gets an R list with NULL unknowns and runs once", {
  l <- layer_linear(units = 3)
  expect_false(l$built)
  x <- keras_input(shape = c(NA, 5))
  y <- l(x)
  expect_identical(l$seen_shape, list(NULL, NULL, 5L))
  expect_true(l$built)
  l2 <- layer_linear(units = 2)
  l2(matrix(1, 4, 6))
  expect_identical(l2$seen_shape, list(4L, 6L))
  w <- l2$w
  l2(matrix(1, 3, 6))
  expect_identical(l2$w, w)
})

test_that("add_weight() shapes, initializers, names, order and trainability", {
  l <- layer_linear(units = 3)
  out <- l(matrix(1, 2, 4))
  expect_tensor_equal(out, matrix(4, 2, 3))
  expect_identical(vapply(l$weights, function(v) v$name, ""), c("w", "b", "count"))
  expect_identical(vapply(l$trainable_weights, function(v) v$name, ""), c("w", "b"))
  expect_identical(vapply(l$non_trainable_weights, function(v) v$name, ""), "count")
  expect_identical(dim(l$w), c(4L, 3L))
  expect_identical(l$w$path, paste0(l$name, "/w"))
  expect_identical(count_params(l), 4L * 3L + 3L + 1L)
  ws <- get_weights(l)
  expect_identical(length(ws), 3L)
  expect_equal(ws[[1]], matrix(1, 4, 3), ignore_attr = TRUE)
  expect_length(get_weights(l, trainable = TRUE), 2)
  expect_length(get_weights(l, trainable = FALSE), 1)
  auto <- Layer("Auto", build = function(input_shape) {
    self$a <- self$add_weight(shape = c(2, 2))
    self$b <- self$add_weight(shape = c(2L, 2L), dtype = "float64")
  }, call = function(inputs) inputs)()
  auto(1)
  expect_identical(vapply(auto$weights, function(v) v$name, ""), c("variable", "variable_1"))
  expect_identical(auto$b$dtype, "float64")
  expect_error(auto$add_weight(shape = shape(NA, 2)), class = "recurrent_error_argument")
})

test_that("set_weights() assigns values and explains a wrong count or shape", {
  l <- layer_dense(units = 2)
  l(matrix(1, 1, 3))
  res <- withVisible(set_weights(l, list(matrix(1:6, 3), c(10, 20))))
  expect_false(res$visible)
  expect_tensor_equal(l(matrix(1, 1, 3)), c(6 + 10, 15 + 20))
  expect_error(set_weights(l, list(matrix(0, 3, 2))), class = "recurrent_error_weights")
  expect_error(set_weights(l, list(matrix(0, 2, 2), c(1, 2))), class = "recurrent_error_weights")
  expect_error(set_weights(l, "a"), class = "recurrent_error_argument")
  named <- layer_dense(units = 2, name = "d2")
  named(matrix(1, 1, 3))
  expect_snapshot(error = TRUE, set_weights(named, list(matrix(0, 2, 2), c(1, 2))))
  expect_error(count_params(layer_dense(units = 2)), class = "recurrent_error_unbuilt")
})

test_that("names are snake_case with a session counter, reset by clear_session()", {
  clear_session()
  expect_identical(layer_dense(units = 1)$name, "dense")
  expect_identical(layer_dense(units = 1)$name, "dense_1")
  expect_identical(layer_linear()$name, "linear")
  expect_identical(recurrent:::to_snake_case("SimpleRNN"), "simple_rnn")
  expect_identical(recurrent:::to_snake_case("MinimalRNNCell"), "minimal_rnn_cell")
  expect_identical(recurrent:::to_snake_case("LSTM"), "lstm")
  clear_session()
  expect_identical(layer_dense(units = 1)$name, "dense")
  expect_identical(layer_dense(units = 1, name = "out")$name, "out")
})

test_that("trainable is settable and reaches weights and sub-layers", {
  outer <- Layer("Outer",
    initialize = function(...) {
      super$initialize(...)
      self$inner <- layer_dense(units = 2)
      self$others <- list(layer_dense(units = 2))
    },
    call = function(inputs) self$others[[1]](self$inner(inputs))
  )()
  outer(matrix(1, 1, 3))
  expect_length(outer$weights, 4)
  expect_identical(vapply(outer$weights, function(v) v$name, ""), c("kernel", "bias", "kernel", "bias"))
  expect_identical(dim(outer$weights[[3]]), c(2L, 2L))
  outer$trainable <- FALSE
  expect_length(outer$trainable_weights, 0)
  expect_length(outer$non_trainable_weights, 4)
  expect_false(outer$inner$trainable)
  outer$trainable <- TRUE
  expect_length(outer$trainable_weights, 4)
})

test_that("wrappers forward $, [[, names and print", {
  l <- layer_dense(units = 3, name = "d")
  expect_identical(l$units, 3L)
  expect_identical(l[["units"]], 3L)
  l$note <- "hi"
  expect_identical(l$note, "hi")
  l[["note2"]] <- 1
  expect_identical(l$note2, 1)
  expect_true(all(c("units", "weights", "build", "call") %in% names(l)))
  expect_output(print(l), "<Dense name=d, built=FALSE>", fixed = TRUE)
  expect_identical(format(l), "<Dense name=d, built=FALSE>")
  expect_identical(utils:::.DollarNames(l, "^unit"), "units")
})

test_that("get_config() and from_config() round-trip", {
  l <- layer_dense(units = 4, activation = "relu", name = "d4")
  cfg <- get_config(l)
  expect_identical(cfg$units, 4L)
  expect_identical(cfg$activation, "relu")
  expect_false(is.null(attr(cfg, "__class__")))
  cfg$name <- "copy"
  l2 <- from_config(cfg)
  expect_identical(l2$units, 4L)
  expect_identical(l2$name, "copy")
  s <- layer_scale(factor = 7)
  s2 <- from_config(get_config(s))
  expect_identical(s2$factor, 7)
  expect_error(from_config(list(a = 1)), class = "recurrent_error_argument")
})

test_that("base initialize rejects unknown arguments; supports_masking defaults", {
  expect_error(layer_dense(units = 2, foo = 1), "Unrecognized")
  expect_error(layer_dense(units = 2, trainable = "yes"), class = "recurrent_error_argument")
  expect_false(layer_scale()$supports_masking)
  expect_true(layer_dense(units = 1)$supports_masking)
  m <- Layer("M", supports_masking = TRUE, call = function(inputs) inputs)()
  expect_true(m$supports_masking)
  cm <- Layer("CM", call = function(inputs) inputs, compute_mask = function(inputs, mask = NULL) mask)()
  expect_true(cm$supports_masking)
  cm$supports_masking <- FALSE
  expect_false(cm$supports_masking)
  expect_error(Layer(1), class = "recurrent_error_argument")
  nocall <- Layer("NoCall")()
  expect_error(nocall(1), class = "recurrent_error_not_implemented")
})

test_that("active_property() makes read-only properties; non-functions become fields", {
  l <- Layer("Prop", state_size = 4L, double_size = active_property(function() self$state_size * 2L),
             call = function(inputs) inputs)()
  expect_identical(l$state_size, 4L)
  expect_identical(l$double_size, 8L)
})

test_that("losses collect add_loss(), activity and weight regularizers", {
  l <- layer_dense(units = 2, kernel_initializer = "ones", kernel_regularizer = regularizer_l2(0.5),
                   activity_regularizer = regularizer_l1(0.1))
  y <- l(matrix(1, 2, 3))
  losses <- l$losses
  expect_length(losses, 2)
  vals <- vapply(losses, function(t) as.numeric(as.array(t)), 0)
  expect_equal(sort(vals), sort(c(0.1 * sum(abs(matrix(3, 2, 2))) / 2, 0.5 * 6)), tolerance = 1e-5)
  adder <- Layer("Adder", call = function(inputs) {
    self$add_loss(op_sum(inputs))
    inputs
  })()
  adder(matrix(2, 2, 2))
  expect_equal(as.numeric(as.array(adder$losses[[1]])), 8)
  adder(matrix(1, 2, 2))
  expect_length(adder$losses, 1)
  expect_error(adder$add_loss(3), class = "recurrent_error_argument")
})

test_that("a user's call() error keeps its message as the cause", {
  bad <- Layer("Bad", call = function(inputs) stop("my custom failure"))()
  err <- expect_error(bad(matrix(1, 2, 2)), class = "recurrent_error_call")
  expect_match(conditionMessage(err$parent), "my custom failure")
  expect_match(conditionMessage(err), "bad")
  expect_error(layer_dense(units = 2)(list("a")), class = "recurrent_error_argument")
  expect_error(layer_dense(units = 2)(), class = "recurrent_error_argument")
})

test_that("Model() makes subclassed models that track sub-layers", {
  two <- Model("TwoLayers",
    initialize = function(units = 4, ...) {
      super$initialize(...)
      self$hidden <- layer_dense(units = units, activation = "relu")
      self$out <- layer_dense(units = 1)
    },
    call = function(inputs) self$out(self$hidden(inputs))
  )
  m <- two(units = 3)
  expect_s3_class(m, "recurrent_model")
  y <- m(matrix(1, 2, 5))
  expect_tensor_shape(y, c(2, 1))
  expect_length(m$weights, 4)
  expect_identical(dim(predict(m, matrix(1, 5, 5))), c(5L, 1L))
  expect_length(m$layers, 2)
})

test_that("keras3 Layer idioms: weights in initialize, non-trainable state, sub-layers with masks", {
  linear_now <- Layer("LinearNow",
    initialize = function(units = 32, input_dim = 32, ...) {
      super$initialize(...)
      self$w <- self$add_weight(shape = shape(input_dim, units), initializer = "ones", name = "w")
    },
    call = function(inputs) op_matmul(inputs, self$w))
  l <- linear_now(units = 4, input_dim = 2)
  expect_length(l$weights, 1)
  expect_tensor_equal(l(matrix(1, 3, 2)), matrix(2, 3, 4))
  summer <- Layer("ComputeSum",
    initialize = function(input_dim, ...) {
      super$initialize(...)
      self$total <- self$add_weight(shape = shape(input_dim), initializer = "zeros", trainable = FALSE)
    },
    call = function(inputs) {
      self$total$assign(self$total + op_sum(inputs, axis = 1))
      self$total
    })
  s <- summer(input_dim = 2)
  s(matrix(1, 3, 2)); s(matrix(1, 3, 2))
  expect_equal(as.array(s$total), c(6, 6), ignore_attr = TRUE)
  expect_length(s$trainable_weights, 0)
  expect_length(s$non_trainable_weights, 1)
  seen <- NULL
  text_encoder <- Layer("TextEncoder",
    initialize = function(...) {
      super$initialize(...)
      self$embedding <- layer_embedding(input_dim = 6, output_dim = 3, mask_zero = TRUE)
      self$probe <- Layer("Probe", call = function(inputs, mask = NULL) {
        seen <<- as.array(mask)
        inputs
      }, supports_masking = TRUE)()
    },
    call = function(inputs) inputs %>% self$embedding() %>% self$probe(mask = self$embedding$compute_mask(inputs)))
  enc <- text_encoder()
  ids <- matrix(c(1L, 2L, 0L), 1)
  enc(ids)
  expect_identical(seen, ids != 0)
  expect_length(enc$weights, 1)
})
