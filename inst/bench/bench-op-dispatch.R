# What the symbolic-tensor check at the top of every op_*() function costs on eager
# calls: op_add() and `+` on two small tensors against the bare C++ entry point they
# end in (an R closure around the same .Call), in the same run. Reports median
# microseconds per call over 5 repetitions and the ratios to the bare call.
# Usage: Rscript inst/bench/bench-op-dispatch.R  (benchmarks the recurrent in .libPaths())
suppressPackageStartupMessages(library(recurrent))

ns <- asNamespace("recurrent")
x <- op_ones(c(4, 8))
y <- op_ones(c(4, 8))
bare <- function(x1, x2) .Call(`_recurrent_cpp_binary`, 0L, x1, x2)
environment(bare) <- ns
bare <- compiler::cmpfun(bare)
stopifnot(isTRUE(all.equal(as.array(op_add(x, y)), as.array(bare(x, y)))))

n <- 50000L
cpu <- function(expr) {
  t0 <- sum(proc.time()[c("user.self", "sys.self")])
  force(expr)
  sum(proc.time()[c("user.self", "sys.self")]) - t0
}
reps <- replicate(5, c(
  bare = cpu(for (i in seq_len(n)) bare(x, y)),
  op_add = cpu(for (i in seq_len(n)) op_add(x, y)),
  plus = cpu(for (i in seq_len(n)) x + y)
))
us <- 1e6 * apply(reps, 1, stats::median) / n
cat(sprintf("%-8s %7.2f us/call  ratio %.2f\n", names(us), us, us / us[["bare"]]), sep = "")
