# Weight files: every weight of a model, in get_weights() order, written with
# saveRDS() (not HDF5) under the file name keras3 code uses (`.weights.h5`).

weights_file_format <- "recurrent-weights"

check_weights_path <- function(filepath, call) {
  filepath <- check_string(filepath, "filepath", call = call)
  if (!grepl("\\.weights\\.(h5|rds)$", filepath))
    recurrent_abort(c("{.arg filepath} must end in {.file .weights.h5} (or {.file .weights.rds}).",
                      x = "Got {.val {filepath}}."), call = call)
  filepath
}

#' Save and load a model's weights
#'
#' `save_model_weights()` writes every weight of `model` (trainable and not, in
#' the order of [get_weights()]) to `filepath`; `load_model_weights()` reads them
#' back into a model of the same architecture. The file name must end in
#' `.weights.h5`, as in keras3, so keras3 code runs unchanged, but **the file is
#' not HDF5**: it is an R serialization (`saveRDS()`), readable by recurrent
#' (and by `readRDS()`), not by Python Keras or keras3. The name `.weights.rds`
#' is accepted too.
#'
#' @param model A model (or layer) whose weights exist (call or build it first).
#' @param filepath String, the file path.
#' @param overwrite Logical. Replace an existing file. If `FALSE` and the file
#'   exists, an interactive session asks; otherwise it is an error.
#' @param max_shard_size Must be `NULL` (sharding is not supported).
#' @param skip_mismatch Logical. Skip weights whose shape differs (with a
#'   warning) instead of failing.
#' @param ... Must be empty.
#' @returns `model`, invisibly.
#' @examples
#' model <- keras_model_sequential(input_shape = 3) |> layer_dense(2)
#' path <- file.path(tempdir(), "model.weights.h5")
#' save_model_weights(model, path, overwrite = TRUE)
#' other <- keras_model_sequential(input_shape = 3) |> layer_dense(2)
#' load_model_weights(other, path)
#' all.equal(get_weights(model), get_weights(other))
#' @export
save_model_weights <- function(model, filepath, overwrite = FALSE, max_shard_size = NULL) {
  call <- rlang::current_env()
  layer <- unwrap_layer(model, arg = "model", call = call)
  filepath <- check_weights_path(filepath, call)
  overwrite <- check_flag(overwrite, call = call)
  if (!is.null(max_shard_size))
    recurrent_abort("Sharded weight files are not supported: {.arg max_shard_size} must be {.code NULL}.", call = call)
  if (file.exists(filepath) && !overwrite) {
    ok <- interactive() && utils::askYesNo(sprintf("File '%s' already exists. Overwrite?", filepath)) %in% TRUE
    if (!ok)
      recurrent_abort(sprintf("File '%s' already exists (pass overwrite = TRUE to force save).", filepath),
                      class = "recurrent_error_file_exists", call = call)
  }
  vars <- layer$weights
  payload <- list(
    format = weights_file_format, version = 1L,
    paths = vapply(vars, function(v) v$path %||% v$name, ""),
    dtypes = vapply(vars, function(v) cpp_dtype(v$handle), ""),
    weights = lapply(vars, function(v) v$numpy())
  )
  saveRDS(payload, filepath)
  invisible(model)
}

#' @rdname save_model_weights
#' @export
load_model_weights <- function(model, filepath, skip_mismatch = FALSE, ...) {
  call <- rlang::current_env()
  check_dots_empty(list(...), call = call)
  layer <- unwrap_layer(model, arg = "model", call = call)
  filepath <- check_string(filepath, call = call)
  skip_mismatch <- check_flag(skip_mismatch, call = call)
  if (!file.exists(filepath)) recurrent_abort("File {.file {filepath}} does not exist.", call = call)
  payload <- tryCatch(readRDS(filepath), error = function(e) NULL)
  if (!is.list(payload) || !identical(payload$format, weights_file_format))
    recurrent_abort(c("{.file {filepath}} is not a weights file written by {.fn save_model_weights}.",
                      i = "recurrent cannot read Keras HDF5 weight files."), call = call)
  vars <- layer$weights
  saved <- payload$weights
  if (length(saved) != length(vars) && !skip_mismatch)
    recurrent_abort(c("The file holds {length(saved)} weight{?s} but the model has {length(vars)}.",
                      i = "Load weights into a model of the same architecture, built (called) first."), call = call)
  for (i in seq_len(min(length(saved), length(vars)))) {
    want <- as.integer(cpp_shape(vars[[i]]$handle))
    w <- saved[[i]]
    got <- as.integer(dim(w) %||% (if (length(want) == 0) integer() else length(w)))
    if (!identical(got, want)) {
      if (skip_mismatch) {
        cli::cli_warn("Skipping weight {i} ({.val {payload$paths[i]}}): shape ({toString(got)}) in the file, ({toString(want)}) in the model.",
                      call = call)
        next
      }
      recurrent_abort(c("Weight {i} ({.val {vars[[i]]$path}}) has shape ({toString(want)}) in the model.",
                        x = "The file has shape ({toString(got)}) ({.val {payload$paths[i]}})."), call = call)
    }
  }
  for (i in seq_len(min(length(saved), length(vars)))) {
    want <- as.integer(cpp_shape(vars[[i]]$handle))
    got <- as.integer(dim(saved[[i]]) %||% (if (length(want) == 0) integer() else length(saved[[i]])))
    if (identical(got, want)) vars[[i]]$assign(saved[[i]])
  }
  invisible(model)
}
