# Ops on symbolic tensors. In a functional model, `op_*()` functions, operators,
# math and summary functions and `[` applied to symbolic tensors (keras_input()
# outputs, layer outputs) record an operation node, as Keras's functional API does
# with its Operation objects: the node is an OperationLayer that holds the op and
# its non-tensor arguments, so the model replays it like any layer call. Output
# shapes and dtypes come from running the op itself on small placeholder tensors:
# one mechanism for every op, with no shape rules to keep in sync.
#
# Every exported `op_*()` function checks its supplied arguments for symbolic
# tensors first (see zzz-symbolic-dispatch.R, which adds that check to each of them
# once all R files are loaded).

# TRUE when an argument is or holds (in a plain list) a symbolic tensor.
is_symbolic_arg <- function(x) {
  inherits(x, "recurrent_symbolic_tensor") || (is.list(x) && !is.object(x) && has_symbolic(x))
}

OperationLayer <- R6::R6Class("Operation",
  inherit = LayerBase,
  lock_objects = FALSE,
  lock_class = FALSE,
  public = list(
    op_name = NULL,
    fn = NULL,
    args = NULL,
    r_function = NULL,
    initialize = function(op_name, fn, args, name = NULL, r_function = NULL) {
      super$initialize(name = name %||% unique_name(op_name))
      self$op_name <- op_name
      self$r_function <- r_function
      self$fn <- fn
      self$args <- args
      self$built <- TRUE
      # Keras names an operation's class after the op: one_hot -> OneHot
      class(self) <- unique(c(opnode_class_name(op_name), class(self)))
    },
    # `inputs` is the list of tensors standing in for the symbolic arguments,
    # in the order of their slots in `args`
    call = function(inputs) do.call(self$fn, fill_op_slots(self$args, inputs)),
    compute_output_shape = function(input_shape, ...) {
      cli::cli_abort("Use the symbolic tensor's {.field shape} for operation {.val {self$name}}.",
                     class = c("recurrent_error_not_implemented", "recurrent_error"), call = NULL)
    },
    # The op and its non-tensor arguments (tensor arguments are the node's inputs,
    # listed as `list(slot = i)`), for serialization.
    get_config = function() {
      list(name = self$name, op = self$op_name, args = opnode_config_args(self$args))
    }
  ),
  private = list(
    .s3_class = "keras.src.ops.operation.Operation",
    .mask_warned = TRUE,   # ops drop masks silently, as Keras's do
    convert_inputs = function(x) x
  )
)

opnode_class_name <- function(op_name) {
  parts <- strsplit(op_name, "_", fixed = TRUE)[[1]]
  paste0(toupper(substring(parts, 1, 1)), substring(parts, 2), collapse = "")
}

# Replace every symbolic tensor in an argument structure by a numbered slot; the
# symbolic tensors, in slot order, become the node's inputs.
make_op_slots <- function(args) {
  inputs <- list()
  walk <- function(x) {
    if (inherits(x, "recurrent_symbolic_tensor")) {
      inputs[[length(inputs) + 1L]] <<- x
      return(structure(list(length(inputs)), class = "recurrent_op_slot"))
    }
    if (is.list(x) && !is.object(x)) {
      nm <- names(x)
      x <- lapply(x, walk)
      names(x) <- nm
    }
    x
  }
  list(args = walk(args), inputs = inputs)
}

fill_op_slots <- function(args, values) {
  walk <- function(x) {
    if (inherits(x, "recurrent_op_slot")) return(values[[x[[1]]]])
    if (is.list(x) && !is.object(x)) {
      nm <- names(x)
      x <- lapply(x, walk)
      names(x) <- nm
    }
    x
  }
  walk(args)
}

opnode_config_args <- function(args) {
  walk <- function(x) {
    if (inherits(x, "recurrent_op_slot")) return(list(slot = x[[1]]))
    if (is.list(x) && !is.object(x)) {
      nm <- names(x)
      x <- lapply(x, walk)
      names(x) <- nm
      return(x)
    }
    if (identical(x, quote(expr = ))) return(NULL)
    if (is.function(x)) return("<function>")
    if (op_is_tensor(x)) return(as.array(x))
    x
  }
  walk(args)
}

