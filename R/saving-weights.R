# Weights in Keras 3's HDF5 layout (`*.weights.h5`, and `model.weights.h5` inside a
# `.keras` archive; FORMAT.md A.4/B): a walk over the object tree gives each object a
# path (`layers/gru/cell`), and its own variables go to `<path>/vars/0, 1, ...`.
# Also reads Keras 2 weight files (`save_weights("x.h5")`) by position.

# ---- the object tree -----------------------------------------------------------------------------

# The sub-objects Keras's walk visits, as a named list (attribute name -> object or
# list of objects), in the order Keras visits them.
keras_tree_children <- function(layer) {
  if (inherits(layer, "Sequential")) return(list(layers = layer_private(layer)$.layers))
  if (inherits(layer, "Functional")) return(list(layers = layer_private(layer)$.layers))
  if (inherits(layer, "RNN")) return(list(cell = layer$cell))
  if (inherits(layer, "StackedRNNCells")) return(list(cells = layer$cells))
  if (inherits(layer, "Bidirectional")) return(list(backward_layer = layer$backward_layer, forward_layer = layer$forward_layer))
  if (inherits(layer, "TimeDistributed")) return(list(layer = layer$layer))
  if (inherits(layer, "MultiHeadAttention")) return(mha_tree_children(layer))
  # any other layer: fields holding layers (or lists of them), in Keras's order
  out <- list()
  for (nm in ls(layer, sorted = FALSE)) {
    if (bindingIsActive(nm, layer)) next
    val <- get(nm, envir = layer, inherits = FALSE)
    if (inherits(val, "recurrent_layer")) val <- unwrap_layer(val)
    if (inherits(val, "Layer") && inherits(val, "R6")) {
      out[[nm]] <- val
    } else if (is.list(val) && !is.object(val) && length(val) &&
               all(vapply(val, is_layer, TRUE))) {
      out[[nm]] <- lapply(val, unwrap_layer)
    }
  }
  # a subclassed model also has Keras's `Model.layers` property (its directly tracked
  # sub-layers, in tracking order), which base Layer() lacks, so the walk visits it
  # like any attribute: a sub-layer whose own attribute name sorts after "layers" is
  # saved under `layers/<snake_case class>[_k]` (keras/src/models/model.py, `layers`)
  if (inherits(layer, "Model")) {
    kids <- model_layers(layer)
    if (length(kids)) out$layers <- kids
  }
  if (length(out) < 2) return(out)
  out[keras_attribute_order(names(out))]
}

# The order of saving_lib.py's `_walk_saveable()`: `sorted(dir(obj))` (code-point
# order) with private names (leading "_") last, as its `_name_key()` prefixes them
# with "~".
keras_attribute_order <- function(nms) {
  key <- ifelse(startsWith(nms, "_"), paste0("~", nms), nms)
  order(key, method = "radix")
}

# Keras's MultiHeadAttention exposes its projections as the properties `query_dense`,
# `key_dense`, `value_dense` and `output_dense` (since Keras 3.0.3, commit f8677c5);
# the walk visits public attributes first, in sorted order, so the projections are
# saved under those names, not under the private `_query_dense` aliases. Its build
# also makes a `Softmax` (`_softmax`) and a `Dropout` (`_dropout_layer`) without
# variables; since Keras 3.6 every visited layer gets a (here empty) `vars` group,
# written after the public ones (private names sort last). Our attention computes
# softmax and dropout inline, so those two are stand-ins that carry only a name.
mha_tree_children <- function(layer) {
  dense <- list(key_dense = layer$key_dense, output_dense = layer$output_dense,
                query_dense = layer$query_dense, value_dense = layer$value_dense)
  dense <- lapply(Filter(Negate(is.null), dense), unwrap_layer)
  if (!length(dense)) return(list())
  stand_in <- function(name) { e <- new.env(parent = emptyenv()); e$name <- name; e }
  c(dense, list(`_dropout_layer` = stand_in("dropout"), `_softmax` = stand_in("softmax")))
}

