# text_dataset_from_directory(): one folder per class of .txt files, as a lazy
# dataset that reads the files of batch i when it is asked for.

#' A dataset of text files in class folders
#'
#' Keras's `text_dataset_from_directory()`: `directory` holds one
#' subdirectory per class (`directory/neg/*.txt`, `directory/pos/*.txt`), and
#' the dataset yields batches `list(texts, labels)` where `texts` is a
#' character vector of file contents (read as they are, trailing newline
#' included) and `labels` the class index of each file (0-based, classes in
#' alphabetical order unless `class_names` orders them). Files are read when
#' their batch is needed. With `shuffle = TRUE` the files come in a random
#' order, a new one at each pass (each epoch).
#'
#' @param directory Path of the directory with one subdirectory per class.
#' @param labels `"inferred"` (from the subdirectories; default) or `NULL`
#'   (texts only).
#' @param label_mode `"int"` (default; 0-based class indices), `"categorical"`
#'   (one-hot rows), `"binary"` (0/1 as doubles, for two classes) or `NULL`.
#' @param class_names `NULL` or the subdirectory names in the order that gives
#'   their indices.
#' @param batch_size Whole number of texts per batch (default 32), or `NULL`
#'   for single texts.
#' @param max_length `NULL` or the largest number of characters kept from each
#'   text.
#' @param shuffle Logical: random order (default `TRUE`).
#' @param seed `NULL` or a whole number for the order and the split.
#' @param validation_split `NULL` or a fraction of the files to hold out.
#' @param subset With `validation_split`: `"training"`, `"validation"` or
#'   `"both"` (a list of the two datasets).
#' @param follow_links Accepted for compatibility (links are followed).
#' @param verbose Logical: print how many files and classes were found.
#' @returns A dataset (see [as_iterator()]), or a list of two for
#'   `subset = "both"`. Its `class_names` element lists the classes.
#' @examples
#' dir <- file.path(tempdir(), "reviews")
#' for (cls in c("neg", "pos")) dir.create(file.path(dir, cls), recursive = TRUE, showWarnings = FALSE)
#' writeLines("A dull film.", file.path(dir, "neg", "1.txt"))
#' writeLines("A great film!", file.path(dir, "pos", "1.txt"))
#' ds <- text_dataset_from_directory(dir, batch_size = 2, shuffle = FALSE)
#' .[texts, labels] <- iter_next(as_iterator(ds))
#' texts
#' labels
#' ds$class_names
#' @export
text_dataset_from_directory <- function(directory, labels = "inferred", label_mode = "int", class_names = NULL,
                                        batch_size = 32L, max_length = NULL, shuffle = TRUE, seed = NULL,
                                        validation_split = NULL, subset = NULL, follow_links = FALSE,
                                        verbose = TRUE) {
  call <- rlang::current_env()
  directory <- check_string(directory, call = call)
  if (!dir.exists(directory))
    recurrent_abort(c("{.arg directory} must be an existing directory.", x = "{.path {directory}} does not exist."),
                    call = call)
  if (!is.null(labels) && !identical(labels, "inferred"))
    recurrent_abort(c("{.arg labels} must be {.val inferred} or {.code NULL}.",
                      i = "Lists of labels are not supported; put the files in one folder per class.",
                      x = "Got {describe_value(labels)}."), call = call)
  if (is.null(labels)) label_mode <- NULL
  if (!is.null(label_mode)) check_choice(label_mode, c("int", "categorical", "binary"), "label_mode", call)
  batch_size <- check_count(batch_size, call = call, min = 1, null_ok = TRUE)
  max_length <- check_count(max_length, call = call, min = 1, null_ok = TRUE)
  shuffle <- check_flag(shuffle, call = call)
  seed <- check_seed(seed, call = call)
  verbose <- check_flag(verbose, call = call)
  if (!is.null(validation_split)) {
    validation_split <- check_number(validation_split, call = call, min = 0, max = 1, min_open = TRUE, max_open = TRUE)
    if (is.null(subset)) recurrent_abort("{.arg validation_split} needs a {.arg subset}.", call = call)
    check_choice(subset, c("training", "validation", "both"), "subset", call)
    if (shuffle && is.null(seed))
      recurrent_abort("With {.arg validation_split} and {.code shuffle = TRUE}, give a {.arg seed} so the two subsets do not overlap.",
                      call = call)
  } else if (!is.null(subset)) {
    recurrent_abort("{.arg subset} needs a {.arg validation_split}.", call = call)
  }

  dirs <- sort(basename(list.dirs(directory, recursive = FALSE)), method = "radix")
  if (!is.null(class_names)) {
    if (!is.character(class_names) || !setequal(class_names, dirs) || anyDuplicated(class_names))
      recurrent_abort(c("{.arg class_names} must name the subdirectories of {.arg directory}.",
                        x = "Got {.val {class_names}}; the subdirectories are {.val {dirs}}."), call = call)
    dirs <- class_names
  }
  files <- character()
  file_labels <- integer()
  for (i in seq_along(dirs)) {
    f <- sort(list.files(file.path(directory, dirs[i]), pattern = "\\.txt$", recursive = TRUE, full.names = TRUE),
              method = "radix")
    files <- c(files, f)
    file_labels <- c(file_labels, rep(i - 1L, length(f)))
  }
  if (identical(label_mode, "binary") && length(dirs) != 2)
    recurrent_abort(c("{.code label_mode = \"binary\"} needs exactly 2 classes.", x = "Found {length(dirs)}."), call = call)
  if (verbose) cat(sprintf("Found %d files belonging to %d classes.\n", length(files), length(dirs)))
  if (!length(files))
    recurrent_abort("No text files ({.file .txt}) found in {.path {directory}}.", call = call)
  # Keras shuffles the files once before splitting, with the seed
  if (shuffle) {
    perm <- with_random_seed(seed, sample.int(length(files)))
    files <- files[perm]
    file_labels <- file_labels[perm]
  }
  make <- function(idx) text_files_dataset(files[idx], file_labels[idx], dirs, label_mode, batch_size, max_length,
                                           shuffle, seed)
  if (is.null(validation_split)) return(make(seq_along(files)))
  n_val <- as.integer(validation_split * length(files))
  train <- seq_len(length(files) - n_val)
  val <- setdiff(seq_along(files), train)
  if (verbose && subset %in% c("training", "both")) cat(sprintf("Using %d files for training.\n", length(train)))
  if (verbose && subset %in% c("validation", "both")) cat(sprintf("Using %d files for validation.\n", length(val)))
  switch(subset, training = make(train), validation = make(val), both = list(make(train), make(val)))
}

