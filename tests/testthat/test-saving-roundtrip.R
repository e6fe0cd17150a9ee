# save_model()/load_model() and the weights files: a model loaded back predicts
# exactly what the saved one did, with the same weights, for every layer type, both
# float dtypes and functional graphs; training resumes from the saved optimizer state.

expect_roundtrip <- function(model, x) {
  path <- withr::local_tempfile(fileext = ".keras", .local_envir = parent.frame())
  save_model(model, path)
  loaded <- load_model(path)
  expect_identical(predict(loaded, x, verbose = 0), predict(model, x, verbose = 0))
  expect_identical(get_weights(loaded), get_weights(model))
  # the copy is independent of the original
  expect_false(identical(rlang::obj_address(unwrap_layer_for_test(loaded)), rlang::obj_address(unwrap_layer_for_test(model))))
  invisible(loaded)
}
unwrap_layer_for_test <- function(m) attr(m, "layer", exact = TRUE)

test_that("recurrent layers, wrappers and core layers round-trip bit for bit", {
  set.seed(1)
  x <- array(runif(2 * 5 * 3), c(2, 5, 3))
  expect_roundtrip(keras_model_sequential(input_shape = c(5, 3)) |>
                     layer_simple_rnn(4, return_sequences = TRUE) |>
                     layer_lstm(3, go_backwards = TRUE) |>
                     layer_dense(2, activation = "softmax"), x)
  expect_roundtrip(keras_model_sequential(input_shape = c(5, 3)) |>
                     layer_gru(4, reset_after = FALSE, return_sequences = TRUE) |>
                     layer_time_distributed(layer_dense(units = 2)) |>
                     layer_flatten(), x)
  expect_roundtrip(keras_model_sequential(input_shape = c(5, 3)) |>
                     layer_bidirectional(layer_lstm(units = 3, return_sequences = TRUE), merge_mode = "sum") |>
                     layer_layer_normalization() |> layer_dropout(0.3) |>
                     layer_batch_normalization() |> layer_activation("relu"), x)
  expect_roundtrip(keras_model_sequential(input_shape = c(5, 3)) |>
                     layer_masking(0) |>
                     layer_rnn(cell = list(rnn_cell_gru(3), rnn_cell_lstm(2))) |>
                     layer_repeat_vector(2) |> layer_reshape(c(4)), x)
  expect_roundtrip(keras_model_sequential(input_shape = c(5, 3)) |>
                     layer_dense(3, kernel_regularizer = regularizer_l2(0.1),
                                 kernel_constraint = constraint_maxnorm(2, axis = 1),
                                 kernel_initializer = initializer_random_normal(seed = 3)), x)
  ids <- matrix(c(1, 2, 0, 3, 4, 0, 0, 5), 2)
  expect_roundtrip(keras_model_sequential(input_shape = 4, input_dtype = "int32") |>
                     layer_embedding(10, 3, mask_zero = TRUE) |> layer_gru(2), ids)
})

test_that("float64 models round-trip and keep their dtype", {
  old <- config_set_floatx("float64")
  on.exit(config_set_floatx(old))
  set.seed(2)
  x <- array(runif(2 * 5 * 3), c(2, 5, 3))
  m <- keras_model_sequential(input_shape = c(5, 3)) |> layer_gru(4) |> layer_dense(1)
  loaded <- expect_roundtrip(m, x)
  expect_equal(loaded$layers[[1]]$dtype, "float64")
  path <- withr::local_tempfile(fileext = ".weights.h5")
  save_model_weights(m, path)
  f <- hdf5r::H5File$new(path, "r")
  expect_equal(f[["layers/gru/cell/vars/0"]]$get_type()$get_size(), 8)
  f$close_all()
})