# A layer's own variables in Keras's order: created-trainable first, then the others.
keras_own_variables <- function(layer) {
  priv <- layer_private(layer)
  vars <- priv$.variables
  if (!length(vars)) return(list())
  tr <- priv$.created_trainable
  tr <- if (length(tr) == length(vars)) as.logical(tr) else vapply(vars, function(v) isTRUE(v$trainable), TRUE)
  tr[is.na(tr)] <- FALSE
  c(vars[tr], vars[!tr])
}

# Every saveable object with its path and own variables, in walk order; a shared
# object appears once, at its first path.
keras_weight_entries <- function(layer) {
  seen <- new.env(parent = emptyenv())
  out <- list()
  visit <- function(obj, path) {
    id <- rlang::obj_address(obj)
    if (!is.null(seen[[id]])) return()
    seen[[id]] <- TRUE
    out[[length(out) + 1L]] <<- list(path = path, object = obj, vars = keras_own_variables(obj))
    kids <- keras_tree_children(obj)
    for (nm in names(kids)) {
      kid <- kids[[nm]]
      child_path <- if (nzchar(path)) paste0(path, "/", nm) else nm
      if (is.list(kid) && !inherits(kid, "R6")) {
        used <- character()
        for (el in kid) {
          base <- keras_snake_case(layer_class_name(el))
          nm_el <- base
          k <- 0L
          while (nm_el %in% used) { k <- k + 1L; nm_el <- paste0(base, "_", k) }
          used <- c(used, nm_el)
          visit(el, paste0(child_path, "/", nm_el))
        }
      } else if (!is.null(kid)) {
        visit(kid, child_path)
      }
    }
  }
  visit(layer, "")
  out
}

vars_path <- function(path) if (nzchar(path)) paste0(path, "/vars") else "vars"

# ---- optimizer state ------------------------------------------------------------------------------

# The optimizer's variables in Keras's order: iterations, learning rate, then (per
# Keras's build()) its slots. Each element: list(name, get = function() value,
# set = function(value), shape, dtype).
optimizer_keras_variables <- function(opt) {
  priv <- opt$.__enclos_env__$private
  out <- list(
    list(name = "iteration", shape = integer(), dtype = "int64",
         get = function() opt$iterations, set = function(v) opt$iterations <- as.numeric(v)),
    list(name = "learning_rate", shape = integer(), dtype = "float32",
         get = function() opt$learning_rate,
         set = function(v) if (is.numeric(priv$lr)) priv$lr <- as.numeric(v))
  )
  if (!isTRUE(opt$built) || !length(priv$slots)) return(out)
  slots <- priv$slots
  nvars <- length(slots)
  n_kind <- length(slots[[1]]) - (!is.null(opt$gradient_accumulation_steps)) - isTRUE(opt$use_ema)
  slot_ref <- function(i, j) {
    h <- slots[[i]][[j]]
    list(name = paste0("slot_", i, "_", j), shape = as.integer(cpp_shape(h)), dtype = cpp_dtype(h),
         get = function() cpp_to_r(priv$slots[[i]][[j]]),
         set = function(v) priv$slots[[i]][[j]] <- cpp_tensor(v, cpp_dtype(priv$slots[[i]][[j]])))
  }
  # Keras's base build() makes the EMA copies, then the gradient accumulators, before
  # the optimizer's own slots
  extra <- list()
  if (isTRUE(opt$use_ema)) extra <- c(extra, lapply(seq_len(nvars), function(i) slot_ref(i, length(slots[[i]]))))
  if (!is.null(opt$gradient_accumulation_steps))
    extra <- c(extra, lapply(seq_len(nvars), function(i) slot_ref(i, n_kind + 1L)))
  own <- list()
  if (opt$kind == "rmsprop") {
    # Keras's RMSprop creates all velocities, then all momentums, then all average gradients
    for (j in seq_len(n_kind)) for (i in seq_len(nvars)) own[[length(own) + 1L]] <- slot_ref(i, j)
  } else if (opt$kind == "adam" && n_kind == 3L) {
    # amsgrad: momentum/velocity per variable, then the velocity maxima
    for (i in seq_len(nvars)) own <- c(own, list(slot_ref(i, 1L), slot_ref(i, 2L)))
    for (i in seq_len(nvars)) own[[length(own) + 1L]] <- slot_ref(i, 3L)
  } else {
    for (i in seq_len(nvars)) for (j in seq_len(n_kind)) own[[length(own) + 1L]] <- slot_ref(i, j)
  }
  c(out, extra, own)
}

