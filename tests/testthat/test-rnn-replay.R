# The C++ loop records an R cell's ops at timesteps 2 and 3 and replays them for later
# timesteps when both recordings agree (src/core/rnn/replay.h). The cells count their
# R calls (counting_cell(), helper-counting-cell.R); expected values come from plain-R
# references (helper-reference.R, helper-minimal-cell.R), so the replayed steps are
# checked against R, not themselves.

rand_array <- function(...) array(runif(prod(c(...)), -1, 1), c(...))

# the step of the MinimalRNNCell (helper-minimal-cell.R): x W + h U
minimal_step <- function(self, x, h) op_matmul(x, self$kernel) + op_matmul(h, self$recurrent_kernel)

test_that("after three R calls the loop replays the cell and gives the reference values", {
  set.seed(11)
  x <- rand_array(3, 7, 4)
  W <- rand_array(4, 5); U <- rand_array(5, 5) / 2
  mask <- matrix(TRUE, 3, 7)
  mask[1, c(1, 5)] <- FALSE
  mask[3, 6:7] <- FALSE
  for (rs in c(FALSE, TRUE)) for (gb in c(FALSE, TRUE)) for (m in list(NULL, mask)) {
    calls <- new_call_counter()
    layer <- counting_layer(minimal_step, calls, W, U, return_sequences = rs, go_backwards = gb)
    got <- if (is.null(m)) layer(x) else layer(x, mask = m)
    want <- ref_minimal_rnn(x, W, U, mask = m, go_backwards = gb, return_sequences = rs)
    info <- paste("return_sequences", rs, "go_backwards", gb, "mask", !is.null(m))
    expect_equal(as.array(got), want$output, tolerance = 1e-5, ignore_attr = TRUE, info = info)
    expect_equal(calls$n, 3L, info = info)
  }
})

test_that("options(recurrent.replay_cells = FALSE) calls the cell at every timestep", {
  set.seed(12)
  x <- rand_array(2, 6, 3)
  W <- rand_array(3, 4); U <- rand_array(4, 4) / 2
  calls <- new_call_counter()
  layer <- counting_layer(minimal_step, calls, W, U)
  old <- options(recurrent.replay_cells = FALSE)
  on.exit(options(old))
  expect_equal(as.array(layer(x)), ref_minimal_rnn(x, W, U)$output, tolerance = 1e-5, ignore_attr = TRUE)
  expect_equal(calls$n, 6L)
  options(recurrent.replay_cells = "yes")
  expect_error(layer(x), "recurrent.replay_cells")
})

test_that("a short sequence never replays: timesteps 1 to 3 always call R", {
  x <- array(1, c(1, 3, 1))
  calls <- new_call_counter()
  layer <- counting_layer(minimal_step, calls, matrix(1), matrix(1))
  # h_t = x_t + h_{t-1}: 1, 2, 3
  expect_equal(as.array(layer(x)), matrix(3), ignore_attr = TRUE)
  expect_equal(calls$n, 3L)
})

test_that("replayed timesteps record gradients (finite differences, mask, go_backwards)", {
  old <- config_set_floatx("float64")
  on.exit(config_set_floatx(old))
  set.seed(13)
  x <- rand_array(2, 6, 3)
  W <- rand_array(3, 2); U <- rand_array(2, 2) / 2
  mask <- matrix(TRUE, 2, 6)
  mask[1, 5] <- FALSE
  mask[2, c(2, 6)] <- FALSE
  for (gb in c(FALSE, TRUE)) {
    calls <- new_call_counter()
    layer <- counting_layer(minimal_step, calls, W, U, go_backwards = gb, return_sequences = TRUE)
    loss_of <- function(xx, WW, UU)
      sum(ref_minimal_rnn(xx, WW, UU, mask = mask, go_backwards = gb, return_sequences = TRUE)$output^2)
    xv <- recurrent:::cpp_variable(op_convert_to_tensor(x), NULL)
    loss <- recurrent:::with_gradient_recording(op_sum(op_square(layer(xv, mask = mask))))
    expect_reference_gradients(loss, list(xv, layer$cell$kernel, layer$cell$recurrent_kernel), loss_of, list(x, W, U))
    expect_equal(calls$n, 3L)  # three R calls forward, none backward
  }
})

