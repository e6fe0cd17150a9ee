# The portable, runtime-dispatched build against a -march=native build, same script run.
#
#   Rscript inst/bench/bench-dispatch.R NATIVE_LIB [PORTABLE_LIB] [rounds] [AVX2_NATIVE_LIB]
#
# NATIVE_LIB: a library holding recurrent built with -march=native (e.g. the last
# version whose configure added it, 87cfd72: git archive 87cfd72 | tar -x -C DIR, then
# R CMD INSTALL -l NATIVE_LIB DIR). PORTABLE_LIB: this version (default: .libPaths()).
# Each configuration runs in its own Rscript (bench-dispatch-work.R): the native build,
# and the portable build at its best level, capped at AVX2 and at the baseline
# (RECURRENT_CPU_LEVEL). The configurations take turns, `rounds` times (default 3), and
# each keeps its best time, so load from other processes hits them alike. Prints the
# seconds per call and the ratio of each to the native build (< 1: faster than native).
# AVX2_NATIVE_LIB, optional: the same old version built with -march=haswell, i.e. what
# -march=native gives on an AVX2 machine; then the AVX2-forced portable build is also
# compared with it (the issue's "within 10% on AVX2"). bench-dispatch.sh builds both.
# Every process runs with glibc's malloc keeping freed memory mapped (MALLOC_* below) and
# collects before each batch (bench-dispatch-work.R): the times are the kernels', without
# the page faults of fresh memory, whose number depends on the allocator's state.
args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 1) stop("usage: Rscript inst/bench/bench-dispatch.R NATIVE_LIB [PORTABLE_LIB] [rounds]")
native_lib <- normalizePath(args[1])
portable_lib <- if (length(args) >= 2) normalizePath(args[2]) else dirname(find.package("recurrent"))
rounds <- if (length(args) >= 3) as.integer(args[3]) else 3L
avx2_native_lib <- if (length(args) >= 4) normalizePath(args[4]) else NULL
here <- dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(), value = TRUE))))
worker <- file.path(here, "bench-dispatch-work.R")

configs <- list(
  "native (-march=native)" = list(lib = native_lib, level = ""),
  "portable, best level" = list(lib = portable_lib, level = ""),
  "portable, AVX2 forced" = list(lib = portable_lib, level = "avx2"),
  "portable, baseline forced" = list(lib = portable_lib, level = "baseline")
)
if (!is.null(avx2_native_lib))
  configs[["native AVX2 (-march=haswell)"]] <- list(lib = avx2_native_lib, level = "")
rscript <- file.path(R.home("bin"), "Rscript")
malloc_env <- c("MALLOC_MMAP_THRESHOLD_=33554432", "MALLOC_TRIM_THRESHOLD_=4294967296", "MALLOC_TOP_PAD_=16777216")
run <- function(cfg) {
  env <- c(paste0("R_LIBS=", paste(c(cfg$lib, .libPaths()), collapse = ":")),
           if (nzchar(cfg$level)) paste0("RECURRENT_CPU_LEVEL=", cfg$level), malloc_env)
  out <- system2(rscript, shQuote(worker), env = env, stdout = TRUE)
  d <- utils::read.table(text = out, sep = "|", quote = "", header = FALSE, col.names = c("workload", "seconds"))
  stats::setNames(d$seconds, d$workload)
}
level_of <- function(cfg) {
  env <- c(paste0("R_LIBS=", paste(c(cfg$lib, .libPaths()), collapse = ":")),
           if (nzchar(cfg$level)) paste0("RECURRENT_CPU_LEVEL=", cfg$level))
  expr <- "f <- asNamespace('recurrent'); if (exists('config_cpu_features', f)) cat(recurrent::config_cpu_features()$level) else cat('native')"
  system2(rscript, c("-e", shQuote(expr)), env = env, stdout = TRUE)
}

best <- NULL
for (r in seq_len(rounds)) {
  for (name in names(configs)) {
    t <- run(configs[[name]])
    best[[name]] <- if (is.null(best[[name]])) t else pmin(best[[name]], t)
  }
}
tab <- do.call(cbind, best)
cat(sprintf("# CPU: %s\n", sub(".*: ", "", grep("model name", readLines("/proc/cpuinfo"), value = TRUE)[1])))
cat(sprintf("# levels in use: %s\n", paste(sprintf("%s = %s", names(configs), vapply(configs, level_of, "")),
                                            collapse = "; ")))
cat(sprintf("# best of %d rounds of the median process CPU seconds per call\n", rounds))
print(signif(tab, 3))
cat("\n# time relative to the native build (1.00 = as fast; < 1 faster)\n")
print(round(tab / tab[, 1], 2))
if (!is.null(avx2_native_lib)) {
  cat("\n# AVX2: portable build capped at AVX2 relative to the -march=haswell build (1.00 = as fast)\n")
  print(round(tab[, "portable, AVX2 forced", drop = FALSE] / tab[, "native AVX2 (-march=haswell)"], 2))
}
