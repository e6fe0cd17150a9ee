# summary()/print()/format() of models: keras3's box table (layer, output shape,
# parameter count, and for branching graphs the inbound connections) and the
# parameter totals with their memory size.

#' Summarise a model
#'
#' `format()` renders the model as a table: one row per layer with its name
#' and type, output shape (`None` for unknown dimensions, `?` before the model
#' is built) and number of parameters (`0 (unbuilt)` for layers not built
#' yet); models whose graph branches get a "Connected to" column. Below the
#' table come the total, trainable and non-trainable parameter counts with
#' their size in memory. `print()` and `summary()` write the same text.
#'
#' @param object,x A model.
#' @param line_length Width of the table in characters (default the console
#'   width, at most 180).
#' @param positions `NULL` (default) or the right edges of the columns as
#'   fractions of the width.
#' @param expand_nested Logical, default `FALSE`: also list the layers inside
#'   nested models.
#' @param show_trainable `NA` (default: only when the model is built and has
#'   non-trainable weights), `TRUE` or `FALSE`: add a column saying whether
#'   each layer is trainable.
#' @param layer_range `NULL` or two layer names: show only the layers from
#'   the first to the second.
#' @param compact Logical, default `TRUE`: drop blank lines.
#' @param ... Passed on to `format()`.
#' @returns `format()`: a single string. `summary()`: that string,
#'   invisibly. `print()`: the model, invisibly.
#' @examples
#' model <- keras_model_sequential(input_shape = c(10, 8)) |>
#'   layer_dense(32) |>
#'   layer_dense(1)
#' summary(model)
#' @export
summary.recurrent_model <- function(object, ...) {
  txt <- format.recurrent_model(object, ...)
  writeLines(txt)
  invisible(txt)
}

#' @rdname summary.recurrent_model
#' @export
format.recurrent_model <- function(x, line_length = getOption("width"), positions = NULL, expand_nested = FALSE,
                                   show_trainable = NA, ..., layer_range = NULL, compact = TRUE) {
  paste(format_model_summary(unwrap_model(x), line_length = line_length, positions = positions,
                             expand_nested = expand_nested, show_trainable = show_trainable,
                             layer_range = layer_range, compact = compact), collapse = "\n")
}

#' @rdname summary.recurrent_model
#' @export
print.recurrent_model <- function(x, ...) {
  writeLines(format.recurrent_model(x, ...))
  invisible(x)
}

box_chars <- list(
  top = c("\u250f", "\u2501", "\u2533", "\u2513"),
  head = c("\u2503", "\u2503", "\u2503"),
  head_sep = c("\u2521", "\u2501", "\u2547", "\u2529"),
  row = c("\u2502", "\u2502", "\u2502"),
  row_sep = c("\u251c", "\u2500", "\u253c", "\u2524"),
  bottom = c("\u2514", "\u2500", "\u2534", "\u2518")
)

