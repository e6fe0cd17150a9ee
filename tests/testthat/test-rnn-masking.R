# Masks made by layer_masking() and layer_embedding(mask_zero = TRUE) reach recurrent
# layers through sequential and functional models, and pass on with return_sequences.

test_that("layer_masking() in a sequential model masks the recurrent layer's timesteps", {
  set.seed(11)
  x <- array(runif(2 * 5 * 3, -1, 1), c(2, 5, 3))
  x[1, 4:5, ] <- 0   # padding at the end of sample 1
  x[2, 2, ] <- 0     # a gap in sample 2
  W <- matrix(runif(6, -1, 1), 3); U <- matrix(runif(4, -1, 1), 2) / 2
  model <- keras_model_sequential(input_shape = c(5, 3)) |>
    layer_masking(mask_value = 0) |>
    layer_rnn(cell = rnn_cell_minimal(units = 2), return_sequences = TRUE)
  model$layers[[2]]$set_weights(list(W, U))
  mask <- apply(x != 0, c(1, 2), any)
  want <- ref_minimal_rnn(x, W, U, mask = mask, return_sequences = TRUE)$output
  expect_equal(predict(model, x, verbose = 0), want, tolerance = 1e-5, ignore_attr = TRUE)
})

test_that("an embedding's mask reaches a recurrent layer in a functional model and passes on", {
  set.seed(12)
  ids <- matrix(c(3, 1, 4, 0, 0,
                  2, 5, 0, 1, 3), 2, byrow = TRUE)
  inp <- keras_input(shape = 5)
  emb <- layer_embedding(input_dim = 6, output_dim = 3, mask_zero = TRUE)
  rnn1 <- layer_rnn(cell = rnn_cell_minimal(units = 4), return_sequences = TRUE)
  rnn2 <- layer_rnn(cell = rnn_cell_minimal(units = 2))
  out <- inp |> emb() |> rnn1() |> rnn2()
  model <- keras_model(inp, out)
  E <- get_weights(emb)[[1]]
  c(W1, U1) %<-% get_weights(rnn1)
  c(W2, U2) %<-% get_weights(rnn2)
  # the embedding looks up 0-based ids
  xe <- array(0, c(2, 5, 3))
  for (b in 1:2) for (t in 1:5) xe[b, t, ] <- E[ids[b, t] + 1, ]
  mask <- ids != 0
  h1 <- ref_minimal_rnn(xe, W1, U1, mask = mask, return_sequences = TRUE)$output
  want <- ref_minimal_rnn(h1, W2, U2, mask = mask)$output
  expect_equal(predict(model, ids, verbose = 0), want, tolerance = 1e-5, ignore_attr = TRUE)
})

test_that("the output mask is the input mask with return_sequences and none without", {
  x <- array(1, c(2, 3, 2))
  x[1, 3, ] <- 0
  masked <- layer_masking(x, mask_value = 0)
  seq_out <- layer_rnn(masked, cell = rnn_cell_minimal(units = 2), return_sequences = TRUE)
  expect_equal(as.array(attr(seq_out, "keras_mask")), matrix(c(TRUE, TRUE, TRUE, TRUE, FALSE, TRUE), 2))
  last_out <- layer_rnn(masked, cell = rnn_cell_minimal(units = 2))
  expect_null(attr(last_out, "keras_mask"))
})