# Record `fn(args)` as an operation node on the symbolic tensors in `args` and
# return its symbolic output(s).
symbolic_op <- function(op_name, fn, args, r_function = NULL) {
  slots <- make_op_slots(args)
  layer <- OperationLayer$new(op_name, fn, slots$args, r_function = r_function)
  specs <- opnode_output_specs(layer, slots$inputs)
  node <- new_node(layer, slots$inputs, extras = list())
  outs <- lapply(seq_along(specs$specs), function(i) {
    s <- specs$specs[[i]]
    new_symbolic_tensor(s$shape, s$dtype, node = node, index = i)
  })
  node$outputs <- outs
  node$single_output <- specs$single
  result <- if (specs$single) outs[[1]] else rebuild_structure(specs$template, outs)
  node$result <- result
  priv <- layer_private(layer)
  priv$.inbound_nodes <- list(node)
  wrap_layer(layer)
  result
}

# Shapes and dtypes of an op's outputs: the op runs on placeholders filled with
# ones (valid for 1-based ids and for logs and divisions), unknown dims set to 2 and
# then 3; a dim that differs between the runs is unknown. If only the second run
# fails, the first run's shapes stand; if the first fails, unknown dims of 1 are
# tried (an op that fixes an unknown dim, such as a reshape to a constant shape).
opnode_output_specs <- function(layer, inputs) {
  run <- function(fill) {
    vals <- lapply(inputs, function(kt) {
      dims <- vapply(kt$shape, function(d) if (is.null(d)) fill else d, 1L)
      cpp_full(dims, 1, kt$dtype)
    })
    without_gradient_recording(layer$call(vals))
  }
  unknown <- any_unknown_dim(inputs)
  fixed_by_op <- FALSE
  out1 <- rlang::try_fetch(run(2L), error = function(cnd) {
    # an op that fixes the batch size itself (a reshape to a constant shape) works
    # only with batch 1, as Keras's symbolic shape rules allow
    if (unknown) {
      one <- tryCatch(run(1L), error = function(e) NULL)
      if (!is.null(one)) {
        fixed_by_op <<- TRUE
        return(one)
      }
    }
    if (names_its_cause(cnd)) return(rlang::zap())
    cli::cli_abort("Operation {.fn op_{layer$op_name}} failed on symbolic input{?s} of shape {shape_strings(inputs)}.",
                   parent = cnd, class = c("recurrent_error_call", "recurrent_error"), call = NULL)
  })
  single <- inherits(out1, "recurrent_tensor")
  outs1 <- flatten_tensors(out1)
  if (!length(outs1))
    cli::cli_abort(c("Operation {.fn op_{layer$op_name}} on symbolic tensors must return tensors.",
                     x = "It returned {.obj_type_friendly {out1}}."),
                   class = c("recurrent_error_call", "recurrent_error"), call = NULL)
  shapes <- lapply(outs1, function(o) as.list(cpp_shape(o)))
  if (unknown && !fixed_by_op) {
    out2 <- tryCatch(run(3L), error = function(e) NULL)
    outs2 <- flatten_tensors(out2)
    for (i in seq_along(shapes)) {
      if (i > length(outs2)) break
      s2 <- as.list(cpp_shape(outs2[[i]]))
      if (length(s2) != length(shapes[[i]])) next
      for (j in seq_along(s2)) if (!identical(s2[[j]], shapes[[i]][[j]])) shapes[[i]][j] <- list(NULL)
    }
  }
  specs <- lapply(seq_along(outs1), function(i) list(shape = shapes[[i]], dtype = cpp_dtype(outs1[[i]])))
  list(specs = specs, single = single, template = if (!single) out1)
}

shape_strings <- function(inputs) vapply(inputs, function(kt) format_shape_tuple(kt$shape), "")

# The supplied arguments of an op call (from its frame), with `...` spliced in.
opnode_call_args <- function(fn, env) {
  args <- list()
  for (nm in names(formals(fn))) {
    if (nm == "...") {
      args <- c(args, eval(quote(rlang::list2(...)), env))
      next
    }
    if (eval(call("missing", as.name(nm)), env)) next
    args[nm] <- list(get(nm, envir = env))
  }
  args
}

