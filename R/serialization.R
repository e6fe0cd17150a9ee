# Keras's serialization envelope: every object in a config is written as
# {module, class_name, config, registered_name[, build_config, compile_config]} and
# read back through the registry (registry.R). Values cross the boundary as JSON-ready
# R lists (NULL for null, unnamed lists for arrays); no value read from a file is
# ever evaluated as R code.

# ---- R values -> JSON-ready ---------------------------------------------------------------

# Config keys whose value is a Python tuple/list even with one element.
tuple_config_keys <- c("batch_shape", "batch_input_shape", "input_shape", "target_shape", "noise_shape",
                       "build_input_shape", "output_shape", "dims", "shape")

# Config keys holding an axis: Keras counts from 0, this package from 1 (negative
# axes count from the end in both).
axis_config_keys <- c("axis")

keras_axis <- function(a) if (is.numeric(a)) ifelse(a > 0, a - 1L, a) else a
r_axis <- function(a) if (is.numeric(a)) ifelse(a >= 0, a + 1L, a) else a

empty_object <- function() structure(list(), names = character())

json_ready <- function(x, key = NULL) {
  if (is.null(x)) return(NULL)
  if (is_layer(x) || inherits(x, c("recurrent_initializer", "recurrent_regularizer", "recurrent_constraint",
                                   "recurrent_optimizer", "recurrent_loss", "recurrent_metric",
                                   "recurrent_learning_rate_schedule")))
    return(serialize_keras_object(x))
  if (is.function(x)) return(serialize_function(x, key))
  if (inherits(x, "keras_shape")) x <- unclass(x)
  if (op_is_tensor(x) || inherits(x, "recurrent_variable")) {
    arr <- if (inherits(x, "recurrent_variable")) x$numpy() else as.array(x)
    return(list(class_name = "__numpy__", config = list(value = nested_rows(arr), dtype = op_dtype(x))))
  }
  if (is.environment(x))
    recurrent_abort(c("A config value{if (!is.null(key)) paste0(' (', key, ')')} cannot be saved.",
                      x = "Got {describe_value(x)}."), call = NULL)
  if (!is.null(key) && key %in% axis_config_keys && is.numeric(x)) x <- keras_axis(x)
  if (is.list(x)) {
    nm <- names(x)
    out <- lapply(seq_along(x), function(i) json_ready(x[[i]], if (!is.null(nm)) nm[i] else NULL))
    if (is.null(nm)) return(out)
    names(out) <- nm
    if (!length(out)) return(empty_object())
    return(out)
  }
  if (is.factor(x)) x <- as.character(x)
  if (is.numeric(x) && !is.null(dim(x)) && length(dim(x)) > 1)
    return(list(class_name = "__numpy__", config = list(value = nested_rows(x), dtype = "float32")))
  if ((!is.null(key) && key %in% tuple_config_keys) || length(x) != 1) {
    if (is.numeric(x) || is.logical(x) || is.character(x))
      return(lapply(x, function(v) if (is.na(v)) NULL else v))
  }
  if (length(x) == 1 && is.na(x)) return(NULL)
  # Keras 2's hard_sigmoid has no name in Keras 3: write it as a registered function,
  # so that Keras reports it by name rather than computing its own hard_sigmoid
  if (identical(x, "hard_sigmoid_keras2") && !is.null(key) && grepl("activation$", key))
    return(list(module = "recurrent", class_name = "function", config = x,
                registered_name = "recurrent>hard_sigmoid_keras2"))
  x
}

# An R array as nested lists in C (row-major) order, as NumPy's tolist() gives.
nested_rows <- function(a) {
  d <- dim(a)
  if (is.null(d) || length(d) == 1) return(as.list(as.vector(a)))
  lapply(seq_len(d[1]), function(i) {
    sub <- asub_first(a, i)
    nested_rows(sub)
  })
}

asub_first <- function(a, i) {
  d <- dim(a)
  idx <- c(list(i), rep(list(quote(expr = )), length(d) - 1))
  out <- do.call(`[`, c(list(a), idx, list(drop = FALSE)))
  array(out, d[-1])
}

