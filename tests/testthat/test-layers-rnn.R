# layer_simple_rnn(), layer_gru(), layer_lstm(): Keras's published numbers, random
# weights against the plain-R references (helper-reference.R), the fused path against
# the per-step path, dropout, weights, parameter counts and argument errors.

expect_near <- function(actual, expected, tol = 1e-10) {
  a <- as.array(actual)
  e <- as.array(expected)
  if (is.null(dim(e))) dim(e) <- length(e)
  if (is.null(dim(a))) dim(a) <- length(a)
  expect_equal(dim(a), dim(e))
  expect_lt(max(abs(a - e)) / max(1, max(abs(e))), tol)
}

rnd <- function(dims, sd = 0.5) array(stats::rnorm(prod(dims), sd = sd), dims)

kinds <- c("simple", "gru", "gru_before", "lstm")

make_layer <- function(kind, units, ..., dtype = "float64") {
  switch(kind,
    simple = layer_simple_rnn(units = units, ..., dtype = dtype),
    gru = layer_gru(units = units, ..., dtype = dtype),
    gru_before = layer_gru(units = units, reset_after = FALSE, ..., dtype = dtype),
    lstm = layer_lstm(units = units, ..., dtype = dtype))
}

make_cell <- function(kind, units, ...) {
  switch(kind,
    simple = rnn_cell_simple(units, ...),
    gru = rnn_cell_gru(units, ...),
    gru_before = rnn_cell_gru(units, reset_after = FALSE, ...),
    lstm = rnn_cell_lstm(units, ...))
}

rand_weights <- function(kind, I, H) {
  k <- c(simple = 1, gru = 3, gru_before = 3, lstm = 4)[[kind]]
  list(rnd(c(I, k * H)), rnd(c(H, k * H)), if (kind == "gru") rnd(c(2, k * H)) else rnd(k * H))
}

run_reference <- function(kind, x, w, ...) {
  fn <- switch(kind, simple = ref_simple_rnn, gru = ref_gru, gru_before = ref_gru, lstm = ref_lstm)
  args <- list(x, w[[1]], w[[2]], bias = w[[3]], ...)
  if (kind == "gru_before") args$reset_after <- FALSE
  do.call(fn, args)
}

n_states <- function(kind) if (kind == "lstm") 2L else 1L

# ---- Keras's published values ---------------------------------------------------------
# keras/src/layers/rnn/{lstm,gru,simple_rnn}_test.py, test_correctness and friends:
# constant initializers 0.01 (kernel), 0.02 (recurrent kernel), 0.03 (bias), inputs
# np.arange(...).reshape(...).

const_layer <- function(fn, units, ...) {
  fn(units = units, kernel_initializer = initializer_constant(0.01),
     recurrent_initializer = initializer_constant(0.02), bias_initializer = initializer_constant(0.03), ...)
}

test_that("layer_lstm() reproduces Keras's test values", {
  x <- ref_arange(c(3, 6, 4))
  rows <- function(v) cbind(v, v, v)
  expect_near(const_layer(layer_lstm, 3)(x), rows(c(0.6288687, 0.86899155, 0.9460773)), 1e-5)
  expect_near(const_layer(layer_lstm, 3, go_backwards = TRUE)(x), rows(c(0.35622165, 0.74789524, 0.8872726)), 1e-5)
  expect_near(const_layer(layer_lstm, 3, unit_forget_bias = FALSE)(x), rows(c(0.57019705, 0.8661914, 0.9459622)), 1e-5)
  expect_near(const_layer(layer_lstm, 3, use_bias = FALSE)(x), rows(c(0.54986924, 0.86226785, 0.9443936)), 1e-5)

  x2 <- ref_arange(c(2, 4, 3))
  s <- list(ref_arange(c(2, 2)), ref_arange(c(2, 2)))
  expect_near(const_layer(layer_lstm, 2)(x2, initial_state = s),
              rbind(c(0.20574439, 0.3558822), c(0.64930826, 0.66276)), 1e-5)
  expect_near(const_layer(layer_lstm, 2, go_backwards = TRUE)(x2, initial_state = s),
              rbind(c(0.13281618, 0.2790356), c(0.5839337, 0.5992567)), 1e-5)
  m <- rbind(c(TRUE, TRUE, TRUE, FALSE), c(TRUE, TRUE, FALSE, FALSE))
  expect_near(const_layer(layer_lstm, 2)(x2, mask = m), cbind(c(0.11755939, 0.28556206), c(0.11755939, 0.28556206)), 1e-5)
  want <- array(0, c(2, 4, 2))
  want[1, , ] <- c(0.01588910, 0.05552048, 0.11755939, 0)
  want[2, , ] <- c(0.14185596, 0.28556206, 0, 0)
  expect_near(const_layer(layer_lstm, 2, return_sequences = TRUE, zero_output_for_mask = TRUE)(x2, mask = m),
              want, 1e-5)
})