# Called by each op_*() function when an argument is symbolic.
symbolic_op_call <- function(op_name, fn, env) {
  symbolic_op(sub("^(op|activation)_", "", op_name), fn, opnode_call_args(fn, env), r_function = op_name)
}

# ---- operators, math and summary functions on symbolic tensors ---------------------

ops_keras_names <- c("+" = "add", "-" = "subtract", "*" = "multiply", "/" = "true_divide", "^" = "power",
                     "%%" = "mod", "%/%" = "floor_divide", "==" = "equal", "!=" = "not_equal",
                     ">" = "greater", ">=" = "greater_equal", "<" = "less", "<=" = "less_equal",
                     "&" = "logical_and", "|" = "logical_or")

#' Operators and functions on symbolic tensors
#'
#' In a functional model, R's operators (`+`, `-`, `*`, `/`, `^`, `%%`,
#' `%/%`, comparisons, `&`, `|`, `!`, unary `-`), math functions (`exp()`,
#' `log()`, `abs()`, ...), summaries (`sum()`, `max()`, `mean()`, ...),
#' `t()`, `aperm()`, `%*%`, `[` and every `op_*()` function work on symbolic
#' tensors (from [keras_input()] or a layer called on one), as in keras3. Each
#' gives a symbolic tensor with the right shape and dtype and records an
#' operation node, so [keras_model()] replays it when the model runs; the
#' model's summary lists each operation as a row (such as `add (Add)`).
#'
#' `[` indexes the way keras3 does: 1-based, a negative index counts from the
#' end (`-1` is the last entry), a single index drops its axis, an empty index
#' keeps the whole axis. It works on eager tensors too.
#'
#' @param e1,e2,x,a,... Operands and arguments, as for tensors
#'   ([tensor-operators]).
#' @param na.rm Ignored.
#' @param axis,keepdims,perm As for tensors.
#' @param drop For `[`, must be `TRUE`: single indices drop their axis.
#' @returns A symbolic tensor.
#' @examples
#' inp <- keras_input(shape = c(4, 3))
#' h <- (inp * 2 + 1) |> op_mean(axis = 2)
#' out <- h[, 1:2]
#' out
#' model <- keras_model(inp, out)
#' predict(model, array(1, c(1, 4, 3)), verbose = 0)   # 3 3
#' @name symbolic-operators
NULL

# Operators with a symbolic operand (called by Ops.recurrent_tensor(), which is also
# the Ops method of symbolic tensors: see zzz-symbolic-dispatch.R).
symbolic_ops_generic <- function(generic, e1, e2) {
  if (missing(e2)) {
    if (generic == "+") return(e1)
    name <- switch(generic, "-" = "negative", "!" = "logical_not",
                   recurrent_abort("Unary {.code {generic}} is not defined for tensors."))
    f <- match.fun(generic)
    return(symbolic_op(name, function(x) f(x), list(x = e1), r_function = generic))
  }
  name <- ops_keras_names[[generic]]
  f <- match.fun(generic)
  symbolic_op(name, function(e1, e2) f(e1, e2), list(e1 = e1, e2 = e2), r_function = generic)
}

#' @rdname symbolic-operators
#' @export
Math.recurrent_symbolic_tensor <- function(x, ...) {
  generic <- .Generic
  f <- match.fun(generic)
  name <- switch(generic, ceiling = "ceil", cumsum = "cumsum", trunc = "trunc", generic)
  symbolic_op(name, function(x, ...) f(x, ...), c(list(x = x), list(...)), r_function = generic)
}

#' @rdname symbolic-operators
#' @export
Summary.recurrent_symbolic_tensor <- function(..., na.rm = FALSE) {
  generic <- .Generic
  f <- match.fun(generic)
  symbolic_op(generic, function(...) f(...), list(...), r_function = generic)
}

#' @rdname symbolic-operators
#' @export
mean.recurrent_symbolic_tensor <- function(x, axis = NULL, keepdims = FALSE, ...) {
  op_mean(x, axis = axis, keepdims = keepdims)
}