# ---- writing ------------------------------------------------------------------------------------------

write_keras_weights_h5 <- function(layer, filepath, include_optimizer = TRUE) {
  f <- hdf5r::H5File$new(filepath, mode = "w")
  on.exit(f$close_all(), add = TRUE)
  for (e in keras_weight_entries(layer)) {
    g <- h5_group(f, vars_path(e$path))
    h5_set_string_attr(g, "name", e$object$name)
    for (i in seq_along(e$vars)) {
      v <- e$vars[[i]]
      h5_write_array(g, as.character(i - 1L), v$numpy(), cpp_dtype(v$handle))
    }
  }
  st <- layer_private(layer)$.train_state
  opt <- if (include_optimizer && !is.null(st)) st$optimizer
  if (!is.null(opt)) {
    g <- h5_group(f, "optimizer/vars")
    h5_set_string_attr(g, "name", opt$name)
    ov <- optimizer_keras_variables(opt)
    for (i in seq_along(ov)) {
      val <- ov[[i]]$get()
      if (!length(ov[[i]]$shape)) attr(val, "scalar") <- TRUE
      h5_write_array(g, as.character(i - 1L), val, ov[[i]]$dtype)
    }
  }
  invisible()
}

# ---- reading ------------------------------------------------------------------------------------------

h5_vars_group_values <- function(g) {
  if (is.null(g)) return(list())
  nms <- names(g)
  nums <- suppressWarnings(as.integer(nms))
  if (anyNA(nums))
    recurrent_abort("Group {.val {g$get_obj_name()}} holds datasets that are not numbered 0, 1, ...: {.val {nms[is.na(nums)]}}.",
                    class = "recurrent_error_weights", call = NULL)
  nms <- nms[order(nums)]
  # as Keras does, read only datasets stored in the file itself: a soft or external
  # link could point anywhere
  for (n in nms) {
    type <- as.character(g$link_info(n)$type)
    if (!identical(type, "H5L_TYPE_HARD"))
      recurrent_abort("Weight {.val {n}} in group {.val {g$get_obj_name()}} is an HDF5 link ({type}), which is refused.",
                      class = "recurrent_error_weights", call = NULL)
  }
  lapply(nms, function(n) h5_read_array(g[[n]]))
}

shape_of_value <- function(w) {
  if (is.null(dim(w))) { if (length(w) == 1) integer() else length(w) } else as.integer(dim(w))
}

same_shape <- function(got, want) {
  identical(as.integer(got), as.integer(want)) ||
    (length(want) == 0 && length(got) == 1 && got == 1) || (length(got) == 0 && length(want) == 1 && want == 1)
}

fmt_shape <- function(s) paste0("(", paste(s, collapse = ", "), if (length(s) == 1) "," else "", ")")

