# Whole models: the `.keras` archive (FORMAT.md A: a zip with metadata.json,
# config.json and model.weights.h5, members stored) written and read, and legacy
# full-model `.h5` files (FORMAT.md C) read. Loading rebuilds the model from its
# config through the registry and then loads the weights; nothing from the file is
# evaluated as R code.

keras_version_written <- "3.8.0"

# ---- compile config ------------------------------------------------------------------------------

compile_config_of <- function(layer) {
  st <- layer_private(layer)$.train_state
  if (is.null(st)) return(NULL)
  ser <- function(x) {
    if (is.null(x)) return(NULL)
    if (is.character(x)) return(if (length(x) == 1) x else as.list(x))
    if (is_dual_use_constructor(x)) x <- x()
    if (inherits(x, c("recurrent_loss", "recurrent_metric"))) return(serialize_keras_object(x))
    if (is.list(x)) {
      out <- lapply(x, ser)
      if (!is.null(names(x))) names(out) <- names(x)
      return(out)
    }
    if (is.function(x)) return(serialize_function(x))
    json_ready(x)
  }
  list(optimizer = serialize_keras_object(st$optimizer), loss = ser(st$loss_spec),
       loss_weights = json_ready(st$loss_weights), metrics = ser(st$metrics_spec),
       weighted_metrics = ser(st$weighted_metrics_spec), run_eagerly = FALSE, steps_per_execution = 1L,
       jit_compile = FALSE)
}

compile_from_config <- function(model, cc) {
  opt <- deserialize_value(cc$optimizer, "optimizer")
  if (is.character(opt)) opt <- resolve_optimizer(opt)
  de <- function(x, key) {
    if (is.null(x)) return(NULL)
    if (is.character(x)) return(x)
    if (is_envelope(x)) return(deserialize_value(x, key))
    if (is.list(x)) {
      out <- lapply(x, de, key = key)
      names(out) <- names(x)
      return(out)
    }
    x
  }
  compile(model, optimizer = opt, loss = de(cc$loss, "loss"), metrics = de(cc$metrics, "metrics"),
          loss_weights = cc$loss_weights, weighted_metrics = de(cc$weighted_metrics, "weighted_metrics"))
}

# ---- .keras archives -----------------------------------------------------------------------------

is_zip_file <- function(filepath) {
  con <- file(filepath, "rb")
  on.exit(close(con))
  identical(readBin(con, "raw", 4), as.raw(c(0x50, 0x4b, 0x03, 0x04)))
}

is_hdf5_file <- function(filepath) {
  con <- file(filepath, "rb")
  on.exit(close(con))
  identical(readBin(con, "raw", 8), as.raw(c(0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a)))
}

write_keras_archive <- function(layer, path) {
  dir <- tempfile("recurrent-keras-")
  dir.create(dir)
  on.exit(unlink(dir, recursive = TRUE), add = TRUE)
  env <- serialize_keras_object(layer)
  cc <- compile_config_of(layer)
  if (!is.null(cc)) env$compile_config <- cc
  meta <- list(keras_version = keras_version_written, date_saved = format(Sys.time(), "%Y-%m-%d@%H:%M:%S"),
               recurrent_version = as.character(utils::packageVersion("recurrent")))
  writeLines(to_json(meta), file.path(dir, "metadata.json"), useBytes = TRUE)
  writeLines(to_json(env), file.path(dir, "config.json"), useBytes = TRUE)
  write_keras_weights_h5(layer, file.path(dir, "model.weights.h5"), include_optimizer = TRUE)
  old <- setwd(dir)
  on.exit(setwd(old), add = TRUE, after = FALSE)
  zip::zip(path, c("metadata.json", "config.json", "model.weights.h5"), compression_level = 0,
           mode = "cherry-pick", root = dir)
  invisible(path)
}

