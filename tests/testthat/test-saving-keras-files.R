# Real files written by Keras 2.0-3.8 (fixtures/keras-files): each loads and
# predicts what an independent float64 NumPy implementation of Keras's maths gives
# (expected.json), and our own .keras files hold every member, HDF5 path, dataset
# shape and config key that Keras wrote for the same model.

test_that("Keras 3 .keras archives load and predict the expected values", {
  m <- load_model(keras_fixture("01-k3-gru-dense", "gru_model.keras"))
  expect_fixture_prediction(m, "01-k3-gru-dense")
  # the compile config came back: Adam with Keras's learning rate, and its state
  expect_true(isTRUE(m$compiled))
  expect_equal(m$optimizer$learning_rate, 0.0010000000474974513, tolerance = 1e-12)
  expect_gt(m$optimizer$iterations, 0)
  # and training goes on from Keras's optimizer state
  it <- m$optimizer$iterations
  x <- read_fixture_arrays(keras_fixture("01-k3-gru-dense", "input.json"))[[1]]
  fit(m, x, matrix(c(0.1, 0.2, 0.3), 3), epochs = 1, batch_size = 3, verbose = 0)
  expect_equal(m$optimizer$iterations, it + 1)
  # 03 was compiled with a custom Python loss: the model loads, uncompiled, with a warning
  expect_warning(m3 <- load_model(keras_fixture("03-k3-stacked-lstm", "modeloLSTM.keras")),
                 class = "recurrent_warning_compile")
  expect_fixture_prediction(m3, "03-k3-stacked-lstm")
  m3b <- load_model(keras_fixture("03-k3-stacked-lstm", "modeloLSTM.keras"), compile = FALSE)
  expect_fixture_prediction(m3b, "03-k3-stacked-lstm")
})

test_that("legacy .h5 full models load with the semantics of the Keras that saved them", {
  expect_warning(m <- load_model(keras_fixture("03-k3-stacked-lstm", "modeloLSTM.h5")), "not compiled")
  expect_fixture_prediction(m, "03-k3-stacked-lstm")
  # Keras 2.2.4: GRU(reset_after = FALSE) with Keras 2's hard_sigmoid
  m7 <- load_model(keras_fixture("07-k2-gru-hardsig", "gru.h5"))
  expect_false(m7$layers[[1]]$reset_after)
  expect_fixture_prediction(m7, "07-k2-gru-hardsig")
  # Keras 3's hard_sigmoid would give other numbers (expected_keras3_hard_sigmoid.json)
  x <- read_fixture_arrays(keras_fixture("07-k2-gru-hardsig", "input.json"))[[1]]
  other <- read_fixture_arrays(keras_fixture("07-k2-gru-hardsig", "expected_keras3_hard_sigmoid.json"))[[1]]
  expect_gt(max(abs(predict(m7, x, verbose = 0) - other)), 1e-3)
  # Keras 2.2.0: Masking(0) -> LSTM(hard_sigmoid), a bare-list Sequential config
  m12 <- load_model(keras_fixture("12-k2-masking-lstm", "masking_zero_lstm.h5"))
  expect_fixture_prediction(m12, "12-k2-masking-lstm")
})

test_that("a Keras 2 save_weights() file loads into the architecture from its JSON", {
  folder <- "15-k2-weights-gru"
  m <- load_model_config(keras_fixture(folder, "architecture.json"))
  load_model_weights(m, keras_fixture(folder, "gru_model.h5"))
  expect_fixture_prediction(m, folder)
  # the same file is refused by load_model(): it has no architecture
  expect_error(load_model(keras_fixture(folder, "gru_model.h5")), "weights only", class = "recurrent_error_file")
})

test_that("fixtures saved again as .keras keep their numbers and Keras's structure", {
  cases <- list(
    list(folder = "01-k3-gru-dense", file = "gru_model.keras"),
    list(folder = "03-k3-stacked-lstm", file = "modeloLSTM.keras"),
    list(folder = "07-k2-gru-hardsig", file = "gru.h5"),
    list(folder = "12-k2-masking-lstm", file = "masking_zero_lstm.h5")
  )
  for (cs in cases) {
    m <- suppressWarnings(load_model(keras_fixture(cs$folder, cs$file)))
    path <- withr::local_tempfile(fileext = ".keras")
    save_model(m, path)
    again <- load_model(path)
    expect_fixture_prediction(again, cs$folder)
    expect_equal(get_weights(again), get_weights(m))
    mine <- unzip_keras(path)
    expect_setequal(zip::zip_list(path)$filename, c("metadata.json", "config.json", "model.weights.h5"))
    if (identical(cs$folder, "07-k2-gru-hardsig")) {
      cfg <- jsonlite::fromJSON(file.path(mine, "config.json"), simplifyVector = FALSE)
      expect_equal(cfg$config$layers[[2]]$config$recurrent_activation$registered_name, "recurrent>hard_sigmoid_keras2")
    }
    if (!grepl("\\.keras$", cs$file)) next
    theirs <- unzip_keras(keras_fixture(cs$folder, cs$file))
    expect_equal(zip::zip_list(path)$filename, zip::zip_list(keras_fixture(cs$folder, cs$file))$filename)
    # every HDF5 path and dataset shape Keras wrote is in ours (optimizer state only
    # when the model was compiled on loading)
    k <- h5_layout(file.path(theirs, "model.weights.h5"))
    r <- h5_layout(file.path(mine, "model.weights.h5"))
    if (!isTRUE(m$compiled)) k <- k[!startsWith(names(k), "optimizer")]
    expect_equal(r[names(k)], k, info = cs$folder)
    # every config key Keras wrote is in ours (shared_object_id is optional)
    kc <- json_key_paths(jsonlite::fromJSON(file.path(theirs, "config.json"), simplifyVector = FALSE))
    rc <- json_key_paths(jsonlite::fromJSON(file.path(mine, "config.json"), simplifyVector = FALSE))
    kc <- kc[!grepl("shared_object_id$", kc)]
    if (!isTRUE(m$compiled)) kc <- kc[!startsWith(kc, "compile_config")]
    expect_equal(setdiff(kc, rc), character(), info = cs$folder)
  }
})

test_that("our .weights.h5 has Keras 3's layout for the fixture architectures", {
  m <- load_model(keras_fixture("01-k3-gru-dense", "gru_model.keras"), compile = FALSE)
  path <- withr::local_tempfile(fileext = ".weights.h5")
  save_model_weights(m, path)
  lay <- h5_layout(path)
  expect_equal(lay[c("layers/gru/cell/vars/0", "layers/gru/cell/vars/1", "layers/gru/cell/vars/2",
                     "layers/dense/vars/0", "layers/dense/vars/1")],
               c("layers/gru/cell/vars/0" = "1x192", "layers/gru/cell/vars/1" = "64x192",
                 "layers/gru/cell/vars/2" = "2x192", "layers/dense/vars/0" = "64x1", "layers/dense/vars/1" = "1"))
  expect_false(any(startsWith(names(lay), "optimizer")))
  f <- hdf5r::H5File$new(path, "r")
  expect_equal(hdf5r::h5attr(f[["layers/gru/cell/vars"]], "name"), "gru_cell")
  expect_equal(hdf5r::h5attr(f[["layers/gru/vars"]], "name"), "gru")
  f$close_all()
})
