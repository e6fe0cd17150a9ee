# Automatic names for layers, models and symbolic tensors: snake_case of the class
# name plus a per-session counter (dense, dense_1, ...), as Keras does. The
# counters live here so that clear_session() can reset them.

naming <- new.env(parent = emptyenv())
naming$counts <- list()

# CamelCase -> snake_case the way Keras's to_snake_case does it:
# "SimpleRNN" -> "simple_rnn", "LSTM" -> "lstm", "MinimalRNNCell" -> "minimal_rnn_cell".
to_snake_case <- function(name) {
  name <- gsub("(.)([A-Z][a-z]+)", "\\1_\\2", name, perl = TRUE)
  name <- gsub("([a-z])([A-Z])", "\\1_\\2", name, perl = TRUE)
  tolower(name)
}

# Next free name for `base`: the first use gives `base`, later ones `base_1`, `base_2`, ...
unique_name <- function(base) {
  n <- naming$counts[[base]]
  if (is.null(n)) n <- 0L
  naming$counts[[base]] <- n + 1L
  if (n == 0L) base else paste0(base, "_", n)
}

#' Reset the session's automatic names
#'
#' Layers, models and symbolic inputs get automatic names made of their type
#' and a counter (`dense`, `dense_1`, `dense_2`, ...). `clear_session()` starts
#' the counters again, so the next dense layer is named `dense` once more.
#' Existing layers and models keep their names and keep working.
#'
#' @param free_memory Logical, default `TRUE`. Also runs R's garbage collector,
#'   which releases the memory of tensors that are no longer referenced.
#' @returns `NULL`, invisibly.
#' @examples
#' a <- layer_dense(units = 2)
#' clear_session()
#' b <- layer_dense(units = 2)
#' b$name
#' @export
clear_session <- function(free_memory = TRUE) {
  naming$counts <- list()
  if (isTRUE(free_memory)) invisible(gc(verbose = FALSE))
  invisible(NULL)
}