#' @rdname symbolic-operators
#' @export
t.recurrent_symbolic_tensor <- function(x) op_transpose(x)

#' @rdname symbolic-operators
#' @export
aperm.recurrent_symbolic_tensor <- function(a, perm = NULL, ...) op_transpose(a, perm)

# ---- `[` -----------------------------------------------------------------------------

#' @rdname symbolic-operators
#' @export
`[.recurrent_symbolic_tensor` <- function(x, ..., drop = TRUE) {
  idx <- capture_index_args(sys.call(), parent.frame(), ...length())
  if (!isTRUE(drop)) recurrent_abort("{.arg drop} = FALSE is not supported when indexing tensors.")
  # the index goes in the node's arguments (its config); an index may itself be symbolic
  symbolic_op("get_item", get_item, list(x = x, key = idx), r_function = "[")
}

#' @rdname symbolic-operators
#' @export
`[.recurrent_tensor` <- function(x, ..., drop = TRUE) {
  tensor_subset(x, capture_index_args(sys.call(), parent.frame(), ...length()), drop)
}

# The index arguments of a `[` call, with empty ones (x[, 1]) as NULL.
capture_index_args <- function(call, env, n) {
  exprs <- as.list(call)[-(1:2)]
  if (!is.null(names(exprs))) exprs <- exprs[names(exprs) != "drop"]
  lapply(exprs, function(e) if (identical(e, quote(expr = ))) NULL else eval(e, env))
}

# keras3's tensor indexing: 1-based, negative from the end, single index drops the axis.
tensor_subset <- function(x, idx, drop = TRUE) {
  if (!isTRUE(drop)) recurrent_abort("{.arg drop} = FALSE is not supported when indexing tensors.")
  d <- dim(x)
  if (length(idx) > length(d))
    recurrent_abort(c("Too many indices for a tensor with {length(d)} dimension{?s}.",
                      x = "Got {length(idx)} indices."))
  # last axis first, so that dropping an axis does not move the ones still to index
  for (k in rev(seq_along(idx))) {
    i <- idx[[k]]
    if (is.null(i)) next
    if (op_is_tensor(i)) i <- as.array(i)
    if (is.logical(i)) {
      if (length(i) != d[k]) recurrent_abort(c("A logical index must have one value per entry of its axis.",
                                               x = "Axis {k} has {d[k]} entries; got {length(i)} values."))
      i <- which(i)
    }
    if (!is_whole(i) || any(i == 0) || any(abs(i) > d[k]))
      recurrent_abort(c("Index {k} must hold whole numbers from 1 to {d[k]} (or -{d[k]} to -1, counting from the end).",
                        x = "Got {describe_value(i)}."))
    pos <- as.integer(ifelse(i < 0, d[k] + i, i - 1))
    if (length(pos) > 1 && length(pos) == d[k] && all(pos == seq_len(d[k]) - 1)) next
    # a single index drops its axis (op_take with a scalar); a vector keeps it
    x <- op_take(x, if (length(pos) == 1) pos else array(pos, length(pos)), axis = k, zero_indexed = TRUE)
  }
  x
}

# ---- operation nodes in saved models -------------------------------------------------
# A saved op node names the package function (or R operator) it calls and its
# non-tensor arguments; loading looks the function up by that name among the
# package's exported op_*/activation_* functions and a fixed list of R operators
# and group generics, so nothing from the file is run as code.

opnode_envelope <- function(layer) {
  r_fn <- layer$r_function
  if (is.null(r_fn))
    recurrent_abort(c("Operation {.val {layer$name}} cannot be saved.",
                      i = "It was recorded without the name of the function it calls."), call = NULL)
  list(module = "recurrent.ops", class_name = opnode_class_name(layer$op_name),
       config = list(name = layer$name, op = layer$op_name, `function` = r_fn,
                     args = opnode_args_json(opnode_config_args(layer$args))),
       registered_name = NULL)
}

