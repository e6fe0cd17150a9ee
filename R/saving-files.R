# File plumbing shared by the savers and loaders: path checks, writes that replace
# the target only once complete (temporary file in the same directory, then rename),
# JSON, HDF5 helpers, and errors that name the file.

check_save_path <- function(filepath, overwrite, arg = "filepath", call = rlang::caller_env()) {
  filepath <- check_string(filepath, arg, call = call)
  overwrite <- check_flag(overwrite, "overwrite", call = call)
  dir <- dirname(filepath)
  if (!dir.exists(dir))
    recurrent_abort(c("Cannot save to {.file {filepath}}: directory {.file {dir}} does not exist.",
                      i = "Create it first, e.g. with {.code dir.create({deparse(dir)}, recursive = TRUE)}."),
                    class = "recurrent_error_file", call = call)
  if (file.exists(filepath) && !overwrite) {
    ok <- interactive() && isTRUE(utils::askYesNo(sprintf("File '%s' already exists. Overwrite?", filepath)))
    if (!ok)
      recurrent_abort("File {.file {filepath}} already exists (pass {.code overwrite = TRUE} to force save).",
                      class = c("recurrent_error_file_exists", "recurrent_error_file"), call = call)
  }
  filepath
}

check_load_path <- function(filepath, arg = "filepath", call = rlang::caller_env()) {
  filepath <- check_string(filepath, arg, call = call)
  if (!file.exists(filepath))
    recurrent_abort("File {.file {filepath}} does not exist.", class = "recurrent_error_file", call = call)
  if (dir.exists(filepath))
    recurrent_abort("{.file {filepath}} is a directory, not a model file.", class = "recurrent_error_file", call = call)
  filepath
}

# Write through `writer(tmp)` to a temporary file beside `filepath`, then rename it
# into place: an interrupted save leaves any existing file untouched.
write_file_atomically <- function(filepath, writer, call = rlang::caller_env()) {
  dir <- dirname(filepath)
  tmp <- tempfile(pattern = paste0(".", basename(filepath), "-"), tmpdir = dir, fileext = ".tmp")
  on.exit(if (file.exists(tmp)) unlink(tmp), add = TRUE)
  rlang::try_fetch(writer(tmp), error = function(cnd) {
    recurrent_abort("Saving to {.file {filepath}} failed; the file was not changed.", parent = cnd,
                    class = "recurrent_error_file", call = call)
  })
  if (!file.rename(tmp, filepath)) {
    # rename can fail across devices or on some file systems: copy, then remove
    if (!file.copy(tmp, filepath, overwrite = TRUE))
      recurrent_abort("Could not move the saved file into place at {.file {filepath}}.",
                      class = "recurrent_error_file", call = call)
  }
  invisible(filepath)
}

# Errors raised while reading a file get the file's name in front, once.
with_file_errors <- function(filepath, call, expr) {
  rlang::try_fetch(expr, error = function(cnd) {
    if (inherits(cnd, "recurrent_error_file")) rlang::cnd_signal(cnd)
    cls <- intersect(class(cnd), c("recurrent_error_unknown_class", "recurrent_error_unsafe",
                                   "recurrent_error_weights", "recurrent_error_config"))
    recurrent_abort("Cannot load {.file {filepath}}.", parent = cnd,
                    class = c(cls, "recurrent_error_file"), call = call)
  })
}

to_json <- function(x) {
  as.character(jsonlite::toJSON(x, auto_unbox = TRUE, null = "null", na = "null", digits = NA,
                                pretty = FALSE, force = FALSE))
}

parse_json_text <- function(txt, filepath, what, call = rlang::caller_env()) {
  rlang::try_fetch(jsonlite::fromJSON(txt, simplifyVector = FALSE),
    error = function(cnd) {
      msg <- conditionMessage(cnd)
      recurrent_abort(c(paste("Cannot load {.file {filepath}}:", what, "is not valid JSON."), x = "{msg}"),
                      class = "recurrent_error_file", call = call)
    })
}

keras_major_version <- function(version) {
  v <- suppressWarnings(as.integer(sub("^([0-9]+).*$", "\\1", as.character(version %||% "1"))))
  if (is.na(v)) 1L else v
}

# ---- HDF5 ----------------------------------------------------------------------------------------

open_h5 <- function(filepath, mode = "r", call = rlang::caller_env()) {
  rlang::try_fetch(hdf5r::H5File$new(filepath, mode = mode),
    error = function(cnd) recurrent_abort(c("Cannot load {.file {filepath}}: it is not a readable HDF5 file.",
                                            i = "The file may be damaged, truncated, or of another format."),
                                          class = "recurrent_error_file", call = call))
}

