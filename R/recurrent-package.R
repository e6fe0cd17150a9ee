#' recurrent: Keras-style recurrent neural networks with a native C++ core
#'
#' Build, train and run recurrent neural networks (simple RNN, GRU, LSTM and
#' cells written in R) with the keras3 R interface, computed by a C++ core.
#' No Python is needed.
#'
#' @keywords internal
#' @useDynLib recurrent, .registration = TRUE
#' @importFrom Rcpp sourceCpp
#' @importFrom R6 R6Class
#' @importFrom magrittr %>%
#' @importFrom zeallot %<-%
"_PACKAGE"

#' Pipe and multiple assignment
#'
#' `%>%` is re-exported from magrittr and `%<-%` from zeallot, as keras3 does, so
#' that `c(output, state) %<-% layer(x)` works on a layer's list of results.
#'
#' @name reexports
#' @keywords internal
#' @importFrom magrittr %>%
#' @importFrom zeallot %<-%
#' @export %>%
#' @export %<-%
NULL
