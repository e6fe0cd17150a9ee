#' Instruction sets of the compiled kernels
#'
#' recurrent's hot kernels (the matrix products of every layer and of the fused
#' SimpleRNN, GRU and LSTM kernels, elementwise `+ - * /` in float32 and
#' float64, and the float32 `exp`, `tanh` and `sigmoid` of activations and gates) are compiled several times in the same
#' library: for the architecture's baseline (SSE2 on x86-64, NEON on aarch64),
#' and on x86-64 also for AVX2 with FMA and for AVX-512. The package's build
#' has no CPU-specific compiler flags, so one binary runs on any CPU of its
#' architecture; when the library is first used, it picks the fastest level the
#' CPU supports.
#'
#' `config_cpu_features()` tells which level is in use and which ones this CPU
#' could use. `config_set_cpu_level()` switches to another supported level, for
#' comparing their speed or results; the environment variable
#' `RECURRENT_CPU_LEVEL` (`"baseline"`, `"avx2"` or `"avx512"`), set before the
#' package is loaded, caps the level for the whole session. Every level computes
#' the same products; results may differ in the last bits, as the vector width
#' changes the order of some sums.
#'
#' @param level A level name from `config_cpu_features()$available`
#'   (`"baseline"` names the first one).
#' @returns `config_cpu_features()` returns a list: `level`, the level in use;
#'   `vector_bits`, its vector width; `available`, the levels this build and CPU
#'   support, lowest first; `cpu`, the relevant instruction sets the CPU
#'   reports; `requested`, the value of `RECURRENT_CPU_LEVEL` when the package
#'   loaded (`NULL` if unset). `config_set_cpu_level()` returns the previous
#'   level, invisibly.
#' @examples
#' config_cpu_features()$level
#' old <- config_set_cpu_level("baseline")
#' config_cpu_features()$level
#' config_set_cpu_level(old)
#' @export
config_cpu_features <- function() {
  f <- cpp_cpu_features()
  if (nzchar(f$request) && !isTRUE(f$request_valid)) {
    cli::cli_warn(c(
      "Ignored {.envvar RECURRENT_CPU_LEVEL} = {.val {f$request}}.",
      i = "Use one of {.val {c('baseline', 'avx2', 'avx512')}}."
    ))
  }
  list(
    level = f$level,
    vector_bits = f$vector_bits,
    available = f$available,
    cpu = f$cpu,
    requested = if (nzchar(f$request)) f$request else NULL
  )
}

#' @rdname config_cpu_features
#' @export
config_set_cpu_level <- function(level) {
  check_string(level)
  index <- cpp_cpu_level_index(level)
  if (index < 0L) {
    available <- cpp_cpu_features()$available
    recurrent_abort(c(
      "{.arg level} must be a level this build and CPU support.",
      i = "Available: {.val {available}}.",
      x = "Got {.val {level}}."
    ))
  }
  invisible(cpp_set_cpu_level(index))
}
