# layer_rnn() with cells written in R, checked against ref_minimal_rnn() (helper-minimal-cell.R).

rand_array <- function(...) array(runif(prod(c(...)), -1, 1), c(...))

minimal_layer <- function(units, input_dim, ..., W = NULL, U = NULL, batch = NULL, time = NULL) {
  layer <- layer_rnn(cell = rnn_cell_minimal(units = units), ...)
  layer$build(list(batch, time, input_dim))
  if (!is.null(W)) layer$set_weights(list(W, U))
  layer
}

test_that("the documented MinimalRNNCell example gives the documented symbolic shapes", {
  cell <- rnn_cell_minimal(units = 32)
  x <- layer_input(shape = shape(NULL, 5))
  layer <- layer_rnn(cell = cell)
  y <- layer(x)
  expect_equal(y$shape, list(NULL, 32L))
  expect_equal(format(shape(y)), "shape(NA, 32)")

  cells <- list(rnn_cell_minimal(units = 32), rnn_cell_minimal(units = 4))
  x <- layer_input(shape = shape(NULL, 5))
  layer <- layer_rnn(cell = cells)
  y <- layer(x)
  expect_equal(y$shape, list(NULL, 4L))
  # the cells were built with the per-step shapes: 5 -> 32 -> 4
  expect_equal(dim(cells[[1]]$kernel), c(5L, 32L))
  expect_equal(dim(cells[[2]]$kernel), c(32L, 4L))
})

test_that("eager outputs match the plain-R reference for every argument combination", {
  set.seed(1)
  x <- rand_array(3, 6, 4)
  W <- rand_array(4, 5); U <- rand_array(5, 5) / 2
  mask <- matrix(TRUE, 3, 6)
  mask[1, c(1, 4)] <- FALSE
  mask[2, 6] <- FALSE
  mask[3, 2:3] <- FALSE
  for (rs in c(FALSE, TRUE)) for (gb in c(FALSE, TRUE)) for (zo in c(FALSE, TRUE)) for (m in list(NULL, mask)) {
    layer <- minimal_layer(5, 4, W = W, U = U, return_sequences = rs, go_backwards = gb, zero_output_for_mask = zo)
    got <- if (is.null(m)) layer(x) else layer(x, mask = m)
    want <- ref_minimal_rnn(x, W, U, mask = m, go_backwards = gb, return_sequences = rs, zero_output_for_mask = zo)
    expect_equal(as.array(got), want$output, tolerance = 1e-5, ignore_attr = TRUE,
                 info = paste("return_sequences", rs, "go_backwards", gb, "zero_output", zo, "mask", !is.null(m)))
  }
})

test_that("return_state returns the output then the states; initial_state is used", {
  set.seed(2)
  x <- rand_array(2, 4, 3)
  W <- rand_array(3, 2); U <- rand_array(2, 2)
  h0 <- rand_array(2, 2)
  layer <- minimal_layer(2, 3, W = W, U = U, return_state = TRUE)
  res <- layer(x, initial_state = list(h0))
  want <- ref_minimal_rnn(x, W, U, h0 = h0)
  expect_length(res, 2)
  expect_equal(as.array(res[[1]]), want$output, tolerance = 1e-5)
  expect_equal(as.array(res[[2]]), want$state, tolerance = 1e-5)
  # a bare tensor works as the one initial state too
  res2 <- layer(x, initial_state = h0)
  expect_equal(as.array(res2[[2]]), want$state, tolerance = 1e-5)
  c(out, state) %<-% layer(x, initial_state = h0)
  expect_equal(as.array(state), want$state, tolerance = 1e-5)
})

test_that("a stack of cells nests states per cell and equals two chained references", {
  set.seed(3)
  x <- rand_array(2, 5, 3)
  W1 <- rand_array(3, 4); U1 <- rand_array(4, 4) / 2
  W2 <- rand_array(4, 2); U2 <- rand_array(2, 2) / 2
  mask <- matrix(c(TRUE, FALSE, TRUE, TRUE, TRUE, TRUE, TRUE, TRUE, FALSE, FALSE), 2, byrow = TRUE)
  for (gb in c(FALSE, TRUE)) {
    layer <- layer_rnn(cell = list(rnn_cell_minimal(units = 4), rnn_cell_minimal(units = 2)),
                       return_state = TRUE, return_sequences = TRUE, go_backwards = gb)
    layer$build(list(NULL, NULL, 3L))
    layer$set_weights(list(W1, U1, W2, U2))
    res <- layer(x, mask = mask)
    r1 <- ref_minimal_rnn(x, W1, U1, mask = mask, go_backwards = gb, return_sequences = TRUE)
    # the second cell sees the first one's outputs in processing order
    m2 <- if (gb) mask[, 5:1] else mask
    r2 <- ref_minimal_rnn(r1$output, W2, U2, mask = m2, return_sequences = TRUE)
    expect_length(res, 3)
    expect_equal(as.array(res[[1]]), r2$output, tolerance = 1e-5)
    expect_equal(as.array(res[[2]]), r1$state, tolerance = 1e-5)
    expect_equal(as.array(res[[3]]), r2$state, tolerance = 1e-5)
  }
  # rnn_cells_stack() is the same as a list of cells
  stack <- rnn_cells_stack(list(rnn_cell_minimal(units = 4)), rnn_cell_minimal(units = 2))
  expect_length(stack$cells, 2)
  expect_equal(stack$state_size, list(4L, 2L))
})

