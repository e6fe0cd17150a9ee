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

// Called by R when the package's DLL is unloaded (library.dynam.unload, unloadNamespace):
// no worker may outlive the code it runs.
extern "C" void R_unload_recurrent(DllInfo*) { recurrent::core::stop_threads(); }
