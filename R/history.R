# The training history fit() returns: keras3's `keras_training_history` (params
# and one numeric vector per metric), with its print, plot and as.data.frame.

new_training_history <- function(params, metrics) {
  n <- if (length(metrics)) max(lengths(metrics)) else 0L
  metrics <- lapply(metrics, function(v) c(v, rep(NA_real_, n - length(v))))
  structure(list(params = params, metrics = metrics), class = "keras_training_history")
}

#' Training history
#'
#' [fit()] returns (invisibly) a `keras_training_history`: a list with `params`
#' (`verbose`, `epochs`, `steps` per epoch) and `metrics`, a named list with one
#' numeric vector per logged quantity (`loss`, each compiled metric, their
#' `val_` versions, and anything callbacks log such as `learning_rate`), one
#' value per epoch trained.
#'
#' `print()` shows the final epoch's values; `as.data.frame()` gives a long data
#' frame with columns `epoch`, `value`, `metric` and `data` (`"training"` or
#' `"validation"`), padded with `NA` up to `params$epochs` when training
#' stopped early; `plot()` draws each metric against the epoch, with ggplot2 if it
#' is installed and base graphics otherwise.
#'
#' @param x A `keras_training_history`.
#' @param y Unused.
#' @param metrics Names of the metrics to plot (without `val_`); default all.
#' @param method `"auto"` (ggplot2 when installed), `"ggplot2"` or `"base"`.
#' @param smooth Logical. Add a loess smooth (ggplot2, 10 or more epochs).
#' @param theme_bw Logical. Use `ggplot2::theme_bw()`.
#' @param row.names,optional Unused (for the `as.data.frame()` generic).
#' @param ... Passed to `plot()` for the base method; unused otherwise.
#' @returns `print()` returns `x` invisibly; `as.data.frame()` a data frame;
#'   `plot()` a ggplot object, or `NULL` invisibly for base graphics.
#' @examples
#' model <- keras_model_sequential(input_shape = 1) |> layer_dense(1)
#' compile(model, optimizer = optimizer_sgd(0.1), loss = "mse", metrics = "mae")
#' x <- matrix(seq(-1, 1, length.out = 32))
#' history <- fit(model, x, 2 * x + 1, epochs = 3, verbose = 0)
#' history
#' head(as.data.frame(history))
#' plot(history, method = "base")
#' @name training_history
#' @importFrom rlang .data
NULL

#' @rdname training_history
#' @export
print.keras_training_history <- function(x, ...) {
  metrics <- x$metrics
  cat("\n")
  if (!length(metrics) || !length(metrics[[1]])) {
    cat("No epochs completed.\n")
    return(invisible(x))
  }
  epochs <- min(x$params$epochs %||% length(metrics[[1]]), length(metrics[[1]]))
  last <- vapply(metrics, function(v) v[[epochs]], 0)
  labels <- formatC(names(metrics), width = max(nchar(names(metrics))))
  values <- prettyNum(last, big.mark = ",", digits = 4, scientific = FALSE)
  cat("Final epoch (plot to see history):\n")
  cat(paste0(labels, ": ", values, collapse = "\n"), "\n")
  invisible(x)
}

#' @rdname training_history
#' @export
as.data.frame.keras_training_history <- function(x, row.names = NULL, optional = FALSE, ...) {
  metrics <- x$metrics
  epochs <- max(x$params$epochs %||% 0L, if (length(metrics)) max(lengths(metrics)) else 0L)
  nms <- names(metrics)
  values <- unlist(lapply(metrics, function(v) c(v, rep(NA_real_, epochs - length(v)))), use.names = FALSE)
  base <- sub("^val_", "", nms)
  df <- data.frame(
    epoch = rep(seq_len(epochs), times = length(nms)),
    value = as.numeric(values),
    metric = factor(rep(base, each = epochs), levels = unique(base)),
    data = factor(rep(ifelse(grepl("^val_", nms), "validation", "training"), each = epochs),
                  levels = c("training", "validation"))
  )
  rownames(df) <- NULL
  df
}

#' @rdname training_history
#' @export
plot.keras_training_history <- function(x, y, metrics = NULL, method = c("auto", "ggplot2", "base"),
                                        smooth = getOption("keras.plot.history.smooth", TRUE),
                                        theme_bw = getOption("keras.plot.history.theme_bw", FALSE), ...) {
  method <- match.arg(method)
  if (method == "auto") method <- if (requireNamespace("ggplot2", quietly = TRUE)) "ggplot2" else "base"
  df <- as.data.frame(x)
  if (is.null(metrics)) metrics <- Filter(function(nm) !grepl("^val_", nm), names(x$metrics))
  df <- df[df$metric %in% metrics, , drop = FALSE]
  do_validation <- any(grepl("^val_", names(x$metrics)))

  if (method == "ggplot2") {
    if (!requireNamespace("ggplot2", quietly = TRUE))
      recurrent_abort("{.code method = \"ggplot2\"} needs the {.pkg ggplot2} package.")
    int_breaks <- function(v) {
      p <- pretty(v)
      p[p %% 1 == 0]
    }
    aes <- if (do_validation) ggplot2::aes(.data$epoch, .data$value, color = .data$data, fill = .data$data)
           else ggplot2::aes(.data$epoch, .data$value)
    p <- ggplot2::ggplot(df, aes)
    if (theme_bw) {
      p <- p + ggplot2::theme_bw() + ggplot2::geom_point(col = 1, na.rm = TRUE, size = 2)
    } else {
      p <- p + ggplot2::geom_point(shape = 21, col = 1, na.rm = TRUE)
    }
    if (smooth && (x$params$epochs %||% 0) >= 10)
      p <- p + ggplot2::geom_smooth(se = FALSE, method = "loess", formula = y ~ x, na.rm = TRUE)
    p <- p + ggplot2::facet_grid(metric ~ ., switch = "y", scales = "free_y") +
      ggplot2::scale_x_continuous(breaks = int_breaks) +
      ggplot2::theme(axis.title.y = ggplot2::element_blank(), strip.placement = "outside",
                     strip.text = ggplot2::element_text(colour = "black", size = 11),
                     strip.background = ggplot2::element_rect(fill = NA, color = NA))
    return(p)
  }

  op <- graphics::par(mfrow = c(length(metrics), 1), mar = c(3, 3, 2, 2))
  on.exit(graphics::par(op), add = TRUE)
  for (i in seq_along(metrics)) {
    metric <- metrics[[i]]
    top <- i == 1
    bottom <- i == length(metrics)
    graphics::par(mar = if (top) c(1.5, 3, 1.5, 1.5) else if (bottom) c(2.5, 3, 0.5, 1.5) else c(1.5, 3, 0.5, 1.5))
    d <- df[df$metric == metric, , drop = FALSE]
    graphics::plot(d$epoch, d$value, pch = c(1, 4)[as.integer(d$data)], xaxt = if (bottom) "s" else "n",
                   xlab = "epoch", ylab = metric, ...)
    tr <- d$value[d$data == "training"]
    tr <- tr[!is.na(tr)]
    where <- if (length(tr) && tr[1] > tr[length(tr)]) "topright" else "bottomright"
    if (do_validation) graphics::legend(where, legend = c(metric, paste0("val_", metric)), pch = c(1, 4))
    else graphics::legend(where, legend = metric, pch = 1)
  }
  invisible(NULL)
}