# Read `<path>/vars` for every object of the model; check every count and shape
# before assigning anything, so a mismatch leaves the model unchanged.
read_keras_weights_h5 <- function(layer, f, skip_mismatch = FALSE, load_optimizer = FALSE) {
  assignments <- list()
  for (e in keras_weight_entries(layer)) {
    vp <- vars_path(e$path)
    present <- h5_has(f, vp)
    if (!present && nzchar(e$path)) {
      alt <- sub("^layers", "_layer_checkpoint_dependencies", vp)
      if (h5_has(f, alt)) { vp <- alt; present <- TRUE }
    }
    if (!present && nzchar(e$path)) {
      # Keras 3.0.0-3.0.2 saved MultiHeadAttention's projections under their private
      # names (`_query_dense`, ...), before it exposed them as properties
      alt <- sub("([^/]+)/vars$", "_\\1/vars", vp)
      if (h5_has(f, alt)) { vp <- alt; present <- TRUE }
    }
    values <- if (present) h5_vars_group_values(h5_get(f, vp)) else list()
    what <- if (nzchar(e$path)) e$path else "the model itself"
    if (length(values) != length(e$vars)) {
      msg <- c("Layer {.val {e$object$name}} (weights path {.val {vp}}) has {length(e$vars)} variable{?s}, but the file holds {length(values)}.",
               i = "The file was saved from a model of another architecture (layer types and their order must match).")
      if (skip_mismatch) { cli::cli_warn(c("Skipping {.val {what}}.", msg)); next }
      recurrent_abort(msg, class = "recurrent_error_weights", call = NULL)
    }
    for (i in seq_along(values)) {
      want <- as.integer(cpp_shape(e$vars[[i]]$handle))
      got <- shape_of_value(values[[i]])
      if (!same_shape(got, want)) {
        msg <- c("Variable {.val {e$vars[[i]]$name}} of layer {.val {e$object$name}} has shape {fmt_shape(want)} in the model.",
                 x = "The file has shape {fmt_shape(got)} at {.val {paste0(vp, '/', i - 1L)}}.")
        if (skip_mismatch) { cli::cli_warn(c("Skipping a weight.", msg)); next }
        recurrent_abort(msg, class = "recurrent_error_weights", call = NULL)
      }
      assignments[[length(assignments) + 1L]] <- list(var = e$vars[[i]], value = values[[i]], want = want)
    }
  }
  for (a in assignments) a$var$assign(if (length(a$want)) array(a$value, a$want) else a$value)
  if (load_optimizer && h5_has(f, "optimizer/vars")) restore_optimizer_state(layer, h5_get(f, "optimizer/vars"))
  invisible(layer)
}

restore_optimizer_state <- function(layer, g) {
  st <- layer_private(layer)$.train_state
  if (is.null(st)) return(invisible())
  opt <- st$optimizer
  values <- h5_vars_group_values(g)
  if (length(values) > 2 && !isTRUE(opt$built)) opt$build(layer$trainable_weights)
  ov <- optimizer_keras_variables(opt)
  if (length(values) != length(ov)) {
    cli::cli_warn(c("The optimizer state in the file has {length(values)} variable{?s}; the optimizer has {length(ov)}.",
                    i = "The optimizer starts fresh."))
    return(invisible())
  }
  for (i in seq_along(ov)) {
    if (length(ov[[i]]$shape) && !same_shape(shape_of_value(values[[i]]), ov[[i]]$shape)) {
      cli::cli_warn("Optimizer variable {i - 1L} has another shape in the file; the optimizer starts fresh.")
      return(invisible())
    }
  }
  for (i in seq_along(ov)) {
    v <- values[[i]]
    if (length(ov[[i]]$shape)) v <- array(v, ov[[i]]$shape)
    ov[[i]]$set(v)
  }
  invisible()
}

