# dataset_imdb(), dataset_reuters() and their word indexes: Keras's files, downloaded
# once from the same URLs into the user's cache directory, read without Python (a
# .npz is a zip of .npy files; ragged sequences are NumPy object arrays, read by a
# restricted pickle reader that runs nothing), shuffled and re-indexed exactly as
# Keras does (NumPy's legacy Mersenne Twister shuffle with seed 113).

KERAS_DATASETS_URL <- "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"

#' The IMDB movie review sentiment dataset
#'
#' 25,000 training and 25,000 test reviews from IMDB, labelled positive (1)
#' or negative (0), each a sequence of word indices, as in Keras:
#' `dataset_imdb()` downloads `imdb.npz` from the URL Keras uses (once; it is
#' cached in `tools::R_user_dir("recurrent", "cache")`), shuffles the reviews
#' with NumPy's generator seeded with `seed` (so the order is Keras's), and
#' re-indexes the words: a word of frequency rank `k` (1 = most frequent)
#' becomes `k + index_from`, each review starts with `start_char`, and words
#' outside `skip_top <= index < num_words` become `oov_char` (or are dropped
#' when `oov_char` is `NULL`). With `maxlen`, reviews of `maxlen` or more
#' indices (the start character included) are dropped. 0 is never a word
#' (it is kept for padding).
#'
#' `dataset_imdb_word_index()` gives the word of each frequency rank (a named
#' list `word = rank`); add `index_from` to map a rank to an index of
#' `dataset_imdb()`.
#'
#' @param path File name in the cache directory.
#' @param num_words `NULL` or the number of most frequent words to keep
#'   (indices from `num_words` up become `oov_char`).
#' @param skip_top Indices below this become `oov_char` (the most frequent
#'   words, with the default `index_from`).
#' @param maxlen `NULL` or a length: longer sequences are dropped.
#' @param seed Seed of the shuffle (Keras's default 113).
#' @param start_char Index that starts every sequence (`NULL`: none).
#' @param oov_char Index of out-of-vocabulary words (`NULL`: drop them).
#' @param index_from Offset added to the word ranks.
#' @param convert Accepted for compatibility with keras3.
#' @returns `dataset_imdb()`: `list(train = list(x, y), test = list(x, y))`
#'   where `x` is a list of integer vectors and `y` an integer vector.
#'   `dataset_imdb_word_index()`: a named list of ranks.
#' @examples
#' \dontrun{
#' .[.[x_train, y_train], .[x_test, y_test]] <- dataset_imdb(num_words = 10000)
#' word_index <- dataset_imdb_word_index()
#' words <- setNames(names(word_index), unlist(word_index) + 3)
#' paste(words[as.character(x_train[[1]][-1])], collapse = " ")
#' }
#' @export
dataset_imdb <- function(path = "imdb.npz", num_words = NULL, skip_top = 0L, maxlen = NULL, seed = 113L,
                         start_char = 1L, oov_char = 2L, index_from = 3L, convert = TRUE) {
  call <- rlang::current_env()
  args <- check_sequence_dataset_args(num_words, skip_top, maxlen, seed, start_char, oov_char, index_from, call)
  file <- get_keras_dataset_file(path, "imdb.npz",
                                 sha256 = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f", call = call)
  read_imdb_npz(file, args)
}

# The work of dataset_imdb() on a local file (tests make small ones).
read_imdb_npz <- function(file, args) {
  f <- read_npz(file)
  for (nm in c("x_train", "y_train", "x_test", "y_test"))
    if (is.null(f[[nm]])) recurrent_abort("{.file {file}} has no array {.val {nm}}.", call = NULL)
  rng <- numpy_random_state(args$seed)
  tr <- numpy_shuffle(rng, length(f$x_train))
  te <- numpy_shuffle(rng, length(f$x_test))
  x_train <- f$x_train[tr]
  x_test <- f$x_test[te]
  y_train <- as.integer(f$y_train[tr])
  y_test <- as.integer(f$y_test[te])
  x_train <- offset_sequences(x_train, args)
  x_test <- offset_sequences(x_test, args)
  if (!is.null(args$maxlen)) {
    keep <- lengths(x_train) < args$maxlen
    x_train <- x_train[keep]
    y_train <- y_train[keep]
    keep <- lengths(x_test) < args$maxlen
    x_test <- x_test[keep]
    y_test <- y_test[keep]
    if (!length(x_train) || !length(x_test))
      recurrent_abort("After filtering for sequences shorter than {.arg maxlen} = {args$maxlen}, no sequence was kept. Increase {.arg maxlen}.",
                      call = NULL)
  }
  xs <- limit_words(c(x_train, x_test), args)
  n <- length(x_train)
  list(train = list(x = xs[seq_len(n)], y = y_train), test = list(x = xs[n + seq_along(x_test)], y = y_test))
}

#' The Reuters newswire topics dataset
#'
#' 11,228 Reuters newswires in 46 topics, each a sequence of word indices, as
#' in Keras: downloaded once from Keras's URL into the cache, shuffled with
#' NumPy's generator seeded with `seed`, re-indexed like [dataset_imdb()], and
#' split with the first `1 - test_split` of the (shuffled) wires for training.
#' `dataset_reuters_word_index()` gives the word of each frequency rank.
#'
#' @inheritParams dataset_imdb
#' @param test_split Fraction of the wires for testing (default 0.2).
#' @returns `list(train = list(x, y), test = list(x, y))`, `x` a list of
#'   integer vectors and `y` the topic ids (0 to 45).
#' @examples
#' \dontrun{
#' .[.[x_train, y_train], .[x_test, y_test]] <- dataset_reuters(num_words = 10000)
#' }
#' @export
dataset_reuters <- function(path = "reuters.npz", num_words = NULL, skip_top = 0L, maxlen = NULL,
                            test_split = 0.2, seed = 113L, start_char = 1L, oov_char = 2L, index_from = 3L) {
  call <- rlang::current_env()
  args <- check_sequence_dataset_args(num_words, skip_top, maxlen, seed, start_char, oov_char, index_from, call)
  args$test_split <- check_number(test_split, call = call, min = 0, max = 1)
  file <- get_keras_dataset_file(path, "reuters.npz",
                                 sha256 = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916", call = call)
  read_reuters_npz(file, args)
}

read_reuters_npz <- function(file, args) {
  f <- read_npz(file)
  for (nm in c("x", "y"))
    if (is.null(f[[nm]])) recurrent_abort("{.file {file}} has no array {.val {nm}}.", call = NULL)
  rng <- numpy_random_state(args$seed)
  idx <- numpy_shuffle(rng, length(f$x))
  xs <- offset_sequences(f$x[idx], args)
  labels <- as.integer(f$y[idx])
  if (!is.null(args$maxlen)) {
    keep <- lengths(xs) < args$maxlen
    xs <- xs[keep]
    labels <- labels[keep]
  }
  xs <- limit_words(xs, args)
  n_train <- as.integer(length(xs) * (1 - args$test_split))
  tr <- seq_len(n_train)
  te <- setdiff(seq_along(xs), tr)
  list(train = list(x = xs[tr], y = labels[tr]), test = list(x = xs[te], y = labels[te]))
}

#' @rdname dataset_imdb
#' @export
dataset_imdb_word_index <- function(path = "imdb_word_index.json") {
  file <- get_keras_dataset_file(path, "imdb_word_index.json", md5 = "bfafd718b763782e994055a2d397834f",
                                 call = rlang::current_env())
  read_word_index(file)
}

#' @rdname dataset_reuters
#' @export
dataset_reuters_word_index <- function(path = "reuters_word_index.json") {
  file <- get_keras_dataset_file(path, "reuters_word_index.json", md5 = "4d44cc38712099c9e383dc6e5f11a921",
                                 call = rlang::current_env())
  read_word_index(file)
}

read_word_index <- function(file) {
  idx <- jsonlite::fromJSON(file, simplifyVector = FALSE)
  if (!is.list(idx) || is.null(names(idx)))
    recurrent_abort("{.file {file}} is not a word index (a JSON object of word: rank).", call = NULL)
  lapply(idx, as.integer)
}

check_sequence_dataset_args <- function(num_words, skip_top, maxlen, seed, start_char, oov_char, index_from, call) {
  list(num_words = check_count(num_words, call = call, null_ok = TRUE),
       skip_top = check_count(skip_top, call = call),
       maxlen = check_count(maxlen, call = call, null_ok = TRUE),
       seed = check_count(seed, call = call),
       start_char = check_count(start_char, call = call, null_ok = TRUE),
       oov_char = check_count(oov_char, call = call, null_ok = TRUE),
       index_from = check_count(index_from, call = call))
}

# Keras: [start_char] + (w + index_from), or just the offset without a start character.
offset_sequences <- function(xs, args) {
  lapply(xs, function(x) {
    x <- as.integer(x) + args$index_from
    if (!is.null(args$start_char)) c(args$start_char, x) else x
  })
}

# Keras: indices outside skip_top <= w < num_words (num_words defaults to the
# largest index, which is then itself out of range) become oov_char or are dropped.
limit_words <- function(xs, args) {
  num_words <- if (!is.null(args$num_words) && args$num_words > 0) args$num_words else max(unlist(xs))
  lapply(xs, function(x) {
    keep <- x >= args$skip_top & x < num_words
    if (is.null(args$oov_char)) x[keep] else replace(x, !keep, args$oov_char)
  })
}

# ---- files -------------------------------------------------------------------------

get_keras_dataset_file <- function(path, remote_name, sha256 = NULL, md5 = NULL, call) {
  path <- check_string(path, call = call)
  dest <- if (grepl("[/\\\\]", path)) path else file.path(tools::R_user_dir("recurrent", "cache"), "datasets", path)
  if (file.exists(dest)) return(dest)
  dir.create(dirname(dest), recursive = TRUE, showWarnings = FALSE)
  # the option points tests (and mirrors) elsewhere
  url <- paste0(getOption("recurrent.datasets_url", KERAS_DATASETS_URL), remote_name)
  tmp <- paste0(dest, ".part")
  on.exit(unlink(tmp), add = TRUE)
  ok <- tryCatch({
    old <- options(timeout = max(600, getOption("timeout")))
    on.exit(options(old), add = TRUE)
    utils::download.file(url, tmp, mode = "wb", quiet = !interactive()) == 0
  }, error = function(e) FALSE, warning = function(w) FALSE)
  if (!isTRUE(ok) || !file.exists(tmp))
    recurrent_abort(c("Could not download {.url {url}}.",
                      i = "Check the internet connection, or put the file at {.path {dest}} yourself."),
                    class = "recurrent_error_download", call = call)
  check_file_hash(tmp, sha256, md5, url, call)
  file.rename(tmp, dest)
  dest
}

check_file_hash <- function(file, sha256, md5, url, call) {
  got <- NULL
  if (!is.null(md5)) {
    got <- unname(tools::md5sum(file))
    want <- md5
  } else if (!is.null(sha256)) {
    want <- sha256
    tool <- Sys.which("sha256sum")
    if (exists("sha256sum", envir = asNamespace("tools"))) {
      got <- unname(get("sha256sum", envir = asNamespace("tools"))(file))
    } else if (nzchar(tool)) {
      got <- sub(" .*$", "", system2(tool, shQuote(file), stdout = TRUE))
    }
  }
  if (!is.null(got) && !identical(tolower(got), want))
    recurrent_abort(c("The file downloaded from {.url {url}} is not the expected one (its hash differs).",
                      i = "Try again; a proxy or a partial download can corrupt it."), call = call)
  invisible()
}

# A .npz archive: a zip of .npy files, read into a named list of arrays.
read_npz <- function(file) {
  dir <- tempfile("npz")
  on.exit(unlink(dir, recursive = TRUE), add = TRUE)
  members <- tryCatch(utils::unzip(file, exdir = dir), error = function(e) character(), warning = function(w) character())
  if (!length(members)) recurrent_abort("{.file {file}} is not a .npz (zip) archive.", call = NULL)
  out <- lapply(members, read_npy)
  names(out) <- sub("\\.npy$", "", basename(members))
  out
}

# One .npy file: numbers (little-endian integers, floats, booleans) as an R array in
# NumPy's shape, or an object array of sequences as a list of vectors.
read_npy <- function(file) {
  con <- file(file, "rb")
  on.exit(close(con))
  magic <- readBin(con, "raw", 6)
  if (!identical(magic, as.raw(c(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59))))
    recurrent_abort("{.file {basename(file)}} is not a .npy file.", call = NULL)
  version <- as.integer(readBin(con, "raw", 2))
  header_len <- if (version[1] == 1) readBin(con, "integer", 1, size = 2, signed = FALSE, endian = "little")
                else readBin(con, "integer", 1, size = 4, endian = "little")
  header <- rawToChar(readBin(con, "raw", header_len))
  field <- function(key) {
    m <- regmatches(header, regexec(sprintf("'%s'\\s*:\\s*('[^']*'|\\([^)]*\\)|True|False)", key), header))[[1]]
    if (length(m) < 2) recurrent_abort("{.file {basename(file)}} has a malformed .npy header.", call = NULL)
    m[2]
  }
  descr <- gsub("'", "", field("descr"))
  fortran <- field("fortran_order") == "True"
  shape_txt <- gsub("[() ]", "", field("shape"))
  shape <- if (nzchar(shape_txt)) as.numeric(strsplit(shape_txt, ",")[[1]]) else numeric()
  shape <- shape[!is.na(shape)]
  n <- prod(shape)
  rest_size <- file.size(file) - seek(con)
  if (descr == "|O") {
    out <- cpp_read_pickled_object_array(readBin(con, "raw", rest_size))
    if (length(out) != n) recurrent_abort("{.file {basename(file)}}: the object array's size does not match its header.", call = NULL)
    return(out)
  }
  order <- substr(descr, 1, 1)
  if (order == ">") recurrent_abort("{.file {basename(file)}}: big-endian arrays are not supported.", call = NULL)
  type <- substr(descr, 2, 2)
  size <- as.integer(substr(descr, 3, nchar(descr)))
  values <- switch(type,
    i = if (size == 8) read_int64(con, n) else readBin(con, "integer", n, size = size, endian = "little"),
    u = if (size <= 2) readBin(con, "integer", n, size = size, signed = FALSE, endian = "little")
        else if (size == 4) { v <- readBin(con, "integer", n, size = 4, endian = "little"); ifelse(v < 0, v + 2^32, v) }
        else recurrent_abort("{.file {basename(file)}}: uint64 arrays are not supported.", call = NULL),
    f = readBin(con, "double", n, size = size, endian = "little"),
    b = readBin(con, "integer", n, size = 1, endian = "little") != 0,
    recurrent_abort("{.file {basename(file)}}: arrays of type {.val {descr}} are not supported.", call = NULL))
  if (length(values) != n) recurrent_abort("{.file {basename(file)}} ends early.", call = NULL)
  if (length(shape) <= 1) return(values)
  if (fortran) array(values, shape) else array_reshape(values, shape)
}

# int64 as R integers (as doubles if any is beyond R's integer range).
read_int64 <- function(con, n) {
  raw <- readBin(con, "raw", 8 * n)
  m <- matrix(as.integer(raw), 8)
  lo <- colSums(m[1:4, , drop = FALSE] * 256^(0:3))
  hi <- colSums(m[5:8, , drop = FALSE] * 256^(0:3))
  neg <- hi >= 2^31
  v <- ifelse(neg, (hi - 2^32) * 2^32 + lo, hi * 2^32 + lo)
  if (all(abs(v) <= .Machine$integer.max)) as.integer(v) else v
}

# ---- NumPy's legacy RandomState(seed) and shuffle() --------------------------------

# MT19937 seeded as NumPy's RandomState(seed) (init_genrand); R's Mersenne-Twister
# runs the same generator, so its state is installed in .Random.seed and R draws
# NumPy's 32-bit numbers.
numpy_random_state <- function(seed) {
  mt <- numeric(624)
  x <- seed %% 2^32
  for (k in seq_len(624)) {
    mt[k] <- x
    x <- (mul32(1812433253, xor32(x, floor(x / 2^30))) + k) %% 2^32
  }
  state <- new.env(parent = emptyenv())
  state$seed <- c(10403L, 624L, as.integer(ifelse(mt >= 2^31, mt - 2^32, mt)))
  state
}

mul32 <- function(a, b) {
  al <- a %% 65536; ah <- a %/% 65536
  bl <- b %% 65536; bh <- b %/% 65536
  ((al * bl) + ((ah * bl + al * bh) %% 65536) * 65536) %% 2^32
}

xor32 <- function(a, b) {
  hi <- bitwXor(as.integer(a %/% 65536), as.integer(b %/% 65536))
  lo <- bitwXor(as.integer(a %% 65536), as.integer(b %% 65536))
  hi * 65536 + lo
}

# NumPy's legacy shuffle of 0..n-1 (Fisher-Yates from the end, each j drawn by
# masked rejection sampling), as 1-based indices.
numpy_shuffle <- function(state, n) {
  x <- seq_len(n)
  if (n < 2) return(x)
  draws <- with_mt_state(state, function(next_u32) {
    for (i in (n - 1):1) {
      mask <- 2^ceiling(log2(i + 1)) - 1
      repeat {
        v <- next_u32() %% (mask + 1)
        if (v <= i) break
      }
      tmp <- x[i + 1]
      x[i + 1] <- x[v + 1]
      x[v + 1] <- tmp
    }
    x
  })
  draws
}

# Run f(next_u32) with R's Mersenne-Twister in the given state; the session's RNG
# is restored afterwards and the state saved back.
with_mt_state <- function(state, f) {
  genv <- globalenv()
  had <- exists(".Random.seed", envir = genv, inherits = FALSE)
  old <- if (had) get(".Random.seed", envir = genv, inherits = FALSE)
  old_kind <- RNGkind()
  on.exit({
    do.call(RNGkind, as.list(old_kind))
    if (had) assign(".Random.seed", old, envir = genv)
    else if (exists(".Random.seed", envir = genv, inherits = FALSE)) rm(".Random.seed", envir = genv)
  })
  suppressWarnings(RNGkind("Mersenne-Twister", "Inversion", "Rejection"))
  assign(".Random.seed", state$seed, envir = genv)
  # stats::runif() returns the generator's 32-bit output divided by 2^32, exactly
  out <- f(function() floor(stats::runif(1) * 2^32))
  state$seed <- get(".Random.seed", envir = genv, inherits = FALSE)
  out
}
