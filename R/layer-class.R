# Layer(): user-defined layer classes, keras3 style. The members become an R6
# subclass of the Layer base (or of `inherit`); the value returned is a composing
# constructor whose formals are `object` plus those of initialize().

#' Define a new layer class
#'
#' `Layer()` (alias `new_layer_class()`) creates a layer type from R
#' functions, the way keras3 does. The result is a constructor: calling it
#' makes a layer, following the same `object` rule as the built-in `layer_*()`
#' functions (see Details).
#'
#' Methods you typically write:
#' * `initialize(...)`: store arguments on `self` and call
#'   `super$initialize(...)`, which takes `name`, `dtype`, `trainable`,
#'   `autocast`, `activity_regularizer` and the legacy `input_shape` /
#'   `input_dim`. Store integers with `as.integer()`.
#' * `build(input_shape)`: create weights with `self$add_weight()`. It runs
#'   once, on the first call, with the input shape as an R list whose unknown
#'   dimensions are `NULL` (so `input_shape[[length(input_shape)]]` is the
#'   number of features).
#' * `call(inputs, ...)`: compute the output from tensors with `op_*()`
#'   functions. Declare `training` and/or `mask` arguments to receive them.
#' * Optionally `compute_output_shape(input_shape)`, `compute_mask(inputs,
#'   mask = NULL)`, `get_config()`.
#'
#' Inside methods, `self` is the layer, `super` its parent class and
#' `private` the private members. Methods may also be written with `self` as
#' first argument (`function(self, inputs)`), as in keras3; it is dropped.
#' Members that are not functions (such as `supports_masking = TRUE` or
#' `state_size = 4L`) become fields. Functions marked with
#' [active_property()] become read-only properties.
#'
#' The constructor: with `object` missing or `NULL` it returns the layer;
#' with a sequential model it adds the layer to the model in place and
#' returns the model invisibly; with a symbolic tensor it returns the symbolic
#' output; with a tensor or R array it returns the computed output. Because
#' `object` comes first, write `layer_foo(units = 4)` or `layer_foo(, 4)`
#' to make a layer on its own.
#'
#' The layer behaves like keras3's: `layer$weights`, `layer$trainable_weights`,
#' `layer$non_trainable_weights`, `layer$get_weights()`,
#' `layer$set_weights()`, `layer$count_params()`, `layer$built`,
#' `layer$name`, `layer$trainable` (settable), `layer$supports_masking`,
#' `layer$losses`, `layer$add_loss()`.
#'
#' @param classname The class name (CamelCase), also the base of automatic
#'   layer names (`"MyDense"` gives `my_dense`, `my_dense_1`, ...).
#' @param initialize,call,build,get_config Methods (functions), or `NULL`.
#' @param ... Further members: methods (`compute_output_shape`,
#'   `compute_mask`, ...) or fields.
#' @param public,private,active Lists of extra public members, private
#'   members, and active bindings.
#' @param inherit `NULL` (the Layer base), a constructor made by `Layer()`, a
#'   built-in `layer_*()` function, or an R6 class generator.
#' @param parent_env The environment in which methods are evaluated.
#' @returns A layer constructor function.
#' @examples
#' layer_scale <- Layer("Scale",
#'   initialize = function(factor = 2, ...) {
#'     super$initialize(...)
#'     self$factor <- factor
#'   },
#'   call = function(inputs) op_multiply(inputs, self$factor)
#' )
#' s <- layer_scale(factor = 3)
#' s(matrix(1:4, 2))
#'
#' layer_linear <- Layer("Linear",
#'   initialize = function(units, ...) {
#'     super$initialize(...)
#'     self$units <- as.integer(units)
#'   },
#'   build = function(input_shape) {
#'     self$w <- self$add_weight(shape = shape(tail(input_shape, 1), self$units),
#'                               initializer = "glorot_uniform", name = "w")
#'   },
#'   call = function(inputs) op_matmul(inputs, self$w)
#' )
#' x <- keras_input(shape = 5)
#' layer_linear(x, units = 3)
#' @export
Layer <- function(classname, initialize = NULL, call = NULL, build = NULL, get_config = NULL, ...,
                  public = list(), private = list(), active = list(), inherit = NULL,
                  parent_env = parent.frame()) {
  if (!is.character(classname) || length(classname) != 1 || !nzchar(classname))
    cli::cli_abort(c("{.arg classname} must be a single non-empty string.", x = "Got {.obj_type_friendly {classname}}."),
                   class = c("recurrent_error_argument", "recurrent_error"))
  members <- c(list(initialize = initialize, call = call, build = build, get_config = get_config), rlang::list2(...))
  members <- members[!vapply(members, is.null, TRUE)]
  if (length(members) && (is.null(names(members)) || any(names(members) == "")))
    cli::cli_abort("All members passed to {.fn Layer} through {.arg ...} must be named.",
                   class = c("recurrent_error_argument", "recurrent_error"))
  for (nm in names(public)) members[[nm]] <- public[[nm]]
  new_r6_layer_class(classname, members, private, active, inherit, parent_env, base = LayerBase)
}

#' @rdname Layer
#' @export
new_layer_class <- Layer