# Unpack the members a loader needs into a temporary directory and call fn(dir, members).
with_keras_archive <- function(filepath, call, fn) {
  members <- rlang::try_fetch(zip::zip_list(filepath),
    error = function(cnd) recurrent_abort(c("Cannot load {.file {filepath}}: it is not a readable zip archive.",
                                            i = "The file may be damaged or truncated."),
                                          class = "recurrent_error_file", call = call))
  names_in <- members$filename
  if (!"config.json" %in% names_in)
    recurrent_abort(c("Cannot load {.file {filepath}}: the archive has no {.file config.json}.",
                      i = "Members: {.val {names_in}}. It is not a Keras model archive."),
                    class = "recurrent_error_file", call = call)
  if (any(grepl("(^/|\\.\\.)", names_in)))
    recurrent_abort("Cannot load {.file {filepath}}: the archive has a member with an unsafe path.",
                    class = "recurrent_error_file", call = call)
  big <- members$uncompressed_size > 4 * 1024^3
  if (any(big))
    recurrent_abort("Cannot load {.file {filepath}}: member {.val {names_in[big]}} is implausibly large.",
                    class = "recurrent_error_file", call = call)
  wanted <- intersect(c("config.json", "metadata.json", "model.weights.h5"), names_in)
  if ("model.weights.npz" %in% names_in && !"model.weights.h5" %in% names_in)
    recurrent_abort("Cannot load {.file {filepath}}: its weights are in {.file model.weights.npz}, which recurrent does not read.",
                    class = "recurrent_error_file", call = call)
  dir <- tempfile("recurrent-keras-")
  dir.create(dir)
  on.exit(unlink(dir, recursive = TRUE), add = TRUE)
  rlang::try_fetch(zip::unzip(filepath, files = wanted, exdir = dir),
    error = function(cnd) {
      msg <- conditionMessage(cnd)
      recurrent_abort(c("Cannot load {.file {filepath}}: a member of the archive cannot be read.",
                        x = "{msg}", i = "The file may be damaged or truncated."),
                      class = "recurrent_error_file", call = call)
    })
  for (m in wanted) {
    got <- file.size(file.path(dir, m))
    want <- members$uncompressed_size[members$filename == m]
    if (is.na(got) || got != want)
      recurrent_abort("Cannot load {.file {filepath}}: member {.file {m}} is truncated ({got} of {want} bytes).",
                      class = "recurrent_error_file", call = call)
  }
  fn(dir, wanted)
}

load_keras_archive <- function(filepath, custom_objects, compile, safe_mode, call) {
  with_keras_archive(filepath, call, function(dir, members) {
    txt <- paste(readLines(file.path(dir, "config.json"), warn = FALSE, encoding = "UTF-8"), collapse = "\n")
    env <- parse_json_text(txt, filepath, "{.file config.json}", call = call)
    if (!is_envelope(env))
      recurrent_abort("Cannot load {.file {filepath}}: {.file config.json} is not a Keras object config.",
                      class = "recurrent_error_file", call = call)
    with_file_errors(filepath, call, {
      layer <- with_load_context(custom_objects, safe_mode, FALSE, layer_from_envelope(env))
      model <- wrap_layer(layer)
      compiled <- FALSE
      if (isTRUE(compile) && !is.null(env$compile_config)) {
        compiled <- rlang::try_fetch({
          with_load_context(custom_objects, safe_mode, FALSE, compile_from_config(model, env$compile_config))
          TRUE
        }, error = function(cnd) {
          msg <- conditionMessage(cnd)
          cli::cli_warn(c("The model in {.file {filepath}} is loaded uncompiled: its compile configuration could not be restored.",
                          x = "{msg}",
                          i = "Pass the missing objects in {.arg custom_objects}, or use {.code compile = FALSE} and compile it yourself."),
                        class = "recurrent_warning_compile")
          FALSE
        })
      }
      if ("model.weights.h5" %in% members) {
        f <- open_h5(file.path(dir, "model.weights.h5"), call = call)
        on.exit(f$close_all(), add = TRUE)
        read_keras_weights_h5(layer, f, load_optimizer = compiled)
      } else if (length(layer$weights)) {
        recurrent_abort("The archive has no {.file model.weights.h5}, but the model has weights.",
                        class = "recurrent_error_weights", call = NULL)
      }
      model
    })
  })
}

