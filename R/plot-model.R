# plot(model): the layer graph drawn with base graphics (boxes for layers, arrows for
# the tensors between them), to the current device or to a file; no Graphviz.

#' Plot a model's layer graph
#'
#' Draws one box per layer (its name, class and output shape) and an arrow for
#' each connection, top to bottom (or left to right), with base R graphics on
#' the current device, or into `to_file` (`.png`, `.pdf`, `.svg` or `.jpeg`).
#' Unlike keras3 it needs neither Python nor Graphviz. Names and shapes are
#' shown by default; set `show_layer_names` or `show_shapes` to `FALSE` to leave
#' them out.
#'
#' @param x A sequential or functional model.
#' @param show_shapes Show output shapes.
#' @param show_dtype Show the layers' dtypes.
#' @param show_layer_names Show layer names (the class is always shown).
#' @param ... Unused.
#' @param rankdir `"TB"` (top to bottom) or `"LR"` (left to right).
#' @param expand_nested Must be `FALSE` (nested models are drawn as one box).
#' @param dpi Resolution of a bitmap `to_file`.
#' @param layer_range `NULL` or two layer names (or positions): draw only the
#'   layers from the first to the second.
#' @param show_layer_activations Show the activation of layers that have one.
#' @param show_trainable Show whether each layer is trainable (`NA`: only when
#'   some layer is frozen).
#' @param to_file `NULL` (draw on the current device) or a file path.
#' @returns `x` invisibly, or `to_file` invisibly when given.
#' @examples
#' inp <- keras_input(shape = c(10, 3))
#' h <- layer_lstm(inp, 8)
#' out <- layer_concatenate(list(layer_dense(h, 4), layer_dense(h, 2)))
#' model <- keras_model(inp, out)
#' plot(model)
#' f <- plot(model, to_file = tempfile(fileext = ".png"))
#' file.exists(f)
#' @export
plot.recurrent_model <- function(x, show_shapes = TRUE, show_dtype = FALSE, show_layer_names = TRUE, ...,
                                 rankdir = "TB", expand_nested = FALSE, dpi = 200, layer_range = NULL,
                                 show_layer_activations = FALSE, show_trainable = NA, to_file = NULL) {
  call <- rlang::current_env()
  check_dots_empty(rlang::list2(...), call = call)
  for (a in c("show_shapes", "show_dtype", "show_layer_names", "show_layer_activations"))
    check_flag(get(a), a, call = call)
  if (!isFALSE(expand_nested))
    cli::cli_abort("{.arg expand_nested} = TRUE is not supported: nested models are drawn as one box.",
                   class = c("recurrent_error_unsupported", "recurrent_error"), call = call)
  rankdir <- check_string(rankdir, "rankdir", call = call)
  if (!rankdir %in% c("TB", "LR"))
    cli::cli_abort(c("{.arg rankdir} must be {.val TB} or {.val LR}.", x = "Got {.val {rankdir}}."),
                   class = c("recurrent_error_argument", "recurrent_error"), call = call)
  model <- unwrap_model(x)
  g <- model_graph(model, call)
  if (!is.null(layer_range)) {
    keep <- summary_layer_range(g$layers, layer_range)
    ids <- vapply(keep, rlang::obj_address, "")
    idx <- which(vapply(g$layers, rlang::obj_address, "") %in% ids)
    g$edges <- g$edges[g$edges[, 1] %in% idx & g$edges[, 2] %in% idx, , drop = FALSE]
    g$edges[] <- match(g$edges, idx)
    g$layers <- g$layers[idx]
  }
  if (is.na(show_trainable)) show_trainable <- any(vapply(g$layers, function(l) length(l$weights) > 0 && !isTRUE(l$trainable), TRUE))
  labels <- vapply(g$layers, function(l) {
    parts <- if (show_layer_names) sprintf("%s (%s)", l$name, class(l)[1]) else class(l)[1]
    if (show_layer_activations && !is.null(l$activation))
      parts <- c(parts, paste("activation:", tryCatch(activation_name(l$activation), error = function(e) "custom")))
    if (show_shapes) parts <- c(parts, paste("output:", summary_output_shape(model, l)))
    if (show_dtype) parts <- c(parts, paste("dtype:", l$dtype %||% "?"))
    if (isTRUE(show_trainable)) parts <- c(parts, paste("trainable:", if (isTRUE(l$trainable)) "yes" else "no"))
    paste(parts, collapse = "\n")
  }, "")
  if (!is.null(to_file)) {
    to_file <- check_string(to_file, "to_file", call = call)
    open_plot_file(to_file, length(labels), dpi, call)
    on.exit(grDevices::dev.off(), add = TRUE)
  }
  draw_layer_graph(labels, g$edges, rankdir)
  invisible(if (is.null(to_file)) x else to_file)
}

