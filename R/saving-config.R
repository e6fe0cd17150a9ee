# Layers and models to Keras configs and back: the Sequential and Functional
# configs of config.json (Keras 3) and model_config (Keras 2 legacy .h5), layers
# rebuilt through the registry, and the public get/load/save config functions.

# ---- layers from envelopes -------------------------------------------------------------------

layer_from_envelope <- function(env) {
  cls <- env$class_name
  cfg <- env$config
  reg <- env$registered_name
  cf <- registry$clone_fn
  if (!is.null(cf) && !cls %in% c("Sequential", "Functional", "Model", "InputLayer")) {
    orig <- cf$layers[[cfg$name %||% env$name %||% ""]]
    if (!is.null(orig)) {
      registry$clone_fn <- NULL
      on.exit(registry$clone_fn <- cf, add = TRUE)
      return(unwrap_layer(cf$fn(wrap_layer(orig))))
    }
  }
  if (identical(env$module, "recurrent.ops")) return(op_layer_from_config(cfg))
  if (identical(cls, "Sequential")) return(sequential_from_config(cfg, env))
  if (cls %in% c("Functional", "Model") && is.list(cfg) && !is.null(cfg$layers)) return(functional_from_config(cfg))
  if (identical(cls, "InputLayer")) return(input_layer_from_config(cfg))
  if (cls %in% c("Lambda")) {
    fn <- cfg[["function"]]
    if (is_envelope(fn) && identical(fn$class_name, "__lambda__") || !is_envelope(fn)) {
      if (load_ctx$safe_mode)
        recurrent_abort(c("Layer {.val {cfg$name %||% 'lambda'}} is a Lambda layer whose function is stored as code in the file.",
                          x = "Loading it would run code from the file; this is refused in safe mode.",
                          i = "Only if you trust the file, pass {.code safe_mode = FALSE} (as in keras3); code written in Python still cannot run in R."),
                        class = "recurrent_error_unsafe", call = NULL)
      recurrent_abort(c("Layer {.val {cfg$name %||% 'lambda'}} is a Lambda layer holding Python code, which R cannot run.",
                        i = "Replace it by a registered Layer() subclass."), class = "recurrent_error_unsafe", call = NULL)
    }
  }
  gen <- resolve_class(cls, reg, load_ctx$custom_objects, what = "layer class")
  if (!inherits(gen, "R6ClassGenerator")) {
    if (is_layer(gen)) return(gen)
    recurrent_abort("{.val {cls}} in the file is registered as a function, not a layer class.", call = NULL)
  }
  args <- layer_args_from_config(cls, cfg)
  custom <- gen$recurrent_from_config
  if (is.function(custom)) {
    layer <- unwrap_layer(custom(args))
  } else {
    user <- !identical(lookup_builtin_class(cls), gen)
    base <- if (user) split_base_layer_args(gen, args) else list(args = args)
    layer <- unwrap_layer(create_layer(gen, NULL, filter_layer_args(gen, base$args, cls)))
    if (user) restore_base_layer_args(layer, base$base)
  }
  if (is_subclassed_model(layer)) build_subclassed_model(layer, env$build_config)
  layer
}

# A config's values as constructor arguments: envelopes become objects, dtype
# policies names, Keras axes R axes.
layer_args_from_config <- function(cls, cfg) {
  if (!is.list(cfg)) recurrent_abort("The config of layer class {.val {cls}} is not a JSON object.", call = NULL)
  args <- deserialize_value(cfg)
  if (!is.null(args$dtype) && !is.character(args$dtype)) args$dtype <- NULL
  # tuples that constructors take as vectors
  for (k in intersect(c("target_shape", "noise_shape", "dims"), names(args))) {
    v <- args[[k]]
    if (is.list(v)) args[[k]] <- vapply(v, function(d) if (is.null(d)) NA_integer_ else as.integer(d), 1L)
  }
  if (!is.null(args$axis) && cls %in% axis_layer_classes) args$axis <- r_axis(unlist(args$axis))
  if (cls %in% c("Bidirectional")) {
    args$layer <- wrap_layer(unwrap_layer(args$layer))
    if (!is.null(args$backward_layer)) args$backward_layer <- wrap_layer(unwrap_layer(args$backward_layer))
  }
  if (cls %in% c("GRU", "LSTM", "SimpleRNN", "RNN", "Bidirectional", "TimeDistributed")) args$use_cudnn <- NULL
  if (identical(cls, "Activation") && is.null(args$activation)) args$activation <- "linear"
  args
}

