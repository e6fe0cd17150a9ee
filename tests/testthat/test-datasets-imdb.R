# Keras's dataset loaders on small files in Keras's format, made by NumPy
# (np.savez of object arrays of lists, as imdb.npz and reuters.npz are). The expected
# sequences come from running Keras's imdb.load_data / reuters.load_data code on the
# same files with NumPy (python3-numpy), shuffle with RandomState(113) included.

fixture <- function(chunks) {
  f <- tempfile(fileext = ".npz")
  writeBin(jsonlite::base64_dec(paste(chunks, collapse = "")), f)
  f
}

imdb_npz <- c(
  "UEsDBBQAAAAAAAAAIQBzUKgOdQEAAHUBAAALABQAeF90cmFpbi5ucHkBABAAdQEAAAAAAAB1AQAAAAAAAJNOVU1QWQEAdgB7J2Rl",
  "c2NyJzogJ3xPJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDYsKSwgfSAgICAgICAgICAgICAgICAgICAgICAg",
  "ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKgANjbnVtcHkuY29yZS5tdWx0aWFycmF5Cl9yZWNvbnN0cnVj",
  "dApxAGNudW1weQpuZGFycmF5CnEBSwCFcQJDAWJxA4dxBFJxBShLAUsGhXEGY251bXB5CmR0eXBlCnEHWAIAAABPOHEIiYiHcQlS",
  "cQooSwNYAQAAAHxxC05OTkr/////Sv////9LP3RxDGKJXXENKF1xDihLBUsaSxdLBEsUSxhLCEsdZV1xDyhLD0sYZV1xEEsaYV1x",
  "EShLC0sbSwlLCEsHSwVLEWVdcRIoSwhLDUsBSwxLGEsbSwdLFGVdcRMoSw1LBksZSxlLGGVldHEUYi5QSwMEFAAAAAAAAAAhAARN",
  "5jewAAAAsAAAAAsAFAB5X3RyYWluLm5weQEAEACwAAAAAAAAALAAAAAAAAAAk05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2Zv",
  "cnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDYsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAg",
  "ICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAAAEAAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABQSwME",
  "FAAAAAAAAAAhAIohofNQAQAAUAEAAAoAFAB4X3Rlc3QubnB5AQAQAFABAAAAAAAAUAEAAAAAAACTTlVNUFkBAHYAeydkZXNjcic6",
  "ICd8TycsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICg1LCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAg",
  "ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgCoADY251bXB5LmNvcmUubXVsdGlhcnJheQpfcmVjb25zdHJ1Y3QKcQBj",
  "bnVtcHkKbmRhcnJheQpxAUsAhXECQwFicQOHcQRScQUoSwFLBYVxBmNudW1weQpkdHlwZQpxB1gCAAAATzhxCImIh3EJUnEKKEsD",
  "WAEAAAB8cQtOTk5K/////0r/////Sz90cQxiiV1xDShdcQ4oSxFLHEsBSwNLGUsKZV1xDyhLB0sFSw9LCksYSwRLBGVdcRBLFGFd",
  "cRFLAmFdcRJLEWFldHETYi5QSwMEFAAAAAAAAAAhAIQCohCoAAAAqAAAAAoAFAB5X3Rlc3QubnB5AQAQAKgAAAAAAAAAqAAAAAAA",
  "AACTTlVNUFkBAHYAeydkZXNjcic6ICc8aTgnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoNSwpLCB9ICAgICAg",
  "ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgCgEAAAAAAAAAAQAAAAAAAAAAAAAA",
  "AAAAAAEAAAAAAAAAAQAAAAAAAABQSwECFAMUAAAAAAAAACEAc1CoDnUBAAB1AQAACwAAAAAAAAAAAAAAgAEAAAAAeF90cmFpbi5u",
  "cHlQSwECFAMUAAAAAAAAACEABE3mN7AAAACwAAAACwAAAAAAAAAAAAAAgAGyAQAAeV90cmFpbi5ucHlQSwECFAMUAAAAAAAAACEA",
  "iiGh81ABAABQAQAACgAAAAAAAAAAAAAAgAGfAgAAeF90ZXN0Lm5weVBLAQIUAxQAAAAAAAAAIQCEAqIQqAAAAKgAAAAKAAAAAAAA",
  "AAAAAACAASsEAAB5X3Rlc3QubnB5UEsFBgAAAAAEAAQA4gAAAA8FAAAAAA==")

