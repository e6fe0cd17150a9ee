# Expected values from Keras's own tests: keras-team/keras keras/src/ops/nn_test.py
# (NNOpsCorrectnessTest.test_ctc_loss and test_ctc_decode) and, for a small case, a
# brute-force sum over every alignment written here in plain R.

keras_ctc_output <- function() {
  out <- array(0, c(2, 3, 3))
  out[1, , ] <- rbind(c(0.4, 0.8, 0.4), c(0.2, 0.8, 0.3), c(0.9, 0.4, 0.5))
  out[2, , ] <- rbind(c(0.4, 0.8, 0.4), c(0.2, 0.3, 0.3), c(0.4, 0.3, 0.2))
  out
}

keras_decode_inputs <- function() {
  x <- array(0, c(3, 3, 4))
  x[1, , ] <- rbind(c(0.1, 0.4, 0.2, 0.4), c(0.3, -0.3, 0.4, 0.2), c(0.3, 0.2, 0.4, 0.3))
  x[2, , ] <- rbind(c(0.7, 0.4, 0.3, 0.2), c(0.3, 0.3, 0.4, 0.1), c(0.6, -0.1, 0.1, 0.5))
  x[3, , ] <- rbind(c(0.1, 0.4, 0.2, 0.7), c(0.3, 0.3, -0.2, 0.7), c(0.3, 0.2, 0.4, 0.1))
  x
}

# -log of the sum over all paths of length T (one class per step) that collapse to
# `label` (merge repeats, then drop blanks), by enumeration.
brute_ctc <- function(logits, label, blank = 0) {
  logp <- logits - apply(logits, 1, function(r) log(sum(exp(r))))
  steps <- nrow(logits); k <- ncol(logits)
  paths <- as.matrix(expand.grid(rep(list(0:(k - 1)), steps)))
  collapse <- function(p) { p <- p[c(TRUE, p[-1] != p[-length(p)])]; p[p != blank] }
  total <- 0
  for (i in seq_len(nrow(paths))) {
    p <- paths[i, ]
    if (identical(as.numeric(collapse(p)), as.numeric(label)))
      total <- total + exp(sum(logp[cbind(seq_len(steps), p + 1)]))
  }
  -log(total)
}

test_that("op_ctc_loss gives Keras's tested values", {
  got <- op_ctc_loss(rbind(c(1, 2, 1), c(1, 2, 2)), keras_ctc_output(), c(3, 2), c(3, 2))
  expect_allclose(got, c(3.4411672, 1.91680186), rtol = 1e-5, atol = 1e-5)
})

test_that("op_ctc_loss equals the brute-force sum over alignments (repeats need a blank)", {
  set.seed(3)
  logits <- matrix(rnorm(5 * 3), 5, 3)
  for (label in list(c(1, 2), c(1, 1), c(2), c(2, 1, 2))) {
    got <- op_ctc_loss(matrix(c(label, rep(0, 3 - length(label))), 1), array(logits, c(1, 5, 3)),
                       length(label), 5)
    expect_allclose(got, brute_ctc(logits, label), rtol = 1e-5, atol = 1e-6)
  }
  # another blank index: class 3 (1-based) is the blank
  got <- op_ctc_loss(matrix(c(0, 1), 1), array(logits, c(1, 5, 3)), 2, 5, mask_index = 3)
  expect_allclose(got, brute_ctc(logits, c(0, 1), blank = 2), rtol = 1e-5, atol = 1e-6)
  # too short to hold "1 1" (needs three steps): infinite loss
  expect_identical(as.numeric(op_ctc_loss(matrix(c(1, 1), 1), array(logits[1:2, ], c(1, 2, 3)), 2, 2)), Inf)
})

test_that("op_ctc_loss's gradient matches finite differences", {
  set.seed(4)
  logits <- array(rnorm(2 * 4 * 3), c(2, 4, 3))
  expect_grad(function(x) op_ctc_loss(rbind(c(1, 2), c(2, 0)), x, c(2, 1), c(4, 3)), logits)
})

test_that("op_ctc_decode greedy gives Keras's tested labels and scores", {
  x <- keras_decode_inputs()
  res <- op_ctc_decode(x, c(3, 3, 1), strategy = "greedy", mask_index = 1)
  expect_identical(dim(res[[1]]), c(1L, 3L, 3L))
  expect_identical(as.array(res[[1]])[1, , ], rbind(c(1L, 2L, -1L), c(2L, -1L, -1L), c(3L, -1L, -1L)))
  expect_allclose(res[[2]], c(-1.2, -1.7, -0.7), rtol = 1e-6, atol = 1e-6)
  res <- op_ctc_decode(x, c(3, 3, 1), strategy = "greedy", merge_repeated = FALSE, mask_index = 1)
  expect_identical(as.array(res[[1]])[1, , ], rbind(c(1L, 2L, 2L), c(2L, -1L, -1L), c(3L, -1L, -1L)))
})

test_that("op_ctc_decode beam search gives Keras's tested paths and log-probabilities", {
  x <- keras_decode_inputs()
  res <- op_ctc_decode(x, c(3, 3, 1), strategy = "beam_search", beam_width = 4, top_paths = 2, mask_index = 1)
  paths <- as.array(res[[1]])
  expect_identical(dim(paths), c(2L, 3L, 3L))
  expect_identical(paths[1, , ], rbind(c(1L, 2L, -1L), c(2L, -1L, -1L), c(3L, -1L, -1L)))
  expect_identical(paths[2, , ], rbind(c(2L, -1L, -1L), c(3L, -1L, -1L), c(1L, -1L, -1L)))
  expect_allclose(as.array(res[[2]]), rbind(c(-2.426537, -2.435596), c(-2.127681, -2.182338), c(-1.063386, -1.363386)),
                  rtol = 1e-5, atol = 1e-5)
  expect_error(op_ctc_decode(x, 3, strategy = "beam"), class = "recurrent_error")
  expect_error(op_ctc_decode(x, 3, strategy = "beam_search", beam_width = 2, top_paths = 3),
               class = "recurrent_error")
})

test_that("loss_ctc treats class 0 as blank and padding, and trains a recurrent model", {
  set.seed(5)
  logits <- array(rnorm(2 * 5 * 3), c(2, 5, 3))
  y <- rbind(c(1, 2, 0), c(2, 0, 0))
  want <- c(brute_ctc(logits[1, , ], c(1, 2)), brute_ctc(logits[2, , ], 2))
  expect_allclose(loss_ctc(y, logits), want, rtol = 1e-5, atol = 1e-6)
  expect_allclose(loss_ctc()(y, logits), mean(want), rtol = 1e-5, atol = 1e-6)
  expect_s3_class(loss_ctc(), "keras.src.losses.losses.CTC")
  expect_error(loss_ctc(c(1, 2), logits), class = "recurrent_error")

  # a GRU learns to emit "1 2" for inputs whose first feature is high, "2" otherwise
  x <- array(runif(32 * 6 * 2), c(32, 6, 2))
  first <- x[, 1, 1] > 0.5
  y <- t(sapply(first, function(f) if (f) c(1, 2) else c(2, 0)))
  model <- keras_model_sequential(input_shape = c(6, 2)) |>
    layer_gru(8, return_sequences = TRUE) |> layer_dense(3)
  model |> compile(optimizer = optimizer_adam(0.05), loss = loss_ctc())
  h <- model |> fit(x, y, epochs = 15, batch_size = 8, verbose = 0)
  expect_lt(tail(h$metrics$loss, 1), 0.5 * h$metrics$loss[1])
})
