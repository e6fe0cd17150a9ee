# Expected values are all published elsewhere: the bins in Keras's hashing_test.py
# (keras/src/layers/preprocessing/hashing_test.py), the examples in TensorFlow's
# docs of tf.strings.to_hash_bucket_fast / to_hash_bucket_strong, and FarmHash
# Fingerprint64 values from Guava's FarmHashFingerprint64Test, BigQuery's and
# Amazon Redshift's FARM_FINGERPRINT docs and urbanairship's FarmHashFingerprint64Test
# (android-library), which cover every length branch of the algorithm.

# 1-d tensors read back as 1-d arrays; compare them with plain vectors
arr <- function(t) {
  a <- as.array(t)
  if (length(dim(a)) == 1) as.vector(a) else a
}

# A published 64-bit value, written in decimal (signed as Java/BigQuery print it, or
# unsigned), as 16 hexadecimal digits: long division by 16 on the decimal digits.
published_hex64 <- function(s) {
  negative <- startsWith(s, "-")
  digits <- as.integer(strsplit(sub("^-", "", s), "")[[1]])
  if (negative) {  # two's complement: 2^64 - v, i.e. the bitwise complement of v - 1
    i <- length(digits)
    while (digits[i] == 0) { digits[i] <- 9L; i <- i - 1L }
    digits[i] <- digits[i] - 1L
  }
  nibbles <- integer(16)
  for (k in 16:1) {
    rem <- 0L
    for (j in seq_along(digits)) {
      cur <- rem * 10L + digits[j]
      digits[j] <- cur %/% 16L
      rem <- cur %% 16L
    }
    nibbles[k] <- rem
  }
  if (negative) nibbles <- 15L - nibbles
  paste(c(0:9, letters[1:6])[nibbles + 1L], collapse = "")
}
for (s in c("-2427165924636348523","8085098817162212970","-1541654101129638711","2794438866806483259","-4880158226897771312","8581389452482819506","-4196240717365766262","3500507768004279527","6862335115798125349")) cat(s, published_hex64(s), "\n")

test_that("FarmHash Fingerprint64 gives the published values (every length branch)", {
  # the empty string (urbanairship, unsigned) cannot be a name in c()
  expect_equal(recurrent:::cpp_hashing_hex("", numeric()), published_hex64("11160318154034397263"))
  published <- c(
    # urbanairship FarmHashFingerprint64Test (unsigned)
    "Q" = "13816109650407654260", "e#p8" = "252499459662674074",
    "#cDR^sLO" = "328147020574120176", "9JqLl0AW7e69Y.&vMHQ5C" = "2827089714349584095",
    "ECCD828C-5D7A-4C8B-9A1B-F244747E96C3" = "9693850515132481856",
    "F7479877-4690-4A44-AFC9-8FE987EA512F:some_other_id" = "6862335115798125349",
    # Guava FarmHashFingerprint64Test (signed): 4, 32 and 256 bytes
    "test" = "8581389452482819506",
    "testtesttesttesttesttesttesttest" = "-4196240717365766262",
    # BigQuery FARM_FINGERPRINT docs (signed); pcejrowski's gist (BigQuery, Guava, pyfarmhash)
    "1footrue" = "-1541654101129638711", "2applefalse" = "2794438866806483259", "3true" = "-4880158226897771312",
    "alphabet" = "-2427165924636348523",
    # Amazon Redshift farmFingerprint64 docs
    "Amazon Redshift" = "8085098817162212970")
  expect_equal(recurrent:::cpp_hashing_hex(names(published), numeric()), unname(vapply(published, published_hex64, "")))
  expect_equal(recurrent:::cpp_hashing_hex(strrep("test", 64), numeric()), published_hex64("3500507768004279527"))
})

