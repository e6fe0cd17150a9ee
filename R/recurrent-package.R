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

#' @importFrom magrittr %>%
#' @export
magrittr::`%>%`

#' @importFrom zeallot %<-%
#' @export
zeallot::`%<-%`

#' @importFrom magrittr %<>%
#' @export
magrittr::`%<>%`

#' @importFrom dotty .
#' @export
dotty::.

# `object` is a formal that Layer() constructors get at run time, and the super
# getter is looked up in the class environment Layer() builds.
utils::globalVariables(c("object", ".__recurrent_super__"))

# Unloading the namespace unloads the shared library too, whose unload hook joins the
# kernels' worker threads (config_set_num_threads()); a library left loaded would keep
# them running after the package is gone.
.onUnload <- function(libpath) library.dynam.unload("recurrent", libpath)