test_that("layer_gru() reproduces Keras's test values, reset_after both ways", {
  x <- ref_arange(c(3, 6, 4))
  rows <- function(v) cbind(v, v, v)
  expect_near(const_layer(layer_gru, 3)(x), rows(c(0.5217289, 0.6371659, 0.39384964)), 1e-5)
  expect_near(const_layer(layer_gru, 3, go_backwards = TRUE)(x), rows(c(0.24406259, 0.611516, 0.3928808)), 1e-5)
  expect_near(const_layer(layer_gru, 3, reset_after = FALSE)(x), rows(c(0.51447755, 0.6426879, 0.40208298)), 1e-5)
  expect_near(const_layer(layer_gru, 3, use_bias = FALSE)(x), rows(c(0.49988455, 0.64701194, 0.4103359)), 1e-5)

  x2 <- ref_arange(c(2, 4, 3))
  expect_near(const_layer(layer_gru, 2)(x2, initial_state = list(ref_arange(c(2, 2)))),
              rbind(c(0.23774096, 0.33508456), c(0.83659905, 1.0227708)), 1e-5)
  m <- rbind(c(TRUE, TRUE, FALSE, TRUE), c(TRUE, FALSE, FALSE, TRUE))
  expect_near(const_layer(layer_gru, 2)(x2, mask = m), cbind(c(0.19393763, 0.30818558), c(0.19393763, 0.30818558)), 1e-5)
  expect_near(const_layer(layer_gru, 2, go_backwards = TRUE)(x2, mask = m),
              cbind(c(0.11669192, 0.28380975), c(0.11669192, 0.28380975)), 1e-5)
})

test_that("layer_simple_rnn() reproduces Keras's test values", {
  x <- ref_arange(c(2, 3, 4))
  rows <- function(v) cbind(v, v, v, v)
  expect_near(const_layer(layer_simple_rnn, 4)(x), rows(c(0.405432, 0.73605347)), 1e-5)
  expect_near(const_layer(layer_simple_rnn, 4, go_backwards = TRUE)(x), rows(c(0.11144729, 0.5528889)), 1e-5)
  x2 <- ref_arange(c(2, 4, 3))
  m <- rbind(c(TRUE, TRUE, FALSE, TRUE), c(TRUE, FALSE, FALSE, TRUE))
  expect_near(const_layer(layer_simple_rnn, 4)(x2, mask = m), rows(c(0.32951632, 0.61799484)), 1e-5)
  expect_near(const_layer(layer_simple_rnn, 4)(x2, initial_state = ref_arange(c(2, 4))),
              rows(c(0.33621645, 0.6262637)), 1e-5)
})

# ---- random weights against the references ------------------------------------------

test_that("the layers match the plain-R references with random weights and every option", {
  set.seed(42)
  B <- 3; Tn <- 5; I <- 4; H <- 3
  mask <- matrix(TRUE, B, Tn)
  mask[1, c(2, Tn)] <- FALSE
  mask[2, 1:2] <- FALSE
  mask[3, ] <- FALSE
  for (kind in kinds) {
    w <- rand_weights(kind, I, H)
    x <- rnd(c(B, Tn, I), 1)
    for (opt in list(list(), list(go_backwards = TRUE), list(return_sequences = TRUE),
                     list(return_sequences = TRUE, zero_output_for_mask = TRUE, mask = TRUE),
                     list(mask = TRUE, go_backwards = TRUE), list(initial_state = TRUE, return_sequences = TRUE))) {
      use_mask <- isTRUE(opt$mask)
      use_init <- isTRUE(opt$initial_state)
      flags <- opt[intersect(names(opt), c("go_backwards", "return_sequences", "zero_output_for_mask"))]
      layer <- do.call(make_layer, c(list(kind, H, return_state = TRUE), flags))
      init <- if (use_init) lapply(seq_len(n_states(kind)), function(i) rnd(c(B, H)))
      args <- list(x)
      if (use_mask) args$mask <- mask
      if (use_init) args$initial_state <- init
      invisible(layer(x))
      set_weights(layer, w)
      got <- do.call(layer, args)
      want <- do.call(run_reference, c(list(kind, x, w, initial_state = init, mask = if (use_mask) mask), flags))
      expect_length(got, 1 + n_states(kind))
      for (i in seq_along(want)) expect_near(got[[i]], want[[i]])
    }
  }
})

