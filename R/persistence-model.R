# Whole models to a file and back. A model is R objects (R6 layers, closures) plus
# tensors in C++ memory. R's serializer writes the R objects and asks a hook about
# each external pointer: the hook swaps every tensor handle for a key and keeps its
# values as an R array beside the model; loading reverses that. Layers defined with
# Layer() in the user's session travel with the model, as saveRDS() carries closures.

model_file_format <- "recurrent-model"

serialize_with_tensors <- function(object) {
  arrays <- list()
  hook <- function(x) {
    if (!cpp_is_tensor(x)) return(NULL)
    key <- as.character(length(arrays) + 1L)
    arrays[[key]] <<- list(value = cpp_to_r(x), dtype = cpp_dtype(x), mask = attr(x, "keras_mask", exact = TRUE))
    paste0("recurrent_tensor:", key)
  }
  bytes <- serialize(object, connection = NULL, refhook = hook)
  # masks kept as attributes of tensors are tensors themselves
  arrays <- lapply(arrays, function(a) {
    if (!is.null(a$mask)) a$mask <- list(value = cpp_to_r(a$mask), dtype = cpp_dtype(a$mask))
    a
  })
  list(format = model_file_format, version = 1L, bytes = bytes, tensors = arrays)
}

unserialize_with_tensors <- function(payload) {
  made <- list()
  hook <- function(key) {
    key <- sub("^recurrent_tensor:", "", key)
    if (!is.null(made[[key]])) return(made[[key]])
    a <- payload$tensors[[key]]
    t <- cpp_tensor(a$value, a$dtype)
    if (!is.null(a$mask)) attr(t, "keras_mask") <- cpp_tensor(a$mask$value, a$mask$dtype)
    made[[key]] <<- t
    t
  }
  unserialize(payload$bytes, refhook = hook)
}

#' Save a whole model and load it back
#'
#' `save_model()` writes a model — its layers, their settings, weights,
#' states of stateful layers, and the compiled optimizer, loss and metrics
#' with the optimizer's state — to one file; `load_model()` returns a model
#' that predicts and trains on exactly as the saved one would. Custom layers
#' and cells written with [Layer()] are saved with the model.
#'
#' The file name ends in `.keras`, as in keras3, so keras3 code runs
#' unchanged, but **the file is not a Keras archive**: it is an R
#' serialization readable by recurrent only. With `filepath = NULL`,
#' `save_model()` returns the bytes (a raw vector) instead, and `load_model()`
#' accepts such a raw vector.
#'
#' @param model A model (or layer).
#' @param filepath A path ending in `.keras`, or `NULL` (see above).
#' @param overwrite Replace an existing file. If `FALSE` and the file exists,
#'   an interactive session asks; otherwise it is an error.
#' @param zipped,... Accepted for compatibility with keras3; ignored
#'   (`zipped`) or must be empty.
#' @param custom_objects,safe_mode Accepted for compatibility: custom layers
#'   travel inside the file, so they are not needed.
#' @param compile Logical, default `TRUE`: keep the compiled state. With
#'   `FALSE` the loaded model is not compiled.
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
  if (...length())
    cli::cli_abort("Unknown arguments in {.arg ...}: {.arg {names(list(...))}}.",
                   class = c("recurrent_error_argument", "recurrent_error"))
  layer <- unwrap_layer(model, arg = "model")
  payload <- serialize_with_tensors(wrap_layer(layer))
  if (is.null(filepath)) return(serialize(payload, connection = NULL))
  if (!is.character(filepath) || length(filepath) != 1 || !grepl("\\.keras$", filepath))
    cli::cli_abort(c("{.arg filepath} must be a path ending in {.file .keras}.", x = "Got {.val {format(filepath)}}."),
                   class = c("recurrent_error_argument", "recurrent_error"))
  if (file.exists(filepath) && !isTRUE(overwrite)) {
    ok <- interactive() && utils::askYesNo(sprintf("Overwrite '%s'?", filepath))
    if (!isTRUE(ok))
      cli::cli_abort("File {.file {filepath}} already exists (pass {.code overwrite = TRUE} to force save).",
                     class = c("recurrent_error_argument", "recurrent_error"))
  }
  saveRDS(payload, filepath)
  invisible(model)
}

#' @rdname save_model
#' @export
load_model <- function(model, custom_objects = NULL, compile = TRUE, safe_mode = TRUE) {
  payload <- if (is.raw(model)) {
    unserialize(model)
  } else {
    if (!is.character(model) || length(model) != 1 || !file.exists(model))
      cli::cli_abort(c("{.arg model} must be the path of a saved model file, or the raw vector {.fn save_model} returns.",
                       x = "Got {.val {format(model)}}."),
                     class = c("recurrent_error_argument", "recurrent_error"))
    readRDS(model)
  }
  if (!is.list(payload) || !identical(payload$format, model_file_format))
    cli::cli_abort("This is not a model saved by {.fn save_model} of recurrent.",
                   class = c("recurrent_error_argument", "recurrent_error"))
  restored <- unserialize_with_tensors(payload)
  layer <- unwrap_layer(restored)
  # variables come back as plain tensors: they want gradients again where trainable
  for (v in layer$variables) cpp_set_trainable(v$handle, v$trainable)
  if (!isTRUE(compile)) layer_private(layer)$.train_state <- NULL
  restored
}
