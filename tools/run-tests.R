# Runs the testthat tests against the *installed* recurrent (what users get,
# compiled with configure's flags), shows every failure, and prints as its
# last line "N passed, M failed" (M = failed expectations + errored tests).
# Exit status 1 when M > 0. Installs nothing. Usage: Rscript tools/run-tests.R

options(warn = 1)  # warnings print where they happen, never after the last line

script <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
if (length(script)) setwd(dirname(dirname(normalizePath(script[1]))))

finish <- function(passed, failed, status) {
  cat(sprintf("%d passed, %d failed\n", passed, failed))
  flush(stdout())
  quit(save = "no", status = status)
}

test_files <- list.files("tests/testthat", pattern = "^test.*\\.[rR]$")
if (!length(test_files)) {
  message("no test files in tests/testthat")
  finish(0L, 0L, 1L)  # no tests ran: do not report success
}

# The progress reporter stops the whole run after 10 failures by default; the
# counts must cover every test, so lift the limit (option read by testthat).
options(testthat.progress.max_fails = Inf)
# Into a log (not a terminal) the spinner would print a line every 0.1 s:
# print one line per file instead.
args <- list(show_praise = FALSE)
init <- testthat::ProgressReporter$public_methods$initialize
if (!isatty(stdout()) && "update_interval" %in% names(formals(init)))
  args$update_interval <- Inf
reporter <- do.call(testthat::ProgressReporter$new, args)

# Run everything, including tests marked skip_on_cran() (as devtools::test does).
if (!nzchar(Sys.getenv("NOT_CRAN"))) Sys.setenv(NOT_CRAN = "true")
results <- tryCatch(
  testthat::test_dir("tests/testthat", package = "recurrent",
                     load_package = "installed", reporter = reporter,
                     stop_on_failure = FALSE, stop_on_warning = FALSE),
  error = function(e) {
    message("the test run itself failed: ", conditionMessage(e))
    NULL
  }
)
if (is.null(results)) finish(0L, 1L, 1L)

df <- as.data.frame(results)
passed <- sum(df$passed)
failed <- sum(df$failed) + sum(df$error)  # an errored test (or file) counts once
cat(sprintf("%d tests in %d files; %d skipped, %d with warnings\n",
            nrow(df), length(unique(df$file)), sum(df$skipped), sum(df$warning > 0)))
finish(passed, failed, if (failed > 0) 1L else 0L)