test_that("functional models with shared layers, two inputs, two outputs and a nested model round-trip", {
  set.seed(3)
  x <- array(runif(2 * 5 * 3), c(2, 5, 3))
  a <- keras_input(shape = c(5, 3), name = "left")
  b <- keras_input(shape = c(5, 3), name = "right")
  shared <- layer_lstm(units = 4)
  inner <- keras_model_sequential(input_shape = 8) |> layer_dense(3)
  h <- layer_concatenate(list(shared(a), shared(b)))
  model <- keras_model(list(a, b), list(inner(h), h |> layer_dense(1, name = "second")))
  loaded <- expect_roundtrip(model, list(x, x[2:1, , ]))
  # the shared LSTM is one layer with one set of weights
  expect_length(loaded$weights, length(model$weights))
  cfg <- serialize_keras_object(model)
  expect_equal(cfg$class_name, "Functional")
  lstm_entry <- Filter(function(l) l$class_name == "LSTM", cfg$config$layers)[[1]]
  expect_length(lstm_entry$inbound_nodes, 2)
  expect_equal(cfg$config$input_layers, list(list("left", 0L, 0L), list("right", 0L, 0L)))
  # Keras 3's weights paths count the input layers of a functional model
  path <- withr::local_tempfile(fileext = ".weights.h5")
  save_model_weights(model, path)
  lay <- h5_layout(path)
  expect_true(all(c("layers/input_layer/vars", "layers/input_layer_1/vars", "layers/lstm/cell/vars/0",
                    "layers/concatenate/vars", "layers/sequential/layers/dense/vars/0",
                    "layers/dense/vars/0") %in% names(lay)))
})

test_that("a compiled model trains on from the saved optimizer state exactly", {
  set.seed(32)
  x <- array(runif(16 * 3 * 2), c(16, 3, 2))
  y <- matrix(rowSums(x[, 3, ]), ncol = 1)
  model <- keras_model_sequential(input_shape = c(3, 2)) |> layer_gru(units = 4) |> layer_dense(units = 1)
  model |> compile(optimizer = optimizer_adam(learning_rate = 0.01), loss = "mse", metrics = "mae")
  fit(model, x, y, epochs = 2, batch_size = 8, shuffle = FALSE, verbose = 0)
  path <- withr::local_tempfile(fileext = ".keras")
  save_model(model, path)
  loaded <- load_model(path)
  expect_equal(loaded$optimizer$iterations, 4)
  fit(model, x, y, epochs = 1, batch_size = 8, shuffle = FALSE, verbose = 0)
  fit(loaded, x, y, epochs = 1, batch_size = 8, shuffle = FALSE, verbose = 0)
  expect_identical(get_weights(loaded), get_weights(model))
  # the optimizer state is in Keras's layout: iteration, learning rate, then m, v per variable
  lay <- h5_layout(file.path(unzip_keras(path), "model.weights.h5"))
  expect_equal(lay[paste0("optimizer/vars/", 0:3)],
               c("optimizer/vars/0" = "", "optimizer/vars/1" = "", "optimizer/vars/2" = "2x12",
                 "optimizer/vars/3" = "2x12"))
  uncompiled <- load_model(path, compile = FALSE)
  expect_error(fit(uncompiled, x, y, verbose = 0), "compile")
})

test_that("weights files round-trip and check the architecture", {
  set.seed(4)
  make <- function() keras_model_sequential(input_shape = c(4, 2)) |> layer_lstm(3) |> layer_dense(2)
  a <- make()
  b <- make()
  path <- withr::local_tempfile(fileext = ".weights.h5")
  expect_invisible(save_model_weights(a, path))
  expect_invisible(load_model_weights(b, path))
  expect_identical(get_weights(b), get_weights(a))
  wrong <- keras_model_sequential(input_shape = c(4, 2)) |> layer_lstm(5) |> layer_dense(2)
  before <- get_weights(wrong)
  expect_error(load_model_weights(wrong, path), "has shape \\(2, 20\\) in the model", class = "recurrent_error_weights")
  expect_identical(get_weights(wrong), before)   # nothing changed
  warned <- capture_warnings(load_model_weights(wrong, path, skip_mismatch = TRUE))
  expect_length(warned, 4)   # the LSTM kernel, recurrent kernel and bias, and the Dense kernel
  expect_match(warned, "Skipping")
  expect_error(load_model_weights(keras_model_sequential(input_shape = c(4, 2)) |> layer_gru(3), path),
               class = "recurrent_error_weights")
  expect_error(save_model_weights(a, path), class = "recurrent_error_file_exists")
  expect_error(save_model_weights(a, sub("weights.h5", "h5", path)), ".weights.h5")
})