# Keras 2 / tf.keras weights (the `model_weights` group of a full model, or the root
# of a save_weights() file): layers with weights matched by position.
read_legacy_weights_group <- function(layer, g, skip_mismatch = FALSE, filepath = NULL) {
  layer_names <- h5_name_list(g, "layer_names")
  if (is.null(layer_names))
    recurrent_abort("The HDF5 file has no {.field layer_names}: it is not a Keras weights file.",
                    class = "recurrent_error_weights", call = NULL)
  file_layers <- list()
  for (nm in layer_names) {
    if (!nm %in% names(g)) recurrent_abort("The file lists layer {.val {nm}} but has no group for it.",
                                           class = "recurrent_error_weights", call = NULL)
    lg <- g[[nm]]
    wn <- h5_name_list(lg, "weight_names") %||% character()
    if (!length(wn)) next
    if (any(grepl("_W_[icfo]:0$|_U_[icfo]:0$", wn)))
      recurrent_abort("Layer {.val {nm}} holds Keras 1 per-gate weights, which recurrent does not read.",
                      class = "recurrent_error_weights", call = NULL)
    vals <- lapply(wn, function(w) {
      if (!h5_has(lg, w)) recurrent_abort("Weight {.val {w}} of layer {.val {nm}} is missing from the file.",
                                         class = "recurrent_error_weights", call = NULL)
      h5_read_array(h5_get(lg, w))
    })
    file_layers[[length(file_layers) + 1L]] <- list(name = nm, names = wn, values = vals)
  }
  model_layers_w <- Filter(function(l) length(l$weights) > 0, legacy_top_layers(layer))
  if (length(file_layers) != length(model_layers_w))
    recurrent_abort(c("The file has {length(file_layers)} layer{?s} with weights, the model has {length(model_layers_w)}.",
                      i = "Weights are matched to layers by position, so the architectures must match."),
                    class = "recurrent_error_weights", call = NULL)
  assignments <- list()
  for (k in seq_along(file_layers)) {
    fl <- file_layers[[k]]
    ml <- model_layers_w[[k]]
    vars <- c(ml$trainable_weights, ml$non_trainable_weights)
    if (length(vars) != length(fl$values)) {
      msg <- c("Layer {.val {ml$name}} (position {k} among layers with weights) has {length(vars)} weight{?s}; file layer {.val {fl$name}} has {length(fl$values)}.")
      if (skip_mismatch) { cli::cli_warn(c("Skipping layer {.val {ml$name}}.", msg)); next }
      recurrent_abort(msg, class = "recurrent_error_weights", call = NULL)
    }
    for (i in seq_along(vars)) {
      want <- as.integer(cpp_shape(vars[[i]]$handle))
      got <- shape_of_value(fl$values[[i]])
      if (!same_shape(got, want)) {
        msg <- c("Weight {.val {vars[[i]]$name}} of layer {.val {ml$name}} has shape {fmt_shape(want)} in the model.",
                 x = "File weight {.val {fl$names[i]}} of layer {.val {fl$name}} has shape {fmt_shape(got)}.")
        if (skip_mismatch) { cli::cli_warn(c("Skipping a weight.", msg)); next }
        recurrent_abort(msg, class = "recurrent_error_weights", call = NULL)
      }
      assignments[[length(assignments) + 1L]] <- list(var = vars[[i]], value = fl$values[[i]], want = want)
    }
  }
  for (a in assignments) a$var$assign(if (length(a$want)) array(a$value, a$want) else a$value)
  invisible(layer)
}

legacy_top_layers <- function(layer) {
  if (inherits(layer, c("Sequential", "Functional"))) return(model_layers(layer))
  list(layer)
}

# ---- public ---------------------------------------------------------------------------------------------