reuters_npz <- c(
  "UEsDBBQAAAAAAAAAIQDEjJppowEAAKMBAAAFABQAeC5ucHkBABAAowEAAAAAAACjAQAAAAAAAJNOVU1QWQEAdgB7J2Rlc2NyJzog",
  "J3xPJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDEwLCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAg",
  "ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKgANjbnVtcHkuY29yZS5tdWx0aWFycmF5Cl9yZWNvbnN0cnVjdApxAGNu",
  "dW1weQpuZGFycmF5CnEBSwCFcQJDAWJxA4dxBFJxBShLAUsKhXEGY251bXB5CmR0eXBlCnEHWAIAAABPOHEIiYiHcQlScQooSwNY",
  "AQAAAHxxC05OTkr/////Sv////9LP3RxDGKJXXENKF1xDksIYV1xDyhLHUsYSwFLFksFSwRLAksEZV1xEChLHEsCSxRLHGVdcREo",
  "SxRLAkscSxpLBmVdcRIoSxJLA2VdcRMoSxNLE0sWSxhlXXEUKEsMSxtLEEsRZV1xFShLDEsKSwpLDUsEZV1xFihLD0sdSxVLFksd",
  "SxBLHGVdcRcoSxFLBUsMSwllZXRxGGIuUEsDBBQAAAAAAAAAIQBNrfmk0AAAANAAAAAFABQAeS5ucHkBABAA0AAAAAAAAADQAAAA",
  "AAAAAJNOVU1QWQEAdgB7J2Rlc2NyJzogJzxpOCcsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICgxMCwpLCB9ICAg",
  "ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKGgAAAAAAAAArAAAAAAAAABcA",
  "AAAAAAAADQAAAAAAAAAnAAAAAAAAAAMAAAAAAAAAHQAAAAAAAAAMAAAAAAAAAAwAAAAAAAAADwAAAAAAAABQSwECFAMUAAAAAAAA",
  "ACEAxIyaaaMBAACjAQAABQAAAAAAAAAAAAAAgAEAAAAAeC5ucHlQSwECFAMUAAAAAAAAACEATa35pNAAAADQAAAABQAAAAAAAAAA",
  "AAAAgAHaAQAAeS5ucHlQSwUGAAAAAAIAAgBmAAAA4QIAAAAA")

expected <- jsonlite::fromJSON("{\"default\": {\"xtr\": [[1, 18, 27], [1, 8, 29, 26, 7, 23, 27, 11, 2], [1, 14, 30, 12, 11, 10, 8, 20], [1, 29], [1, 11, 16, 4, 15, 27, 30, 10, 23], [1, 16, 9, 28, 28, 27]], \"ytr\": [1, 0, 0, 1, 0, 0], \"xte\": [[1, 5], [1, 20, 31, 4, 6, 28, 13], [1, 10, 8, 18, 13, 27, 7, 7], [1, 20], [1, 23]], \"yte\": [1, 1, 1, 1, 0]}, \"nw20_skip5\": {\"xtr\": [[2, 18, 2], [2, 8, 2, 2, 7, 2, 2, 11, 2], [2, 14, 2, 12, 11, 10, 8, 2], [2, 2], [2, 11, 16, 2, 15, 2, 2, 10, 2], [2, 16, 9, 2, 2, 2]], \"ytr\": [1, 0, 0, 1, 0, 0], \"xte\": [[2, 5], [2, 2, 2, 2, 6, 2, 13], [2, 10, 8, 18, 13, 2, 7, 7], [2, 2], [2, 2]], \"yte\": [1, 1, 1, 1, 0]}, \"maxlen6_nooov\": {\"xtr\": [[1, 18], [1]], \"ytr\": [1, 1], \"xte\": [[1, 5], [1, 20], [1, 23]], \"yte\": [1, 1, 0]}, \"nostart_idx0\": {\"xtr\": [[26], [15, 24], [8, 13, 1, 12, 24, 27, 7, 20], [5, 26, 23, 4, 20, 24, 8, 2], [11, 27, 9, 8, 7, 5, 17], [13, 6, 25, 25, 24]], \"ytr\": [1, 1, 0, 0, 0, 0], \"xte\": [[17, 28, 1, 3, 25, 10], [20], [17], [2], [7, 5, 15, 10, 24, 4, 4]], \"yte\": [1, 0, 1, 1, 1]}, \"reuters_default\": {\"xtr\": [[1, 20, 8, 15, 12], [1, 23, 5, 31, 29, 9], [1, 15, 30, 19, 20], [1, 2, 27, 4, 25, 8, 7, 5, 7], [1, 11], [1, 15, 13, 13, 16, 7], [1, 21, 6], [1, 18, 2, 24, 25, 2, 19, 31]], \"ytr\": [15, 13, 29, 43, 26, 12, 39, 12], \"xte\": [[1, 31, 5, 23, 31], [1, 22, 22, 25, 27]], \"yte\": [23, 3]}, \"reuters_split\": {\"xtr\": [[1, 2, 8, 2, 12], [1, 2, 5, 2, 2, 9], [1, 2, 2, 2, 2], [1, 11]], \"ytr\": [15, 13, 29, 26], \"xte\": [[1, 2, 13, 13, 2, 7], [1, 2, 6], [1, 2, 5, 2, 2], [1, 2, 2, 2, 2]], \"yte\": [12, 39, 23, 3]}}", simplifyVector = FALSE)

