# HDF5 paths of layers with sub-layers, as Keras 3 writes them. The expected layouts
# come from Keras's source (keras-team/keras, master at commit 3422977):
# * keras/src/saving/saving_lib.py, `_walk_saveable()`: a Functional model yields
#   `layers` first (InputLayers included), then every attribute of `dir(obj)` that
#   base `Layer()` lacks, sorted with private (`_`) names last (`_name_key()`); an
#   object already visited is skipped. A list element is named by the snake_case of
#   its class (`MultiHeadAttention` -> `multi_head_attention`, `Conv1D` -> `conv1d`,
#   `ConvLSTM2D` -> `conv_lstm2d`, by `naming.to_snake_case()`).
# * `_save_state()` passes `{"name": layer.name}` as metadata, so `H5IOStore.make()`
#   creates `<path>/vars` for every visited layer, with or without variables.
# * keras/src/layers/attention/multi_head_attention.py: the projections are
#   `EinsumDense` layers in `_query_dense`, `_key_dense`, `_value_dense`,
#   `_output_dense`, exposed as the properties `query_dense`, `key_dense`,
#   `value_dense`, `output_dense` (which the walk visits first); `_build_attention()`
#   adds `_softmax` (Softmax) and `_dropout_layer` (Dropout), which have no variables.
#   EinsumDense saves kernel then bias; kernels are (4, 2, 3) for query/key/value
#   with 4 input features, 2 heads, key_dim 3, and (2, 3, 4) for the output.
# * keras/src/layers/rnn/conv_lstm.py: ConvLSTM2D is an RNN whose `cell` holds the
#   kernel (kh, kw, in, 4 filters), recurrent kernel (kh, kw, filters, 4 filters), bias.

test_that("MultiHeadAttention weights go to Keras's paths and round-trip exactly", {
  withr::local_seed(11)
  inp <- keras_input(shape = c(5, 4))
  att <- layer_multi_head_attention(list(inp, inp), num_heads = 2, key_dim = 3)
  model <- keras_model(inp, att)
  path <- withr::local_tempfile(fileext = ".weights.h5")
  save_model_weights(model, path)
  mha <- "layers/multi_head_attention"
  want <- expected_layout(
    groups = c("vars", "layers/input_layer/vars", paste0(mha, "/vars"),
               paste0(mha, "/_dropout_layer/vars"), paste0(mha, "/_softmax/vars")),
    datasets = stats::setNames(
      as.list(c("4x2x3", "2x3", "2x3x4", "4", "4x2x3", "2x3", "4x2x3", "2x3")),
      paste0(mha, "/", rep(c("key_dense", "output_dense", "query_dense", "value_dense"), each = 2),
             "/vars/", 0:1)))
  got <- h5_layout(path)
  expect_equal(got[order(names(got))], want)

  x <- array(runif(3 * 5 * 4, -1, 1), c(3, 5, 4))
  before <- predict(model, x, verbose = 0)
  file <- withr::local_tempfile(fileext = ".keras")
  save_model(model, file)
  again <- load_model(file)
  expect_identical(predict(again, x, verbose = 0), before)
  # and the same weights loaded into a freshly initialised model
  fresh <- keras_model(inp2 <- keras_input(shape = c(5, 4)),
                       layer_multi_head_attention(list(inp2, inp2), num_heads = 2, key_dim = 3))
  expect_false(isTRUE(all.equal(predict(fresh, x, verbose = 0), before)))
  load_model_weights(fresh, path)
  expect_identical(predict(fresh, x, verbose = 0), before)
})