#' Save and load a model's weights
#'
#' `save_model_weights()` writes every weight of `model` to `filepath` in
#' Keras 3's `.weights.h5` format (HDF5; the layout of
#' `model.save_weights()`), readable by Keras 3 in Python and by keras3.
#' `load_model_weights()` reads such a file into a model of the same
#' architecture (same layer types in the same order; names do not matter), and
#' also reads the `.h5` files of Keras 2 / tf.keras `save_weights()` and the
#' weights of a legacy full-model `.h5`, matching layers with weights by
#' position as Keras does.
#'
#' Every count and shape is checked before any weight is changed: a mismatch
#' is an error naming the layer, the variable and both shapes, and leaves the
#' model as it was. With `skip_mismatch = TRUE` mismatched weights are skipped
#' with a warning.
#'
#' @param model A model (or layer) whose weights exist (built).
#' @param filepath Path ending in `.weights.h5` for saving; for loading, a
#'   `.weights.h5` file, or a Keras 2 `.h5` / `.hdf5` file.
#' @param overwrite Logical. Replace an existing file. If `FALSE` and the file
#'   exists, an interactive session asks; otherwise it is an error.
#' @param max_shard_size Must be `NULL` (sharding is not supported).
#' @param skip_mismatch Logical. Skip weights whose count or shape differs
#'   (with a warning) instead of failing.
#' @param ... Must be empty.
#' @returns `model`, invisibly.
#' @examples
#' model <- keras_model_sequential(input_shape = c(4, 2)) |>
#'   layer_gru(3) |> layer_dense(2)
#' path <- file.path(tempdir(), "model.weights.h5")
#' save_model_weights(model, path, overwrite = TRUE)
#' other <- keras_model_sequential(input_shape = c(4, 2)) |>
#'   layer_gru(3) |> layer_dense(2)
#' load_model_weights(other, path)
#' all.equal(get_weights(model), get_weights(other))
#' @export
save_model_weights <- function(model, filepath, overwrite = FALSE, max_shard_size = NULL) {
  call <- rlang::current_env()
  layer <- unwrap_layer(model, arg = "model", call = call)
  # keras/src/saving/saving_lib.py, save_weights_only(): an unbuilt model is an error
  if (!isTRUE(layer$built))
    recurrent_abort(c("Model {.val {layer$name}} has not been built yet, so it has no weights to save.",
                      i = "Build it first by calling it on some data (or with {.code build()})."), call = call)
  filepath <- check_string(filepath, "filepath", call = call)
  if (!grepl("\\.weights\\.h5$", filepath))
    recurrent_abort(c("{.arg filepath} must end in {.file .weights.h5}, as in Keras.", x = "Got {.val {filepath}}."),
                    call = call)
  if (!is.null(max_shard_size))
    recurrent_abort("Sharded weight files are not supported: {.arg max_shard_size} must be {.code NULL}.", call = call)
  filepath <- check_save_path(filepath, overwrite, call = call)
  write_file_atomically(filepath, function(tmp) write_keras_weights_h5(layer, tmp, include_optimizer = TRUE),
                        call = call)
  invisible(model)
}

#' @rdname save_model_weights
#' @export
load_model_weights <- function(model, filepath, skip_mismatch = FALSE, ...) {
  call <- rlang::current_env()
  check_dots_empty(list(...), call = call)
  layer <- unwrap_layer(model, arg = "model", call = call)
  filepath <- check_load_path(filepath, call = call)
  skip_mismatch <- check_flag(skip_mismatch, call = call)
  if (!isTRUE(layer$built) && !length(layer$weights))
    recurrent_abort(c("Model {.val {layer$name}} is not built, so it has no weights to load into.",
                      i = "Give it an input shape (or call it on data) first."), call = call)
  if (is_zip_file(filepath)) {
    with_keras_archive(filepath, call, function(dir, members) {
      f <- open_h5(file.path(dir, "model.weights.h5"), call = call)
      on.exit(f$close_all(), add = TRUE)
      with_file_errors(filepath, call, read_keras_weights_h5(layer, f, skip_mismatch))
    })
    return(invisible(model))
  }
  f <- open_h5(filepath, call = call)
  on.exit(f$close_all(), add = TRUE)
  with_file_errors(filepath, call, {
    if (!is.null(h5_name_list(f, "layer_names"))) {
      read_legacy_weights_group(layer, f, skip_mismatch, filepath)
    } else if (h5_has(f, "model_weights") && !is.null(h5_name_list(f[["model_weights"]], "layer_names"))) {
      read_legacy_weights_group(layer, f[["model_weights"]], skip_mismatch, filepath)
    } else if (h5_has(f, "layers") || h5_has(f, "vars") || !length(names(f))) {
      read_keras_weights_h5(layer, f, skip_mismatch)
    } else {
      recurrent_abort("The HDF5 file holds neither Keras 3 weights ({.field layers}) nor Keras 2 weights ({.field layer_names}).",
                      class = "recurrent_error_weights", call = NULL)
    }
  })
  invisible(model)
}
