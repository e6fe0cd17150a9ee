# Expectations shared by the layer and model tests.

# A tensor (or symbolic tensor) has this shape; NA stands for an unknown dim.
expect_tensor_shape <- function(x, expected) {
  act <- testthat::quasi_label(rlang::enquo(x), arg = "x")
  got <- if (inherits(x, "recurrent_symbolic_tensor")) {
    vapply(x$shape, function(d) if (is.null(d)) NA_integer_ else d, 1L)
  } else {
    as.integer(dim(x))
  }
  testthat::expect(identical(got, as.integer(expected)),
                   sprintf("%s has shape (%s), not (%s).", act$lab, paste(got, collapse = ", "),
                           paste(expected, collapse = ", ")))
  invisible(act$val)
}

# A tensor's values equal an R array (float32 tolerance by default).
expect_tensor_equal <- function(x, expected, tolerance = 1e-5) {
  got <- if (inherits(x, "recurrent_variable")) as.array(x) else as.array(x)
  testthat::expect_equal(unname(drop(got)), unname(drop(expected)), tolerance = tolerance, ignore_attr = TRUE)
}

# The mask carried by a tensor, as an R logical array (NULL without one).
tensor_mask <- function(x) {
  m <- attr(x, "keras_mask", exact = TRUE)
  if (is.null(m)) NULL else as.array(m)
}

# NumPy's allclose, as Keras's tests use it: |got - want| <= atol + rtol * |want|.
expect_allclose <- function(got, want, rtol = 1e-6, atol = 1e-6) {
  got <- as.numeric(if (op_is_tensor(got)) as.array(got) else got)
  want <- as.numeric(want)
  expect_identical(length(got), length(want))
  bad <- which(!(abs(got - want) <= atol + rtol * abs(want)))
  expect(length(bad) == 0, sprintf("not close at %s: got %s, want %s", toString(head(bad)),
                                   toString(signif(got[head(bad)], 7)), toString(want[head(bad)])))
  invisible(got)
}