# Layer classes whose `axis` config is an axis of the input (0-based in Keras).
axis_layer_classes <- c("Concatenate", "LayerNormalization", "BatchNormalization", "Softmax", "Normalization")

# Names the class's initialize() accepts, following `...` up the inheritance chain.
accepted_layer_args <- function(gen) {
  out <- character()
  depth <- 0L
  while (inherits(gen, "R6ClassGenerator") && depth < 30L) {
    f <- gen$public_methods$initialize
    if (is.function(f)) {
      fmls <- names(formals(f))
      out <- c(out, setdiff(fmls, "..."))
      if (!"..." %in% fmls) return(list(names = unique(out), open = FALSE))
    }
    gen <- gen$get_inherit()
    depth <- depth + 1L
  }
  list(names = unique(out), open = FALSE)
}

filter_layer_args <- function(gen, args, cls) {
  acc <- accepted_layer_args(gen)
  known <- acc$names
  unknown <- setdiff(names(args), known)
  drop <- intersect(unknown, ignored_config_keys)
  bad <- setdiff(unknown, ignored_config_keys)
  if (length(bad))
    recurrent_abort(c("The config of layer {.val {args$name %||% cls}} ({.cls {cls}}) has key{?s} {.val {bad}} that recurrent's {.cls {cls}} does not take.",
                      i = "The file may come from a newer Keras, or use an option recurrent does not support."),
                    class = "recurrent_error_config", call = NULL)
  args[setdiff(names(args), drop)]
}

input_layer_from_config <- function(cfg) {
  bs <- cfg$batch_shape %||% cfg$batch_input_shape
  if (is.null(bs)) recurrent_abort("An InputLayer config has no {.field batch_shape}.", call = NULL)
  dtype <- deserialize_value(cfg$dtype)
  if (!is.character(dtype)) dtype <- NULL
  make_input_layer(batch_shape = bs, dtype = dtype, name = cfg$name, call = NULL)
}

# ---- Sequential ----------------------------------------------------------------------------------

sequential_keras_config <- function(model) {
  priv <- layer_private(model)
  il <- priv$.input_layer
  layers <- lapply(priv$.layers, layer_envelope)
  if (!is.null(il)) layers <- c(list(layer_envelope(il)), layers)
  cfg <- list(name = model$name, trainable = model$trainable, dtype = dtype_envelope(model$dtype), layers = layers)
  if (!is.null(il)) cfg$build_input_shape <- json_ready(il$batch_shape, "build_input_shape")
  cfg
}

sequential_from_config <- function(cfg, env = NULL) {
  if (is.null(names(cfg))) cfg <- list(layers = cfg)   # Keras 2.0-2.2: a bare list of layers
  layers <- cfg$layers %||% list()
  input_batch_shape <- NULL
  input_dtype <- NULL
  input_name <- NULL
  if (length(layers) && identical(layers[[1]]$class_name, "InputLayer")) {
    ic <- layers[[1]]$config
    input_batch_shape <- ic$batch_shape %||% ic$batch_input_shape
    input_dtype <- deserialize_value(ic$dtype)
    input_name <- ic$name
    layers <- layers[-1]
  } else if (length(layers) && is.null(layers[[1]]$config$batch_input_shape) && is.null(layers[[1]]$config$batch_shape)) {
    input_batch_shape <- cfg$build_input_shape %||% env$build_config$input_shape
  }
  if (!is.character(input_dtype)) input_dtype <- NULL
  model <- keras_model_sequential(input_batch_shape = input_batch_shape, input_dtype = input_dtype,
                                  input_name = input_name, name = cfg$name,
                                  trainable = !isFALSE(cfg$trainable))
  m <- unwrap_layer(model)
  for (l in layers) {
    if (!is_envelope(l)) recurrent_abort("A layer entry of the Sequential config is not a Keras config.", call = NULL)
    layer <- layer_from_envelope(l)
    if (isFALSE(l$config$trainable)) layer$trainable <- FALSE
    m$add(layer)
  }
  m
}

# ---- Functional ----------------------------------------------------------------------------------

