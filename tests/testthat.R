# Entry point for R CMD check (tests/*.R run there). For day-to-day runs use
# `make test`, which also prints the "N passed, M failed" summary.
library(testthat)
library(recurrent)

test_check("recurrent")