# ---- legacy .h5 full models ----------------------------------------------------------------------

# A Keras 1/2 (or Keras 3 legacy writer) model_config, made readable by the Keras 3
# config reader with the semantics of the Keras version that wrote it.
legacy_model_config <- function(cfg, version) {
  major <- keras_major_version(version)
  fix <- function(x, key = NULL) {
    if (!is.list(x)) {
      if (major < 3 && is.character(x) && length(x) == 1 && identical(x, "hard_sigmoid") &&
          !is.null(key) && grepl("activation$", key))
        return("hard_sigmoid_keras2")
      return(x)
    }
    if (is_envelope(x)) {
      cls <- x$class_name
      c2 <- x$config
      if (is.list(c2) && !is.null(names(c2))) {
        if (!is.null(c2$output_dim) && is.null(c2$units) && cls %in% c("Dense", "LSTM", "GRU", "SimpleRNN"))
          recurrent_abort("The file was written by Keras 1 (layer configs with {.field output_dim}), which recurrent does not read.",
                          class = "recurrent_error_config", call = NULL)
        if (major < 3 && cls %in% c("GRU", "GRUCell") && is.null(c2$reset_after)) c2$reset_after <- FALSE
        if (major < 3 && cls %in% c("LSTM", "GRU", "SimpleRNN")) {
          c2$implementation <- NULL
          c2$time_major <- NULL
        }
        x$config <- c2
      }
      if (identical(cls, "Model")) x$class_name <- "Functional"
    }
    nm <- names(x)
    out <- lapply(seq_along(x), function(i) fix(x[[i]], if (!is.null(nm)) nm[i] else key))
    names(out) <- nm
    out
  }
  fix(cfg)
}

load_legacy_h5 <- function(filepath, custom_objects, compile, safe_mode, call) {
  f <- open_h5(filepath, call = call)
  on.exit(f$close_all(), add = TRUE)
  txt <- h5_string_attr(f, "model_config")
  if (is.null(txt)) {
    if (!is.null(h5_name_list(f, "layer_names")))
      recurrent_abort(c("Cannot load {.file {filepath}}: it holds weights only (no {.field model_config}).",
                        i = "Build the model and use {.fn load_model_weights}."),
                      class = "recurrent_error_file", call = call)
    recurrent_abort("Cannot load {.file {filepath}}: the HDF5 file has no {.field model_config}; it is not a Keras model file.",
                    class = "recurrent_error_file", call = call)
  }
  version <- h5_string_attr(f, "keras_version") %||% "1"
  cfg <- parse_json_text(paste(txt, collapse = ""), filepath, "{.field model_config}", call = call)
  with_file_errors(filepath, call, {
    major <- keras_major_version(version)
    cfg <- legacy_model_config(cfg, version)
    layer <- with_load_context(custom_objects, safe_mode, major < 3, layer_from_envelope(cfg))
    if (!h5_has(f, "model_weights"))
      recurrent_abort("The file has no {.field model_weights} group.", class = "recurrent_error_weights", call = NULL)
    read_legacy_weights_group(layer, f[["model_weights"]])
    model <- wrap_layer(layer)
    tc <- h5_string_attr(f, "training_config")
    if (isTRUE(compile) && !is.null(tc)) legacy_compile(model, tc, filepath)
    model
  })
}

legacy_compile <- function(model, tc, filepath) {
  tcfg <- tryCatch(jsonlite::fromJSON(paste(tc, collapse = ""), simplifyVector = FALSE), error = function(e) NULL)
  if (is.null(tcfg)) return(invisible())
  oc <- tcfg$optimizer_config
  ok <- tryCatch({
    opt <- if (is_envelope(oc)) deserialize_value(oc, "optimizer") else "rmsprop"
    loss <- tcfg$loss
    if (is_envelope(loss)) loss <- deserialize_value(loss, "loss")
    metrics <- tcfg$metrics
    if (is.list(metrics) && length(metrics) && all(vapply(metrics, is.character, TRUE))) metrics <- unlist(metrics)
    if (is.list(metrics) && !length(metrics)) metrics <- NULL
    compile(model, optimizer = opt, loss = loss, metrics = metrics)
    TRUE
  }, error = function(e) conditionMessage(e))
  if (!isTRUE(ok))
    cli::cli_warn(c("The training configuration of {.file {filepath}} could not be restored; the model is not compiled.",
                    x = "{ok}", i = "Compile it yourself before training."))
  invisible()
}

