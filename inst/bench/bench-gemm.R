# Float32 GEMM throughput of recurrent's matmul: (64 x 256) %*% (256 x 1024),
# the input projection of a 256-unit LSTM (4 gates) on a batch of 64.
# Reports GFLOP/s from the median CPU time per product; the last line is
# "GFLOP/s: <number>" for inst/bench/bench-gemm.sh to read.
# Usage: Rscript inst/bench/bench-gemm.R  (benchmarks the recurrent in .libPaths())
suppressPackageStartupMessages(library(recurrent))

m <- 64; k <- 256; n <- 1024
set.seed(1)
x <- matrix(runif(m * k, -1, 1), m, k)
w <- matrix(runif(k * n, -1, 1), k, n)
a <- op_convert_to_tensor(x, dtype = "float32")
b <- op_convert_to_tensor(w, dtype = "float32")

# A fast but wrong build is worse than a slow one: check against base R first.
got <- as.array(op_matmul(a, b))
err <- max(abs(got - x %*% w)) / max(abs(x %*% w))
if (!is.finite(err) || err > 1e-4) stop("op_matmul disagrees with base R: relative error ", err)

cpu <- function() sum(proc.time()[c("user.self", "sys.self")])
time_batch <- function(reps) {
  t0 <- cpu()
  for (i in seq_len(reps)) op_matmul(a, b)
  cpu() - t0
}

# Batches long enough (>= 0.1 s CPU) that the clock's resolution does not
# matter; gc() between batches (untimed) frees the discarded results.
reps <- 1L
while (time_batch(reps) < 0.1) reps <- reps * 2L
per_product <- vapply(seq_len(15), function(j) {
  gc(verbose = FALSE)
  time_batch(reps) / reps
}, numeric(1))
sec <- stats::median(per_product)
gflops <- 2 * m * k * n / sec / 1e9

cat(sprintf("recurrent %s: float32 GEMM %dx%d @ %dx%d\n",
            utils::packageVersion("recurrent"), m, k, k, n))
cat(sprintf("relative error vs base R: %.1e\n", err))
cat(sprintf("median CPU time %.3f ms per product (15 batches of %d)\n", 1e3 * sec, reps))
cat(sprintf("GFLOP/s: %.1f\n", gflops))