test_that("a cell whose R code reads tensor values is called at every timestep", {
  set.seed(14)
  x <- rand_array(2, 6, 3)
  W <- rand_array(3, 4); U <- rand_array(4, 4) / 2
  # the sign of the step's input decides, in R, whether the state is negated
  branching <- function(self, x, h) {
    o <- minimal_step(self, x, h)
    if (sum(as.array(x)) > 0) o else op_negative(o)
  }
  calls <- new_call_counter()
  layer <- counting_layer(branching, calls, W, U)
  ref_step <- function(x_t, states) {
    o <- x_t %*% W + states[[1]] %*% U
    list(if (sum(x_t) > 0) o else -o)
  }
  want <- ref_loop(ref_step, x, list(matrix(0, 2, 4)))[[1]]
  expect_equal(as.array(layer(x)), want, tolerance = 1e-5, ignore_attr = TRUE)
  expect_equal(calls$n, 6L)

  # the value read is used by an op afterwards, and the branch happens not to change
  # in this data: the read alone keeps R called
  read_then_used <- function(self, x, h) {
    if (sum(as.array(x)) < -100) x <- op_negative(x)
    minimal_step(self, x, h)
  }
  calls$n <- 0L
  layer <- counting_layer(read_then_used, calls, W, U)
  expect_equal(as.array(layer(x)), ref_minimal_rnn(x, W, U)$output, tolerance = 1e-5, ignore_attr = TRUE)
  expect_equal(calls$n, 6L)
})

test_that("numbers drawn in R at each timestep keep the cell called at every timestep", {
  set.seed(15)
  x <- rand_array(2, 6, 3)
  W <- rand_array(3, 4); U <- rand_array(4, 4) / 2
  noisy <- function(self, x, h) minimal_step(self, x, h) + matrix(runif(8), 2, 4)
  calls <- new_call_counter()
  layer <- counting_layer(noisy, calls, W, U)
  set.seed(99)
  got <- as.array(layer(x))
  set.seed(99)
  want <- ref_loop(function(x_t, states) list(x_t %*% W + states[[1]] %*% U + matrix(runif(8), 2, 4)),
                   x, list(matrix(0, 2, 4)))[[1]]
  expect_equal(got, want, tolerance = 1e-5, ignore_attr = TRUE)
  expect_equal(calls$n, 6L)
})

test_that("a cell whose R state changes its constants is called at every timestep", {
  set.seed(16)
  x <- rand_array(2, 6, 3)
  W <- rand_array(3, 4); U <- rand_array(4, 4) / 2
  counter <- new.env()
  counter$t <- 0
  # scales each step by its position, counted in R
  scaled <- function(self, x, h) {
    counter$t <- counter$t + 1
    minimal_step(self, x, h) * (1 / counter$t)
  }
  calls <- new_call_counter()
  layer <- counting_layer(scaled, calls, W, U)
  t <- 0
  want <- ref_loop(function(x_t, states) {
    t <<- t + 1
    list((x_t %*% W + states[[1]] %*% U) / t)
  }, x, list(matrix(0, 2, 4)))[[1]]
  expect_equal(as.array(layer(x)), want, tolerance = 1e-5, ignore_attr = TRUE)
  expect_equal(calls$n, 6L)
})

test_that("a cell that keeps a tensor of an earlier timestep is called at every timestep", {
  set.seed(19)
  # pre-padded with zeros: the first timesteps are equal, so only where the kept
  # tensor comes from tells the loop it is not a constant
  x <- rand_array(2, 7, 3)
  x[, 1:4, ] <- 0
  W <- rand_array(3, 4); U <- rand_array(4, 4) / 2
  kept <- new.env()
  differencing <- function(self, x, h) {
    prev <- if (is.null(kept$x)) x else kept$x
    kept$x <- x
    minimal_step(self, x - prev, h)
  }
  calls <- new_call_counter()
  layer <- counting_layer(differencing, calls, W, U)
  prev <- NULL
  want <- ref_loop(function(x_t, states) {
    d <- if (is.null(prev)) 0 * x_t else x_t - prev
    prev <<- x_t
    list(d %*% W + states[[1]] %*% U)
  }, x, list(matrix(0, 2, 4)))[[1]]
  expect_equal(as.array(layer(x)), want, tolerance = 1e-5, ignore_attr = TRUE)
  expect_equal(calls$n, 7L)
})

test_that("a cell that outputs a tensor of an earlier timestep is called at every timestep", {
  set.seed(20)
  x <- rand_array(2, 7, 3)
  x[, 1:4, ] <- 0
  W <- rand_array(3, 4); U <- rand_array(4, 4) / 2
  kept <- new.env()
  # outputs the input projection of the previous timestep (zeros at the first)
  delayed <- Layer("Delayed",
    initialize = function(...) {
      super$initialize(...)
      self$state_size <- 4L
    },
    call = function(inputs, states) {
      xw <- op_matmul(inputs, W)
      h <- xw + op_matmul(states[[1]], U)
      out <- if (is.null(kept$xw)) op_zeros(c(2, 4)) else kept$xw
      kept$xw <- xw
      list(out, list(h))
    })
  layer <- layer_rnn(cell = delayed(), return_sequences = TRUE)
  want <- array(0, c(2, 7, 4))
  for (t in 2:7) want[, t, ] <- x[, t - 1, ] %*% W
  expect_equal(as.array(layer(x)), want, tolerance = 1e-5, ignore_attr = TRUE)
})