# Layers (R6 objects) and edges (a two-column matrix of indices, from -> to).
model_graph <- function(model, call) {
  layers <- model_layers(model)
  if (inherits(model, "Functional")) {
    addr <- vapply(layers, rlang::obj_address, "")
    edges <- list()
    for (j in seq_along(layers)) {
      for (node in layer_nodes_in_model(model, layers[[j]])) {
        for (p in node_parents(node)) {
          i <- match(rlang::obj_address(p$node$layer), addr)
          if (!is.na(i)) edges[[length(edges) + 1L]] <- c(i, j)
        }
      }
    }
    edges <- if (length(edges)) do.call(rbind, unique(edges)) else matrix(integer(), 0, 2)
    return(list(layers = layers, edges = edges))
  }
  if (inherits(model, "Sequential")) {
    n <- length(layers)
    edges <- if (n > 1) cbind(seq_len(n - 1), seq_len(n - 1) + 1L) else matrix(integer(), 0, 2)
    return(list(layers = layers, edges = edges))
  }
  cli::cli_abort(c("{.fn plot} draws sequential and functional models.",
                   x = "Model {.val {model$name}} is a subclassed model: its graph is its {.fn call} code."),
                 class = c("recurrent_error_argument", "recurrent_error"), call = call)
}

open_plot_file <- function(path, n, dpi, call) {
  ext <- tolower(sub(".*\\.", "", basename(path)))
  height <- max(3, 1.1 * n)
  width <- 6
  switch(ext,
    png = grDevices::png(path, width = width, height = height, units = "in", res = dpi),
    jpg = , jpeg = grDevices::jpeg(path, width = width, height = height, units = "in", res = dpi),
    pdf = grDevices::pdf(path, width = width, height = height),
    svg = grDevices::svg(path, width = width, height = height),
    cli::cli_abort(c("{.arg to_file} must end in .png, .jpeg, .pdf or .svg.", x = "Got {.file {path}}."),
                   class = c("recurrent_error_argument", "recurrent_error"), call = call)
  )
}

# Longest-path levels from the sources, boxes spread evenly within a level.
draw_layer_graph <- function(labels, edges, rankdir) {
  n <- length(labels)
  level <- rep(1L, n)
  for (k in seq_len(n)) {   # relax: at most n passes on a DAG
    changed <- FALSE
    for (e in seq_len(nrow(edges))) {
      if (level[edges[e, 2]] < level[edges[e, 1]] + 1L) {
        level[edges[e, 2]] <- level[edges[e, 1]] + 1L
        changed <- TRUE
      }
    }
    if (!changed) break
  }
  nlev <- max(level)
  pos <- integer(n); count <- tabulate(level, nlev)
  for (l in seq_len(nlev)) pos[level == l] <- seq_len(count[l])
  along <- (level - 0.5) / nlev                    # 0..1 along the graph
  across <- (pos - 0.5) / count[level]             # 0..1 across it
  tb <- rankdir == "TB"
  cx <- if (tb) across else along
  cy <- if (tb) 1 - along else 1 - across
  half_w <- 0.45 / (if (tb) max(count) else nlev)
  half_h <- 0.35 / (if (tb) nlev else max(count))

  old <- graphics::par(mar = c(0.2, 0.2, 0.2, 0.2))
  on.exit(graphics::par(old), add = TRUE)
  graphics::plot.new()
  graphics::plot.window(xlim = c(0, 1), ylim = c(0, 1))
  for (e in seq_len(nrow(edges))) {
    i <- edges[e, 1]; j <- edges[e, 2]
    if (tb) graphics::arrows(cx[i], cy[i] - half_h, cx[j], cy[j] + half_h, length = 0.08, col = "grey30")
    else graphics::arrows(cx[i] + half_w, cy[i], cx[j] - half_w, cy[j], length = 0.08, col = "grey30")
  }
  graphics::rect(cx - half_w, cy - half_h, cx + half_w, cy + half_h, col = "grey95", border = "grey20")
  fit <- min(1, (2 * half_w * 0.95) / max(graphics::strwidth(labels)),
             (2 * half_h * 0.9) / max(graphics::strheight(labels)))
  graphics::text(cx, cy, labels, cex = fit)
  invisible()
}