# The nodes of `layer` that belong to `model`, in the order they were made.
model_nodes_of <- function(model, layer) {
  own <- layer_private(model)$.nodes
  addrs <- vapply(own, rlang::obj_address, "")
  nodes <- layer_private(layer)$.inbound_nodes
  if (inherits(layer, "InputLayer")) return(nodes)
  Filter(function(n) rlang::obj_address(n) %in% addrs, nodes)
}

keras_history_of <- function(model, kt) {
  node <- kt$node
  layer <- node$layer
  nodes <- model_nodes_of(model, layer)
  idx <- which(vapply(nodes, function(n) identical(n, node), TRUE))
  list(layer$name, if (length(idx)) idx[1] - 1L else 0L, kt$index - 1L)
}

keras_tensor_json <- function(model, x) {
  if (inherits(x, "recurrent_symbolic_tensor")) {
    return(list(class_name = "__keras_tensor__",
                config = list(shape = json_ready(x$shape, "shape"), dtype = x$dtype,
                              keras_history = keras_history_of(model, x))))
  }
  if (is.list(x) && !is.object(x)) {
    nm <- names(x)
    out <- lapply(x, function(el) keras_tensor_json(model, el))
    names(out) <- nm
    return(out)
  }
  json_ready(x)
}

functional_keras_config <- function(model) {
  priv <- layer_private(model)
  layers <- lapply(priv$.layers, function(l) {
    env <- layer_envelope(l)
    nodes <- if (inherits(l, "InputLayer")) list() else model_nodes_of(model, l)
    env$name <- l$name
    env$inbound_nodes <- lapply(nodes, function(n) {
      kwargs <- lapply(n$extras, function(e) keras_tensor_json(model, e))
      if (!is.null(n$training)) kwargs$training <- n$training
      if (!is.null(n$mask)) kwargs$mask <- keras_tensor_json(model, n$mask)
      if (!length(kwargs)) kwargs <- empty_object()
      list(args = list(keras_tensor_json(model, n$inputs)), kwargs = kwargs)
    })
    env
  })
  io <- function(struct) {
    refs <- lapply(struct$flat, function(kt) keras_history_of(model, kt))
    if (struct$single) return(refs[[1]])
    if (!is.null(struct$names)) names(refs) <- struct$names
    refs
  }
  list(name = model$name, trainable = model$trainable, layers = layers,
       input_layers = io(priv$.in_struct), output_layers = io(priv$.out_struct))
}

functional_from_config <- function(cfg) {
  entries <- cfg$layers
  made <- list()           # layer name -> R6 layer
  outputs <- list()        # "name:node" -> flat list of symbolic outputs
  pending <- list()        # layer name -> list of node specs not yet run
  order <- character()
  for (e in entries) {
    name <- e$name %||% e$config$name
    if (identical(e$class_name, "InputLayer")) {
      il <- input_layer_from_config(c(e$config, list(name = name)))
      made[[name]] <- il
      outputs[[paste0(name, ":0")]] <- list(il$output)
      next
    }
    layer <- layer_from_envelope(e)
    if (isFALSE(e$config$trainable)) layer$trainable <- FALSE
    made[[name]] <- layer
    pending[[name]] <- e$inbound_nodes %||% list()
    order <- c(order, name)
  }
  done <- stats::setNames(rep(0L, length(order)), order)
  lookup <- function(ref) outputs[[paste0(ref[[1]], ":", ref[[2]])]][[as.integer(ref[[3]]) + 1L]]
  progress <- TRUE
  while (progress) {
    progress <- FALSE
    for (name in order) {
      nodes <- pending[[name]]
      while (done[[name]] < length(nodes)) {
        spec <- parse_inbound_node(nodes[[done[[name]] + 1L]])
        resolved <- resolve_node_refs(spec, lookup)
        if (is.null(resolved)) break
        out <- if (inherits(made[[name]], "Operation")) replay_op_node(made[[name]], resolved$input) else
          do.call(layer_call, c(list(made[[name]], resolved$input), resolved$kwargs))
        outputs[[paste0(name, ":", done[[name]])]] <- flatten_tensors(out)
        done[[name]] <- done[[name]] + 1L
        progress <- TRUE
      }
    }
  }
  stuck <- order[vapply(order, function(n) done[[n]] < length(pending[[n]]), TRUE)]
  if (length(stuck))
    recurrent_abort(c("The functional model config cannot be rebuilt: the inputs of layer{?s} {.val {stuck}} are never produced.",
                      i = "The file's layer graph is incomplete or damaged."), class = "recurrent_error_config", call = NULL)
  refs <- function(x) {
    if (is.null(x)) recurrent_abort("The functional model config has no inputs or outputs.", call = NULL)
    single <- length(x) %in% 3:4 && is.character(x[[1]])
    flat <- if (single) list(x) else x
    ts <- lapply(flat, function(r) {
      t <- lookup(r)
      if (is.null(t)) recurrent_abort("The functional model config names an unknown tensor {.val {r[[1]]}}.", call = NULL)
      t
    })
    if (single) ts[[1]] else ts
  }
  model <- keras_model(refs(cfg$input_layers), refs(cfg$output_layers), name = cfg$name,
                       trainable = !isFALSE(cfg$trainable))
  unwrap_layer(model)
}