test_that("LSTM return_state gives list(output, h, c) with h equal to the last output", {
  x <- rnd(c(2, 4, 3))
  res <- layer_lstm(x, units = 5, return_state = TRUE)
  expect_length(res, 3)
  expect_equal(dim(res[[2]]), c(2L, 5L))
  expect_equal(as.array(res[[1]]), as.array(res[[2]]))
  expect_false(isTRUE(all.equal(as.array(res[[2]]), as.array(res[[3]]))))
})

test_that("stacked built-in cells match the chained references", {
  set.seed(7)
  B <- 3; Tn <- 6; I <- 4
  x <- rnd(c(B, Tn, I), 1)
  mask <- matrix(TRUE, B, Tn)
  mask[1, 3] <- FALSE
  mask[2, 5:6] <- FALSE
  for (gb in c(FALSE, TRUE)) {
    rnn <- layer_rnn(cell = list(rnn_cell_gru(3, dtype = "float64"), rnn_cell_lstm(2, dtype = "float64"),
                                 rnn_cell_simple(2, dtype = "float64")),
                     return_sequences = TRUE, return_state = TRUE, go_backwards = gb, dtype = "float64")
    invisible(rnn(x))
    w1 <- rand_weights("gru", I, 3); w2 <- rand_weights("lstm", 3, 2); w3 <- rand_weights("simple", 2, 2)
    set_weights(rnn, c(w1, w2, w3))
    got <- rnn(x, mask = mask)
    r1 <- run_reference("gru", x, w1, mask = mask, go_backwards = gb, return_sequences = TRUE)
    # the first cell already processed time in reverse: feed its outputs forwards
    r2 <- run_reference("lstm", r1[[1]], w2, mask = if (gb) mask[, Tn:1] else mask, return_sequences = TRUE)
    r3 <- run_reference("simple", r2[[1]], w3, mask = if (gb) mask[, Tn:1] else mask, return_sequences = TRUE)
    expect_near(got[[1]], r3[[1]])
    expect_length(got, 4)
    expect_near(got[[2]], r1[[2]])
    expect_near(got[[3]][[1]], r2[[2]])
    expect_near(got[[3]][[2]], r2[[3]])
    expect_near(got[[4]], r3[[2]])
  }
})

test_that("stateful layers carry their states across calls", {
  set.seed(3)
  for (kind in kinds) {
    x1 <- rnd(c(2, 3, 4), 1); x2 <- rnd(c(2, 3, 4), 1)
    layer <- make_layer(kind, 3, stateful = TRUE)
    invisible(layer(x1)); reset_state(layer)
    w <- rand_weights(kind, 4, 3)
    set_weights(layer, w)
    y1 <- layer(x1)
    y2 <- layer(x2)
    r1 <- run_reference(kind, x1, w)
    r2 <- run_reference(kind, x2, w, initial_state = r1[-1])
    expect_near(y1, r1[[1]])
    expect_near(y2, r2[[1]])
    reset_state(layer)
    expect_near(layer(x1), r1[[1]])
  }
})

# ---- fused path against the per-step path -------------------------------------------

test_that("the fused kernels and the per-step op path agree on the same weights", {
  set.seed(11)
  B <- 3; Tn <- 5; I <- 4; H <- 3
  mask <- matrix(TRUE, B, Tn)
  mask[1, 2] <- FALSE
  mask[3, 4:5] <- FALSE
  for (kind in kinds) {
    x <- rnd(c(B, Tn, I), 1)
    w <- rand_weights(kind, I, H)
    for (gb in c(FALSE, TRUE)) {
      fused <- make_layer(kind, H, return_sequences = TRUE, go_backwards = gb)
      # an activation given as an R function sends the same cell down the per-step path
      stepwise <- make_layer(kind, H, activation = function(x) op_tanh(x), return_sequences = TRUE, go_backwards = gb)
      expect_true(is.function(fused$cell$fused_sequence))
      expect_null(stepwise$cell$fused_sequence)
      invisible(fused(x)); invisible(stepwise(x))
      set_weights(fused, w); set_weights(stepwise, w)
      expect_near(fused(x, mask = mask), stepwise(x, mask = mask))
    }
  }
})

