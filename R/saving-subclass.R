# Saving and loading classes users write with Layer() and Model() (new_layer_class(),
# new_model_class()): a config Keras would also be able to write, and a subclassed model
# built again from its build_config before its weights are read. The class itself comes
# from custom_objects or the registry (registry.R), never from the file.

# A layer or model whose class the user wrote (not one of the package's built-in
# classes of that name).
is_user_layer_class <- function(layer) {
  gen <- layer_private(layer)$.generator
  if (!inherits(gen, "R6ClassGenerator")) return(FALSE)
  !identical(lookup_builtin_class(layer_class_name(layer)), gen)
}

is_subclassed_model <- function(layer) {
  inherits(layer, "Model") && !inherits(layer, c("Sequential", "Functional"))
}

# Whether a class up to (not including) the Layer/Model base classes defines `method`.
class_defines_method <- function(gen, method) {
  depth <- 0L
  while (inherits(gen, "R6ClassGenerator") && depth < 30L &&
         !identical(gen, LayerBase) && !identical(gen, ModelBase)) {
    if (is.function(gen$public_methods[[method]])) return(TRUE)
    gen <- gen$get_inherit()
    depth <- depth + 1L
  }
  FALSE
}

# Values Keras's automatic config accepts (keras/src/ops/operation.py, `__new__`:
# str, int, float, bool and None, possibly nested in lists, tuples and dicts).
is_plain_config_value <- function(x) {
  if (is.null(x) || inherits(x, "keras_shape")) return(TRUE)
  if (is.object(x) || !is.null(dim(x))) return(FALSE)
  if (is.character(x) || is.numeric(x) || is.logical(x)) return(TRUE)
  if (is.list(x)) return(all(vapply(x, is_plain_config_value, TRUE)))
  FALSE
}

# Keras generates the config of a subclass without get_config() from its constructor
# arguments, and only when they are plain values; otherwise get_config(), and so
# saving, fails asking for a get_config() (keras/src/ops/operation.py, get_config()).
# The same rule here: the base get_config() returns the arguments the object was made
# with, and a class without its own get_config() made with other values is an error.
check_user_class_config <- function(layer) {
  if (!is_user_layer_class(layer)) return(invisible())
  gen <- layer_private(layer)$.generator
  if (class_defines_method(gen, "get_config") || is.function(gen$recurrent_from_config)) return(invisible())
  args <- layer_private(layer)$.init_args
  if (!length(args)) return(invisible())
  nms <- names(args) %||% rep("", length(args))
  bad <- !nzchar(nms) | !vapply(args, is_plain_config_value, TRUE)
  if (!any(bad)) return(invisible())
  shown <- ifelse(nzchar(nms[bad]), nms[bad], paste0("<unnamed argument ", which(bad), ">"))
  kind <- if (inherits(layer, "Model")) "Model" else "Layer"
  cls <- layer_class_name(layer)
  recurrent_abort(c("{kind} subclass {.cls {cls}} cannot be saved: it has no {.fn get_config} method and was created with {.arg {shown}}, which {?is/are} not {?a /}plain value{?s}.",
                    i = "A config is made from the constructor's arguments only when they are named strings, numbers, logicals, {.code NULL} or lists of them (as in Keras).",
                    i = "Define {.fn get_config} returning the arguments that recreate the object (and {.fn from_config} if they must be rebuilt from that config)."),
                  class = "recurrent_error_config", call = NULL)
}

# Config keys every Layer has (`name`, `trainable`, `dtype`): a user class whose
# initialize() does not take them gets them set after construction instead.
split_base_layer_args <- function(gen, args) {
  acc <- accepted_layer_args(gen)$names
  base <- list()
  for (k in c("name", "trainable", "dtype")) {
    if (!is.null(args[[k]]) && !k %in% acc) {
      base[k] <- list(args[[k]])
      args[[k]] <- NULL
    }
  }
  list(args = args, base = base)
}

restore_base_layer_args <- function(layer, base) {
  if (is.character(base$name)) layer$name <- base$name
  if (isFALSE(base$trainable)) layer$trainable <- FALSE
  invisible(layer)
}

# Keras's Model.build_from_config() (keras/src/models/model.py): a model with its own
# build() is built by build(input_shape); one with the default build() by running it
# on symbolic inputs of the saved shape, which creates its sub-layers' weights. If
# neither works, Keras warns and the weights cannot be loaded; so does this.
build_subclassed_model <- function(layer, build_config) {
  if (is.null(build_config) || isTRUE(layer$built)) return(invisible(layer))
  shape <- build_config$input_shape
  is_one_shape <- function(s) is.list(s) && all(vapply(s, function(d) is.null(d) || is.numeric(d), TRUE))
  result <- if (is.null(shape)) "the build config has no input_shape" else tryCatch({
    if (class_defines_method(layer_private(layer)$.generator, "build")) {
      layer$build(shape)
      layer_private(layer)$.build_shape <- shape
      layer$built <- TRUE
    } else {
      inputs <- if (is_one_shape(shape)) keras_input(batch_shape = shape) else
        lapply(shape, function(s) keras_input(batch_shape = s))
      layer_call(layer, inputs)
    }
    TRUE
  }, error = function(e) conditionMessage(e))
  if (!isTRUE(result))
    cli::cli_warn(c("Model {.val {layer$name}} had a build config, but it cannot be built automatically from it.",
                    x = "{result}",
                    i = "Its weights exist only once it is built: give it a {.fn build} method that creates them from the input shape."),
                  class = c("recurrent_warning_build", "recurrent_warning"))
  invisible(layer)
}

# Keras's clone_model() of a subclassed model (keras/src/models/cloning.py): its config
# deserialized with its own class; a clone_function is an error there, as here.
clone_subclassed_model <- function(model, clone_function, call) {
  if (!is.null(clone_function))
    recurrent_abort(c("{.arg clone_function} is only supported for Sequential and Functional models.",
                      x = "{.arg model} is a {.cls {layer_class_name(model)}} (a Model subclass)."), call = call)
  classes <- stats::setNames(list(layer_private(model)$.generator), layer_class_name(model))
  wrap_layer(with_load_context(classes, TRUE, FALSE, layer_from_envelope(serialize_keras_object(model))))
}
