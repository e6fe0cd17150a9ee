# Which R object a Keras class name stands for, when a config is read back.
#
# HOW TO REGISTER A NEW BUILT-IN LAYER: nothing, if its R6 class is named after the
# Keras class (`Conv1D <- R6::R6Class("Conv1D", inherit = LayerBase, ...)`), its
# initialize() takes Keras's Python argument names, and its get_config() returns
# Keras's Python config keys: lookup_builtin_class() finds any R6 layer generator of
# the package whose classname is the requested class name. Only when the names differ
# (an alias, a Keras name that is not a valid R name, an older Keras name) add one line
# to builtin_aliases below, e.g. `CuDNNLSTM = "LSTM"`. Keys that Keras writes but that
# do not change this package's maths (and so have no argument here) go into
# ignored_config_keys.
#
# Custom classes (Layer() subclasses written by users) are registered with
# register_keras_serializable() and found by their registered name "package>Name", or
# given at load time through custom_objects / with_custom_object_scope().

registry <- new.env(parent = emptyenv())
registry$custom <- list()      # "package>Name" -> object
registry$scopes <- list()      # stack of custom_objects lists (with_custom_object_scope)

# Keras class names that do not match an R6 class name of the package.
builtin_aliases <- list(
  Model = "Functional",
  CuDNNLSTM = "LSTM",
  CuDNNGRU = "GRU"
)

# Config keys Keras writes that have no counterpart here because they do not change
# what the layer computes (performance switches, Keras 2 bookkeeping, quantization
# settings that are NULL in float models).
ignored_config_keys <- c("implementation", "time_major", "quantization_config", "sparse", "ragged", "optional",
                         "build_input_shape", "unit_forget_bias_legacy", "reset_after_legacy",
                         "lora_enabled", "lora_rank", "lora_alpha", "input_length_legacy", "synchronized")

lookup_builtin_class <- function(class_name) {
  class_name <- builtin_aliases[[class_name]] %||% class_name
  if (!is.character(class_name) || !grepl("^[A-Za-z][A-Za-z0-9_.]*$", class_name)) return(NULL)
  gen <- get0(class_name, envir = asNamespace("recurrent"), inherits = FALSE)
  if (inherits(gen, "R6ClassGenerator") && identical(gen$classname, class_name) && generator_is_layer(gen)) gen else NULL
}

generator_is_layer <- function(gen) {
  depth <- 0L
  while (inherits(gen, "R6ClassGenerator") && depth < 30L) {
    if (identical(gen, LayerBase)) return(TRUE)
    gen <- gen$get_inherit()
    depth <- depth + 1L
  }
  FALSE
}

# Objects given by the caller (custom_objects) or an enclosing
# with_custom_object_scope(), innermost first.
scoped_custom_objects <- function(custom_objects = NULL) {
  out <- list()
  if (length(custom_objects)) out <- c(out, normalize_custom_objects(custom_objects))
  for (s in rev(registry$scopes)) out <- c(out, s)
  out
}

normalize_custom_objects <- function(x, arg = "custom_objects", call = rlang::caller_env()) {
  if (is.null(x)) return(list())
  if (!is.list(x) && !is.function(x) && !inherits(x, "R6ClassGenerator"))
    recurrent_abort(c("{.arg {arg}} must be a named list of classes or functions.",
                      x = "Got {describe_value(x)}."), call = call)
  if (!is.list(x) || inherits(x, "R6ClassGenerator")) x <- list(x)
  nms <- names(x) %||% rep("", length(x))
  for (i in seq_along(x)) {
    if (!nzchar(nms[i])) nms[i] <- object_class_name(x[[i]]) %||% ""
    if (!nzchar(nms[i]))
      recurrent_abort(c("Every element of {.arg {arg}} needs a name (the class name used in the file).",
                        x = "Element {i} has none."), call = call)
  }
  names(x) <- nms
  x
}

# The class name of a custom object as it appears in a file.
object_class_name <- function(x) {
  if (inherits(x, "R6ClassGenerator")) return(x$classname)
  if (inherits(x, "recurrent_layer")) return(class(attr(x, "layer", exact = TRUE))[1])
  if (inherits(x, "Layer") && inherits(x, "R6")) return(class(x)[1])
  nm <- attr(x, "recurrent_registered_name", exact = TRUE)
  if (!is.null(nm)) return(sub("^.*>", "", nm))
  NULL
}

# The generator behind a Layer() class wrapper (or the generator itself).
as_layer_generator <- function(x) {
  if (inherits(x, "R6ClassGenerator")) return(x)
  gen <- attr(x, "r6_class", exact = TRUE) %||% attr(x, "generator", exact = TRUE)
  if (inherits(gen, "R6ClassGenerator")) return(gen)
  if (is.function(x) && !is.null(environment(x)) && inherits(environment(x)$generator, "R6ClassGenerator"))
    return(environment(x)$generator)
  NULL
}

