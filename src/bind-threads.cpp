// Entry points of the kernels' thread setting (core/parallel.h) and the hook that stops
// the worker threads before R unloads the shared library.
#include <R_ext/Rdynload.h>
#include <Rcpp.h>

#include "core/parallel.h"

// [[Rcpp::export(rng = false)]]
int cpp_num_threads() { return recurrent::core::num_threads(); }

// [[Rcpp::export(rng = false)]]
void cpp_set_num_threads(int n) {
  if (n < 1) Rcpp::stop("the number of threads must be at least 1");
  recurrent::core::set_num_threads(n);
}

// Called by R when the package's DLL is unloaded (library.dynam.unload()): no worker may
// outlive the code it runs.
extern "C" void R_unload_recurrent(DllInfo*) { recurrent::core::stop_threads(); }

// R finds R_unload_<pkg> through R_dlsym(), which with R_useDynamicSymbols(dll, FALSE)
// (RcppExports.cpp's R_init_recurrent) sees registered routines only. So the hook is
// registered too, as a .C routine: R_registerRoutines() with only C routines keeps the
// .Call table that R_init_recurrent registered. Called at the end of R_init_recurrent.
// [[Rcpp::init]]
void recurrent_register_unload_hook(DllInfo* dll) {
  static const R_CMethodDef c_routines[] = {
      {"R_unload_recurrent", reinterpret_cast<DL_FUNC>(&R_unload_recurrent), 1, nullptr},
      {nullptr, nullptr, 0, nullptr}};
  R_registerRoutines(dll, c_routines, nullptr, nullptr, nullptr);
  R_useDynamicSymbols(dll, FALSE);
}