test_that("custom Layer() classes are saved by registered name and config, never as code", {
  Scale <- Layer("ScaleForTest",
    initialize = function(factor = 2, ...) {
      super$initialize(...)
      self$factor <- factor
    },
    build = function(input_shape) {
      self$w <- self$add_weight(shape = input_shape[[length(input_shape)]], initializer = "ones")
    },
    call = function(inputs) inputs * self$w * self$factor,
    get_config = function() c(super$get_config(), list(factor = self$factor))
  )
  model <- keras_model_sequential(input_shape = 3) |> Scale(factor = 3)
  x <- matrix(1:6, 2)
  path <- withr::local_tempfile(fileext = ".keras")
  save_model(model, path)
  cfg <- jsonlite::fromJSON(file.path(unzip_keras(path), "config.json"), simplifyVector = FALSE)
  entry <- cfg$config$layers[[2]]
  expect_equal(entry$class_name, "ScaleForTest")
  expect_equal(entry$config$factor, 3)
  # unknown class: a clear error naming it and how to register it
  expect_error(load_model(path), "ScaleForTest", class = "recurrent_error_unknown_class")
  expect_error(load_model(path), "register_keras_serializable")
  expect_equal(predict(load_model(path, custom_objects = list(ScaleForTest = Scale)), x, verbose = 0), x * 3)
  expect_equal(with_custom_object_scope(list(ScaleForTest = Scale), predict(load_model(path), x, verbose = 0)), x * 3)
  withr::defer(rm(list = "demo>ScaleForTest", envir = as.environment(recurrent:::registry$custom)))
  register_keras_serializable(Scale, package = "demo")
  expect_equal(get_registered_name(Scale), "demo>ScaleForTest")
  expect_identical(get_registered_object("demo>ScaleForTest"), attr(Scale, "r6_class"))
  expect_true("demo>ScaleForTest" %in% names(get_custom_objects()))
  path2 <- withr::local_tempfile(fileext = ".keras")
  save_model(model, path2)
  cfg2 <- jsonlite::fromJSON(file.path(unzip_keras(path2), "config.json"), simplifyVector = FALSE)
  expect_equal(cfg2$config$layers[[2]]$registered_name, "demo>ScaleForTest")
  expect_equal(predict(load_model(path2), x, verbose = 0), x * 3)
})

test_that("lambda layers are not saved as code and Python lambdas are refused", {
  model <- keras_model_sequential(input_shape = 2) |> layer_lambda(function(x) x * 2)
  expect_error(save_model(model, withr::local_tempfile(fileext = ".keras")), "Lambda", class = "recurrent_error")
  env <- list(module = "keras.layers", class_name = "Lambda",
              config = list(name = "l", "function" = list(class_name = "__lambda__", config = list(code = "AAAA"))),
              registered_name = NULL)
  expect_error(deserialize_keras_object(env), "safe_mode = FALSE", class = "recurrent_error_unsafe")
  expect_error(deserialize_keras_object(env, safe_mode = FALSE), "Python code", class = "recurrent_error_unsafe")
})

test_that("configs: get_config, serialize/deserialize, save/load_model_config, clone_model", {
  set.seed(5)
  model <- keras_model_sequential(input_shape = c(4, 2)) |> layer_gru(3, recurrent_activation = "hard_sigmoid") |>
    layer_dense(1)
  env <- serialize_keras_object(model)
  expect_equal(env$class_name, "Sequential")
  expect_equal(env$config$layers[[1]]$class_name, "InputLayer")
  expect_equal(env$config$layers[[1]]$config$batch_shape, list(NULL, 4L, 2L))
  gru <- env$config$layers[[2]]
  expect_equal(gru$module, "keras.layers")
  expect_equal(gru$build_config$input_shape, list(NULL, 4L, 2L))
  expect_equal(gru$config$kernel_initializer$class_name, "GlorotUniform")
  expect_equal(gru$config$recurrent_initializer$class_name, "Orthogonal")
  expect_equal(gru$config$dtype$class_name, "DTypePolicy")
  expect_equal(jsonlite::fromJSON(save_model_config(model), simplifyVector = FALSE)$config$layers[[2]]$config$units, 3)
  path <- withr::local_tempfile(fileext = ".json")
  save_model_config(model, path)
  m2 <- load_model_config(path)
  expect_equal(m2$layers[[1]]$units, 3)
  expect_equal(m2$layers[[1]]$recurrent_activation, "hard_sigmoid")
  cl <- clone_model(model)
  expect_equal(length(get_weights(cl)), length(get_weights(model)))
  expect_false(identical(get_weights(cl)[[1]], get_weights(model)[[1]]))
  shared_dense <- model$layers[[2]]
  cl2 <- clone_model(model, clone_function = function(l) if (identical(l$name, shared_dense$name)) l else
    deserialize_keras_object(serialize_keras_object(l)))
  expect_identical(unwrap_layer_for_test(cl2$layers[[2]]), unwrap_layer_for_test(shared_dense))
  init <- deserialize_keras_object(serialize_keras_object(initializer_random_uniform(-1, 1, seed = 7)))
  expect_equal(as.array(init(c(2, 2))), as.array(initializer_random_uniform(-1, 1, seed = 7)(c(2, 2))))
  expect_equal(serialize_keras_object(constraint_maxnorm(3, axis = 1))$config$axis, 0L)
  expect_equal(attr(deserialize_keras_object(serialize_keras_object(regularizer_l1_l2(0.1, 0.2))), "config"),
               list(l1 = 0.1, l2 = 0.2))
  opt <- deserialize_keras_object(list(module = "keras.optimizers", class_name = "Adam",
                                       config = list(learning_rate = 0.5, beta_1 = 0.8), registered_name = NULL))
  expect_equal(opt$learning_rate, 0.5)
  expect_equal(opt$get_config()$beta_1, 0.8)
})