#' Register classes and functions for saving and loading
#'
#' A model file names each object by its class. Layers, cells, initializers,
#' regularizers, constraints and activations written in R are saved by name,
#' with their `get_config()`, never as R code; loading them needs the class.
#'
#' * `register_keras_serializable(object, name, package)` registers a class
#'   (made with [Layer()] or `R6::R6Class()`) or a function under
#'   `"package>name"`; files record that name in `registered_name`, as Keras
#'   does, and [load_model()] finds the class by it in any later session that
#'   registered it again.
#' * `with_custom_object_scope(objects, expr)` evaluates `expr` with
#'   `objects` (a named list: class name in the file -> class or function)
#'   known to loaders, like `custom_objects` of [load_model()].
#' * `get_custom_objects()` lists the registered objects;
#'   `get_registered_name(object)` gives the name a file uses for `object`;
#'   `get_registered_object(name)` finds an object by that name.
#'
#' @param object A class (from [Layer()] or an R6 generator) or function.
#' @param package String, default `NULL` (`"Custom"`): the package part of
#'   the name.
#' @param name String: the class name part. Defaults to the class name of
#'   `object` (required for functions).
#' @param objects A named list of classes or functions.
#' @param expr Code to evaluate.
#' @param custom_objects A named list searched before the registry.
#' @param module_objects Unused; accepted for compatibility with keras3.
#' @returns `register_keras_serializable()`: `object`, invisibly.
#'   `get_custom_objects()`: a named list. `get_registered_name()`: a
#'   string. `get_registered_object()`: the object or `NULL`.
#'   `with_custom_object_scope()`: the value of `expr`.
#' @examples
#' Scale <- Layer("Scale",
#'   initialize = function(factor = 2, ...) {
#'     super$initialize(...)
#'     self$factor <- factor
#'   },
#'   call = function(inputs) inputs * self$factor,
#'   get_config = function() c(super$get_config(), list(factor = self$factor))
#' )
#' register_keras_serializable(Scale, package = "demo")
#' get_registered_name(Scale)
#' model <- keras_model_sequential(input_shape = 3) |> Scale(factor = 3)
#' path <- tempfile(fileext = ".keras")
#' save_model(model, path)
#' predict(load_model(path), matrix(1, 1, 3), verbose = 0)
#' @export
register_keras_serializable <- function(object, name = NULL, package = NULL) {
  call <- rlang::current_env()
  package <- check_string(package %||% "Custom", "package", call = call)
  if (grepl(">", package, fixed = TRUE))
    recurrent_abort(c("{.arg package} must not contain {.val >}.", x = "Got {.val {package}}."), call = call)
  name <- name %||% object_class_name(as_layer_generator(object) %||% object)
  if (is.null(name))
    recurrent_abort("A function needs a {.arg name} to be registered.", call = call)
  name <- check_string(name, "name", call = call)
  key <- paste0(package, ">", name)
  target <- as_layer_generator(object) %||% object
  if (!is.function(target) && !inherits(target, "R6ClassGenerator"))
    recurrent_abort(c("{.arg object} must be a class or a function.", x = "Got {describe_value(object)}."), call = call)
  registry$custom[[key]] <- target
  if (inherits(target, "R6ClassGenerator")) target$recurrent_registered_name <- key
  invisible(object)
}

#' @rdname register_keras_serializable
#' @export
get_custom_objects <- function() registry$custom

#' @rdname register_keras_serializable
#' @export
get_registered_name <- function(object) {
  target <- as_layer_generator(object)
  if (is.null(target) && is_layer(object)) target <- layer_private(unwrap_layer(object))$.generator
  if (inherits(target, "R6ClassGenerator")) {
    for (k in names(registry$custom)) if (identical(registry$custom[[k]], target)) return(k)
    return(target$classname)
  }
  for (k in names(registry$custom)) if (identical(registry$custom[[k]], object)) return(k)
  nm <- attr(object, "class_name", exact = TRUE)
  if (is.character(nm)) return(nm)
  recurrent_abort("{.arg object} is not registered and has no class name.")
}

#' @rdname register_keras_serializable
#' @export
get_registered_object <- function(name, custom_objects = NULL, module_objects = NULL) {
  name <- check_string(name, "name")
  scoped <- scoped_custom_objects(custom_objects)
  if (!is.null(scoped[[name]])) return(scoped[[name]])
  if (!is.null(registry$custom[[name]])) return(registry$custom[[name]])
  NULL
}

#' @rdname register_keras_serializable
#' @export
with_custom_object_scope <- function(objects, expr) {
  objects <- normalize_custom_objects(objects, "objects")
  n <- length(registry$scopes)
  registry$scopes[[n + 1L]] <- objects
  on.exit(registry$scopes <- registry$scopes[seq_len(n)], add = TRUE)
  expr
}

# A class name (and registered name) from a file -> what to build it with, or a clear
# error that says how to make the class known.
resolve_class <- function(class_name, registered_name = NULL, custom_objects = NULL, what = "class",
                          call = NULL) {
  scoped <- scoped_custom_objects(custom_objects)
  for (key in unique(c(registered_name, class_name))) {
    if (is.null(key)) next
    if (!is.null(scoped[[key]])) return(as_layer_generator(scoped[[key]]) %||% scoped[[key]])
    if (!is.null(registry$custom[[key]])) return(registry$custom[[key]])
  }
  if (is.null(registered_name) || !grepl(">", registered_name, fixed = TRUE) ||
      startsWith(registered_name, "keras")) {
    gen <- lookup_builtin_class(class_name)
    if (!is.null(gen)) return(gen)
  }
  # a registered name from a file saved elsewhere can match an object registered
  # here under the same class name
  short <- Filter(function(k) sub("^.*>", "", k) == class_name, names(registry$custom))
  if (length(short) == 1) return(registry$custom[[short]])
  shown <- registered_name %||% class_name
  recurrent_abort(c("Unknown {what} {.val {shown}} in the file.",
                    i = paste("It is neither built into recurrent nor registered. Make it known with",
                              "{.code register_keras_serializable(MyClass, package = ..., name = {.val {class_name}})},",
                              "or pass {.code custom_objects = list({class_name} = MyClass)} to {.fn load_model}.")),
                  class = "recurrent_error_unknown_class", call = call)
}
