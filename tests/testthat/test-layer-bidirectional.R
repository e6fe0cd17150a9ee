# layer_bidirectional() against two runs of the plain-R reference (helper-minimal-cell.R).

bi_minimal <- function(units, input_dim, ..., merge_mode = "concat") {
  bi <- layer_bidirectional(layer = layer_rnn(cell = rnn_cell_minimal(units = units), ...), merge_mode = merge_mode)
  bi$build(list(NULL, NULL, input_dim))
  bi
}

test_that("forward and backward outputs are merged in time order", {
  set.seed(21)
  x <- array(runif(2 * 5 * 3, -1, 1), c(2, 5, 3))
  mask <- matrix(TRUE, 2, 5)
  mask[1, 4:5] <- FALSE
  for (rs in c(FALSE, TRUE)) {
    bi <- bi_minimal(2, 3, return_sequences = rs)
    expect_equal(bi$forward_layer$name, paste0("forward_", sub("^forward_", "", bi$forward_layer$name)))
    c(Wf, Uf, Wb, Ub) %<-% bi$get_weights()
    expect_equal(dim(Wf), c(3L, 2L))
    expect_false(isTRUE(all.equal(Wf, Wb)))  # fresh weights for each direction
    got <- as.array(bi(x, mask = mask))
    fwd <- ref_minimal_rnn(x, Wf, Uf, mask = mask, return_sequences = rs, zero_output_for_mask = rs)$output
    bwd <- ref_minimal_rnn(x, Wb, Ub, mask = mask, return_sequences = rs, go_backwards = TRUE,
                           zero_output_for_mask = rs)$output
    if (rs) bwd <- bwd[, 5:1, , drop = FALSE]
    want <- if (rs) array(c(fwd, bwd), c(2, 5, 4)) else cbind(fwd, bwd)
    expect_equal(got, want, tolerance = 1e-5, ignore_attr = TRUE)
  }
})

test_that("merge modes, return_state and initial_state", {
  set.seed(22)
  x <- array(runif(2 * 4 * 3, -1, 1), c(2, 4, 3))
  for (mode in list("sum", "mul", "ave", NULL)) {
    bi <- bi_minimal(2, 3, merge_mode = mode)
    c(Wf, Uf, Wb, Ub) %<-% bi$get_weights()
    f <- ref_minimal_rnn(x, Wf, Uf)$output
    b <- ref_minimal_rnn(x, Wb, Ub, go_backwards = TRUE)$output
    got <- bi(x)
    if (is.null(mode)) {
      expect_length(got, 2)
      expect_equal(as.array(got[[1]]), f, tolerance = 1e-5)
      expect_equal(as.array(got[[2]]), b, tolerance = 1e-5)
    } else {
      want <- switch(mode, sum = f + b, mul = f * b, ave = (f + b) / 2)
      expect_equal(as.array(got), want, tolerance = 1e-5)
    }
  }
  bi <- bi_minimal(2, 3, return_state = TRUE)
  c(Wf, Uf, Wb, Ub) %<-% bi$get_weights()
  h_f <- matrix(runif(4), 2); h_b <- matrix(runif(4), 2)
  res <- bi(x, initial_state = list(h_f, h_b))
  expect_length(res, 3)
  f <- ref_minimal_rnn(x, Wf, Uf, h0 = h_f)
  b <- ref_minimal_rnn(x, Wb, Ub, h0 = h_b, go_backwards = TRUE)
  expect_equal(as.array(res[[1]]), cbind(f$output, b$output), tolerance = 1e-5)
  expect_equal(as.array(res[[2]]), f$state, tolerance = 1e-5)
  expect_equal(as.array(res[[3]]), b$state, tolerance = 1e-5)
  expect_error(bi(x, initial_state = list(h_f)), "even number")
})

test_that("symbolic shapes, models and errors", {
  inp <- keras_input(shape = c(7, 3))
  out <- layer_bidirectional(inp, layer_rnn(cell = rnn_cell_minimal(units = 4), return_sequences = TRUE))
  expect_equal(out$shape, list(NULL, 7L, 8L))
  model <- keras_model_sequential(input_shape = c(7, 3)) |>
    bidirectional(layer_rnn(cell = rnn_cell_minimal(units = 4))) |>
    layer_dense(units = 1)
  expect_equal(count_params(model), 2L * (3L * 4L + 4L * 4L) + 8L + 1L)
  expect_equal(dim(predict(model, array(0, c(2, 7, 3)), verbose = 0)), c(2L, 1L))
  expect_error(layer_bidirectional(layer = layer_dense(units = 2)), class = "recurrent_error_argument")
  expect_error(layer_bidirectional(layer = layer_rnn(cell = rnn_cell_minimal(units = 2)), merge_mode = "max"),
               class = "recurrent_error_argument")
})
