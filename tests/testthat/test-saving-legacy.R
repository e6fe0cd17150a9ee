# A legacy Keras 2 functional model file written here the way Keras 2.1 writes one
# (class "Model", list-form inbound_nodes, fixed-length name strings, weights named
# "<layer>/kernel:0"), checked against the plain-R reference LSTM of
# helper-reference.R with Keras 2's hard_sigmoid.

write_keras2_functional_h5 <- function(path, w) {
  lstm_cfg <- list(name = "lstm_1", trainable = TRUE, return_sequences = FALSE, return_state = FALSE,
                   go_backwards = FALSE, stateful = FALSE, unroll = FALSE, units = 3L, activation = "tanh",
                   recurrent_activation = "hard_sigmoid", use_bias = TRUE,
                   kernel_initializer = list(class_name = "VarianceScaling",
                                             config = list(scale = 1, mode = "fan_avg", distribution = "uniform", seed = NULL)),
                   recurrent_initializer = list(class_name = "Orthogonal", config = list(gain = 1, seed = NULL)),
                   bias_initializer = list(class_name = "Zeros", config = setNames(list(), character())),
                   unit_forget_bias = TRUE, kernel_regularizer = NULL, recurrent_regularizer = NULL,
                   bias_regularizer = NULL, activity_regularizer = NULL, kernel_constraint = NULL,
                   recurrent_constraint = NULL, bias_constraint = NULL, dropout = 0, recurrent_dropout = 0,
                   implementation = 1L)
  cfg <- list(class_name = "Model", config = list(
    name = "model_1",
    layers = list(
      list(name = "in_a", class_name = "InputLayer",
           config = list(batch_input_shape = list(NULL, 4L, 2L), dtype = "float32", sparse = FALSE, name = "in_a"),
           inbound_nodes = list()),
      list(name = "in_b", class_name = "InputLayer",
           config = list(batch_input_shape = list(NULL, 2L), dtype = "float32", sparse = FALSE, name = "in_b"),
           inbound_nodes = list()),
      list(name = "lstm_1", class_name = "LSTM", config = lstm_cfg,
           inbound_nodes = list(list(list("in_a", 0L, 0L, setNames(list(), character()))))),
      list(name = "concatenate_1", class_name = "Concatenate",
           config = list(name = "concatenate_1", trainable = TRUE, axis = -1L),
           inbound_nodes = list(list(list("lstm_1", 0L, 0L, setNames(list(), character())),
                                     list("in_b", 0L, 0L, setNames(list(), character()))))),
      list(name = "dense_1", class_name = "Dense",
           config = list(name = "dense_1", trainable = TRUE, units = 1L, activation = "linear", use_bias = TRUE),
           inbound_nodes = list(list(list("concatenate_1", 0L, 0L, setNames(list(), character())))))),
    input_layers = list(list("in_a", 0L, 0L), list("in_b", 0L, 0L)),
    output_layers = list(list("dense_1", 0L, 0L))))
  f <- hdf5r::H5File$new(path, "w")
  on.exit(f$close_all())
  hdf5r::h5attr(f, "keras_version") <- "2.1.6"
  hdf5r::h5attr(f, "backend") <- "tensorflow"
  hdf5r::h5attr(f, "model_config") <- as.character(jsonlite::toJSON(cfg, auto_unbox = TRUE, null = "null", digits = NA))
  mw <- f$create_group("model_weights")
  names_all <- c("in_a", "in_b", "lstm_1", "concatenate_1", "dense_1")
  mw$create_attr("layer_names", robj = names_all, dtype = hdf5r::H5T_STRING$new(size = 16))
  put <- function(layer, weights) {
    g <- mw$create_group(layer)
    if (!length(weights)) {
      # Keras 2 writes an empty array here
      suppressWarnings(try(g$create_attr("weight_names", robj = numeric(0), space = hdf5r::H5S$new("null")),
                           silent = TRUE))
      return()
    }
    wn <- paste0(layer, "/", names(weights), ":0")
    g$create_attr("weight_names", robj = wn, dtype = hdf5r::H5T_STRING$new(size = 40))
    inner <- g$create_group(layer)
    for (k in names(weights)) {
      v <- weights[[k]]
      inner$create_dataset(paste0(k, ":0"), robj = if (is.matrix(v)) t(v) else v,
                           dtype = hdf5r::h5types$H5T_IEEE_F32LE, chunk_dims = NULL)
    }
  }
  put("in_a", list())
  put("in_b", list())
  put("lstm_1", list(kernel = w$kernel, recurrent_kernel = w$recurrent_kernel, bias = w$bias))
  put("concatenate_1", list())
  put("dense_1", list(kernel = w$dense_kernel, bias = w$dense_bias))
}

test_that("a Keras 2 functional .h5 loads: legacy graph, positional weights, Keras 2 hard_sigmoid", {
  set.seed(21)
  f32 <- function(v) { con <- rawConnection(raw(0), "r+"); writeBin(as.numeric(v), con, size = 4); r <- rawConnectionValue(con); close(con); array(readBin(r, "double", length(v), size = 4), dim(v) %||% length(v)) }
  w <- list(kernel = f32(matrix(rnorm(2 * 12), 2, 12)), recurrent_kernel = f32(matrix(rnorm(3 * 12), 3, 12)),
            bias = f32(rnorm(12)), dense_kernel = f32(matrix(rnorm(5), 5, 1)), dense_bias = f32(0.25))
  path <- withr::local_tempfile(fileext = ".h5")
  write_keras2_functional_h5(path, w)
  model <- load_model(path)
  xa <- f32(array(rnorm(3 * 4 * 2), c(3, 4, 2)))
  xb <- f32(matrix(rnorm(3 * 2), 3, 2))
  h <- ref_lstm(xa, w$kernel, w$recurrent_kernel, w$bias, recurrent_activation = "hard_sigmoid_keras2")[[1]]
  want <- cbind(h, xb) %*% w$dense_kernel + as.numeric(w$dense_bias)
  got <- predict(model, list(xa, xb), verbose = 0)
  expect_equal(as.numeric(got), as.numeric(want), tolerance = 1e-5)
  # with Keras 3's hard_sigmoid the numbers would differ
  h3 <- ref_lstm(xa, w$kernel, w$recurrent_kernel, w$bias, recurrent_activation = "hard_sigmoid")[[1]]
  expect_gt(max(abs(cbind(h3, xb) %*% w$dense_kernel + as.numeric(w$dense_bias) - want)), 1e-3)
  # the same weights load into a model built here, by position
  inp_a <- keras_input(shape = c(4, 2))
  inp_b <- keras_input(shape = 2)
  out <- layer_concatenate(list(inp_a |> layer_lstm(3, recurrent_activation = "hard_sigmoid_keras2"), inp_b)) |>
    layer_dense(1)
  built <- keras_model(list(inp_a, inp_b), out)
  load_model_weights(built, path)
  expect_equal(predict(built, list(xa, xb), verbose = 0), got)
  # saving it as .keras keeps its numbers
  p2 <- withr::local_tempfile(fileext = ".keras")
  save_model(model, p2)
  expect_identical(predict(load_model(p2), list(xa, xb), verbose = 0), got)
  # a model with another layer order is refused, naming the layer and the shapes
  wrong <- keras_model(list(inp_a, inp_b),
                       layer_concatenate(list(inp_a |> layer_lstm(4), inp_b)) |> layer_dense(1))
  expect_error(load_model_weights(wrong, path), "lstm.*has shape \\(2, 16\\)", class = "recurrent_error_weights")
})