test_that("a built-in cell stacked with a cell written in R runs per step and matches the references", {
  set.seed(5)
  x <- rnd(c(2, 4, 3), 1)
  for (kind in kinds) {
    cell <- make_cell(kind, 3, dtype = "float64")
    minimal <- rnn_cell_minimal(units = 2, dtype = "float64")
    rnn <- layer_rnn(cell = list(cell, minimal), dtype = "float64", return_sequences = TRUE)
    invisible(rnn(x))
    w <- rand_weights(kind, 3, 3)
    W <- rnd(c(3, 2)); U <- rnd(c(2, 2))
    set_weights(rnn, c(w, list(W, U)))
    r1 <- run_reference(kind, x, w, return_sequences = TRUE)
    r2 <- ref_minimal_rnn(r1[[1]], W, U, return_sequences = TRUE)
    expect_near(rnn(x), r2$output)
  }
})

# ---- dropout ---------------------------------------------------------------------------

test_that("dropout acts only in training, with masks fixed across timesteps, on both paths", {
  B <- 3; Tn <- 5; I <- 4; H <- 3
  rate <- 0.4; rrate <- 0.3
  for (kind in kinds) {
    set.seed(1)
    x <- rnd(c(B, Tn, I), 1)
    w <- rand_weights(kind, I, H)
    fused <- make_layer(kind, H, dropout = rate, recurrent_dropout = rrate, return_sequences = TRUE)
    stepwise <- make_layer(kind, H, activation = function(x) op_tanh(x), dropout = rate,
                           recurrent_dropout = rrate, return_sequences = TRUE)
    plain <- make_layer(kind, H, return_sequences = TRUE)
    for (l in list(fused, stepwise, plain)) { invisible(l(x)); set_weights(l, w) }

    # inference: deterministic, and no dropout at all
    expect_near(fused(x), plain(x))
    expect_near(fused(x), fused(x))
    expect_near(stepwise(x, training = FALSE), plain(x))

    set.seed(99)
    a <- fused(x, training = TRUE)
    set.seed(99)
    b <- stepwise(x, training = TRUE)
    set.seed(99)
    din <- matrix((stats::runif(B * I) >= rate) / (1 - rate), B, I)
    drec <- matrix((stats::runif(B * H) >= rrate) / (1 - rrate), B, H)
    want <- run_reference(kind, x, w, return_sequences = TRUE, dropout_mask = din, recurrent_dropout_mask = drec)
    expect_near(a, want[[1]])
    expect_near(b, want[[1]])
    expect_gt(max(abs(as.array(a) - as.array(plain(x)))), 1e-3)
    # a new call draws new masks
    expect_gt(max(abs(as.array(fused(x, training = TRUE)) - as.array(a))), 1e-6)
  }
})

test_that("seed makes the dropout masks reproducible without touching R's RNG", {
  x <- rnd(c(2, 4, 3), 1)
  l1 <- layer_gru(units = 3, dropout = 0.5, seed = 1, kernel_initializer = "ones", dtype = "float64")
  l2 <- layer_gru(units = 3, dropout = 0.5, seed = 1, kernel_initializer = "ones", dtype = "float64")
  invisible(l1(x)); invisible(l2(x))
  set_weights(l2, get_weights(l1))
  set.seed(2); before <- stats::runif(1)
  set.seed(2); y1 <- l1(x, training = TRUE); after <- stats::runif(1)
  expect_equal(before, after)
  y2 <- l2(x, training = TRUE)
  expect_near(y1, y2)
})

# ---- weights, counts, classes ----------------------------------------------------------