test_that("file errors name the file and say what is wrong", {
  model <- keras_model_sequential(input_shape = 2) |> layer_dense(units = 1)
  expect_error(save_model(model, "model.h5"), "must be a path ending in")
  missing_dir <- file.path(tempfile(), "sub", "m.keras")
  expect_error(save_model(model, missing_dir), "does not exist", class = "recurrent_error_file")
  path <- withr::local_tempfile(fileext = ".keras")
  save_model(model, path)
  expect_error(save_model(model, path), "already exists")
  expect_silent(save_model(model, path, overwrite = TRUE))
  expect_error(load_model(tempfile()), "does not exist", class = "recurrent_error_file")
  # truncated archive
  bytes <- readBin(path, "raw", file.size(path))
  cut <- withr::local_tempfile(fileext = ".keras")
  writeBin(bytes[seq_len(length(bytes) %/% 2)], cut)
  expect_error(load_model(cut), basename(cut), class = "recurrent_error_file")
  # foreign files
  txt <- withr::local_tempfile(fileext = ".keras")
  writeLines("hello", txt)
  expect_error(load_model(txt), "neither a Keras archive", class = "recurrent_error_file")
  empty <- withr::local_tempfile(fileext = ".keras")
  file.create(empty)
  expect_error(load_model(empty), "empty", class = "recurrent_error_file")
  # an old recurrent file (gzipped R serialization) is not unserialized
  old <- withr::local_tempfile(fileext = ".keras")
  saveRDS(list(format = "recurrent-model"), old)
  expect_error(load_model(old), "older version of recurrent", class = "recurrent_error_file")
  # a zip without config.json
  d <- withr::local_tempdir()
  writeLines("{}", file.path(d, "other.json"))
  z <- withr::local_tempfile(fileext = ".keras")
  zip::zip(z, "other.json", root = d)
  expect_error(load_model(z), "no .*config.json", class = "recurrent_error_file")
  # damaged config.json
  writeLines("{not json", file.path(d, "config.json"))
  z2 <- withr::local_tempfile(fileext = ".keras")
  zip::zip(z2, "config.json", root = d)
  expect_error(load_model(z2), "not valid JSON", class = "recurrent_error_file")
  # a weight of the wrong shape inside an archive
  other <- keras_model_sequential(input_shape = 3) |> layer_dense(units = 1)
  p3 <- withr::local_tempfile(fileext = ".keras")
  save_model(other, p3)
  dd <- unzip_keras(p3)
  f <- hdf5r::H5File$new(file.path(dd, "model.weights.h5"), "r+")
  f$link_delete("layers/dense/vars/0")
  f[["layers/dense/vars"]]$create_dataset("0", robj = matrix(0, 1, 2), dtype = hdf5r::h5types$H5T_IEEE_F32LE, chunk_dims = NULL)
  f$close_all()
  bad <- withr::local_tempfile(fileext = ".keras")
  zip::zip(bad, c("metadata.json", "config.json", "model.weights.h5"), root = dd, compression_level = 0)
  expect_error(load_model(bad), "has shape \\(3, 1\\) in the model", class = "recurrent_error_weights")
  # an unknown built-in class
  writeLines(jsonlite::toJSON(list(module = "keras.layers", class_name = "NoSuchLayer", config = list(name = "x"),
                                   registered_name = NULL), auto_unbox = TRUE, null = "null"), file.path(d, "config.json"))
  z3 <- withr::local_tempfile(fileext = ".keras")
  zip::zip(z3, "config.json", root = d)
  expect_error(load_model(z3), "NoSuchLayer", class = "recurrent_error_unknown_class")
})

