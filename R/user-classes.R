# What keras3's class constructors (Layer(), Model(), Loss(), Metric(), Callback(),
# LearningRateSchedule(), Constraint()) share: members split into methods, fields and
# active properties; `self` as an optional first formal; `super$method()` and
# `super()$method()` both reaching the parent class; a constructor whose arguments
# (positional or named) go to initialize().

# `super()` in a method: R looks up a *function* named super, skipping R6's `super`
# environment in the method's enclosure, and finds this one in the class
# environment; it returns that environment.
r6_super_function <- function() get("super", envir = parent.frame(), mode = "environment")

user_class_env <- function(parent_env, super_gen) {
  env <- new.env(parent = parent_env)
  env$.__recurrent_super__ <- super_gen
  env$super <- r6_super_function
  env
}

# An R6 class from keras3-style members. `base` is the default parent; `inherit` a
# constructor made by one of the class functions (or an R6 generator).
new_user_r6_class <- function(classname, members, private, active, inherit, parent_env, base,
                              call = rlang::caller_env()) {
  classname <- check_string(classname, "classname", call = call)
  members <- members[!vapply(members, is.null, TRUE)]
  if (length(members) && (is.null(names(members)) || any(names(members) == "")))
    cli::cli_abort("Every member passed through {.arg ...} must be named.",
                   class = c("recurrent_error_argument", "recurrent_error"), call = call)
  super_gen <- base
  if (!is.null(inherit)) {
    super_gen <- if (inherits(inherit, "R6ClassGenerator")) inherit else attr(inherit, "r6_class", exact = TRUE)
    if (!inherits(super_gen, "R6ClassGenerator"))
      cli::cli_abort(c("{.arg inherit} must be a class made by the same class function, or an R6 class.",
                       x = "Got {.obj_type_friendly {inherit}}."),
                     class = c("recurrent_error_argument", "recurrent_error"), call = call)
  }
  public <- list()
  actives <- lapply(active, drop_self_formal)
  for (nm in names(members)) {
    m <- members[[nm]]
    if (is.function(m) && isTRUE(attr(m, "recurrent_active"))) {
      f <- drop_self_formal(m)
      if (!"value" %in% names(formals(f))) formals(f) <- c(formals(f), alist(value = ))
      actives[[nm]] <- f
    } else if (is.function(m)) {
      public[[nm]] <- drop_self_formal(m)
    } else {
      public[[nm]] <- m
    }
  }
  private <- lapply(private, function(m) if (is.function(m)) drop_self_formal(m) else m)
  R6::R6Class(classname,
    inherit = .__recurrent_super__,
    public = public,
    private = if (length(private)) private else NULL,
    active = if (length(actives)) actives else NULL,
    lock_objects = FALSE,
    lock_class = FALSE,
    parent_env = user_class_env(parent_env, super_gen)
  )
}

# A constructor with initialize()'s formals: `wrap(gen$new(<args>))`.
make_user_constructor <- function(gen, wrap, class) {
  init <- find_initialize(gen)
  ctor <- function() {
    args <- capture_supplied_args(environment(), sys.function())
    wrap(do.call(gen$new, args))
  }
  formals(ctor) <- formals(init)
  environment(ctor) <- list2env(list(gen = gen, wrap = wrap), parent = asNamespace("recurrent"))
  structure(ctor, r6_class = gen, class = c(class, "recurrent_class_constructor", "function"))
}

#' @export
print.recurrent_class_constructor <- function(x, ...) {
  gen <- attr(x, "r6_class")
  cat(sprintf("<%s class %s>\n", sub("^recurrent_|_class$", "", class(x)[1]), gen$classname))
  cat(" signature: (", paste(names(formals(x)), collapse = ", "), ")\n", sep = "")
  invisible(x)
}

# A tensor or variable result as an R number (or array), as the training logs hold.
as_result_value <- function(x) {
  if (inherits(x, "recurrent_variable")) x <- x$value
  if (op_is_tensor(x)) x <- as.array(x)
  if (is.array(x) && length(x) == 1) x <- as.vector(x)
  x
}

#' @rdname Callback
#' @export
new_callback_class <- Callback