# Functions in configs: activations by name; registered functions by their registered
# name; anything else cannot be saved (it is code).
serialize_function <- function(f, key = NULL) {
  for (k in names(registry$custom)) {
    if (identical(registry$custom[[k]], f))
      return(list(module = NULL, class_name = "function", config = sub("^.*>", "", k), registered_name = k))
  }
  nm <- activation_name(f)
  if (!identical(nm, "custom")) return(nm)
  recurrent_abort(c("A function in the config{if (!is.null(key)) paste0(' (', key, ')')} cannot be saved: files hold no R code.",
                    i = "Register it with {.code register_keras_serializable(f, package = ..., name = ...)} and it is saved by name."),
                  call = NULL)
}

dtype_envelope <- function(dtype) {
  list(module = "keras", class_name = "DTypePolicy", config = list(name = dtype), registered_name = NULL)
}

#' Turn Keras objects into configs and back
#'
#' `serialize_keras_object()` returns the envelope Keras writes for an object
#' in a model file (`module`, `class_name`, `config`, `registered_name`, and
#' for layers `build_config`), as a nested R list ready for JSON;
#' `deserialize_keras_object()` rebuilds a new object from such a list (a
#' layer comes back unbuilt, with fresh weights). Layers, models, cells,
#' initializers, regularizers, constraints, activations, optimizers, losses
#' and metrics are supported.
#'
#' Classes are found by name: the package's built-in classes, then those
#' registered with [register_keras_serializable()] or given in
#' `custom_objects`. Nothing in a config is evaluated as R code: a
#' `"__lambda__"` (a Python function stored as code) is refused.
#'
#' @param obj The object to serialize.
#' @param config An envelope (named list), or a name such as `"relu"` or
#'   `"glorot_uniform"`.
#' @param custom_objects A named list of classes or functions (see
#'   [register_keras_serializable()]).
#' @param safe_mode Logical, default `TRUE`: refuse configs that would need
#'   code from the file ([layer_lambda()]).
#' @param module_objects Unused; accepted for compatibility with keras3.
#' @param ... Must be empty.
#' @returns `serialize_keras_object()`: a named list. `deserialize_keras_object()`:
#'   the object.
#' @examples
#' env <- serialize_keras_object(initializer_glorot_uniform(seed = 1))
#' str(env)
#' init <- deserialize_keras_object(env)
#' layer <- deserialize_keras_object(serialize_keras_object(layer_dense(units = 3)))
#' layer$units
#' @export
serialize_keras_object <- function(obj) {
  x <- obj
  if (is.null(x)) return(NULL)
  if (is.character(x)) return(x)
  if (is_layer(x)) return(layer_envelope(unwrap_layer(x)))
  if (inherits(x, "recurrent_initializer")) return(simple_envelope("keras.initializers", x))
  if (inherits(x, "recurrent_regularizer")) return(simple_envelope("keras.regularizers", x))
  if (inherits(x, "recurrent_constraint")) return(simple_envelope("keras.constraints", x))
  if (inherits(x, "recurrent_optimizer")) return(optimizer_envelope(x))
  if (inherits(x, "recurrent_loss")) return(loss_envelope(x))
  if (inherits(x, "recurrent_metric")) return(metric_envelope(x))
  if (inherits(x, "recurrent_learning_rate_schedule")) return(schedule_envelope(x))
  if (is.function(x)) return(serialize_function(x))
  json_ready(x)
}

# Keras's public names of classes this package names differently.
keras_public_class_names <- c(OrthogonalInitializer = "Orthogonal", IdentityInitializer = "Identity")

