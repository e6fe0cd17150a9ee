# The built-in cells on their own: one step against the references, constructors,
# printing, weights and counts, dropout masks of a cell used step by step, and the
# gradients of the fused kernel against those of the per-step path.

near <- function(actual, expected, tol = 1e-10) {
  a <- as.array(actual)
  e <- as.array(expected)
  expect_equal(as.integer(dim(a) %||% length(a)), as.integer(dim(e) %||% length(e)))
  expect_lt(max(abs(a - e)) / max(1, max(abs(e))), tol)
}

rnd <- function(dims, sd = 0.5) array(stats::rnorm(prod(dims), sd = sd), dims)

cell_kinds <- list(
  simple = list(make = function(u, ...) rnn_cell_simple(u, ...), k = 1, ref = ref_simple_rnn, n = 1),
  gru = list(make = function(u, ...) rnn_cell_gru(u, ...), k = 3, ref = ref_gru, n = 1),
  gru_before = list(make = function(u, ...) rnn_cell_gru(u, reset_after = FALSE, ...), k = 3,
                    ref = function(...) ref_gru(..., reset_after = FALSE), n = 1),
  lstm = list(make = function(u, ...) rnn_cell_lstm(u, ...), k = 4, ref = ref_lstm, n = 2)
)

cell_weights <- function(name, I, H) {
  k <- cell_kinds[[name]]$k
  list(rnd(c(I, k * H)), rnd(c(H, k * H)), if (name == "gru") rnd(c(2, k * H)) else rnd(k * H))
}

test_that("a cell called alone computes one step as the reference does", {
  set.seed(21)
  B <- 3; I <- 4; H <- 5
  for (name in names(cell_kinds)) {
    ck <- cell_kinds[[name]]
    cell <- ck$make(H, dtype = "float64")
    x <- rnd(c(B, I), 1)
    states <- lapply(seq_len(ck$n), function(i) rnd(c(B, H)))
    invisible(cell(x, states))
    w <- cell_weights(name, I, H)
    set_weights(cell, w)
    res <- cell(x, states)
    want <- ck$ref(array(x, c(B, 1, I)), w[[1]], w[[2]], bias = w[[3]], initial_state = states)
    expect_length(res, 2)
    near(res[[1]], want[[1]])
    expect_length(res[[2]], ck$n)
    for (i in seq_len(ck$n)) near(res[[2]][[i]], want[[1 + i]])
  }
  # a single tensor is accepted as the state of a one-state cell
  cell <- rnn_cell_gru(2)
  expect_equal(dim(cell(matrix(1, 3, 4), matrix(0, 3, 2))[[1]]), c(3L, 2L))
})

test_that("cells have Keras's state sizes, weights, counts and defaults", {
  x <- matrix(1, 2, 6)
  l <- rnn_cell_lstm(3)
  expect_equal(l$state_size, list(3L, 3L))
  expect_equal(l$output_size, 3L)
  invisible(l(x, list(matrix(0, 2, 3), matrix(0, 2, 3))))
  expect_equal(l$count_params(), 4L * 3L * (6L + 3L + 1L))
  expect_equal(vapply(l$weights, function(v) v$name, ""), c("kernel", "recurrent_kernel", "bias"))
  expect_equal(as.vector(get_weights(l)[[3]]), rep(c(0, 1, 0, 0), each = 3))
  g <- rnn_cell_gru(3)
  expect_equal(g$state_size, 3L)
  invisible(g(x, list(matrix(0, 2, 3))))
  expect_equal(g$count_params(), 3L * 3L * (6L + 3L + 2L))
  expect_equal(dim(get_weights(g)[[3]]), c(2L, 9L))
  g2 <- rnn_cell_gru(3, reset_after = FALSE)
  invisible(g2(x, list(matrix(0, 2, 3))))
  expect_equal(g2$count_params(), 3L * 3L * (6L + 3L + 1L))
  s <- rnn_cell_simple(3, use_bias = FALSE)
  invisible(s(x, list(matrix(0, 2, 3))))
  expect_equal(s$count_params(), 3L * (6L + 3L))
  # the recurrent kernel starts orthogonal
  rk <- get_weights(rnn_cell_simple(4) |> (\(c) { invisible(c(x, list(matrix(0, 2, 4)))); c })())[[2]]
  expect_equal(crossprod(rk), diag(4), tolerance = 1e-5)

  expect_equal(names(formals(rnn_cell_gru))[c(1, length(formals(rnn_cell_gru)) - 2)], c("units", "reset_after"))
  expect_false("object" %in% names(formals(rnn_cell_lstm)))
  expect_equal(formals(rnn_cell_lstm)$unit_forget_bias, TRUE)
  expect_equal(formals(rnn_cell_simple)$recurrent_initializer, "orthogonal")
})