#' @rdname Layer
#' @param fn A function of no arguments (it sees `self`).
#' @export
active_property <- function(fn) {
  if (!is.function(fn))
    cli::cli_abort("{.arg fn} must be a function.", class = c("recurrent_error_argument", "recurrent_error"))
  attr(fn, "recurrent_active") <- TRUE
  fn
}

#' @rdname Layer
#' @export
mark_active <- active_property

drop_self_formal <- function(fn) {
  f <- formals(fn)
  if (length(f) && names(f)[1] == "self") {
    attrs <- attributes(fn)
    formals(fn) <- f[-1]
    for (a in setdiff(names(attrs), c("srcref"))) attr(fn, a) <- attrs[[a]]
  }
  fn
}

# Resolve `inherit` to an R6 generator.
resolve_inherit <- function(inherit, base, call = rlang::caller_env()) {
  if (is.null(inherit)) return(base)
  if (inherits(inherit, "R6ClassGenerator")) return(inherit)
  gen <- attr(inherit, "r6_class", exact = TRUE)
  if (inherits(gen, "R6ClassGenerator")) return(gen)
  if (inherits(inherit, "recurrent_layer")) return(layer_private(unwrap_layer(inherit))$.generator)
  cli::cli_abort(c("{.arg inherit} must be a layer class made by {.fn Layer}, a built-in {.code layer_*()} function or an R6 class.",
                   x = "Got {.obj_type_friendly {inherit}}."),
                 class = c("recurrent_error_argument", "recurrent_error"), call = call)
}

new_r6_layer_class <- function(classname, members, private, active, inherit, parent_env, base) {
  super_gen <- resolve_inherit(inherit, base)
  methods <- list()
  fields <- list()
  private_defaults <- list()
  actives <- lapply(active, drop_self_formal)
  from_config <- NULL
  for (nm in names(members)) {
    m <- members[[nm]]
    if (nm == "from_config" && is.function(m)) {
      from_config <- drop_self_formal(m)
      next
    }
    if (is.function(m) && isTRUE(attr(m, "recurrent_active"))) {
      f <- drop_self_formal(m)
      if (!"value" %in% names(formals(f))) formals(f) <- c(formals(f), alist(value = ))
      actives[[nm]] <- f
    } else if (is.function(m) && !inherits(m, "recurrent_layer")) {
      methods[[nm]] <- drop_self_formal(m)
    } else if (nm %in% c("supports_masking", "trainable")) {
      # these are properties of the base class: store the class's default privately
      private_defaults[[paste0(".", nm)]] <- m
    } else {
      fields[[nm]] <- m
    }
  }
  private <- lapply(private, function(m) if (is.function(m)) drop_self_formal(m) else m)
  private <- c(private, private_defaults)

  # methods see the user's environment; `super`-class and class name resolve here
  class_env <- new.env(parent = parent_env)
  class_env$.__recurrent_super__ <- super_gen
  class_env$super <- r6_super_function   # super()$method(), as keras3 allows
  gen <- R6::R6Class(classname,
    inherit = .__recurrent_super__,
    public = c(methods, fields),
    private = if (length(private)) private else NULL,
    active = if (length(actives)) actives else NULL,
    lock_objects = FALSE,
    lock_class = FALSE,
    parent_env = class_env
  )
  gen$recurrent_from_config <- from_config
  init_formals <- formals(gen$public_methods$initialize %||% find_initialize(super_gen))
  ctor <- make_layer_constructor(gen, init_formals)
  class_env[[classname]] <- ctor
  class_env[["__class__"]] <- gen
  ctor
}

find_initialize <- function(gen) {
  while (!is.null(gen)) {
    f <- gen$public_methods$initialize
    if (is.function(f)) return(f)
    gen <- gen$get_inherit()
  }
  function(...) NULL
}

make_layer_constructor <- function(gen, init_formals) {
  fmls <- c(alist(object = ), init_formals[setdiff(names(init_formals), "object")])
  ctor <- function() {
    if (!missing(object)) force(object)
    args <- capture_supplied_args(environment(), sys.function())
    create_layer(gen, if (missing(object)) NULL else object, args)
  }
  formals(ctor) <- fmls
  environment(ctor) <- list2env(list(gen = gen), parent = asNamespace("recurrent"))
  attr(ctor, "r6_class") <- gen
  class(ctor) <- c("recurrent_layer_constructor", "function")
  ctor
}

# The arguments the user actually supplied to a constructor (its formals other
# than `object`, plus anything in `...`), so that initialize()'s own defaults apply
# to the rest.
capture_supplied_args <- function(env, fn) {
  nms <- setdiff(names(formals(fn)), c("object", "..."))
  args <- list()
  for (nm in nms) {
    if (!eval(call("missing", as.name(nm)), env)) args[nm] <- list(get(nm, envir = env))
  }
  if ("..." %in% names(formals(fn))) args <- c(args, eval(quote(rlang::list2(...)), env))
  args
}

#' @export
print.recurrent_layer_constructor <- function(x, ...) {
  gen <- attr(x, "r6_class")
  cat(sprintf("<layer constructor %s>\n", gen$classname))
  args <- names(formals(x))
  cat(" signature: (", paste(args, collapse = ", "), ")\n", sep = "")
  invisible(x)
}