format_model_summary <- function(model, line_length = getOption("width"), positions = NULL, expand_nested = FALSE,
                                 show_trainable = NA, layer_range = NULL, compact = TRUE) {
  line_length <- min(as.integer(line_length %||% 80L), 180L)
  layers <- model_layers(model)
  seq_like <- summary_sequential_like(model)
  if (seq_like) {
    header <- c("Layer (type)", "Output Shape", "Param #")
    align <- c("left", "left", "right")
    positions <- positions %||% c(0.45, 0.80, 1.0)
  } else {
    header <- c("Layer (type)", "Output Shape", "Param #", "Connected to")
    align <- c("left", "left", "right", "left")
    positions <- positions %||% c(0.3, 0.56, 0.74, 1.0)
  }
  if (is.na(show_trainable)) {
    show_trainable <- isTRUE(model$built) && length(model$non_trainable_weights) > 0
  }
  if (isTRUE(show_trainable)) {
    header <- c(header, "Trainable")
    align <- c(align, "center")
    positions <- c(positions * 0.9, 1.0)
  }
  if (!is.null(layer_range)) layers <- summary_layer_range(layers, layer_range)

  rows <- list()
  add_rows <- function(l, level) {
    prefix <- if (level > 0) paste0(strrep("   ", level), "\u2514 ") else ""
    row <- c(paste0(prefix, l$name, " (", class(l)[1], ")"),
             summary_output_shape(model, l),
             if (isTRUE(l$built)) format(l$count_params(), big.mark = ",", scientific = FALSE) else "0 (unbuilt)")
    if (!seq_like) row <- c(row, summary_connections(model, l))
    if (isTRUE(show_trainable)) row <- c(row, if (length(l$weights)) (if (isTRUE(l$trainable)) "Y" else "N") else "-")
    rows[[length(rows) + 1L]] <<- row
    if (isTRUE(expand_nested) && inherits(l, "Model")) for (sub in model_layers(l)) add_rows(sub, level + 1L)
  }
  for (l in layers) add_rows(l, 0L)

  ncol <- length(header)
  inner <- line_length - (ncol + 1L)
  cum <- floor(positions / positions[length(positions)] * inner)
  widths <- diff(c(0L, cum))
  if (isTRUE(show_trainable) && widths[ncol] < 11L) {
    # keep the "Trainable" heading on one line
    widths[1] <- widths[1] - (11L - widths[ncol])
    widths[ncol] <- 11L
  }
  if (any(widths < 4))
    cli::cli_abort("The console is too narrow to print the summary.", class = c("recurrent_error_argument", "recurrent_error"))

  lines <- c(sprintf("Model: \"%s\"", model$name),
             box_rule(widths, box_chars$top),
             box_row(header, widths, align, box_chars$head),
             box_rule(widths, box_chars$head_sep))
  for (i in seq_along(rows)) {
    lines <- c(lines, box_row(rows[[i]], widths, align, box_chars$row))
    lines <- c(lines, if (i < length(rows)) box_rule(widths, box_chars$row_sep) else box_rule(widths, box_chars$bottom))
  }
  if (!length(rows)) lines <- c(lines, box_rule(widths, box_chars$bottom))

  tr <- model$trainable_weights
  ntr <- model$non_trainable_weights
  opt_vars <- summary_optimizer_variables(model)
  n_tr <- count_weight_values(tr); n_ntr <- count_weight_values(ntr); n_opt <- count_weight_values(opt_vars)
  b_tr <- weight_bytes(tr); b_ntr <- weight_bytes(ntr); b_opt <- weight_bytes(opt_vars)
  fmt <- function(n, b) sprintf("%s (%s)", format(n, big.mark = ",", scientific = FALSE), readable_size(b))
  lines <- c(lines,
             paste0(" Total params: ", fmt(n_tr + n_ntr + n_opt, b_tr + b_ntr + b_opt)),
             paste0(" Trainable params: ", fmt(n_tr, b_tr)),
             paste0(" Non-trainable params: ", fmt(n_ntr, b_ntr)))
  if (length(opt_vars)) lines <- c(lines, paste0(" Optimizer params: ", fmt(n_opt, b_opt)))
  if (isTRUE(compact)) lines <- lines[nzchar(trimws(lines))]
  lines
}

summary_optimizer_variables <- function(model) {
  opt <- tryCatch(model$optimizer, error = function(e) NULL)
  if (is.null(opt)) return(list())
  vars <- tryCatch(opt$variables, error = function(e) NULL)
  if (is.function(vars)) vars <- tryCatch(vars(), error = function(e) NULL)
  if (!is.list(vars)) return(list())
  Filter(function(v) inherits(v, "recurrent_variable") || op_is_tensor(v), vars)
}

weight_dims <- function(v) if (inherits(v, "recurrent_variable")) cpp_shape(v$handle) else cpp_shape(v)
weight_dtype <- function(v) if (inherits(v, "recurrent_variable")) cpp_dtype(v$handle) else cpp_dtype(v)
count_weight_values <- function(vars) sum(vapply(vars, function(v) as.numeric(prod(weight_dims(v))), 0))
weight_bytes <- function(vars) {
  sum(vapply(vars, function(v) {
    size <- switch(weight_dtype(v), float64 = 8, bool = 1, 4)
    as.numeric(prod(weight_dims(v))) * size
  }, 0))
}

readable_size <- function(bytes) {
  units <- c("B", "KB", "MB", "GB", "TB", "PB")
  for (u in units) {
    if (bytes / 1024 < 1) return(sprintf("%.2f %s", bytes, u))
    bytes <- bytes / 1024
  }
  sprintf("%.2f %s", bytes, "PB")
}

box_rule <- function(widths, ch) {
  paste0(ch[1], paste(vapply(widths, function(w) strrep(ch[2], w), ""), collapse = ch[3]), ch[4])
}

# One table row; cells wider than their column wrap onto more lines.
box_row <- function(cells, widths, align, ch) {
  wrapped <- lapply(seq_along(cells), function(i) wrap_cell(cells[i], widths[i] - 2L))
  height <- max(lengths(wrapped))
  out <- character(height)
  for (h in seq_len(height)) {
    parts <- vapply(seq_along(cells), function(i) {
      txt <- if (h <= length(wrapped[[i]])) wrapped[[i]][h] else ""
      paste0(" ", pad_cell(txt, widths[i] - 2L, align[i]), " ")
    }, "")
    out[h] <- paste0(ch[1], paste(parts, collapse = ch[2]), ch[3])
  }
  out
}