test_that("an interrupted save leaves the previous file intact", {
  model <- keras_model_sequential(input_shape = 2) |> layer_dense(units = 1)
  path <- withr::local_tempfile(fileext = ".keras")
  save_model(model, path)
  before <- readBin(path, "raw", file.size(path))
  expect_error(recurrent:::write_file_atomically(path, function(tmp) {
    writeBin(as.raw(1:10), tmp)
    stop("killed mid-save")
  }), "file was not changed")
  expect_identical(readBin(path, "raw", file.size(path)), before)
  expect_length(list.files(dirname(path), pattern = "\\.tmp$"), 0)
})

test_that("a model ships to a PSOCK cluster as .keras bytes and predicts the same in shards", {
  set.seed(6)
  model <- keras_model_sequential(input_shape = c(6, 3)) |> layer_lstm(5) |> layer_dense(2)
  x <- array(runif(40 * 6 * 3), c(40, 6, 3))
  want <- predict(model, x, verbose = 0)
  bytes <- save_model(model, NULL)
  cl <- parallel::makePSOCKcluster(2)
  on.exit(parallel::stopCluster(cl))
  # the workers find the package where this process does; nothing that needs the
  # package may reach them before (a closure's environment would load it from the
  # default library)
  lib_paths <- .libPaths()
  parallel::clusterExport(cl, c("lib_paths", "bytes"), envir = environment())
  parallel::clusterEvalQ(cl, { .libPaths(lib_paths); library(recurrent); NULL })
  parallel::clusterEvalQ(cl, { worker_model <- load_model(bytes); NULL })
  predict_shard <- function(i, data) predict(worker_model, data[i, , , drop = FALSE], verbose = 0)
  environment(predict_shard) <- globalenv()
  shards <- split(seq_len(40), rep(1:4, each = 10))
  parts <- parallel::parLapply(cl, shards, predict_shard, data = x)
  expect_identical(do.call(rbind, parts), want)
})

test_that("get_config()/from_config() rebuild Sequential and Functional models", {
  set.seed(7)
  x <- array(runif(2 * 5 * 3), c(2, 5, 3))
  seq_model <- keras_model_sequential(input_shape = c(5, 3)) |> layer_lstm(4) |> layer_dense(2)
  inp <- keras_input(shape = c(5, 3))
  fun_model <- keras_model(inp, inp |> layer_gru(3) |> layer_dense(1))
  for (m in list(seq_model, fun_model)) {
    cfg <- get_config(m)
    expect_true(is.character(cfg$layers[[1]]$class_name))
    m2 <- from_config(cfg)
    set_weights(m2, get_weights(m))
    expect_identical(predict(m2, x, verbose = 0), predict(m, x, verbose = 0))
  }
})

test_that("every optimizer's state resumes training identically", {
  set.seed(41)
  x <- array(runif(16 * 3 * 2), c(16, 3, 2))
  y <- matrix(rowSums(x[, 3, ]), ncol = 1)
  optimizers <- list(
    function() optimizer_sgd(learning_rate = 0.05, momentum = 0.9, nesterov = TRUE),
    function() optimizer_rmsprop(learning_rate = 0.01, momentum = 0.5, centered = TRUE),
    function() optimizer_adagrad(learning_rate = 0.1),
    function() optimizer_adam(learning_rate = 0.01, amsgrad = TRUE),
    function() optimizer_adam_w(learning_rate = 0.01)
  )
  for (make_opt in optimizers) {
    set.seed(42)
    model <- keras_model_sequential(input_shape = c(3, 2)) |> layer_simple_rnn(units = 3) |> layer_dense(units = 1)
    model |> compile(optimizer = make_opt(), loss = "mae")
    fit(model, x, y, epochs = 1, batch_size = 8, shuffle = FALSE, verbose = 0)
    path <- withr::local_tempfile(fileext = ".keras")
    save_model(model, path)
    loaded <- load_model(path)
    expect_identical(class(loaded$optimizer)[2], class(model$optimizer)[2])
    fit(model, x, y, epochs = 2, batch_size = 8, shuffle = FALSE, verbose = 0)
    fit(loaded, x, y, epochs = 2, batch_size = 8, shuffle = FALSE, verbose = 0)
    expect_identical(get_weights(loaded), get_weights(model), info = class(model$optimizer)[2])
  }
})