# A node of `inbound_nodes`, in either form, as list(input = <structure of refs>,
# kwargs = named list). A reference is list(name, node_index, tensor_index).
parse_inbound_node <- function(node) {
  if (is.list(node) && !is.null(names(node)) && "args" %in% names(node)) {
    to_refs <- function(x) {
      if (is_envelope(x) && identical(x$class_name, "__keras_tensor__"))
        return(structure(x$config$keras_history, class = "keras_ref"))
      if (is.list(x) && !is_envelope(x)) {
        nm <- names(x)
        out <- lapply(x, to_refs)
        names(out) <- nm
        return(out)
      }
      deserialize_value(x)
    }
    args <- to_refs(node$args)
    kwargs <- to_refs(node$kwargs %||% list())
    kwargs <- kwargs[!vapply(kwargs, is.null, TRUE)]
    input <- if (length(args)) args[[1]] else NULL
    if (length(args) > 1) kwargs <- c(kwargs, args[-1])
    return(list(input = input, kwargs = kwargs))
  }
  # legacy: [[name, node_index, tensor_index, {kwargs}], ...]
  refs <- lapply(node, function(r) structure(r[1:3], class = "keras_ref"))
  kwargs <- if (length(node) && length(node[[1]]) >= 4) deserialize_value(node[[1]][[4]]) else list()
  kwargs <- kwargs[!vapply(kwargs, is.null, TRUE)]
  if (length(kwargs)) kwargs <- resolve_legacy_kwargs(kwargs)
  list(input = if (length(refs) == 1) refs[[1]] else refs, kwargs = kwargs)
}

resolve_legacy_kwargs <- function(kwargs) {
  # Keras 2 stores tensors among kwargs as [name, node, tensor] triples
  lapply(kwargs, function(v) {
    if (is.list(v) && length(v) == 3 && is.character(v[[1]])) structure(v, class = "keras_ref") else v
  })
}

resolve_node_refs <- function(spec, lookup) {
  missing_ref <- FALSE
  walk <- function(x) {
    if (inherits(x, "keras_ref")) {
      t <- lookup(unclass(x))
      if (is.null(t)) missing_ref <<- TRUE
      return(t)
    }
    if (is.list(x) && !is.object(x)) {
      nm <- names(x)
      out <- lapply(x, walk)
      names(out) <- nm
      return(out)
    }
    x
  }
  input <- walk(spec$input)
  kwargs <- walk(spec$kwargs)
  if (missing_ref) return(NULL)
  list(input = input, kwargs = kwargs)
}

# ---- public functions ----------------------------------------------------------------------------

