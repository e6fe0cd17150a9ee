# The progress line fit() and evaluate() print, in the layout of Keras 3's
# keras/src/utils/progbar.py: `12/50 ━━━━━╺─── 2s 3ms/step - loss: 0.3410`.
# verbose = 1 rewrites one line per epoch (in a terminal); verbose = 2 prints one
# plain line at the end.

new_progbar <- function(target, verbose = 1L, interval = 0.05, unit_name = "step") {
  state <- new.env(parent = emptyenv())
  state$target <- target
  state$verbose <- verbose
  state$start <- proc.time()[["elapsed"]]
  state$last_update <- 0
  state$after_first <- NULL
  state$prev_width <- 0L
  state$dynamic <- progress_is_dynamic()
  state$interval <- interval
  state$unit_name <- unit_name
  state
}

progress_is_dynamic <- function() {
  opt <- getOption("recurrent.progress.dynamic")
  if (!is.null(opt)) return(isTRUE(opt))
  cli::is_dynamic_tty(stdout())
}

# Seconds per step, ignoring the (usually slower) first step once there are more.
progress_step_time <- function(state, current, now) {
  if (current <= 0) return(0)
  per <- if (!is.null(state$after_first) && current > 1) (now - state$after_first) / (current - 1)
         else (now - state$start) / current
  if (current == 1) state$after_first <- now
  per
}

progress_format_time <- function(per, unit) {
  if (per >= 1 || per == 0) sprintf(" %.0fs/%s", per, unit)
  else if (per >= 1e-3) sprintf(" %.0fms/%s", per * 1e3, unit)
  else sprintf(" %.0fus/%s", per * 1e6, unit)
}

progress_format_eta <- function(eta) {
  if (eta > 3600) sprintf("%d:%02d:%02d", eta %/% 3600, (eta %% 3600) %/% 60, floor(eta %% 60))
  else if (eta > 60) sprintf("%d:%02d", eta %/% 60, floor(eta %% 60))
  else sprintf("%ds", as.integer(eta))
}

# `name: value` pairs: 4 decimals, or %.4e for values of magnitude <= 1e-3.
progress_format_values <- function(values, abs_test = TRUE) {
  if (!length(values)) return("")
  parts <- vapply(names(values), function(k) {
    v <- values[[k]]
    if (is.null(v) || length(v) != 1 || !is.numeric(v)) return(paste0(" - ", k, ": ", format(v)))
    small <- if (abs_test) !is.na(v) && abs(v) <= 1e-3 else !is.na(v) && v <= 1e-3
    paste0(" - ", k, ": ", if (is.na(v)) "nan" else if (small) sprintf("%.4e", v) else sprintf("%.4f", v))
  }, "")
  paste(parts, collapse = "")
}

progress_bar_text <- function(current, target, width = 20L) {
  digits <- nchar(as.character(target))
  count <- formatC(current, width = digits)
  done <- as.integer(floor(width * current / target))
  glyph <- if (cli::is_utf8_output()) "\u2501" else "="
  rest_glyph <- if (cli::is_utf8_output()) "\u2501" else "."
  bar_done <- strrep(glyph, done)
  bar_rest <- strrep(rest_glyph, width - done)
  plain <- paste0(count, "/", target, " ", bar_done, bar_rest)
  styled <- paste0(cli::style_bold(paste0(count, "/", target)), " ",
                   if (done > 0) cli::col_green(bar_done) else "", cli::col_white(bar_rest))
  list(plain = plain, styled = styled)
}

# Show the state after `current` steps with `values` (a named list of numbers).
progress_update <- function(state, current, values = list(), finalize = FALSE) {
  now <- proc.time()[["elapsed"]]
  per <- progress_step_time(state, current, now)
  if (state$verbose == 1L) {
    if (!finalize && (now - state$last_update < state$interval || !state$dynamic)) return(invisible())
    state$last_update <- now
    target <- state$target
    bar <- progress_bar_text(current, target)
    info <- if (!finalize) paste0(" ", cli::style_bold(progress_format_eta(per * (target - current))))
            else paste0(" ", cli::style_bold(sprintf("%.0fs", now - state$start)))
    info <- paste0(info, progress_format_time(per, state$unit_name), progress_format_values(values))
    line <- paste0(bar$styled, info)
    width <- cli::ansi_nchar(line)
    pad <- if (state$dynamic && state$prev_width > width) strrep(" ", state$prev_width - width) else ""
    prefix <- if (state$dynamic) "\r" else ""
    cat(prefix, line, pad, if (finalize) "\n" else "", sep = "")
    utils::flush.console()
    state$prev_width <- width
  } else if (state$verbose == 2L && finalize) {
    digits <- nchar(as.character(state$target))
    line <- paste0(formatC(current, width = digits), "/", state$target, " - ",
                   sprintf("%.0fs", now - state$start), " -", progress_format_time(per, state$unit_name),
                   progress_format_values(values, abs_test = FALSE))
    cat(line, "\n", sep = "")
    utils::flush.console()
  }
  invisible()
}

# keras3's verbose = "auto": 2 while knitting, 0 under testthat, otherwise 1. With
# interactive logging disabled (config_disable_interactive_logging()) every valid
# verbose resolves to 0, so fit(), evaluate() and predict() print nothing.
resolve_verbose <- function(verbose, call = rlang::caller_env()) {
  if (identical(verbose, "auto")) {
    out <- if (isTRUE(getOption("knitr.in.progress"))) 2L
           else if (identical(Sys.getenv("TESTTHAT"), "true")) 0L
           else 1L
  } else if (is.logical(verbose) && length(verbose) == 1 && !is.na(verbose)) {
    out <- as.integer(verbose)
  } else {
    if (!is.numeric(verbose) || length(verbose) != 1 || is.na(verbose) || !verbose %in% 0:2)
      recurrent_abort(c("{.arg verbose} must be {.val auto}, 0, 1 or 2.", x = "Got {describe_value(verbose)}."), call = call)
    out <- as.integer(verbose)
  }
  if (isFALSE(the$interactive_logging)) 0L else out
}