simple_envelope <- function(module, x) {
  cls <- attr(x, "class_name")
  if (cls %in% names(keras_public_class_names)) cls <- keras_public_class_names[[cls]]
  cfg <- attr(x, "config") %||% list()
  reg <- NULL
  if (identical(cls, "Custom")) {
    key <- NULL
    for (k in names(registry$custom)) if (identical(registry$custom[[k]], x)) key <- k
    if (is.null(key))
      recurrent_abort(c("A custom {sub('keras.', '', module, fixed = TRUE)} (an R function) cannot be saved: files hold no R code.",
                        i = "Register it with {.fn register_keras_serializable} to save it by name."), call = NULL)
    cls <- sub("^.*>", "", key)
    reg <- key
    module <- NULL
  }
  # Keras's config holds the constructor's arguments only (GlorotUniform: seed), not
  # the settings a subclass passes to its parent (scale, mode, ...)
  maker <- switch(module, keras.initializers = initializer_makers()[[cls]],
                  keras.regularizers = regularizer_makers()[[cls]], keras.constraints = constraint_makers()[[cls]], NULL)
  if (is.function(maker) && !"..." %in% names(formals(maker))) cfg <- cfg[intersect(names(cfg), names(formals(maker)))]
  if (identical(module, "keras.constraints") && !is.null(cfg$axis)) cfg$axis <- keras_axis(cfg$axis)
  cfg <- lapply(cfg, json_ready)
  if (!length(cfg)) cfg <- empty_object()
  list(module = module, class_name = cls, config = cfg, registered_name = reg)
}

keras_class_of <- function(x, prefix) {
  cls <- grep(paste0("^", prefix), class(x), value = TRUE)[1]
  if (is.na(cls)) return(NULL)
  sub("^.*\\.", "", cls)
}

optimizer_envelope <- function(opt) {
  cls <- keras_class_of(opt, "keras.src.optimizers.[a-z_]+\\.")
  cfg <- opt$get_config()
  lr <- opt$.__enclos_env__$private$lr
  if (!is.numeric(lr)) {
    if (!inherits(lr, "recurrent_learning_rate_schedule"))
      recurrent_abort(c("The optimizer's learning rate is an R function, which cannot be saved: files hold no R code.",
                        i = "Use a learning rate schedule ({.fn learning_rate_schedule_exponential_decay}, ...) or a number."),
                      call = NULL)
    cfg$learning_rate <- schedule_envelope(lr)
  }
  list(module = "keras.optimizers", class_name = cls, config = json_ready(cfg), registered_name = NULL)
}

loss_envelope <- function(loss) {
  if (inherits(loss, "recurrent_user_loss")) {
    # a Loss() subclass: saved under its class name, found again through custom_objects
    obj <- attr(loss, "user_object", exact = TRUE)
    return(list(module = NULL, class_name = class(obj)[1], config = json_ready(obj$get_config()),
                registered_name = class(obj)[1]))
  }
  cls <- keras_class_of(loss, "keras.src.losses.losses.")
  cfg <- loss$get_config()
  list(module = "keras.losses", class_name = cls, config = json_ready(cfg), registered_name = NULL)
}

metric_envelope <- function(metric) {
  cls <- metric_class_name(metric)
  cfg <- json_ready(metric_object(metric)$get_config())
  # a Metric() subclass: saved under its class name, found again through custom_objects
  if (is_user_metric(metric)) return(list(module = NULL, class_name = cls, config = cfg, registered_name = cls))
  list(module = "keras.metrics", class_name = cls, config = cfg, registered_name = NULL)
}

is_user_metric <- function(metric) any(startsWith(class(metric), "custom."))

# A metric object's Keras class name (a Metric() subclass: its class name).
metric_class_name <- function(metric) {
  if (is_user_metric(metric)) return(sub("^custom\\.", "", grep("^custom\\.", class(metric), value = TRUE)[1]))
  keras_class_of(metric, "keras.src.metrics.[a-z_]+\\.")
}

schedule_envelope <- function(s) {
  cls <- keras_class_of(s, "keras.src.optimizers.schedules.")
  cfg <- if (is.function(s$get_config)) s$get_config() else attr(s, "config")
  if (is.null(cls) || is.null(cfg))
    recurrent_abort("This learning rate schedule cannot be saved (it has no Keras class).", call = NULL)
  list(module = "keras.optimizers.schedules", class_name = cls, config = json_ready(cfg), registered_name = NULL)
}

# ---- layers ----------------------------------------------------------------------------------

layer_class_name <- function(layer) class(layer)[1]

layer_registered_name <- function(layer) {
  gen <- layer_private(layer)$.generator
  if (inherits(gen, "R6ClassGenerator")) {
    for (k in names(registry$custom)) if (identical(registry$custom[[k]], gen)) return(k)
  }
  NULL
}