# Whether `path` (a/b/c) exists under `obj`, without HDF5 errors for missing parents.
h5_has <- function(obj, path) {
  parts <- strsplit(path, "/", fixed = TRUE)[[1]]
  parts <- parts[nzchar(parts)]
  cur <- obj
  for (p in parts) {
    if (!inherits(cur, c("H5Group", "H5File")) || !p %in% names(cur)) return(FALSE)
    cur <- cur[[p]]
  }
  TRUE
}

h5_get <- function(obj, path) {
  parts <- strsplit(path, "/", fixed = TRUE)[[1]]
  parts <- parts[nzchar(parts)]
  cur <- obj
  for (p in parts) cur <- cur[[p]]
  cur
}

h5_group <- function(obj, path) {
  parts <- strsplit(path, "/", fixed = TRUE)[[1]]
  parts <- parts[nzchar(parts)]
  cur <- obj
  for (p in parts) cur <- if (p %in% names(cur)) cur[[p]] else cur$create_group(p)
  cur
}

# A dataset's values in Keras's index order (hdf5r reverses the axes).
h5_read_array <- function(ds) {
  if (!inherits(ds, "H5D"))
    recurrent_abort("Expected an HDF5 dataset, found a group.", class = "recurrent_error_weights", call = NULL)
  dims <- ds$dims
  x <- ds$read()
  if (inherits(x, "integer64")) x <- as.numeric(x)
  if (length(dims) == 0) return(as.vector(x))
  if (length(dims) == 1) return(as.vector(x))
  aperm(array(x, dims), rev(seq_along(dims)))
}

h5_dtype <- function(dtype) {
  switch(dtype,
    float32 = hdf5r::h5types$H5T_IEEE_F32LE, float64 = hdf5r::h5types$H5T_IEEE_F64LE,
    int64 = hdf5r::h5types$H5T_STD_I64LE, int32 = hdf5r::h5types$H5T_STD_I32LE,
    bool = hdf5r::h5types$H5T_STD_U8LE, uint8 = hdf5r::h5types$H5T_STD_U8LE,
    hdf5r::h5types$H5T_IEEE_F32LE)
}

# Write `value` (an R array in Keras's index order) as a contiguous dataset.
h5_write_array <- function(group, name, value, dtype) {
  d <- dim(value)
  if (is.logical(value)) value <- as.integer(value)
  if (is.null(d) && length(value) == 1 && identical(attr(value, "scalar"), TRUE)) {
    attr(value, "scalar") <- NULL
    group$create_dataset(name, robj = value, dtype = h5_dtype(dtype), space = hdf5r::H5S$new("scalar"),
                         chunk_dims = NULL)
    return(invisible())
  }
  if (!is.null(d) && length(d) > 1) value <- aperm(value, rev(seq_along(d)))
  if (is.null(d)) value <- as.vector(value)
  group$create_dataset(name, robj = value, dtype = h5_dtype(dtype), chunk_dims = NULL)
  invisible()
}

h5_set_string_attr <- function(obj, name, value) {
  hdf5r::h5attr(obj, name) <- value
  invisible()
}

h5_string_attr <- function(obj, name) {
  if (!name %in% hdf5r::h5attr_names(obj)) return(NULL)
  a <- obj$attr_open(name)
  on.exit(a$close(), add = TRUE)
  sp <- a$get_space()
  # Keras writes an empty list of names as an empty float64 array, which hdf5r
  # cannot read
  if (identical(as.character(sp$get_simple_extent_type()), "H5S_SIMPLE") && prod(sp$dims) == 0) return(character())
  if (identical(as.character(sp$get_simple_extent_type()), "H5S_NULL")) return(character())
  v <- a$read()
  if (is.raw(v)) v <- rawToChar(v)
  if (is.numeric(v) && !length(v)) return(character())
  as.character(v)
}

# layer_names / weight_names, also when split into name0, name1, ... chunks.
h5_name_list <- function(obj, name) {
  v <- h5_string_attr(obj, name)
  if (!is.null(v)) return(v)
  out <- character()
  i <- 0L
  while (!is.null(chunk <- h5_string_attr(obj, paste0(name, i)))) {
    out <- c(out, chunk)
    i <- i + 1L
  }
  if (i == 0L) return(NULL)
  out
}