test_that("initial_state and mask are checked", {
  layer <- minimal_layer(2, 3)
  x <- rand_array(2, 4, 3)
  expect_error(layer(x, initial_state = list(matrix(0, 2, 2), matrix(0, 2, 2))),
               class = "recurrent_error_argument")
  expect_error(layer(x, initial_state = matrix(0, 2, 3)), "must have shape \\(2, 2\\)")
  expect_error(layer(x, mask = matrix(TRUE, 2, 3)), "must have shape \\(2, 4\\)")
  expect_error(layer(matrix(0, 2, 3)), "3-D")
})

test_that("unroll gives the same numbers and needs known timesteps", {
  set.seed(4)
  x <- rand_array(2, 3, 3)
  W <- rand_array(3, 2); U <- rand_array(2, 2)
  a <- minimal_layer(2, 3, W = W, U = U, unroll = TRUE, time = 3L)
  expect_equal(as.array(a(x)), ref_minimal_rnn(x, W, U)$output, tolerance = 1e-5)
  inp <- keras_input(shape = shape(NULL, 3))
  expect_error(layer_rnn(inp, cell = rnn_cell_minimal(units = 2), unroll = TRUE), "timesteps is unknown")
  inp2 <- keras_input(shape = shape(3, 3))
  expect_equal(layer_rnn(inp2, cell = rnn_cell_minimal(units = 2), unroll = TRUE)$shape, list(NULL, 2L))
})

test_that("stateful layers carry states across calls, check the batch size and reset", {
  set.seed(5)
  x <- rand_array(2, 6, 3)
  W <- rand_array(3, 2); U <- rand_array(2, 2) / 2
  layer <- minimal_layer(2, 3, W = W, U = U, stateful = TRUE, batch = 2L)
  first <- layer(x[, 1:3, , drop = FALSE])
  second <- layer(x[, 4:6, , drop = FALSE])
  whole <- ref_minimal_rnn(x, W, U)
  expect_equal(as.array(second), whole$output, tolerance = 1e-5)
  expect_equal(as.array(layer$states[[1]]), whole$state, tolerance = 1e-5)
  expect_length(layer$weights, 2)  # the states are not weights

  expect_error(layer(rand_array(3, 2, 3)), "batch size 2 but got a batch of 3")

  reset_state(layer)
  expect_equal(as.array(layer$states[[1]]), matrix(0, 2, 2))
  expect_equal(as.array(layer(x)), whole$output, tolerance = 1e-5)

  h0 <- rand_array(2, 2)
  reset_state(layer, initial_state = list(h0))
  expect_equal(as.array(layer(x)), ref_minimal_rnn(x, W, U, h0 = h0)$output, tolerance = 1e-5)
  expect_error(reset_state(layer, initial_state = matrix(0, 3, 2)), "must have shape \\(2, 2\\)")
})

test_that("reset_state() on a model resets every stateful layer", {
  set.seed(6)
  model <- keras_model_sequential(input_batch_shape = c(2, 4, 3))
  model |> layer_rnn(cell = rnn_cell_minimal(units = 2), stateful = TRUE, return_sequences = TRUE) |>
    layer_rnn(cell = rnn_cell_minimal(units = 2), stateful = TRUE)
  x <- rand_array(2, 4, 3)
  y1 <- as.array(model(x))
  y2 <- as.array(model(x))
  expect_false(isTRUE(all.equal(y1, y2)))
  expect_identical(reset_state(model), model)
  expect_equal(as.array(model(x)), y1, tolerance = 1e-6)
})

test_that("a stateful layer needs a static batch size", {
  inp <- keras_input(shape = c(4, 3))
  expect_error(layer_rnn(inp, cell = rnn_cell_minimal(units = 2), stateful = TRUE), "fixed batch size")
  inp <- keras_input(batch_shape = c(8, 4, 3))
  out <- layer_rnn(inp, cell = rnn_cell_minimal(units = 2), stateful = TRUE)
  expect_equal(out$shape, list(8L, 2L))
})