# The layer's config with Keras's keys, ready for JSON.
layer_keras_config <- function(layer) {
  if (inherits(layer, "Sequential")) return(sequential_keras_config(layer))
  if (inherits(layer, "Functional")) return(functional_keras_config(layer))
  if (inherits(layer, "Lambda"))
    recurrent_abort(c("Lambda layer {.val {layer$name}} cannot be saved: its function is R code, and files hold no code.",
                      i = "Write the computation as a {.fn Layer} subclass and register it with {.fn register_keras_serializable}."),
                    class = "recurrent_error_unsafe", call = NULL)
  check_user_class_config(layer)
  cfg <- layer$get_config()
  # a subclass's get_config() appends to its parent's: the last value of a key wins
  if (length(cfg) && !is.null(names(cfg))) cfg <- cfg[!duplicated(names(cfg), fromLast = TRUE)]
  fix <- keras_config_fixups[[layer_class_name(layer)]]
  if (is.function(fix)) cfg <- fix(layer, cfg)
  if (!is.null(cfg$dtype) && is.character(cfg$dtype) && !inherits(layer, "InputLayer"))
    cfg$dtype <- dtype_envelope(cfg$dtype)
  out <- json_ready(cfg)
  if (!length(out)) empty_object() else out
}

layer_envelope <- function(layer) {
  if (inherits(layer, "Operation")) return(opnode_envelope(layer))
  cls <- layer_class_name(layer)
  reg <- layer_registered_name(layer)
  gen <- layer_private(layer)$.generator
  known <- lookup_builtin_class(cls)
  # built in: the package's own class of that name (a user class that happens to
  # share the name is saved as a custom class)
  builtin <- is.null(reg) && !is.null(known) && (is.null(gen) || identical(gen, known))
  module <- if (!builtin) NULL else if (inherits(layer, "Sequential")) "keras" else
    if (inherits(layer, "Functional")) "keras.src.models.functional" else "keras.layers"
  # Keras writes an unregistered custom class under its class name
  env <- list(module = module, class_name = cls, config = layer_keras_config(layer),
              registered_name = if (builtin) NULL else reg %||% cls)
  bc <- layer_build_config(layer)
  if (!is.null(bc)) env$build_config <- bc
  env
}

layer_build_config <- function(layer) {
  if (inherits(layer, "InputLayer")) return(NULL)
  s <- layer_private(layer)$.build_shape
  if (inherits(layer, "Sequential")) {
    il <- layer_private(layer)$.input_layer
    if (!is.null(il)) s <- il$batch_shape
  }
  if (inherits(layer, "Functional")) {
    shapes <- lapply(layer$inputs, function(t) t$shape)
    s <- if (length(shapes) == 1) shapes[[1]] else shapes
    if (length(shapes) > 1) return(list(input_shape = lapply(shapes, function(sh) lapply(c(list(NULL), sh[-1]), identity))))
  }
  if (is.null(s) || !isTRUE(layer$built)) return(NULL)
  s <- as_shape_list(s)
  if (length(s)) s[1] <- list(NULL)
  list(input_shape = lapply(s, function(d) d))
}

# Per-class corrections from this package's get_config() to Keras's config keys. A
# layer whose get_config() already returns Keras's keys needs no entry.
keras_config_fixups <- list(
  InputLayer = function(layer, cfg) {
    list(batch_shape = layer$batch_shape, dtype = layer$dtype, sparse = FALSE, name = layer$name)
  },
  RNN = function(layer, cfg) {
    cfg$cell <- layer_envelope(layer$cell)
    cfg
  },
  StackedRNNCells = function(layer, cfg) {
    cfg$cells <- lapply(layer$cells, layer_envelope)
    cfg
  },
  TimeDistributed = function(layer, cfg) {
    cfg$layer <- layer_envelope(layer$layer)
    cfg
  },
  Bidirectional = function(layer, cfg) {
    fwd <- layer_envelope(layer$forward_layer)
    fwd$config$name <- sub("^forward_", "", fwd$config$name)
    cfg$layer <- fwd
    # a backward layer the user gave is kept (Keras does the same); the default one is
    # a copy of `layer` that from_config makes again
    given <- layer_private(layer)$.init_args$backward_layer
    cfg$backward_layer <- if (!is.null(given)) layer_envelope(layer$backward_layer)
    cfg
  },
  GRU = function(layer, cfg) rnn_fixup(layer, cfg),
  LSTM = function(layer, cfg) rnn_fixup(layer, cfg),
  SimpleRNN = function(layer, cfg) rnn_fixup(layer, cfg)
)

