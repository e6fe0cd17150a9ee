# The fuzz test of tests/testthat/test-fuzz.R at length, for use before a release.
# Run from the package's source tree (it reads the plain-R references in
# tests/testthat/helper-reference.R), against the installed recurrent:
#
#   Rscript inst/fuzz/fuzz.R [seed] [cases] [out.csv]
#   Rscript inst/fuzz/fuzz.R 1 10000 /tmp/fuzz.csv
#
# Prints the counts of cases that matched the reference ("ok"), faulty cases refused
# with a proper error ("rejected") and failures ("FAIL", each listed with its seed
# and index: fuzz_case(seed, index) remakes it). Exit status 1 if any case failed.

args <- commandArgs(trailingOnly = TRUE)
seed <- if (length(args) >= 1) as.integer(args[1]) else 1L
cases <- if (length(args) >= 2) as.integer(args[2]) else 1000L
out <- if (length(args) >= 3) args[3] else NULL
if (is.na(seed) || is.na(cases) || cases < 1) stop("usage: Rscript inst/fuzz/fuzz.R [seed] [cases] [out.csv]")

script <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
here <- if (length(script)) dirname(normalizePath(script[1])) else "inst/fuzz"
root <- normalizePath(file.path(here, "..", ".."))

suppressPackageStartupMessages(library(recurrent))
refs_env <- new.env()
assign("%||%", function(x, y) if (is.null(x)) y else x, envir = refs_env)
sys.source(file.path(root, "tests", "testthat", "helper-reference.R"), envir = refs_env)
fz <- new.env()
sys.source(file.path(here, "fuzz-cases.R"), envir = fz)

started <- proc.time()[["elapsed"]]
res <- fz$fuzz_run(seed, cases, fz$fuzz_refs(refs_env), progress = TRUE)
elapsed <- proc.time()[["elapsed"]] - started

cat(sprintf("recurrent %s, seed %d, %d cases in %.0f s\n", utils::packageVersion("recurrent"), seed, nrow(res), elapsed))
print(table(status = res$status))
cat("\nBy kind:\n")
print(table(res$kind, res$status))
fails <- res[res$status == "FAIL", ]
if (nrow(fails)) {
  cat("\nFailures:\n")
  for (k in seq_len(nrow(fails)))
    cat(sprintf("[seed %d, case %d] %s / fault %s / %s: %s\n", fails$seed[k], fails$index[k], fails$kind[k],
                fails$fault[k], fails$dtype[k], fails$message[k]))
}
if (!is.null(out)) utils::write.csv(res, out, row.names = FALSE)
quit(save = "no", status = if (nrow(fails)) 1L else 0L)