as_seqs <- function(x) lapply(x, function(s) as.integer(unlist(s)))

check_split <- function(got, want) {
  expect_identical(got$train$x, as_seqs(want$xtr))
  expect_identical(got$train$y, as.integer(unlist(want$ytr)))
  expect_identical(got$test$x, as_seqs(want$xte))
  expect_identical(got$test$y, as.integer(unlist(want$yte)))
}

test_that("dataset_imdb() reads Keras's format and matches Keras's loader", {
  f <- fixture(imdb_npz)
  check_split(dataset_imdb(path = f), expected$default)
  check_split(dataset_imdb(path = f, num_words = 20, skip_top = 5), expected$nw20_skip5)
  check_split(dataset_imdb(path = f, maxlen = 6, oov_char = NULL, num_words = 25), expected$maxlen6_nooov)
  check_split(dataset_imdb(path = f, start_char = NULL, index_from = 0, seed = 1), expected$nostart_idx0)
  # the destructuring keras3 users write
  .[.[x_train, y_train], .[x_test, y_test]] <- dataset_imdb(path = f)
  expect_length(x_train, 6)
  expect_length(y_test, 5)
})

test_that("dataset_reuters() matches Keras's loader", {
  f <- fixture(reuters_npz)
  check_split(dataset_reuters(path = f), expected$reuters_default)
  check_split(dataset_reuters(path = f, test_split = 0.5, num_words = 15, maxlen = 7), expected$reuters_split)
})

test_that("NumPy's RandomState(113).shuffle order is reproduced", {
  # np.random.RandomState(113): shuffle(arange(10)), then shuffle(arange(7)) on the same generator
  st <- recurrent:::numpy_random_state(113)
  expect_identical(recurrent:::numpy_shuffle(st, 10) - 1L, c(9L, 3L, 6L, 1L, 0L, 7L, 4L, 8L, 2L, 5L))
  expect_identical(recurrent:::numpy_shuffle(st, 7) - 1L, c(5L, 1L, 0L, 3L, 6L, 4L, 2L))
  # the session's random numbers are left alone
  set.seed(5)
  a <- runif(1)
  set.seed(5)
  recurrent:::numpy_shuffle(recurrent:::numpy_random_state(1), 20)
  expect_identical(runif(1), a)
})

test_that("the .npy reader reads numeric arrays in C order and refuses other files", {
  f <- fixture(imdb_npz)
  arrays <- recurrent:::read_npz(f)
  expect_setequal(names(arrays), c("x_train", "y_train", "x_test", "y_test"))
  # a hand-written .npy: int32 (2, 3) in C order holds 0..5 row by row
  npy <- tempfile(fileext = ".npy")
  header <- "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }"
  header <- paste0(header, strrep(" ", 64 - (10 + nchar(header) + 1) %% 64), "\n")
  con <- file(npy, "wb")
  writeBin(as.raw(c(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0)), con)
  writeBin(nchar(header), con, size = 2, endian = "little")
  writeBin(charToRaw(header), con)
  writeBin(0:5, con, size = 4, endian = "little")
  close(con)
  expect_identical(recurrent:::read_npy(npy), rbind(0:2, 3:5))
  bad <- tempfile(fileext = ".npz")
  writeLines("not a zip", bad)
  expect_error(recurrent:::read_npz(bad), "zip", class = "recurrent_error")
  # a pickle stream that asks for anything but NumPy's array reconstruction is refused
  evil <- charToRaw("cos\nsystem\n(S'echo hi'\ntR.")
  expect_error(recurrent:::cpp_read_pickled_object_array(evil), "unsupported")
})

test_that("word indexes are read from Keras's JSON, and a failed download is a clear error", {
  wi <- tempfile(fileext = ".json")
  writeLines('{"the": 1, "and": 2, "a": 3}', wi)
  idx <- dataset_imdb_word_index(path = wi)
  expect_identical(idx, list(the = 1L, and = 2L, a = 3L))
  withr::local_options(recurrent.datasets_url = paste0("file://", withr::local_tempdir(), "/missing/"))
  withr::local_envvar(R_USER_CACHE_DIR = withr::local_tempdir())
  expect_error(dataset_imdb(), "Could not download", class = "recurrent_error_download")
})