# ---- public ---------------------------------------------------------------------------------------

#' Save a whole model and load it back
#'
#' `save_model()` writes a model to a `.keras` file in Keras 3's format: a zip
#' archive holding `metadata.json`, `config.json` (the architecture, Keras's
#' serialization envelope for every layer, and the compile configuration) and
#' `model.weights.h5` (all weights and the optimizer's state, in Keras's HDF5
#' layout). Keras 3 (Python) and keras3 load these files, and `load_model()`
#' loads the files they write.
#'
#' `load_model()` also reads legacy full-model `.h5` files of Keras 1/2,
#' tf.keras and Keras 3's legacy writer. Such a model computes with the
#' definitions of the Keras version that saved it: `hard_sigmoid` is
#' `clip(0.2 x + 0.5, 0, 1)` before Keras 3, and a GRU config without
#' `reset_after` means `reset_after = FALSE`.
#'
#' Loading never runs code from the file: layers and other objects are made by
#' class name (see [register_keras_serializable()]); a class that is neither
#' built in nor registered is an error that names it. With `compile = TRUE` a
#' model saved after [compile()] comes back compiled, with its optimizer state,
#' so training continues where it stopped (stateful RNN states are not saved,
#' as in Keras).
#'
#' A [Model()] subclass is saved as Keras saves a subclassed model: under its
#' class name (or the name it was registered under) with its `get_config()`,
#' the input shape it was built with (`build_config`), and its weights at the
#' paths Keras gives the sub-layers it holds in fields. Loading takes the class
#' from `custom_objects` or the registry (never from the file), calls it with
#' the config, builds it (by its own `build()`, else by running it on symbolic
#' inputs of the saved shape) and loads the weights; with `compile = TRUE` it
#' comes back compiled, with its optimizer state. A subclass without its own
#' `get_config()` has its constructor's arguments as its config, which Keras
#' (and recurrent) allows only when they are plain values (strings, numbers,
#' logicals, `NULL`, lists of them): otherwise saving is an error asking for a
#' `get_config()`.
#'
#' With `filepath = NULL`, `save_model()` returns the archive's bytes (a raw
#' vector) and `load_model()` accepts such bytes, e.g. to send a model to other
#' R processes.
#'
#' @param model For `save_model()`, a model. For `load_model()`, a path to a
#'   `.keras` or `.h5` file, or the raw vector from `save_model(model, NULL)`.
#' @param filepath A path ending in `.keras`, or `NULL` (see above).
#' @param overwrite Replace an existing file. If `FALSE` and the file exists,
#'   an interactive session asks; otherwise it is an error.
#' @param zipped Must be `NULL` or `TRUE` (unzipped archives are not
#'   supported).
#' @param ... Must be empty.
#' @param custom_objects A named list of custom classes or functions used by
#'   the model, by the class name in the file (see
#'   [register_keras_serializable()]).
#' @param compile Logical, default `TRUE`: restore the compile configuration
#'   and optimizer state when the file has them.
#' @param safe_mode Logical, default `TRUE`: refuse objects that would run code
#'   from the file (Lambda layers). `FALSE` is accepted as in keras3, but
#'   Python code in a file still cannot run in R.
#' @returns `save_model()` returns `model` invisibly (or the raw vector when
#'   `filepath = NULL`); `load_model()` returns the model.
#' @examples
#' model <- keras_model_sequential(input_shape = c(4, 2)) |>
#'   layer_lstm(units = 3) |>
#'   layer_dense(units = 1)
#' x <- array(runif(5 * 4 * 2), c(5, 4, 2))
#' path <- tempfile(fileext = ".keras")
#' save_model(model, path)
#' model2 <- load_model(path)
#' all.equal(predict(model, x, verbose = 0), predict(model2, x, verbose = 0))
#' @export
save_model <- function(model, filepath = NULL, overwrite = FALSE, zipped = NULL, ...) {
  call <- rlang::current_env()
  check_dots_empty(list(...), call = call)
  layer <- unwrap_layer(model, arg = "model", call = call)
  # keras/src/saving/saving_lib.py, save_model(): an unbuilt model saves with a warning
  if (!isTRUE(layer$built))
    cli::cli_warn(c("Model {.val {layer$name}} has not been built yet, so it may have no weights to save.",
                    i = "Build it first by calling it on some data (or with {.code build()})."),
                  class = c("recurrent_warning_unbuilt", "recurrent_warning"))
  if (isFALSE(zipped))
    recurrent_abort("Unzipped model folders ({.code zipped = FALSE}) are not supported.", call = call)
  if (is.null(filepath)) {
    tmp <- tempfile(fileext = ".keras")
    on.exit(unlink(tmp), add = TRUE)
    write_keras_archive(layer, tmp)
    return(readBin(tmp, "raw", file.size(tmp)))
  }
  filepath <- check_string(filepath, "filepath", call = call)
  if (!grepl("\\.keras$", filepath))
    recurrent_abort(c("{.arg filepath} must be a path ending in {.file .keras}.", x = "Got {.val {filepath}}.",
                      i = "Weights alone go to {.file .weights.h5} files with {.fn save_model_weights}."),
                    call = call)
  filepath <- check_save_path(filepath, overwrite, call = call)
  write_file_atomically(filepath, function(tmp) write_keras_archive(layer, tmp), call = call)
  invisible(model)
}

