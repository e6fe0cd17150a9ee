# Model() subclasses (and new_model_class()) in .keras and .weights.h5 files.
#
# Where Keras puts their weights, read from keras-team/keras at commit 3422977:
# * keras/src/saving/saving_lib.py, `_walk_saveable()`: a subclassed model's
#   `_obj_type()` is "Layer", so the walk skips what `dir(Layer())` has and visits
#   every other attribute in `sorted()` order (private names last). That includes the
#   `Model.layers` property (keras/src/models/model.py: the directly tracked layers,
#   in tracking order), which plain `Layer()` lacks.
# * `_save_state()` skips an object already visited; `_save_container_state()` names
#   a list's elements by the snake_case of their class, numbered `_1`, `_2`, ... in
#   list order, counting elements that are skipped.
# So a model with attributes `encoder` (GRU), `blocks` (list of two Dense) and `out`
# (Dense) is walked as blocks, encoder, layers, out: `blocks/dense`, `blocks/dense_1`,
# `encoder` (its cell under `encoder/cell`), then `layers` = [gru, dense, dense_1,
# dense_2] whose only unvisited element, `out`, is saved as `layers/dense_2`.
#
# Keras's config rules (keras/src/ops/operation.py, `__new__` and `get_config()`;
# keras/src/models/model.py, `from_config()` and `build_from_config()`): without its
# own get_config() a class's config is its constructor's arguments if they are plain
# values (str, int, float, bool, None, nested lists/dicts), else get_config() fails;
# loading calls the class with the config, then builds the model from
# build_config$input_shape by running it (or by its own build()).

net_class <- function() {
  Model("NetForTest",
    initialize = function(units = 3, ...) {
      super$initialize(...)
      self$units <- units
      self$encoder <- layer_gru(units = units)
      self$blocks <- list(layer_dense(units = 4, activation = "tanh"), layer_dense(units = 2))
      self$out <- layer_dense(units = 1)
    },
    call = function(inputs) {
      h <- self$encoder(inputs)
      for (b in self$blocks) h <- b(h)
      self$out(h)
    },
    get_config = function() list(units = self$units, name = self$name)
  )
}

test_that("a Model() subclass's weights go to Keras's paths and round-trip through .weights.h5", {
  withr::local_seed(21)
  Net <- net_class()
  model <- Net(units = 3)
  x <- array(runif(2 * 5 * 2, -1, 1), c(2, 5, 2))
  before <- predict(model, x, verbose = 0)
  path <- withr::local_tempfile(fileext = ".weights.h5")
  save_model_weights(model, path)
  want <- expected_layout(
    groups = c("vars", "encoder/vars", "layers/dense_2/vars"),
    datasets = list("blocks/dense/vars/0" = "3x4", "blocks/dense/vars/1" = "4",
                    "blocks/dense_1/vars/0" = "4x2", "blocks/dense_1/vars/1" = "2",
                    "encoder/cell/vars/0" = "2x9", "encoder/cell/vars/1" = "3x9", "encoder/cell/vars/2" = "2x9",
                    "layers/dense_2/vars/0" = "2x1", "layers/dense_2/vars/1" = "1"))
  got <- h5_layout(path)
  expect_equal(got[order(names(got))], want)

  fresh <- Net(units = 3)
  predict(fresh, x, verbose = 0)                        # builds it
  expect_false(isTRUE(all.equal(predict(fresh, x, verbose = 0), before)))
  load_model_weights(fresh, path)
  expect_identical(predict(fresh, x, verbose = 0), before)
})