rnn_fixup <- function(layer, cfg) {
  cfg$use_cudnn <- NULL
  cfg
}

# ---- JSON -> objects -----------------------------------------------------------------------

# Read-side context: custom objects, safe mode, and the file being read (for errors).
load_ctx <- new.env(parent = emptyenv())
load_ctx$custom_objects <- NULL
load_ctx$safe_mode <- TRUE
load_ctx$legacy_keras2 <- FALSE

with_load_context <- function(custom_objects, safe_mode, legacy_keras2 = FALSE, expr) {
  old <- as.list(load_ctx)
  on.exit(list2env(old, envir = load_ctx), add = TRUE)
  load_ctx$custom_objects <- normalize_custom_objects(custom_objects)
  load_ctx$safe_mode <- !isFALSE(safe_mode)
  load_ctx$legacy_keras2 <- legacy_keras2
  expr
}

is_envelope <- function(x) is.list(x) && !is.null(names(x)) && is.character(x$class_name) && "config" %in% names(x)

#' @rdname serialize_keras_object
#' @export
deserialize_keras_object <- function(config, custom_objects = NULL, safe_mode = TRUE, module_objects = NULL, ...) {
  check_dots_empty(list(...))
  with_load_context(c(load_ctx$custom_objects, normalize_custom_objects(custom_objects)), safe_mode,
                    load_ctx$legacy_keras2, deserialize_value(config, top = TRUE))
}

# Deserialize a value found in a config: envelopes become objects, special
# envelopes their values, everything else stays data.
deserialize_value <- function(x, key = NULL, top = FALSE) {
  if (is.null(x)) return(NULL)
  if (is.character(x) && length(x) == 1 && top) return(deserialize_name(x))
  if (!is.list(x)) return(x)
  if (is_envelope(x)) return(deserialize_envelope(x, key))
  nm <- names(x)
  out <- lapply(seq_along(x), function(i) deserialize_value(x[[i]], if (!is.null(nm)) nm[i] else key))
  names(out) <- nm
  out
}

# A bare name at the top level: an activation, initializer, optimizer, loss or metric.
deserialize_name <- function(x) {
  if (!is.null(activation_table()[[x]])) return(activation_table()[[x]])
  if (!is.null(initializer_table()[[x]])) return(initializer_table()[[x]]())
  x
}

deserialize_envelope <- function(env, key = NULL) {
  cls <- env$class_name
  cfg <- env$config
  reg <- env$registered_name
  module <- env$module %||% ""
  switch(cls,
    "__tuple__" = return(deserialize_value(cfg$value %||% cfg)),
    "__numpy__" = , "__tensor__" = return(array_from_nested(cfg$value, cfg$dtype)),
    "__bytes__" = return(charToRaw(as.character(cfg$value %||% ""))),
    "__lambda__" = recurrent_abort(c("The file holds a Python lambda (code), which is not loaded.",
                                     i = "Nothing from a file is run as code."),
                                   class = "recurrent_error_unsafe", call = NULL),
    "__keras_tensor__" = return(env),
    "DTypePolicy" = , "Policy" = , "DTypePolicyMap" = return(dtype_from_policy(cfg)),
    "function" = return(deserialize_function(cfg, reg)),
    NULL)
  kind <- envelope_kind(module, cls, key)
  switch(kind,
    initializer = deserialize_simple(cls, cfg, reg, initializer_makers(), "initializer"),
    regularizer = deserialize_simple(cls, cfg, reg, regularizer_makers(), "regularizer"),
    constraint = deserialize_simple(cls, cfg, reg, constraint_makers(), "constraint"),
    optimizer = deserialize_optimizer(cls, cfg),
    loss = deserialize_loss(cls, cfg),
    metric = deserialize_metric(cls, cfg),
    schedule = deserialize_schedule(cls, cfg),
    layer = layer_from_envelope(env)
  )
}

