# text_dataset_from_directory(): labels from folder names in alphabetical order,
# texts read byte for byte, Keras's split sizes (int(validation_split * n) held out).

make_corpus <- function() {
  dir <- withr::local_tempdir(.local_envir = parent.frame())
  for (cls in c("pos", "neg")) dir.create(file.path(dir, cls))
  writeLines("a dull film", file.path(dir, "neg", "1.txt"))
  writeLines("boring", file.path(dir, "neg", "2.txt"))
  writeLines("a great film", file.path(dir, "pos", "1.txt"))
  writeLines("superb", file.path(dir, "pos", "2.txt"))
  writeLines("loved it", file.path(dir, "pos", "3.txt"))
  writeLines("ignored: not a .txt file", file.path(dir, "pos", "notes.md"))
  dir
}

test_that("batches hold the file contents and 0-based labels of the class folders", {
  dir <- make_corpus()
  expect_output(ds <- text_dataset_from_directory(dir, batch_size = 2, shuffle = FALSE), "Found 5 files belonging to 2 classes")
  expect_length(ds, 3)
  expect_equal(ds$class_names, c("neg", "pos"))
  b <- iterate(ds, simplify = FALSE)
  expect_equal(b[[1]][[1]], c("a dull film\n", "boring\n"))
  expect_equal(b[[1]][[2]], c(0L, 0L))
  expect_equal(b[[3]][[1]], "loved it\n")
  expect_equal(b[[3]][[2]], 1L)
  cat_ds <- text_dataset_from_directory(dir, label_mode = "categorical", batch_size = 5, shuffle = FALSE, verbose = FALSE)
  expect_equal(iter_next(as_iterator(cat_ds))[[2]], rbind(c(1, 0), c(1, 0), c(0, 1), c(0, 1), c(0, 1)))
  bin_ds <- text_dataset_from_directory(dir, label_mode = "binary", batch_size = 5, shuffle = FALSE, verbose = FALSE)
  expect_equal(iter_next(as_iterator(bin_ds))[[2]], matrix(c(0, 0, 1, 1, 1), ncol = 1))
  nolab <- text_dataset_from_directory(dir, labels = NULL, batch_size = 5, shuffle = FALSE, verbose = FALSE)
  expect_length(iter_next(as_iterator(nolab)), 5)
  short <- text_dataset_from_directory(dir, max_length = 3, batch_size = 1, shuffle = FALSE, verbose = FALSE)
  expect_equal(iter_next(as_iterator(short))[[1]], "a d")
  rev_ds <- text_dataset_from_directory(dir, class_names = c("pos", "neg"), batch_size = 5, shuffle = FALSE, verbose = FALSE)
  # files come in class_names order: the "pos" files first, labelled 0
  expect_equal(iter_next(as_iterator(rev_ds)), list(c("a great film\n", "superb\n", "loved it\n", "a dull film\n", "boring\n"), c(0L, 0L, 0L, 1L, 1L)))
})

test_that("shuffling and the validation split", {
  dir <- make_corpus()
  ds <- text_dataset_from_directory(dir, batch_size = 5, seed = 1, verbose = FALSE)
  b <- iter_next(as_iterator(ds))
  expect_setequal(b[[1]], c("a dull film\n", "boring\n", "a great film\n", "superb\n", "loved it\n"))
  # labels travel with their texts
  expect_equal(b[[2]], ifelse(b[[1]] %in% c("a dull film\n", "boring\n"), 0L, 1L))
  .[tr, va] <- text_dataset_from_directory(dir, batch_size = 5, seed = 1, validation_split = 0.4, subset = "both",
                                           verbose = FALSE)
  a <- iter_next(as_iterator(tr))[[1]]
  v <- iter_next(as_iterator(va))[[1]]
  expect_length(a, 3)   # int(0.4 * 5) = 2 held out
  expect_length(v, 2)
  expect_length(intersect(a, v), 0)
  expect_error(text_dataset_from_directory(dir, validation_split = 0.2, verbose = FALSE), "subset", class = "recurrent_error")
  expect_error(text_dataset_from_directory(dir, validation_split = 0.2, subset = "training", verbose = FALSE),
               "seed", class = "recurrent_error")
  expect_error(text_dataset_from_directory(file.path(dir, "nope")), "exist", class = "recurrent_error")
  expect_error(text_dataset_from_directory(dir, label_mode = "sparse", verbose = FALSE), "label_mode", class = "recurrent_error")
})