#' @rdname save_model
#' @export
load_model <- function(model, custom_objects = NULL, compile = TRUE, safe_mode = TRUE) {
  call <- rlang::current_env()
  compile <- check_flag(compile, "compile", call = call)
  safe_mode <- check_flag(safe_mode, "safe_mode", call = call)
  custom_objects <- normalize_custom_objects(custom_objects, call = call)
  if (is.raw(model)) {
    tmp <- tempfile(fileext = ".keras")
    on.exit(unlink(tmp), add = TRUE)
    writeBin(model, tmp)
    if (!is_zip_file(tmp))
      recurrent_abort("The raw vector is not a Keras archive (as {.code save_model(model, NULL)} returns).",
                      class = "recurrent_error_file", call = call)
    return(load_keras_archive(tmp, custom_objects, compile, safe_mode, call))
  }
  if (!is.character(model) || length(model) != 1 || is.na(model))
    recurrent_abort(c("{.arg model} must be the path of a model file, or the raw vector {.fn save_model} returns.",
                      x = "Got {describe_value(model)}."), call = call)
  filepath <- check_load_path(model, "model", call = call)
  if (file.size(filepath) == 0)
    recurrent_abort("Cannot load {.file {filepath}}: the file is empty.", class = "recurrent_error_file", call = call)
  if (is_zip_file(filepath)) return(load_keras_archive(filepath, custom_objects, compile, safe_mode, call))
  if (is_hdf5_file(filepath)) return(load_legacy_h5(filepath, custom_objects, compile, safe_mode, call))
  con <- file(filepath, "rb")
  head <- readBin(con, "raw", 2)
  close(con)
  hint <- if (identical(head, as.raw(c(0x1f, 0x8b))))
    "It looks like a model saved by an older version of recurrent (an R serialization), which is not loaded because loading it would run code from the file; re-create the model and save it again with this version."
  else "recurrent reads {.file .keras} archives and Keras {.file .h5} files."
  recurrent_abort(c("Cannot load {.file {filepath}}: it is neither a Keras archive (zip) nor an HDF5 file.",
                    i = hint), class = "recurrent_error_file", call = call)
}