envelope_kind <- function(module, cls, key) {
  if (startsWith(module, "keras.initializers") || (!is.null(key) && grepl("_initializer$", key))) return("initializer")
  if (startsWith(module, "keras.regularizers") || (!is.null(key) && grepl("_regularizer$", key))) return("regularizer")
  if (startsWith(module, "keras.constraints") || (!is.null(key) && grepl("_constraint$", key))) return("constraint")
  if (startsWith(module, "keras.optimizers.schedules") || (!is.null(key) && key == "learning_rate")) return("schedule")
  if (startsWith(module, "keras.optimizers") || (!is.null(key) && key == "optimizer")) return("optimizer")
  if (startsWith(module, "keras.losses") || (!is.null(key) && key == "loss")) return("loss")
  if (startsWith(module, "keras.metrics") || (!is.null(key) && key %in% c("metrics", "weighted_metrics"))) return("metric")
  if (!nzchar(module)) {
    if (!is.null(initializer_makers()[[cls]])) return("initializer")
    if (!is.null(regularizer_makers()[[cls]])) return("regularizer")
    if (!is.null(constraint_makers()[[cls]])) return("constraint")
    if (!is.null(optimizer_makers()[[cls]])) return("optimizer")
  }
  "layer"
}

dtype_from_policy <- function(cfg) {
  name <- if (is.list(cfg)) cfg$name else cfg
  if (!is.character(name) || length(name) != 1)
    recurrent_abort("A dtype policy in the file has no name.", call = NULL)
  if (startsWith(name, "mixed_"))
    recurrent_abort(c("Mixed-precision dtype policy {.val {name}} is not supported.",
                      i = "recurrent computes in float32 or float64."), call = NULL)
  name
}

deserialize_function <- function(cfg, reg) {
  name <- if (is.list(cfg)) cfg$fn_name %||% cfg$name else cfg
  if (!is.null(reg) && !grepl(">", reg, fixed = TRUE)) reg <- NULL
  if (!is.null(reg) && startsWith(reg, "recurrent>") && !is.null(activation_table()[[name]])) return(name)
  if (!is.null(reg) || !is.null(load_ctx$custom_objects[[name]])) {
    obj <- get_registered_object(reg %||% name, load_ctx$custom_objects)
    if (is.null(obj) && !is.null(reg)) obj <- get_registered_object(name, load_ctx$custom_objects)
    if (!is.null(obj)) return(obj)
  }
  if (is.character(name) && !is.null(activation_table()[[name]])) return(name)
  if (is.character(name) && !is.null(loss_function_names()[[name]])) return(name)
  resolve_class(name, reg, load_ctx$custom_objects, what = "function")
}

array_from_nested <- function(v, dtype) {
  dims <- integer()
  probe <- v
  while (is.list(probe)) {
    dims <- c(dims, length(probe))
    if (!length(probe)) break
    probe <- probe[[1]]
  }
  flat <- unlist(v)
  if (is.null(flat)) flat <- numeric()
  if (length(dims) <= 1) return(if (length(dims)) as.numeric(flat) else as.numeric(v))
  aperm(array(as.numeric(flat), rev(dims)), rev(seq_along(dims)))
}

initializer_makers <- function() initializer_table()
regularizer_makers <- function() list(L1 = regularizer_l1, L2 = regularizer_l2, L1L2 = regularizer_l1_l2,
                                      l1 = regularizer_l1, l2 = regularizer_l2, l1_l2 = regularizer_l1_l2)
constraint_makers <- function() list(MaxNorm = constraint_maxnorm, NonNeg = constraint_nonneg,
                                     UnitNorm = constraint_unitnorm, MinMaxNorm = constraint_minmaxnorm,
                                     max_norm = constraint_maxnorm, non_neg = constraint_nonneg,
                                     unit_norm = constraint_unitnorm, min_max_norm = constraint_minmaxnorm)

