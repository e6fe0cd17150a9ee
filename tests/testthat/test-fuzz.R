# A bounded property test over random layers, arguments, shapes, dtypes, masks and
# initial states (generator: inst/fuzz/fuzz-cases.R; a long run: inst/fuzz/fuzz.R).
# Each case must either match the plain-R reference of helper-reference.R, or, when
# the case carries a deliberate fault, fail with a recurrent_error naming the
# argument or input at fault; never a warning, NaN, crash or other error class.

fuzz_env <- function() {
  fz <- new.env()
  sys.source(system.file("fuzz", "fuzz-cases.R", package = "recurrent", mustWork = TRUE), envir = fz)
  fz
}

test_that("random layers match the reference or fail with an error naming the argument", {
  fz <- fuzz_env()
  refs <- fz$fuzz_refs(environment())
  # 150 cases take about 13 s here; the time bound only guards a heavily loaded machine
  res <- withr::with_preserve_seed(fz$fuzz_run(seed = 20261207L, n = 150L, refs = refs, max_seconds = 45))
  fails <- res[res$status == "FAIL", ]
  expect_equal(sprintf("[case %d] %s / %s: %s", fails$index, fails$kind, fails$fault, fails$message), character())
  # the run covered both outcomes and every layer kind
  expect_gte(nrow(res), 30)
  expect_gt(sum(res$status == "ok"), 0.4 * nrow(res))
  expect_gt(sum(res$status == "rejected"), 0.1 * nrow(res))
  if (nrow(res) == 150L) expect_setequal(unique(res$kind), fz$fuzz_kinds)
})

test_that("the fuzz references agree with the cell references they build on", {
  # ref_rnn over ref_step_lstm gives ref_lstm's numbers (masking and go_backwards
  # included), so the fuzz test inherits ref_lstm's check against Keras's values
  set.seed(11)
  x <- array(runif(2 * 4 * 3, -1, 1), c(2, 4, 3))
  k <- matrix(runif(3 * 8, -0.5, 0.5), 3, 8)
  rk <- matrix(runif(2 * 8, -0.5, 0.5), 2, 8)
  b <- runif(8)
  m <- matrix(c(TRUE, FALSE, TRUE, TRUE, TRUE, TRUE, FALSE, TRUE), 2, 4)
  zeros <- list(matrix(0, 2, 2), matrix(0, 2, 2))
  want <- ref_lstm(x, k, rk, b, mask = m, go_backwards = TRUE, return_sequences = TRUE)
  got <- ref_rnn(ref_step_lstm(k, rk, b, "tanh", "sigmoid"), x, zeros, mask = m, go_backwards = TRUE,
                 return_sequences = TRUE)
  expect_equal(got, want)
  # a stack of one cell is that cell
  got1 <- ref_rnn(ref_step_stack(list(ref_step_lstm(k, rk, b, "tanh", "sigmoid")), 2L), x, zeros)
  expect_equal(got1, ref_lstm(x, k, rk, b))
  # dense, layer normalization and masking by hand
  expect_equal(ref_dense(matrix(c(1, 2), 1), matrix(c(1, 3, 2, 4), 2), c(0.5, -1)), matrix(c(7.5, 9), 1))
  ln <- ref_layer_norm(matrix(c(1, 3), 1), c(1, 1), c(0, 0), 0)
  expect_equal(ln, matrix(c(-1, 1), 1))
  xm <- array(c(0, 1, 0, 2), c(1, 2, 2))   # timestep 1 all zeros, timestep 2 (1, 2)
  expect_equal(ref_masking(xm, 0), xm)
  xm2 <- array(c(0, 1, 0, 0), c(1, 2, 2))  # timestep 2 = (1, 0): kept
  expect_equal(ref_masking(xm2, 0), xm2)
  xm3 <- array(c(5, 1, 5, 2), c(1, 2, 2))  # timestep 1 = (5, 5) masked by 5
  expect_equal(ref_masking(xm3, 5), array(c(0, 1, 0, 2), c(1, 2, 2)))
})