test_that("a Model() subclass saves to .keras and loads with its class from custom_objects or the registry", {
  withr::local_seed(22)
  Net <- net_class()
  model <- Net(units = 3, name = "my_net")
  x <- array(runif(4 * 5 * 2, -1, 1), c(4, 5, 2))
  before <- predict(model, x, verbose = 0)
  path <- withr::local_tempfile(fileext = ".keras")
  save_model(model, path)
  cfg <- jsonlite::fromJSON(file.path(unzip_keras(path), "config.json"), simplifyVector = FALSE)
  expect_null(cfg$module)
  expect_identical(cfg$class_name, "NetForTest")
  expect_identical(cfg$registered_name, "NetForTest")     # unregistered: its class name, as Keras writes
  expect_identical(cfg$config, list(units = 3L, name = "my_net"))
  expect_identical(cfg$build_config, list(input_shape = list(NULL, 5L, 2L)))

  # the class comes only from the caller: an unknown class is an error naming it
  expect_error(load_model(path), "NetForTest", class = "recurrent_error_unknown_class")
  loaded <- load_model(path, custom_objects = list(NetForTest = Net))
  expect_s3_class(loaded, "recurrent_model")
  expect_identical(loaded$name, "my_net")
  expect_identical(loaded$units, 3L)
  expect_true(loaded$built)
  expect_identical(predict(loaded, x, verbose = 0), before)

  withr::defer(rm(list = "demo>NetForTest", envir = as.environment(recurrent:::registry$custom)))
  register_keras_serializable(Net, package = "demo")
  path2 <- withr::local_tempfile(fileext = ".keras")
  save_model(model, path2)
  cfg2 <- jsonlite::fromJSON(file.path(unzip_keras(path2), "config.json"), simplifyVector = FALSE)
  expect_identical(cfg2$registered_name, "demo>NetForTest")
  expect_identical(predict(load_model(path2), x, verbose = 0), before)
})

test_that("get_config()/from_config() round-trip a Model() subclass", {
  Net <- net_class()
  model <- Net(units = 2, name = "n1")
  cfg <- get_config(model)
  expect_identical(cfg[c("units", "name")], list(units = 2, name = "n1"))
  again <- from_config(cfg)
  expect_s3_class(again, "recurrent_model")
  expect_identical(again$units, 2)
  expect_identical(again$name, "n1")
  expect_identical(get_config(again)[c("units", "name")], cfg[c("units", "name")])
  env <- serialize_keras_object(model)
  expect_equal(deserialize_keras_object(env, custom_objects = list(NetForTest = Net))$units, 2)
})

test_that("a compiled Model() subclass loads compiled, with its optimizer state, and trains on identically", {
  withr::local_seed(23)
  Net <- net_class()
  model <- Net(units = 3)
  x <- array(runif(6 * 5 * 2, -1, 1), c(6, 5, 2)); y <- matrix(runif(6), 6)
  compile(model, optimizer = optimizer_adam(learning_rate = 0.01), loss = "mse", metrics = list("mae"))
  fit(model, x, y, epochs = 2, batch_size = 3, verbose = 0)
  path <- withr::local_tempfile(fileext = ".keras")
  save_model(model, path)
  layout <- h5_layout(file.path(unzip_keras(path), "model.weights.h5"))
  # Adam: iteration, learning rate, then momentum and velocity of each of the 9 variables
  expect_setequal(grep("^optimizer/vars/", names(layout), value = TRUE), paste0("optimizer/vars/", 0:19))
  loaded <- load_model(path, custom_objects = list(NetForTest = Net))
  expect_equal(recurrent:::unwrap_model(loaded)$.__enclos_env__$private$.train_state$optimizer$iterations, 4)
  h_orig <- fit(model, x, y, epochs = 2, batch_size = 3, verbose = 0, shuffle = FALSE)
  h_load <- fit(loaded, x, y, epochs = 2, batch_size = 3, verbose = 0, shuffle = FALSE)
  expect_equal(h_load$metrics, h_orig$metrics, tolerance = 1e-6)
  expect_equal(get_weights(loaded), get_weights(model), tolerance = 1e-6)
  uncompiled <- load_model(path, custom_objects = list(NetForTest = Net), compile = FALSE)
  expect_error(fit(uncompiled, x, y, epochs = 1, verbose = 0), class = "recurrent_error")
})