deserialize_simple <- function(cls, cfg, reg, makers, what) {
  if (!is.null(reg) || is.null(makers[[cls]])) {
    obj <- tryCatch(resolve_class(cls, reg, load_ctx$custom_objects, what = what), error = function(e) NULL)
    if (is.function(obj) && !inherits(obj, "R6ClassGenerator")) {
      if (inherits(obj, paste0("recurrent_", what))) return(obj)
      return(switch(what, initializer = get_initializer(obj), regularizer = get_regularizer(obj),
                    constraint = get_constraint(obj)))
    }
    if (is.null(makers[[cls]])) resolve_class(cls, reg, load_ctx$custom_objects, what = what)
  }
  args <- deserialize_value(cfg %||% list())
  if (what == "constraint" && !is.null(args$axis)) args$axis <- r_axis(args$axis)
  maker <- makers[[cls]]
  args <- keep_formals(args, maker, cls, what)
  do.call(maker, args)
}

# Drop config keys the R constructor does not take when they are known not to change
# the computation; any other unknown key is an error naming it.
keep_formals <- function(args, fn, cls, what, extra_ok = character()) {
  if (!length(args)) return(list())
  fmls <- names(formals(fn))
  if ("..." %in% fmls) return(args)
  unknown <- setdiff(names(args), c(fmls, ignored_config_keys, extra_ok))
  if (length(unknown))
    recurrent_abort(c("The config of {what} {.val {cls}} has key{?s} {.val {unknown}} that recurrent does not support.",
                      i = "Supported keys: {.val {fmls}}."), call = NULL)
  args[intersect(names(args), fmls)]
}

# ---- optimizers, losses, metrics, schedules ----------------------------------------------

optimizer_makers <- function() list(
  Adam = optimizer_adam, SGD = optimizer_sgd, AdamW = optimizer_adam_w, RMSprop = optimizer_rmsprop,
  Adagrad = optimizer_adagrad
)

deserialize_optimizer <- function(cls, cfg) {
  maker <- optimizer_makers()[[cls]] %||% optimizer_makers()[[names(optimizer_makers())[tolower(names(optimizer_makers())) == tolower(cls)][1]]]
  if (is.null(maker)) {
    obj <- resolve_class(cls, NULL, load_ctx$custom_objects, what = "optimizer")
    if (inherits(obj, "recurrent_optimizer")) return(obj)
    if (is.function(obj)) return(do.call(obj, deserialize_value(cfg %||% list())))
  }
  args <- deserialize_value(cfg %||% list())
  # Keras 2 names
  if (!is.null(args$lr) && is.null(args$learning_rate)) args$learning_rate <- args$lr
  args$lr <- NULL
  if (!is.null(args$decay) && !isTRUE(all.equal(as.numeric(args$decay), 0)))
    recurrent_abort(c("The optimizer in the file uses Keras 2's {.arg decay} = {args$decay}, which recurrent does not support.",
                      i = "Load with {.code compile = FALSE} and compile with a learning rate schedule."), call = NULL)
  args$decay <- NULL
  args$is_legacy_optimizer <- NULL
  args$jit_compile <- NULL
  if (identical(cls, "SGD") && is.null(args$momentum)) args$momentum <- 0
  args <- keep_formals(args, maker, cls, "optimizer",
                       extra_ok = c("weight_decay", "clipnorm", "clipvalue", "global_clipnorm"))
  do.call(maker, args)
}

