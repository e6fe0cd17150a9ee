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