test_that("training and constants reach cells that declare them", {
  seen <- new.env()
  cell_fn <- Layer("Probe",
    initialize = function(...) {
      super$initialize(...)
      self$state_size <- 1L
    },
    call = function(inputs, states, training = FALSE, constants = NULL) {
      seen$training <- training
      out <- op_add(op_sum(inputs, axis = 2L, keepdims = TRUE), states[[1]])
      if (!is.null(constants)) out <- op_add(out, constants[[1]])
      list(out, list(out))
    })
  x <- array(1, c(2, 3, 2))
  layer <- layer_rnn(cell = cell_fn())
  y <- layer(x, training = TRUE, constants = list(array(10, c(2, 1))))
  expect_true(seen$training)
  # each step adds 2 (sum of two ones) and 10 to the running state: 36 after 3 steps
  expect_equal(as.array(y), matrix(36, 2, 1), ignore_attr = TRUE)
  layer(x)
  expect_false(seen$training)
  no_const <- layer_rnn(cell = rnn_cell_minimal(units = 1))
  expect_error(no_const(x, constants = list(array(1, c(2, 1)))), "no `constants` argument")
})

test_that("an error in the cell keeps its message and leaves stateful states as they were", {
  set.seed(7)
  flaky <- Layer("Flaky",
    initialize = function(...) {
      super$initialize(...)
      self$state_size <- 2L
      self$fail <- FALSE
    },
    call = function(inputs, states) {
      if (self$fail) stop("the cell broke")
      out <- op_add(states[[1]], op_sum(inputs))
      list(out, list(out))
    })
  cell <- flaky()
  layer <- layer_rnn(cell = cell, stateful = TRUE)
  x <- rand_array(2, 3, 2)
  layer(x)
  before <- as.array(layer$states[[1]])
  cell$fail <- TRUE
  err <- expect_error(layer(x), class = "recurrent_error_cell")
  expect_match(conditionMessage(err$parent), "the cell broke")
  expect_match(conditionMessage(err), "timestep 1")
  expect_equal(as.array(layer$states[[1]]), before)
  cell$fail <- FALSE
  expect_silent(layer(x))
})

test_that("a cell returning the wrong structure or shapes gets a clear error", {
  wrong_structure <- Layer("WrongStructure",
    initialize = function(...) { super$initialize(...); self$state_size <- 2L },
    call = function(inputs, states) states[[1]])
  expect_error(layer_rnn(array(0, c(2, 3, 2)), cell = wrong_structure()), "list\\(output, new_states\\)")
  wrong_shape <- Layer("WrongShape",
    initialize = function(...) { super$initialize(...); self$state_size <- 2L },
    call = function(inputs, states) list(inputs, list(op_ones(c(2, 3)))))
  expect_error(layer_rnn(array(0, c(2, 3, 2)), cell = wrong_shape()), "has shape \\(2, 3\\), expected \\(2, 2\\)")
  expect_error(layer_rnn(cell = "lstm"), class = "recurrent_error")
})

test_that("gradients through the R-cell loop match finite differences (mask, go_backwards)", {
  old <- config_set_floatx("float64")
  on.exit(config_set_floatx(old))
  set.seed(8)
  x <- rand_array(2, 4, 3)
  W <- rand_array(3, 2); U <- rand_array(2, 2) / 2
  mask <- matrix(c(TRUE, TRUE, FALSE, TRUE, FALSE, TRUE, TRUE, TRUE), 2, byrow = TRUE)
  for (gb in c(FALSE, TRUE)) {
    layer <- minimal_layer(2, 3, W = W, U = U, go_backwards = gb, return_sequences = TRUE)
    loss_of <- function(xx, WW, UU) {
      r <- ref_minimal_rnn(xx, WW, UU, mask = mask, go_backwards = gb, return_sequences = TRUE)
      sum(r$output^2)
    }
    xv <- recurrent:::cpp_variable(op_convert_to_tensor(x), NULL)
    loss <- recurrent:::with_gradient_recording(op_sum(op_square(layer(xv, mask = mask))))
    grads <- recurrent:::gradients(loss, list(xv, layer$cell$kernel, layer$cell$recurrent_kernel))
    res <- list(value = loss, gradients = lapply(grads, as.array))
    expect_equal(as.numeric(res$value), loss_of(x, W, U), tolerance = 1e-10)
    expect_equal(res$gradients[[1]], finite_diff(function(a) loss_of(a, W, U), x), tolerance = 1e-6)
    expect_equal(res$gradients[[2]], finite_diff(function(a) loss_of(x, a, U), W), tolerance = 1e-6)
    expect_equal(res$gradients[[3]], finite_diff(function(a) loss_of(x, W, a), U), tolerance = 1e-6)
  }
})

test_that("a list of sequences (Keras's nested RNN inputs) is a clear unsupported-input error", {
  # keras3's working_with_rnns guide feeds layer_rnn() a list(input_1, input_2)
  # through a NestedCell; here that is refused with a recurrent_error naming the
  # layer, symbolically and eagerly, instead of failing while formatting shapes
  input_1 <- layer_input(shape(NULL, 3))
  input_2 <- layer_input(shape(NULL, 4, 2))
  expect_error(layer_rnn(cell = rnn_cell_simple(2), name = "nested")(list(input_1, input_2)),
               "nested.*not supported", class = "recurrent_error")
  expect_error(layer_lstm(units = 3)(list(array(1, c(2, 3, 4)), array(1, c(2, 3, 5)))),
               "not supported", class = "recurrent_error")
})