# Keras class name -> constructor, for losses and metrics: read from the objects the
# package's own loss_*() / metric_*() constructors make (those with required
# arguments, such as metric_precision_at_recall(recall), given a placeholder 0.5).
class_constructor_table <- function(prefix, cls_pattern) {
  key <- paste0("table_", prefix)
  if (!is.null(registry[[key]])) return(registry[[key]])
  ns <- asNamespace("recurrent")
  out <- list()
  for (fn_name in grep(paste0("^", prefix, "_"), getNamespaceExports(ns), value = TRUE)) {
    fn <- get(fn_name, envir = ns)
    fmls <- formals(fn)
    if (!is.function(fn) || !all(c("name", "dtype") %in% names(fmls))) next
    required <- setdiff(names(fmls)[vapply(fmls, function(d) identical(d, quote(expr = )), TRUE)],
                        c("y_true", "y_pred", "..."))
    placeholders <- stats::setNames(rep(list(0.5), length(required)), required)
    obj <- tryCatch(do.call(fn, placeholders), error = function(e) NULL)
    cls <- if (!is.null(obj)) keras_class_of(obj, cls_pattern)
    if (!is.null(cls) && is.null(out[[cls]])) out[[cls]] <- fn
  }
  registry[[key]] <- out
  out
}

loss_function_names <- function() loss_registry()

deserialize_loss <- function(cls, cfg) {
  maker <- class_constructor_table("loss", "keras.src.losses.losses.")[[cls]]
  if (is.null(maker)) return(instantiate_user_class(resolve_class(cls, NULL, load_ctx$custom_objects, what = "loss"), cfg))
  args <- deserialize_value(cfg %||% list())
  args$fn <- NULL
  do.call(maker, args[intersect(names(args), names(formals(maker)))])
}

deserialize_metric <- function(cls, cfg) {
  args <- deserialize_value(cfg %||% list())
  # JSON arrays of numbers (thresholds, label_weights) as R vectors
  for (k in names(args)) {
    v <- args[[k]]
    if (is.list(v) && !is.object(v) && length(v) && all(vapply(v, function(e) is.atomic(e) && length(e) == 1, TRUE)))
      args[[k]] <- unlist(v)
  }
  if (!is.null(args$axis)) args$axis <- r_axis(unlist(args$axis))
  metric_from_config(cls, args)
}

# A built-in metric made from its config (R values: axes 1-based), or a Metric()
# class from custom_objects or the registry.
metric_from_config <- function(cls, args) {
  if (identical(cls, "MeanMetricWrapper")) {
    if (!is.function(args$fn))
      recurrent_abort("The config of a {.cls MeanMetricWrapper} metric names no function {.field fn}.", call = NULL)
    return(do.call(metric_mean_wrapper, args))
  }
  maker <- class_constructor_table("metric", "keras.src.metrics.[a-z_]+\\.")[[cls]]
  if (is.null(maker)) return(instantiate_user_class(resolve_class(cls, NULL, load_ctx$custom_objects, what = "metric"), args))
  do.call(maker, keep_formals(args, maker, cls, "metric"))
}

deserialize_schedule <- function(cls, cfg) {
  fn_name <- paste0("learning_rate_schedule_", keras_snake_case(cls))
  maker <- get0(fn_name, envir = asNamespace("recurrent"), inherits = FALSE)
  if (!is.function(maker)) return(resolve_class(cls, NULL, load_ctx$custom_objects, what = "learning rate schedule"))
  args <- deserialize_value(cfg %||% list())
  do.call(maker, args[intersect(names(args), names(formals(maker)))])
}

# Keras's class-name -> snake_case rule (used for weight paths, so it must match
# Keras exactly): drop non-word characters, "_" before each capitalised word and
# between a lower-case letter and an upper-case one, then lower-case.
keras_snake_case <- function(name) {
  name <- gsub("\\W+", "", name, perl = TRUE)
  name <- gsub("(.)([A-Z][a-z]+)", "\\1_\\2", name, perl = TRUE)
  name <- gsub("([a-z])([A-Z])", "\\1_\\2", name, perl = TRUE)
  tolower(name)
}

# A Loss() or Metric() class given in custom_objects is made into an instance from
# the saved config (its constructor's arguments), as Keras's from_config() does.
instantiate_user_class <- function(obj, cfg) {
  args <- deserialize_value(cfg %||% list())
  if (inherits(obj, c("recurrent_loss_class", "recurrent_metric_class"))) return(do.call(obj, args))
  if (inherits(obj, "R6ClassGenerator")) {
    made <- do.call(obj$new, args)
    if (inherits(made, "Loss")) return(wrap_user_loss(made))
    if (inherits(made, "Metric")) return(wrap_user_metric(made))
  }
  obj
}