pad_cell <- function(txt, width, align) {
  gap <- max(0L, width - nchar(txt, type = "width"))
  switch(align,
    right = paste0(strrep(" ", gap), txt),
    center = paste0(strrep(" ", gap %/% 2), txt, strrep(" ", gap - gap %/% 2)),
    paste0(txt, strrep(" ", gap)))
}

# Keras renders the table with rich (text columns wrap with overflow "ellipsis"):
# lines break only at whitespace, a word longer than the column starts a line of
# its own, and a line still too wide ends in an ellipsis ("max_pooling2d_2[\u2026").
wrap_cell <- function(txt, width) {
  if (nchar(txt, type = "width") <= width) return(txt)
  m <- gregexpr("\\s*\\S+\\s*", txt)[[1]]
  words <- regmatches(txt, list(m))[[1]]
  starts <- as.integer(m)
  breaks <- integer()
  pos <- 0L
  for (i in seq_along(words)) {
    full <- nchar(words[i], type = "width")
    bare <- nchar(sub("\\s+$", "", words[i]), type = "width")
    if (pos + bare <= width) {
      pos <- pos + full
    } else if (starts[i] > 1L && (bare > width || pos > 0L)) {
      breaks <- c(breaks, starts[i])
      pos <- full
    } else {
      pos <- full
    }
  }
  lines <- sub("\\s+$", "", substring(txt, c(1L, breaks), c(breaks - 1L, nchar(txt))))
  long <- nchar(lines, type = "width") > width
  lines[long] <- paste0(substr(lines[long], 1L, width - 1L), "\u2026")
  lines
}

summary_layer_range <- function(layers, layer_range) {
  nms <- vapply(layers, function(l) l$name, "")
  from <- which(grepl(layer_range[[1]], nms))[1]
  to <- utils::tail(which(grepl(layer_range[[2]], nms)), 1)
  if (is.na(from) || !length(to))
    cli::cli_abort("{.arg layer_range} must name layers of the model.", class = c("recurrent_error_argument", "recurrent_error"))
  layers[from:to]
}

summary_sequential_like <- function(model) {
  if (!inherits(model, "Functional")) return(TRUE)
  priv <- layer_private(model)
  nodes <- priv$.nodes
  if (length(model$inputs) != 1) return(FALSE)
  consumers <- list()
  layer_ids <- character()
  for (node in nodes) {
    parents <- node_parents(node)
    if (length(parents) != 1) return(FALSE)
    pn <- parents[[1]]$name
    if (!is.null(consumers[[pn]])) return(FALSE)
    consumers[[pn]] <- TRUE
    layer_ids <- c(layer_ids, rlang::obj_address(node$layer))
  }
  !anyDuplicated(layer_ids)
}

# Nodes of `layer` that belong to `model` (for functional models), else all of them.
layer_nodes_in_model <- function(model, layer) {
  nodes <- layer_private(layer)$.inbound_nodes
  if (!inherits(model, "Functional")) return(nodes)
  model_nodes <- layer_private(model)$.nodes
  ids <- vapply(model_nodes, rlang::obj_address, "")
  if (inherits(layer, "InputLayer")) return(nodes)
  Filter(function(n) rlang::obj_address(n) %in% ids, nodes)
}

summary_output_shape <- function(model, layer) {
  if (inherits(model, "Sequential")) {
    idx <- which(vapply(model_layers(model), function(l) identical(l, layer), TRUE))
    out <- if (length(idx)) model$output_shape_of(idx[1])
    if (is.null(out)) return("?")
    return(format_output_spec(out))
  }
  nodes <- layer_nodes_in_model(model, layer)
  if (!length(nodes)) return("?")
  node <- nodes[[length(nodes)]]
  format_output_spec(node$result)
}

format_output_spec <- function(x) {
  if (inherits(x, "recurrent_symbolic_tensor")) return(format_shape_tuple(x$shape))
  parts <- vapply(x, format_output_spec, "")
  paste0("[", paste(parts, collapse = ", "), "]")
}

summary_connections <- function(model, layer) {
  nodes <- layer_nodes_in_model(model, layer)
  conns <- character()
  for (node in nodes) {
    for (p in node_parents(node)) {
      src <- p$node
      src_nodes <- layer_private(src$layer)$.inbound_nodes
      node_index <- which(vapply(src_nodes, function(n) identical(n, src), TRUE))[1] - 1L
      conns <- c(conns, sprintf("%s[%d][%d]", src$layer$name, node_index, p$index - 1L))
    }
  }
  if (!length(conns)) "-" else paste(conns, collapse = ", ")
}