math_group_generics <- c("abs", "sign", "sqrt", "floor", "ceiling", "trunc", "round", "signif", "exp", "log",
                         "expm1", "log1p", "cos", "sin", "tan", "cospi", "sinpi", "tanpi", "acos", "asin", "atan",
                         "cosh", "sinh", "tanh", "acosh", "asinh", "atanh", "lgamma", "gamma", "digamma",
                         "trigamma", "cumsum", "cumprod", "cummax", "cummin")
summary_group_generics <- c("max", "min", "range", "prod", "sum", "any", "all")

# The function of a `[` node: keras3's indexing of the tensor standing in for `x`.
get_item <- function(x, key) tensor_subset(x, key)

opnode_function <- function(r_fn) {
  bad <- function() recurrent_abort(c("The file names an operation {.val {r_fn}} that recurrent does not have.",
                                      i = "Operations load only as the package's own {.code op_*()} functions and R operators."),
                                    class = c("recurrent_error_unknown_class", "recurrent_error_file"), call = NULL)
  if (!is.character(r_fn) || length(r_fn) != 1) bad()
  if (grepl("^(op|activation)_[A-Za-z0-9_]+$", r_fn)) {
    if (!r_fn %in% getNamespaceExports("recurrent")) bad()
    return(getExportedValue("recurrent", r_fn))
  }
  if (identical(r_fn, "[")) return(get_item)
  if (identical(r_fn, "$_keras_mask")) return(keras_mask_of)
  if (r_fn %in% c(names(ops_keras_names), "-", "!")) {
    f <- match.fun(r_fn)
    return(function(x, e1, e2) if (!missing(x)) f(x) else f(e1, e2))
  }
  if (r_fn %in% math_group_generics) {
    f <- match.fun(r_fn)
    return(function(x, ...) f(x, ...))
  }
  if (r_fn %in% summary_group_generics) {
    f <- match.fun(r_fn)
    return(function(...) f(...))
  }
  bad()
}

op_layer_from_config <- function(cfg) {
  r_fn <- cfg[["function"]]
  fn <- opnode_function(r_fn)
  args <- opnode_args_from_json(cfg$args %||% list())
  OperationLayer$new(cfg$op %||% r_fn, fn, args, name = cfg$name, r_function = r_fn)
}

# Runs a loaded op node on the symbolic tensors of its inbound node.
replay_op_node <- function(layer, inputs) {
  if (inherits(inputs, "recurrent_symbolic_tensor")) inputs <- list(inputs)
  symbolic_op(layer$op_name, layer$fn, fill_op_slots(layer$args, inputs), r_function = layer$r_function)
}

# Op arguments as JSON: every R vector typed explicitly (`{"__r__": [...], "type": ...}`),
# so that axes, integer and double values and lists of indices come back as they were;
# arrays as Keras's "__numpy__" envelope; tensor slots as {"slot": i}.
opnode_args_json <- function(x) {
  if (is.null(x)) return(NULL)
  if (is.list(x) && identical(names(x), "slot")) return(x)
  if (is.list(x)) {
    nm <- names(x)
    out <- lapply(x, opnode_args_json)
    if (is.null(nm)) return(out)
    names(out) <- nm
    return(if (length(out)) out else empty_object())
  }
  if (!is.null(dim(x))) return(json_ready(x))
  if (is.atomic(x)) return(list(`__r__` = lapply(as.vector(x), function(v) if (is.na(v)) NULL else v), type = typeof(x)))
  recurrent_abort(c("An operation argument cannot be saved.", x = "Got {describe_value(x)}."), call = NULL)
}

opnode_args_from_json <- function(x) {
  if (!is.list(x)) return(x)
  if (identical(names(x), "slot")) return(structure(list(as.integer(x$slot)), class = "recurrent_op_slot"))
  if (setequal(names(x), c("__r__", "type"))) {
    type <- x$type
    if (!type %in% c("double", "integer", "logical", "character"))
      recurrent_abort("An operation argument in the file has the unknown type {.val {type}}.", call = NULL)
    vals <- lapply(x[["__r__"]], function(v) if (is.null(v)) NA else v)
    return(as.vector(unlist(vals), type))
  }
  if (identical(x$class_name, "__numpy__")) return(deserialize_value(x))
  nm <- names(x)
  out <- lapply(x, opnode_args_from_json)
  names(out) <- nm
  out
}