#' Save and load a model's architecture as JSON
#'
#' `save_model_config()` writes the model's configuration (Keras's
#' serialization envelope, the `config.json` of a `.keras` archive) to a JSON
#' file; `load_model_config()` reads such a file (written here, by Keras 3's
#' `model.to_json()`, or a Keras 2 `model_config`) and returns a new model with
#' fresh weights.
#'
#' @param model A model.
#' @param filepath Path of the JSON file. For `save_model_config()`, `NULL`
#'   returns the JSON text instead.
#' @param overwrite Logical: replace an existing file.
#' @param custom_objects Named list of custom classes (see
#'   [register_keras_serializable()]).
#' @returns `save_model_config()`: `model`, invisibly (the JSON text when
#'   `filepath = NULL`). `load_model_config()`: a model.
#' @examples
#' model <- keras_model_sequential(input_shape = c(5, 2)) |>
#'   layer_gru(4) |> layer_dense(1)
#' path <- tempfile(fileext = ".json")
#' save_model_config(model, path)
#' model2 <- load_model_config(path)
#' model2
#' @export
save_model_config <- function(model, filepath = NULL, overwrite = FALSE) {
  call <- rlang::current_env()
  layer <- unwrap_layer(model, arg = "model", call = call)
  json <- to_json(serialize_keras_object(layer))
  if (is.null(filepath)) return(json)
  filepath <- check_save_path(filepath, overwrite, call = call)
  write_file_atomically(filepath, function(tmp) writeLines(json, tmp, useBytes = TRUE), call = call)
  invisible(model)
}

#' @rdname save_model_config
#' @export
load_model_config <- function(filepath, custom_objects = NULL) {
  call <- rlang::current_env()
  filepath <- check_load_path(filepath, call = call)
  txt <- paste(readLines(filepath, warn = FALSE, encoding = "UTF-8"), collapse = "\n")
  cfg <- parse_json_text(txt, filepath, "the file", call = call)
  with_file_errors(filepath, call, {
    version <- cfg$keras_version
    legacy <- is.null(cfg$module) && !is.null(version) && keras_major_version(version) < 3
    if (legacy) cfg <- legacy_model_config(cfg, version)
    with_load_context(custom_objects, TRUE, legacy, wrap_layer(layer_from_envelope(cfg)))
  })
}

#' Copy a model's architecture with new weights
#'
#' `clone_model()` makes a new model with the same layers and connections as
#' `model` and freshly initialized weights (copy the weights with
#' `set_weights(clone, get_weights(model))`). Each layer is rebuilt from its
#' config, or by `clone_function(layer)` when given. A [Model()] subclass is
#' rebuilt from its config by its own class, as Keras does (`clone_function`
#' is then not supported).
#'
#' @param model A Sequential, Functional or subclassed model.
#' @param input_tensors Must be `NULL` (not supported).
#' @param clone_function `NULL` or a function of a layer returning a new
#'   layer (e.g. the layer itself, to share it).
#' @param call_function,recursive,... Not supported; must be `NULL`/`FALSE`/empty.
#' @returns A new model.
#' @examples
#' model <- keras_model_sequential(input_shape = 3) |> layer_dense(2)
#' clone <- clone_model(model)
#' identical(get_weights(clone), get_weights(model))  # FALSE: new weights
#' @export
clone_model <- function(model, input_tensors = NULL, clone_function = NULL, call_function = NULL,
                        recursive = FALSE, ...) {
  call <- rlang::current_env()
  check_dots_empty(list(...), call = call)
  if (!is.null(input_tensors) || !is.null(call_function) || isTRUE(recursive))
    recurrent_abort("{.arg input_tensors}, {.arg call_function} and {.arg recursive} are not supported.", call = call)
  m <- unwrap_layer(model, arg = "model", call = call)
  if (is_subclassed_model(m)) return(clone_subclassed_model(m, clone_function, call))
  if (!inherits(m, c("Sequential", "Functional")))
    recurrent_abort(c("{.arg model} must be a model.", x = "Got {.cls {class(m)[1]}}."), call = call)
  if (!is.null(clone_function) && !is.function(clone_function))
    recurrent_abort(c("{.arg clone_function} must be a function.", x = "Got {describe_value(clone_function)}."), call = call)
  env <- serialize_keras_object(m)
  if (is.null(clone_function)) return(wrap_layer(with_load_context(NULL, TRUE, FALSE, layer_from_envelope(env))))
  # with a clone_function, layers come from it instead of from their configs
  by_name <- list()
  for (l in model_layers(m)) by_name[[l$name]] <- l
  substitute_layers <- function(e) {
    if (is.list(e) && !is.null(e$class_name) && e$class_name %in% c("Sequential", "Functional")) return(e)
    e
  }
  old <- registry$clone_fn
  registry$clone_fn <- list(fn = clone_function, layers = by_name)
  on.exit(registry$clone_fn <- old, add = TRUE)
  wrap_layer(with_load_context(NULL, TRUE, FALSE, layer_from_envelope(substitute_layers(env))))
}