test_that("files from Keras 3.0.0-3.0.2 with `_query_dense`-style paths load", {
  withr::local_seed(12)
  inp <- keras_input(shape = c(5, 4))
  model <- keras_model(inp, layer_multi_head_attention(list(inp, inp), num_heads = 2, key_dim = 3))
  path <- withr::local_tempfile(fileext = ".weights.h5")
  save_model_weights(model, path)
  f <- hdf5r::H5File$new(path, "r+")
  for (nm in c("key_dense", "output_dense", "query_dense", "value_dense"))
    f$link_move_to(f, paste0("layers/multi_head_attention/_", nm),
                   paste0("layers/multi_head_attention/", nm))
  f$close_all()
  expect_false(any(grepl("/query_dense", names(h5_layout(path)), fixed = TRUE)))
  x <- array(runif(2 * 5 * 4, -1, 1), c(2, 5, 4))
  before <- predict(model, x, verbose = 0)
  inp2 <- keras_input(shape = c(5, 4))
  fresh <- keras_model(inp2, layer_multi_head_attention(list(inp2, inp2), num_heads = 2, key_dim = 3))
  load_model_weights(fresh, path)
  expect_identical(predict(fresh, x, verbose = 0), before)
})

test_that("conv, pooling, Bidirectional, TimeDistributed and ConvLSTM2D weights go to Keras's paths", {
  withr::local_seed(13)
  m1 <- keras_model_sequential(input_shape = c(12, 2)) |>
    layer_conv_1d(4, 3, padding = "causal") |>
    layer_max_pooling_1d(2) |>
    bidirectional(layer_lstm(units = 3, return_sequences = TRUE)) |>
    time_distributed(layer_dense(units = 2)) |>
    layer_gru(3) |>
    layer_dense(1)
  p1 <- withr::local_tempfile(fileext = ".weights.h5")
  save_model_weights(m1, p1)
  lstm_vars <- c("4x12", "3x12", "12")   # each LSTM reads the 4 conv filters; 4 gates x 3 units
  want1 <- expected_layout(
    groups = c("vars", "layers/max_pooling1d/vars", "layers/bidirectional/vars",
               "layers/bidirectional/forward_layer/vars", "layers/bidirectional/backward_layer/vars",
               "layers/time_distributed/vars", "layers/gru/vars"),
    datasets = c(
      list("layers/conv1d/vars/0" = "3x2x4", "layers/conv1d/vars/1" = "4"),
      stats::setNames(as.list(rep(lstm_vars, 2)),
                      paste0("layers/bidirectional/", rep(c("forward_layer", "backward_layer"), each = 3),
                             "/cell/vars/", 0:2)),
      list("layers/time_distributed/layer/vars/0" = "6x2", "layers/time_distributed/layer/vars/1" = "2",
           "layers/gru/cell/vars/0" = "2x9", "layers/gru/cell/vars/1" = "3x9", "layers/gru/cell/vars/2" = "2x9",
           "layers/dense/vars/0" = "3x1", "layers/dense/vars/1" = "1")))
  got1 <- h5_layout(p1)
  expect_equal(got1[order(names(got1))], want1)

  m2 <- keras_model_sequential(input_shape = c(NA, 8, 8, 1)) |>
    layer_conv_lstm_2d(2, 3, padding = "same", return_sequences = TRUE) |>
    layer_conv_3d(1, c(1, 3, 3), padding = "same")
  p2 <- withr::local_tempfile(fileext = ".weights.h5")
  save_model_weights(m2, p2)
  want2 <- expected_layout(
    groups = c("vars", "layers/conv_lstm2d/vars"),
    datasets = list("layers/conv_lstm2d/cell/vars/0" = "3x3x1x8", "layers/conv_lstm2d/cell/vars/1" = "3x3x2x8",
                    "layers/conv_lstm2d/cell/vars/2" = "8",
                    "layers/conv3d/vars/0" = "1x3x3x2x1", "layers/conv3d/vars/1" = "1"))
  got2 <- h5_layout(p2)
  expect_equal(got2[order(names(got2))], want2)

  for (case in list(list(m1, array(runif(2 * 12 * 2), c(2, 12, 2))),
                    list(m2, array(runif(2 * 3 * 8 * 8), c(2, 3, 8, 8, 1))))) {
    file <- withr::local_tempfile(fileext = ".keras")
    save_model(case[[1]], file)
    expect_identical(predict(load_model(file), case[[2]], verbose = 0), predict(case[[1]], case[[2]], verbose = 0))
  }
})