test_that("a cell that assigns a variable is called at every timestep", {
  x <- array(1, c(1, 5, 1))
  seen <- recurrent:::new_variable(0, trainable = FALSE)
  counting <- function(self, x, h) {
    seen$assign(op_add(seen, 1))
    minimal_step(self, x, h)
  }
  calls <- new_call_counter()
  layer <- counting_layer(counting, calls, matrix(1), matrix(1))
  expect_equal(as.array(layer(x)), matrix(5), ignore_attr = TRUE)
  expect_equal(as.numeric(as.array(seen)), 5)
  expect_equal(calls$n, 5L)
})

test_that("constants and training are replayed with the cell", {
  calls <- new_call_counter()
  probe <- Layer("Probe",
    initialize = function(...) {
      super$initialize(...)
      self$state_size <- 1L
    },
    call = function(inputs, states, training = FALSE, constants = NULL) {
      calls$n <- calls$n + 1L
      out <- op_add(op_sum(inputs, axis = 2L, keepdims = TRUE), states[[1]])
      if (training) out <- op_add(out, constants[[1]])
      list(out, list(out))
    })
  x <- array(1, c(2, 8, 2))
  layer <- layer_rnn(cell = probe())
  # each step adds 2 (two ones) and, when training, 10: 96 after 8 steps, else 16
  y <- layer(x, training = TRUE, constants = list(array(10, c(2, 1))))
  expect_equal(as.array(y), matrix(96, 2, 1), ignore_attr = TRUE)
  expect_equal(calls$n, 3L)
  y <- layer(x, training = FALSE, constants = list(array(10, c(2, 1))))
  expect_equal(as.array(y), matrix(16, 2, 1), ignore_attr = TRUE)
  expect_equal(calls$n, 6L)
})

test_that("a stack of an R cell and a built-in cell replays both", {
  set.seed(17)
  x <- rand_array(2, 6, 3)
  W <- rand_array(3, 4); U <- rand_array(4, 4) / 2
  k <- rand_array(4, 2); rk <- rand_array(2, 2); b <- rand_array(2)
  calls <- new_call_counter()
  layer <- layer_rnn(cell = list(counting_cell(units = 4, step = minimal_step, calls = calls), rnn_cell_simple(2)),
                     return_sequences = TRUE)
  layer$build(list(NULL, NULL, 3L))
  layer$set_weights(list(W, U, k, rk, b))
  first <- ref_minimal_rnn(x, W, U, return_sequences = TRUE)$output
  want <- ref_simple_rnn(first, k, rk, b, return_sequences = TRUE)[[1]]
  expect_equal(as.array(layer(x)), want, tolerance = 1e-5, ignore_attr = TRUE)
  expect_equal(calls$n, 3L)
})

test_that("a stateful layer replays and carries its states across calls", {
  set.seed(18)
  x1 <- rand_array(2, 5, 3)
  x2 <- rand_array(2, 5, 3)
  W <- rand_array(3, 4); U <- rand_array(4, 4) / 2
  calls <- new_call_counter()
  layer <- counting_layer(minimal_step, calls, W, U, stateful = TRUE, batch = 2L)
  layer(x1)
  got <- as.array(layer(x2))
  h1 <- ref_minimal_rnn(x1, W, U)$state
  expect_equal(got, ref_minimal_rnn(x2, W, U, h0 = h1)$output, tolerance = 1e-5, ignore_attr = TRUE)
  expect_equal(calls$n, 6L)
})

test_that("a cell built around a layer replays: weights made at the first timestep are constants", {
  calls <- new_call_counter()
  dense_cell <- Layer("DenseCell",
    initialize = function(units, ...) {
      super$initialize(...)
      self$units <- as.integer(units)
      self$state_size <- as.integer(units)
      self$dense <- layer_dense(units = units, activation = "tanh")
    },
    call = function(inputs, states) {
      calls$n <- calls$n + 1L
      # the dense layer builds its weights at its first call, the first timestep
      h <- self$dense(op_concatenate(list(inputs, states[[1]]), axis = -1))
      list(h, list(h))
    })
  set.seed(21)
  x <- rand_array(2, 6, 3)
  layer <- layer_rnn(cell = dense_cell(units = 4), return_sequences = TRUE)
  got <- as.array(layer(x))
  w <- get_weights(layer)
  want <- ref_loop(function(x_t, states) list(tanh(cbind(x_t, states[[1]]) %*% w[[1]] + ref_bias_rows(w[[2]], 2))),
                   x, list(matrix(0, 2, 4)), return_sequences = TRUE)[[1]]
  expect_equal(got, want, tolerance = 1e-5, ignore_attr = TRUE)
  expect_equal(calls$n, 3L)
})