test_that("cells print and carry Keras's class names", {
  expect_output(print(rnn_cell_lstm(2)), "LSTMCell")
  expect_s3_class(rnn_cell_lstm(2), "keras.src.layers.rnn.lstm.LSTMCell")
  expect_s3_class(rnn_cell_gru(2), "keras.src.layers.rnn.gru.GRUCell")
  expect_s3_class(rnn_cell_simple(2), "keras.src.layers.rnn.simple_rnn.SimpleRNNCell")
})

test_that("a cell used step by step keeps its dropout masks until reset", {
  set.seed(4)
  cell <- rnn_cell_simple(3, dropout = 0.5, recurrent_dropout = 0.5, dtype = "float64")
  x <- matrix(1, 4, 5)
  h <- list(matrix(1, 4, 3))
  y0 <- cell(x, h)
  a <- as.array(cell(x, h, training = TRUE)[[1]])
  b <- as.array(cell(x, h, training = TRUE)[[1]])
  expect_equal(a, b)
  expect_false(isTRUE(all.equal(a, as.array(y0[[1]]))))
  cell$reset_dropout_mask()
  c2 <- as.array(cell(x, h, training = TRUE)[[1]])
  expect_false(isTRUE(all.equal(a, c2)))
  expect_equal(as.array(cell(x, h)[[1]]), as.array(y0[[1]]))
})

test_that("the fused kernel's gradients equal those of the per-step path", {
  set.seed(8)
  B <- 2; Tn <- 4; I <- 3; H <- 2
  x <- rnd(c(B, Tn, I), 1)
  mask <- matrix(TRUE, B, Tn)
  mask[2, 3] <- FALSE
  wt <- rnd(c(B, Tn, H))
  grads <- function(layer, w) {
    invisible(layer(x))
    set_weights(layer, w)
    vars <- lapply(layer$weights, function(v) v$handle)
    loss <- recurrent:::with_gradient_recording(
      op_sum(op_multiply(layer(x, mask = mask), op_convert_to_tensor(wt, dtype = "float64"))))
    lapply(recurrent:::gradients(loss, vars), as.array)
  }
  for (name in names(cell_kinds)) {
    ck <- cell_kinds[[name]]
    w <- cell_weights(name, I, H)
    fused <- layer_rnn(cell = ck$make(H, dtype = "float64"), return_sequences = TRUE, go_backwards = TRUE,
                       dtype = "float64")
    stepwise <- layer_rnn(cell = ck$make(H, activation = function(v) op_tanh(v), dtype = "float64"),
                          return_sequences = TRUE, go_backwards = TRUE, dtype = "float64")
    gf <- grads(fused, w)
    gs <- grads(stepwise, w)
    expect_length(gf, 3)
    for (i in 1:3) near(gf[[i]], gs[[i]], 1e-9)
  }
})

test_that("cell arguments are checked", {
  expect_error(rnn_cell_lstm(0), "units")
  expect_error(rnn_cell_gru(), "units")
  expect_error(rnn_cell_simple(2, activation = "nope"), "unknown activation")
  expect_error(rnn_cell_gru(2, recurrent_dropout = -1), "recurrent_dropout")
  expect_error(rnn_cell_lstm(2, seed = "a"), "seed")
  expect_error(rnn_cell_gru(2, reset_after = NA), "reset_after")
})