test_that("without get_config(), plain constructor arguments are the config; other values are an error", {
  withr::local_seed(24)
  Plain <- new_model_class("PlainForTest",
    initialize = function(units, activation = "relu") {
      super$initialize()
      self$hidden <- layer_dense(units = units, activation = activation)
      self$out <- layer_dense(units = 1)
    },
    call = function(x) self$out(self$hidden(x))
  )
  model <- Plain(4, activation = "tanh")               # a positional argument, too
  x <- matrix(runif(6), 2, 3)
  before <- predict(model, x, verbose = 0)
  path <- withr::local_tempfile(fileext = ".keras")
  save_model(model, path)
  cfg <- jsonlite::fromJSON(file.path(unzip_keras(path), "config.json"), simplifyVector = FALSE)
  expect_identical(cfg$config[c("units", "activation")], list(units = 4L, activation = "tanh"))
  # initialize() takes no `name`: the saved name is restored after construction
  loaded <- load_model(path, custom_objects = list(PlainForTest = Plain))
  expect_identical(loaded$name, model$name)
  expect_identical(predict(loaded, x, verbose = 0), before)

  Wrapper <- Model("WrapperForTest",
    initialize = function(inner, ...) {
      super$initialize(...)
      self$inner <- inner
    },
    call = function(x) self$inner(x)
  )
  wrapped <- Wrapper(layer_dense(units = 2))
  wrapped(x)
  expect_error(save_model(wrapped, withr::local_tempfile(fileext = ".keras")), "get_config",
               class = "recurrent_error_config")
  expect_error(serialize_keras_object(wrapped), "inner", class = "recurrent_error_config")
})

test_that("a Model() subclass with its own build() is built from the saved input shape", {
  withr::local_seed(25)
  Scaled <- Model("ScaledForTest",
    initialize = function(...) {
      super$initialize(...)
      self$dense <- layer_dense(units = 2)
    },
    build = function(input_shape) {
      self$scale <- self$add_weight(shape = shape(input_shape[[2]]), initializer = "random_normal")
      self$dense$build(input_shape)
    },
    call = function(x) self$dense(x * self$scale)
  )
  model <- Scaled()
  x <- matrix(runif(6), 2, 3)
  before <- predict(model, x, verbose = 0)
  path <- withr::local_tempfile(fileext = ".keras")
  save_model(model, path)
  layout <- h5_layout(file.path(unzip_keras(path), "model.weights.h5"))
  # the model's own weight is at the root; `dense` sorts before `layers`
  expect_identical(unname(layout[c("vars/0", "dense/vars/0", "dense/vars/1")]), c("3", "3x2", "2"))
  loaded <- load_model(path, custom_objects = list(ScaledForTest = Scaled))
  expect_identical(predict(loaded, x, verbose = 0), before)
})

test_that("clone_model() rebuilds a Model() subclass from its config with fresh weights, as Keras", {
  withr::local_seed(26)
  Net <- net_class()
  model <- Net(units = 2, name = "orig")
  x <- array(runif(2 * 5 * 2, -1, 1), c(2, 5, 2))
  before <- predict(model, x, verbose = 0)
  clone <- clone_model(model)
  expect_s3_class(clone, "recurrent_model")
  expect_equal(clone$units, 2)
  expect_true(clone$built)
  expect_false(isTRUE(all.equal(get_weights(clone), get_weights(model))))
  set_weights(clone, get_weights(model))
  expect_identical(predict(clone, x, verbose = 0), before)
  # keras/src/models/cloning.py: clone_function is for Sequential and Functional models only
  expect_error(clone_model(model, clone_function = identity), "Sequential", class = "recurrent_error")
})

test_that("an unbuilt model saves with a warning and its weights not at all, as in Keras", {
  # keras/src/saving/saving_lib.py: save_model() warns, save_weights_only() raises
  Net <- net_class()
  model <- Net(units = 2)
  expect_warning(save_model(model, withr::local_tempfile(fileext = ".keras")), "not been built",
                 class = "recurrent_warning_unbuilt")
  expect_error(save_model_weights(model, withr::local_tempfile(fileext = ".weights.h5")), "not been built",
               class = "recurrent_error")
})