test_that("bins without a salt are TensorFlow's to_hash_bucket_fast and Keras's", {
  # TF docs: to_hash_bucket_fast(["Hello", "TensorFlow", "2.x"], 3) -> [0, 2, 2]
  expect_equal(arr(layer_hashing(num_bins = 3)(c("Hello", "TensorFlow", "2.x"))), c(0L, 2L, 2L))
  # Keras test_correctness / test_hash_dense_input_farmhash / list inputs
  expect_equal(arr(layer_hashing(num_bins = 3)(matrix(c("A", "B", "C", "D", "E")))), matrix(c(1L, 0L, 1L, 1L, 2L)))
  wire <- c("omar", "stringer", "marlo", "wire", "skywalker")
  expect_equal(arr(layer_hashing(num_bins = 2)(matrix(wire))), matrix(c(0L, 0L, 1L, 0L, 0L)))
  expect_equal(arr(layer_hashing(num_bins = 2)(wire)), c(0L, 0L, 1L, 0L, 0L))
  expect_equal(arr(layer_hashing(num_bins = 2)(as.list(wire))), c(0L, 0L, 1L, 0L, 0L))
  # test_hash_single_bin
  expect_equal(arr(layer_hashing(num_bins = 1)(c("A", "B", "C", "D", "E"))), rep(0L, 5))
  # integers hash as their decimal strings: test_hash_dense_int_input_farmhash, test_tensor_like_inputs
  expect_equal(arr(layer_hashing(num_bins = 3)(matrix(0:4))), matrix(c(1L, 0L, 1L, 0L, 2L)))
  expect_equal(arr(layer_hashing(num_bins = 3)(c(0, 1, 2, 3, 4))), c(1L, 0L, 1L, 0L, 2L))
  expect_equal(arr(layer_hashing(num_bins = 3)(op_array(0:4, "int32"))), c(1L, 0L, 1L, 0L, 2L))
  # test_hash_list_input: 1..4 all in bin 1 of 2, in any shape
  expect_equal(arr(layer_hashing(num_bins = 2)(c(1, 2, 3))), c(1L, 1L, 1L))
  expect_equal(arr(layer_hashing(num_bins = 2)(rbind(c(1, 2), c(2, 3), c(3, 4)))), matrix(1L, 3, 2))
  expect_equal(arr(layer_hashing(num_bins = 2)(array(c(1, 2, 3, 2, 3, 4), c(3, 2, 1)))), array(1L, c(3, 2, 1)))
  # Keras casts floats to int64 before hashing: 2.7 -> "2", -0.5 -> "0"
  expect_equal(arr(layer_hashing(num_bins = 3)(c(2.7, -0.5, 4.2))), c(1L, 1L, 2L))
})

test_that("mask_value takes bin 0 and shifts the other bins by one (Keras)", {
  wire <- c("omar", "stringer", "marlo", "wire", "skywalker")
  # test_hash_dense_input_mask_value_farmhash
  expect_equal(arr(layer_hashing(num_bins = 3, mask_value = "")(matrix(wire))), matrix(c(1L, 1L, 2L, 1L, 1L)))
  expect_equal(arr(layer_hashing(num_bins = 3, mask_value = "omar")(matrix(wire))), matrix(c(0L, 1L, 2L, 1L, 1L)))
  # test_correctness
  expect_equal(arr(layer_hashing(num_bins = 3, mask_value = "")(matrix(c("A", "B", "", "C", "D")))),
               matrix(c(1L, 1L, 0L, 2L, 2L)))
  # with one bin there is no room for a mask: everything is bin 0, as Keras
  expect_equal(arr(layer_hashing(num_bins = 1, mask_value = "A")(c("A", "B"))), c(0L, 0L))
  # an integer mask: 0..4 hashed into 2 bins (shifted by 1) are 1 0 1 0 ... (see
  # test_hash_list_input: 1..4 are in bin 1 of 2; bins of 2 are the 64-bit hash's parity)
  expect_equal(arr(layer_hashing(num_bins = 3, mask_value = 2L)(c(1L, 2L, 3L))), c(2L, 0L, 2L))
})

test_that("a salt gives SipHash-2-4 bins: TensorFlow's to_hash_bucket_strong and Keras's", {
  # TF docs: to_hash_bucket_strong(["Hello", "TF"], 3, [1, 2]) -> [2, 0]
  expect_equal(arr(layer_hashing(num_bins = 3, salt = c(1, 2))(c("Hello", "TF"))), c(2L, 0L))
  wire <- c("omar", "stringer", "marlo", "wire", "skywalker")
  # test_hash_dense_input_siphash
  expect_equal(arr(layer_hashing(num_bins = 2, salt = c(133, 137))(matrix(wire))), matrix(c(0L, 1L, 0L, 1L, 0L)))
  expect_equal(arr(layer_hashing(num_bins = 2, salt = c(211, 137))(matrix(wire))), matrix(c(1L, 0L, 1L, 0L, 1L)))
  # test_hash_dense_int_input_siphash
  expect_equal(arr(layer_hashing(num_bins = 3, salt = c(133, 137))(matrix(0:4))), matrix(c(1L, 1L, 2L, 0L, 1L)))
  # test_correctness: a pair of salts, and one salt used for both halves of the key
  abc <- matrix(c("A", "B", "C", "D", "E"))
  expect_equal(arr(layer_hashing(num_bins = 3, salt = c(133, 137))(abc)), matrix(c(1L, 2L, 1L, 0L, 2L)))
  expect_equal(arr(layer_hashing(num_bins = 3, salt = 133)(abc)), matrix(c(0L, 0L, 2L, 1L, 0L)))
  expect_equal(arr(layer_hashing(num_bins = 3, salt = list(133, 133))(abc)), matrix(c(0L, 0L, 2L, 1L, 0L)))
})

