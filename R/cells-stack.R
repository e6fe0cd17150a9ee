# A stack of cells that acts as one cell: each step feeds the output of one cell to
# the next; states nest per cell.

StackedRNNCells <- R6::R6Class("StackedRNNCells",
  inherit = LayerBase,
  lock_objects = FALSE,
  public = list(
    cells = NULL,
    initialize = function(cells, ...) {
      super$initialize(...)
      self$cells <- lapply(cells, unwrap_layer, arg = "cells")
      for (c in self$cells) check_state_size(c, call = NULL)
      for (c in self$cells) adopt_dtype(self, c)
      for (c in self$cells) share_dtype(self, c)
    },
    build = function(input_shape) {
      shp <- input_shape
      for (c in self$cells) {
        build_cell(c, shp)
        shp <- list(shp[[1]], cell_output_size(c))
      }
    },
    call = function(inputs, states, training = FALSE, constants = NULL) {
      new_states <- vector("list", length(self$cells))
      x <- inputs
      for (i in seq_along(self$cells)) {
        c <- self$cells[[i]]
        st <- states[[i]]
        single <- is_single_state(c$state_size)
        res <- call_cell(c, x, if (single) list(st) else st, training, constants)
        x <- res[[1]]
        ns <- flatten_states(res[[2]])
        new_states[[i]] <- if (single) ns[[1]] else ns
      }
      list(x, new_states)
    },
    get_config = function() {
      c(super$get_config()[c("name", "trainable", "dtype")], list(cells = lapply(self$cells, function(c) c$get_config())))
    }
  ),
  active = list(
    state_size = function() lapply(self$cells, function(c) c$state_size),
    output_size = function() cell_output_size(self$cells[[length(self$cells)]])
  ),
  private = list(.s3_class = "keras.src.layers.rnn.stacked_rnn_cells.StackedRNNCells")
)

# Build a cell with the per-step input shape (batch, features), once.
build_cell <- function(cell, step_shape) {
  if (isTRUE(cell$built)) return(invisible())
  fmls <- setdiff(names(formals(cell$build)), "...")
  if (length(fmls)) cell$build(step_shape) else cell$build()
  priv <- layer_private(cell)
  priv$.build_shape <- step_shape
  cell$built <- TRUE
  invisible()
}

# Call one cell for one step, passing `training` and `constants` only to cells whose
# call() declares them.
call_cell <- function(cell, x, states, training, constants) {
  info <- call_info(cell)
  args <- list(x, states)
  if (info$has_training) args$training <- isTRUE(training)
  if ("constants" %in% info$names && !is.null(constants)) args$constants <- constants
  do.call(cell$call, args)
}

#' Stack recurrent cells into one cell
#'
#' Makes one cell out of several: at each timestep the input goes through the
#' first cell, its output through the second, and so on. The stack's states
#' are the states of all its cells, in order, one entry per cell (a tensor
#' for a cell with one state, a list for a cell with several, such as an LSTM
#' cell). `layer_rnn(cell = list(a, b))` builds the same stack.
#'
#' @param cells A list of cells (made with `rnn_cell_*()` or [Layer()]).
#' @param ... More cells (unnamed), appended to `cells`, and named arguments
#'   for the stack itself (`name`, `dtype`, `trainable`).
#' @returns A cell.
#' @examples
#' cells <- list(rnn_cell_gru(units = 8), rnn_cell_lstm(units = 4))
#' stack <- rnn_cells_stack(cells)
#' rnn <- layer_rnn(cell = stack, return_state = TRUE)
#' x <- array(runif(2 * 5 * 3), c(2, 5, 3))
#' out <- rnn(x)
#' length(out)   # output, GRU state, list(LSTM h, LSTM c)
#' @export
rnn_cells_stack <- function(cells, ...) {
  dots <- list(...)
  nms <- names(dots) %||% rep("", length(dots))
  extra_cells <- dots[nms == ""]
  named <- dots[nms != ""]
  all_cells <- c(if (missing(cells)) list() else if (is_layer(cells)) list(cells) else cells, extra_cells)
  if (!length(all_cells))
    cli::cli_abort("{.arg cells} must be a non-empty list of cells.", class = c("recurrent_error_argument", "recurrent_error"))
  for (i in seq_along(all_cells)) {
    if (!is_layer(all_cells[[i]]))
      cli::cli_abort(c("Each element of {.arg cells} must be a cell (a layer).", x = "Element {i} is {.obj_type_friendly {all_cells[[i]]}}."),
                     class = c("recurrent_error_argument", "recurrent_error"))
  }
  create_layer(StackedRNNCells, NULL, c(list(cells = all_cells), named))
}