test_that("cells that index with positions they compute (take, take_along_axis, top_k, one_hot) replay", {
  # The positions come from op_argmax()/op_argsort() of the state, so they are values
  # of the step: the index ops record them as inputs and check them when replayed.
  # References: the same cells in plain R (which.max/order/sort, first of ties as in
  # Keras's argmax and a stable argsort).
  set.seed(16)
  x <- rand_array(3, 7, 2)
  W <- rand_array(2, 4); U <- rand_array(4, 4) / 2
  E <- rand_array(4, 4)                                       # an embedding of the argmax class
  h0 <- list(matrix(0, 3, 4))
  one_hot_r <- function(ids) diag(4)[ids, , drop = FALSE]
  cases <- list(
    greedy_feedback = list(
      step = function(self, x, h) op_tanh(minimal_step(self, x, h) + op_take(E, op_argmax(h, axis = 2), axis = 1)),
      ref = function(x_t, h) tanh(x_t %*% W + h %*% U + E[apply(h, 1, which.max), , drop = FALSE])),
    one_hot = list(
      step = function(self, x, h) op_tanh(minimal_step(self, x, h)) + op_one_hot(op_argmax(h, axis = 2), 4) * 0.1,
      ref = function(x_t, h) tanh(x_t %*% W + h %*% U) + 0.1 * one_hot_r(apply(h, 1, which.max))),
    take_along_axis = list(
      step = function(self, x, h) op_tanh(op_take_along_axis(minimal_step(self, x, h), op_argsort(h, axis = 2), axis = 2)),
      ref = function(x_t, h) {
        z <- x_t %*% W + h %*% U
        tanh(t(vapply(seq_len(nrow(z)), function(r) z[r, order(h[r, ])], numeric(4))))
      }),
    top_k = list(
      step = function(self, x, h) op_tanh(minimal_step(self, x, h)) - op_mean(op_top_k(h, 2)$values, axis = 2, keepdims = TRUE),
      ref = function(x_t, h) tanh(x_t %*% W + h %*% U) - apply(h, 1, function(r) mean(sort(r, decreasing = TRUE)[1:2])))
  )
  for (nm in names(cases)) {
    calls <- new.env()
    calls$n <- 0L
    layer <- counting_layer(cases[[nm]]$step, calls, W, U, return_sequences = TRUE)
    ref_step <- function(x_t, states) list(cases[[nm]]$ref(x_t, states[[1]]))
    want <- ref_loop(ref_step, x, h0, return_sequences = TRUE)[[1]]
    expect_equal(as.array(layer(x)), want, tolerance = 1e-5, ignore_attr = TRUE, info = nm)
    expect_equal(calls$n, 3L, info = nm)
  }
})

test_that("a replayed op_take_along_axis() step records gradients (finite differences)", {
  old <- config_set_floatx("float64")
  on.exit(config_set_floatx(old))
  set.seed(17)
  x <- rand_array(2, 6, 3)
  W <- rand_array(3, 3); U <- rand_array(3, 3) / 2
  step <- function(self, x, h) op_tanh(op_take_along_axis(minimal_step(self, x, h), op_argsort(h, axis = 2), axis = 2))
  ref_step <- function(WW, UU) function(x_t, states) {
    h <- states[[1]]
    z <- x_t %*% WW + h %*% UU
    list(tanh(t(vapply(seq_len(nrow(z)), function(r) z[r, order(h[r, ])], numeric(3)))))
  }
  loss_of <- function(WW, UU) sum(ref_loop(ref_step(WW, UU), x, list(matrix(0, 2, 3)), return_sequences = TRUE)[[1]]^2)
  calls <- new.env()
  calls$n <- 0L
  layer <- counting_layer(step, calls, W, U, return_sequences = TRUE)
  loss <- recurrent:::with_gradient_recording(op_sum(op_square(layer(x))))
  grads <- lapply(recurrent:::gradients(loss, list(layer$cell$kernel, layer$cell$recurrent_kernel)), as.array)
  expect_equal(calls$n, 3L)
  expect_equal(as.numeric(as.array(loss)), loss_of(W, U), tolerance = 1e-10)
  expect_equal(grads[[1]], finite_diff(function(a) loss_of(a, U), W), tolerance = 1e-6)
  expect_equal(grads[[2]], finite_diff(function(a) loss_of(W, a), U), tolerance = 1e-6)
})