test_that("one_hot, multi_hot and count outputs follow Keras's tests", {
  # test_one_hot_output
  oh <- layer_hashing(num_bins = 3, output_mode = "one_hot")(c(0, 1, 2, 3, 4))
  expect_equal(arr(oh), rbind(c(0, 1, 0), c(1, 0, 0), c(0, 1, 0), c(1, 0, 0), c(0, 0, 1)))
  expect_equal(arr(layer_hashing(num_bins = 3, output_mode = "one_hot")(matrix(0:4))), arr(oh))
  # test_multi_hot_output
  expect_equal(arr(layer_hashing(num_bins = 3, output_mode = "multi_hot")(matrix(0:4, 1))), matrix(c(1, 1, 1), 1))
  # test_count_output: 1-d and 2-d
  expect_equal(arr(layer_hashing(num_bins = 3, output_mode = "count")(0:4)), c(2, 2, 1))
  expect_equal(arr(layer_hashing(num_bins = 3, output_mode = "count")(matrix(0:4, 1))), matrix(c(2, 2, 1), 1))
  # a masked value counts in bin 0 (Keras adds the mask bin, it does not drop it)
  expect_equal(arr(layer_hashing(num_bins = 3, mask_value = "", output_mode = "count")(c("A", "B", "", "C", "D"))),
               c(1, 2, 2))
})

test_that("layer_hashing() works in a model on string inputs, and saves and loads", {
  wire <- c("omar", "stringer", "marlo", "wire", "skywalker")
  inp <- keras_input(shape = 1, dtype = "string")
  model <- keras_model(inp, inp |> layer_hashing(num_bins = 2))
  expect_equal(predict(model, matrix(wire), verbose = 0), matrix(c(0, 0, 1, 0, 0)), ignore_attr = TRUE)
  inp <- keras_input(shape = 1, dtype = "string")
  oh <- keras_model(inp, inp |> layer_hashing(num_bins = 3, mask_value = "omar", output_mode = "one_hot"))
  expect_equal(oh$output$shape, list(NULL, 3L))
  expect_equal(predict(oh, matrix(wire), verbose = 0),
               rbind(c(1, 0, 0), c(0, 1, 0), c(0, 0, 1), c(0, 1, 0), c(0, 1, 0)), ignore_attr = TRUE)
  f <- withr::local_tempfile(fileext = ".keras")
  save_model(oh, f)
  loaded <- load_model(f)
  expect_equal(predict(loaded, matrix(wire), verbose = 0), predict(oh, matrix(wire), verbose = 0))
})

test_that("get_config() has Keras's keys and recreates the layer", {
  layer <- layer_hashing(num_bins = 3, salt = 133, name = "hash")
  cfg <- get_config(layer)
  expect_setequal(names(cfg), c("name", "trainable", "dtype", "num_bins", "salt", "mask_value", "output_mode", "sparse"))
  expect_equal(unlist(cfg$salt), c(133, 133))
  expect_equal(cfg$num_bins, 3L)
  expect_null(cfg$mask_value)
  expect_equal(cfg$output_mode, "int")
  expect_false(cfg$sparse)
  expect_null(get_config(layer_hashing(num_bins = 8))$salt)
  expect_equal(get_config(layer_hashing(num_bins = 8, mask_value = ""))$mask_value, "")
  again <- from_config(cfg)
  expect_equal(again$name, "hash")
  # Keras's test_correctness values for salt = 133
  expect_equal(arr(again(c("A", "B", "C", "D", "E"))), c(0L, 0L, 2L, 1L, 0L))
})

test_that("bad arguments and inputs are recurrent_errors that say what is wrong", {
  expect_error(layer_hashing(), "num_bins", class = "recurrent_error")
  expect_error(layer_hashing(num_bins = 0), "num_bins", class = "recurrent_error")
  expect_error(layer_hashing(num_bins = 2, salt = "string"), "salt", class = "recurrent_error")
  expect_error(layer_hashing(num_bins = 2, salt = c(133, 137, 177)), "salt", class = "recurrent_error")
  expect_error(layer_hashing(num_bins = 2, salt = -1), "salt", class = "recurrent_error")
  expect_error(layer_hashing(num_bins = 3, output_mode = "tf_idf"), "output_mode", class = "recurrent_error")
  expect_error(layer_hashing(num_bins = 3, sparse = TRUE), "not supported", class = "recurrent_error")
  expect_error(layer_hashing(num_bins = 3, dtype = "float32"), "integer type", class = "recurrent_error")
  expect_error(layer_hashing(num_bins = 3, mask_value = c("a", "b")), "mask_value", class = "recurrent_error")
  h <- layer_hashing(num_bins = 3)
  expect_error(h(c("a", NA)), "missing", class = "recurrent_error")
  expect_error(h(c(1, NaN)), "finite", class = "recurrent_error")
  expect_error(h(c(TRUE, FALSE)), "strings or numbers", class = "recurrent_error")
  expect_error(layer_hashing(num_bins = 3, mask_value = "")(1:3), "mask_value", class = "recurrent_error")
})