text_files_dataset <- function(files, labels, class_names, label_mode, batch_size, max_length, shuffle, seed) {
  n <- length(files)
  bs <- batch_size %||% 1L
  read_text <- function(f) {
    size <- file.size(f)
    txt <- if (size > 0) readChar(f, size, useBytes = TRUE) else ""
    Encoding(txt) <- "UTF-8"
    if (!is.null(max_length)) txt <- substr(txt, 1L, max_length)
    txt
  }
  new_pass <- function(k) {
    order <- if (shuffle) {
      if (is.null(seed)) sample.int(n) else with_random_seed(seed + k, sample.int(n))
    }
    function(i) {
      idx <- ((i - 1L) * bs + 1L):min(i * bs, n)
      if (!is.null(order)) idx <- order[idx]
      texts <- vapply(files[idx], read_text, "", USE.NAMES = FALSE)
      if (is.null(label_mode)) return(texts)
      y <- labels[idx]
      y <- switch(label_mode, int = y, binary = {
        v <- as.numeric(y)
        if (is.null(batch_size)) v else matrix(v, ncol = 1)
      }, categorical = {
        oh <- to_categorical(y, length(class_names))
        if (is.null(batch_size)) oh[1, ] else oh
      })
      list(texts, y)
    }
  }
  new_dataset(ceiling(n / bs), new_pass, class = "recurrent_text_dataset", class_names = class_names,
              describe = sprintf("%d text files in %d classes (%s)", n, length(class_names),
                                 paste(class_names, collapse = ", ")))
}