test_that("weights have Keras's names, shapes and order, and counts match Keras", {
  x <- rnd(c(2, 4, 7))
  cases <- list(
    list(layer_simple_rnn(units = 5), c(7, 5), c(5, 5), 5, 5 * (7 + 5 + 1)),
    list(layer_gru(units = 5), c(7, 15), c(5, 15), c(2, 15), 3 * 5 * (7 + 5 + 2)),
    list(layer_gru(units = 5, reset_after = FALSE), c(7, 15), c(5, 15), 15, 3 * 5 * (7 + 5 + 1)),
    list(layer_lstm(units = 5), c(7, 20), c(5, 20), 20, 4 * 5 * (7 + 5 + 1))
  )
  for (cs in cases) {
    layer <- cs[[1]]
    invisible(layer(x))
    expect_equal(vapply(layer$weights, function(v) v$name, ""), c("kernel", "recurrent_kernel", "bias"))
    shapes <- lapply(get_weights(layer), function(a) if (is.null(dim(a))) length(a) else dim(a))
    expect_equal(lapply(shapes, as.integer), lapply(cs[2:4], as.integer))
    expect_equal(layer$count_params(), as.integer(cs[[5]]))
  }
  lstm <- layer_lstm(units = 2)
  invisible(lstm(rnd(c(1, 2, 3))))
  expect_equal(as.vector(get_weights(lstm)[[3]]), c(0, 0, 1, 1, 0, 0, 0, 0))
  expect_equal(layer_lstm(units = 2, use_bias = FALSE)(rnd(c(1, 2, 3))) |> dim(), c(1L, 2L))
})

test_that("set_weights() moves weights between layer_lstm() and layer_rnn(rnn_cell_lstm())", {
  x <- rnd(c(2, 5, 3))
  a <- layer_lstm(units = 4)
  b <- layer_rnn(cell = rnn_cell_lstm(4))
  ya <- a(x); invisible(b(x))
  set_weights(b, get_weights(a))
  expect_near(b(x), ya, 1e-6)
})

test_that("the layers are RNN layers with Keras's class names, cells and fields", {
  l <- layer_lstm(units = 4)
  expect_s3_class(l, "keras.src.layers.rnn.lstm.LSTM")
  expect_s3_class(layer_gru(units = 4), "keras.src.layers.rnn.gru.GRU")
  expect_s3_class(layer_simple_rnn(units = 4), "keras.src.layers.rnn.simple_rnn.SimpleRNN")
  expect_true(inherits(attr(l, "layer"), "RNN"))
  expect_equal(l$units, 4L)
  expect_equal(l$cell$name, "lstm_cell")
  expect_equal(layer_gru(units = 2)$cell$name, "gru_cell")
  expect_equal(layer_simple_rnn(units = 2)$cell$name, "simple_rnn_cell")
  expect_equal(names(formals(layer_lstm))[1:3], c("object", "units", "activation"))
  expect_equal(which(names(formals(layer_simple_rnn)) == "seed"), which(names(formals(layer_simple_rnn)) == "unroll") + 1L)
  expect_equal(which(names(formals(layer_gru)) == "seed") + 1L, which(names(formals(layer_gru)) == "return_sequences"))
  expect_equal(formals(layer_gru)$reset_after, TRUE)
  expect_equal(formals(layer_lstm)$use_cudnn, "auto")
})

test_that("the layers compose through object: sequential, symbolic and eager", {
  model <- keras_model_sequential(input_shape = c(5, 3)) |> layer_lstm(units = 4) |> layer_dense(1)
  expect_equal(dim(predict(model, rnd(c(6, 5, 3)), verbose = 0)), c(6L, 1L))
  inp <- keras_input(shape = c(NA, 3))
  out <- layer_gru(inp, units = 2, return_sequences = TRUE)
  expect_true(inherits(out, "recurrent_symbolic_tensor"))
  expect_equal(dim(layer_simple_rnn(rnd(c(2, 5, 3)), units = 2)), c(2L, 2L))
})

# ---- errors --------------------------------------------------------------------------------

test_that("bad arguments are clear errors", {
  expect_error(layer_lstm(units = 0), "units")
  expect_error(layer_gru(), "units")
  expect_error(layer_simple_rnn(units = 2, activation = "nope"), "unknown activation")
  expect_error(layer_lstm(units = 2, use_cudnn = TRUE), "cuDNN")
  expect_error(layer_gru(units = 2, use_cudnn = "yes"), "use_cudnn")
  expect_no_error(layer_gru(units = 2, use_cudnn = FALSE))
  expect_error(layer_lstm(units = 2, dropout = 2), "dropout")
  expect_error(layer_lstm(units = 2, reset_after = TRUE), "reset_after")
  expect_error(layer_lstm(units = 2)(matrix(1, 2, 3)), "3-D")
})