test_that("an RNN with a cell written in R saves by class name; stateful models keep their batch size", {
  set.seed(43)
  model <- keras_model_sequential(input_batch_shape = c(2, 3, 2)) |>
    layer_rnn(cell = rnn_cell_minimal(units = 2), stateful = TRUE)
  x <- array(runif(12), c(2, 3, 2))
  want <- as.array(model(x))
  path <- withr::local_tempfile(fileext = ".keras")
  save_model(model, path)
  expect_error(load_model(path), "MinimalRNNCell", class = "recurrent_error_unknown_class")
  loaded <- load_model(path, custom_objects = list(MinimalRNNCell = rnn_cell_minimal))
  expect_equal(attr(loaded, "layer")$inputs[[1]]$shape[[1]], 2L)
  # states are not saved (as in Keras): the loaded layer starts from zeros, as the
  # saved one did on its first call
  expect_equal(as.array(loaded(x)), want)
  expect_false(isTRUE(all.equal(as.array(model(x)), want)))   # the original carries its state on
})

test_that("losses, metrics, schedules and optimizers with schedules round-trip through their envelopes", {
  objs <- list(loss_huber(delta = 2), loss_binary_crossentropy(from_logits = TRUE),
               metric_auc(num_thresholds = 50), metric_binary_accuracy(threshold = 0.3))
  for (o in objs) {
    env <- serialize_keras_object(o)
    back <- deserialize_keras_object(env)
    expect_identical(class(back)[2], class(o)[2])
    expect_identical(serialize_keras_object(back), env)
  }
  expect_equal(serialize_keras_object(metric_binary_accuracy(threshold = 0.3))$config$threshold, 0.3)
  expect_equal(serialize_keras_object(loss_huber(delta = 2))$config$delta, 2)
  sched <- learning_rate_schedule_exponential_decay(0.1, decay_steps = 10, decay_rate = 0.5)
  opt <- deserialize_keras_object(serialize_keras_object(optimizer_sgd(learning_rate = sched)))
  opt$iterations <- 20
  expect_equal(opt$learning_rate, 0.1 * 0.5^2)   # 0.1 * 0.5^(20 / 10)
  expect_error(serialize_keras_object(optimizer_sgd(learning_rate = function(step) 0.1)), "cannot be saved")
})

test_that("weights stored as HDF5 soft or external links are refused", {
  model <- keras_model_sequential(input_shape = 3) |> layer_dense(units = 2)
  path <- withr::local_tempfile(fileext = ".weights.h5")
  save_model_weights(model, path)
  f <- hdf5r::H5File$new(path, "r+")
  g <- f[["layers/dense/vars"]]
  g$link_delete("1")
  g$link_create_soft("/layers/dense/vars/0", "1")
  f$close_all()
  expect_error(load_model_weights(model, path), "H5L_TYPE_SOFT", class = "recurrent_error_weights")
})

test_that("a Bidirectional layer with its own backward layer keeps it", {
  set.seed(44)
  x <- array(runif(2 * 5 * 3), c(2, 5, 3))
  model <- keras_model_sequential(input_shape = c(5, 3)) |>
    layer_bidirectional(layer_gru(units = 2), backward_layer = layer_lstm(units = 3, go_backwards = TRUE))
  loaded <- expect_roundtrip(model, x)
  expect_s3_class(attr(loaded$layers[[1]], "layer")$backward_layer, "LSTM")
  cfg <- serialize_keras_object(model)$config$layers[[2]]$config
  expect_equal(cfg$layer$config$name, sub("^forward_", "", attr(model$layers[[1]], "layer")$forward_layer$name))
  expect_equal(cfg$backward_layer$class_name, "LSTM")
})
