# Real Keras model files (tests/testthat/fixtures/keras-files, from the shared set
# described in its README.md) and readers for their input.json / expected.json.

keras_fixture <- function(...) testthat::test_path("fixtures", "keras-files", ...)

# An array of a fixture JSON file ({name, dtype, dim, order: "row-major", values}).
read_fixture_arrays <- function(path) {
  j <- jsonlite::fromJSON(path, simplifyVector = FALSE)[[1]]
  lapply(j, function(a) {
    d <- as.integer(unlist(a$dim))
    v <- as.numeric(unlist(a$values))
    if (length(d) > 1) aperm(array(v, rev(d)), rev(seq_along(d))) else v
  })
}

# README.md's criterion: |got - expected| <= 1e-4 + 1e-4 |expected|.
expect_fixture_prediction <- function(model, folder) {
  x <- read_fixture_arrays(keras_fixture(folder, "input.json"))[[1]]
  want <- read_fixture_arrays(keras_fixture(folder, "expected.json"))[[1]]
  got <- predict(model, x, verbose = 0)
  testthat::expect_equal(dim(as.array(got)) %||% length(got), dim(as.array(want)) %||% length(want))
  err <- abs(as.numeric(got) - as.numeric(want))
  testthat::expect_true(all(err <= 1e-4 + 1e-4 * abs(as.numeric(want))),
                        info = sprintf("%s: max error %g", folder, max(err)))
}

# Every HDF5 path (groups and datasets) of a file with dataset shapes in Keras
# (HDF5) order: a named character vector path -> "d1xd2" ("" for groups).
h5_layout <- function(path) {
  f <- hdf5r::H5File$new(path, "r")
  on.exit(f$close_all())
  ls <- f$ls(recursive = TRUE, detailed = FALSE)
  dims <- vapply(ls$name, function(n) {
    obj <- f[[n]]
    if (inherits(obj, "H5D")) paste(rev(obj$dims), collapse = "x") else "group"
  }, "")
  stats::setNames(dims, ls$name)
}

unzip_keras <- function(path) {
  dir <- tempfile()
  dir.create(dir)
  zip::unzip(path, exdir = dir)
  dir
}

# All key paths of a JSON object, e.g. "config/layers/1/config/units".
json_key_paths <- function(x, prefix = "") {
  if (!is.list(x)) return(character())
  nm <- names(x)
  out <- character()
  for (i in seq_along(x)) {
    key <- if (!is.null(nm)) nm[i] else as.character(i)
    p <- if (nzchar(prefix)) paste0(prefix, "/", key) else key
    out <- c(out, if (!is.null(nm)) p, json_key_paths(x[[i]], p))
  }
  out
}

# The layout h5_layout() gives for these groups (each with its parents) and datasets
# (path -> "d1xd2").
expected_layout <- function(groups, datasets) {
  all_groups <- unique(unlist(lapply(c(groups, names(datasets)), function(p) {
    parts <- strsplit(p, "/", fixed = TRUE)[[1]]
    vapply(seq_along(parts), function(i) paste(parts[seq_len(i)], collapse = "/"), "")
  })))
  all_groups <- setdiff(all_groups, names(datasets))
  out <- c(stats::setNames(rep("group", length(all_groups)), all_groups), unlist(datasets))
  out[order(names(out))]
}
