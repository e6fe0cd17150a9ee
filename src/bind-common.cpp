// R values <-> core tensors: handles, index-preserving array copies, dtype and shape arguments.
#include "bind-common.h"

#include <R_ext/Memory.h>

#include "core/strided.h"

namespace bind {

namespace {

DType g_default_float = DType::Float32;

// R sees only small handles, so its collector does not feel the tensor buffers behind
// them; once they grow past a budget we ask R to collect, and raise the budget to twice
// what survives so that a large working set does not trigger a collection per op. A
// minor collection (R's gc(full = FALSE): a millisecond or two) frees the handles of
// recent results, where nearly all dead tensors are; a full one (about 50 ms with this
// package loaded) runs only when that leaves over half the budget live. Cheap
// collections allow a small budget, and a small budget keeps reusing the same memory:
// memory the process has not touched yet costs a page fault per 4 KB, about 16 us each
// on the VM of inst/bench/bench-conv.R (4 ms per MB of output).
constexpr int64_t kMinGcBudget = int64_t(128) << 20;
int64_t g_gc_budget = kMinGcBudget;

void maybe_collect() {
  if (recurrent::core::live_buffer_bytes() <= g_gc_budget) return;
  static SEXP minor = [] {
    SEXP f = Rf_ScalarLogical(FALSE);
    SEXP call = Rf_lang4(Rf_install("gc"), f, f, f);  // gc(verbose, reset, full)
    R_PreserveObject(call);
    return call;
  }();
  int failed = 0;
  R_tryEvalSilent(minor, R_BaseEnv, &failed);
  if (failed || recurrent::core::live_buffer_bytes() > g_gc_budget / 2) R_gc();
  g_gc_budget = std::max<int64_t>(kMinGcBudget, 2 * recurrent::core::live_buffer_bytes());
}

void finalize_handle(SEXP p) {
  auto* t = static_cast<Tensor*>(R_ExternalPtrAddr(p));
  if (t) {
    delete t;
    R_ClearExternalPtr(p);
  }
}

SEXP class_attr() {
  static SEXP cls = [] {
    SEXP c = Rf_allocVector(STRSXP, 2);
    R_PreserveObject(c);
    SET_STRING_ELT(c, 0, Rf_mkChar("recurrent_tensor"));
    SET_STRING_ELT(c, 1, Rf_mkChar("tensorflow.tensor"));
    return c;
  }();
  return cls;
}

// column(off, step) for each column of an R array of `shape` (a run along its first dim),
// in R's storage order: off is the tensor's row-major offset of the column's first
// element, step the row-major stride along the column.
template <typename F>
void for_each_r_column(const Shape& shape, F&& column) {
  namespace kernels = recurrent::core::kernels;
  // R's column-major order is the row-major order of the reversed dims
  const Shape reversed(shape.rbegin(), shape.rend());
  const kernels::Strides st = kernels::row_major_strides(shape);
  const kernels::Strides reversed_st(st.rbegin(), st.rend());
  kernels::for_each_row(reversed, reversed_st, [&](int64_t off) { column(off, st[0]); });
}

}  // namespace

DType default_float() { return g_default_float; }
void set_default_float(DType d) { g_default_float = d; }

bool is_tensor_handle(SEXP x) {
  if (TYPEOF(x) != EXTPTRSXP || R_ExternalPtrAddr(x) == nullptr) return false;
  // handles made by wrap() share one class vector: compare pointers before strings
  return Rf_getAttrib(x, R_ClassSymbol) == class_attr() || Rf_inherits(x, "recurrent_tensor");
}

SEXP wrap(const Tensor& t) {
  maybe_collect();
  SEXP p = PROTECT(R_MakeExternalPtr(new Tensor(t), R_NilValue, R_NilValue));
  R_RegisterCFinalizerEx(p, finalize_handle, TRUE);
  Rf_setAttrib(p, R_ClassSymbol, class_attr());
  UNPROTECT(1);
  return p;
}

Rcpp::List wrap_all(const std::vector<Tensor>& ts) {
  Rcpp::List out(ts.size());
  for (size_t i = 0; i < ts.size(); ++i) out[static_cast<R_xlen_t>(i)] = ts[i].defined() ? wrap(ts[i]) : R_NilValue;
  return out;
}

Tensor from_r_array(SEXP x, DType dtype) {
  SEXP dim = Rf_getAttrib(x, R_DimSymbol);
  const R_xlen_t n = Rf_xlength(x);
  Shape shape;
  if (dim != R_NilValue) {
    for (R_xlen_t i = 0; i < Rf_xlength(dim); ++i) shape.push_back(INTEGER(dim)[i]);
  } else if (n != 1) {
    shape.push_back(n);
  }
  Tensor t = Tensor::empty(shape, dtype);  // every element is copied from x below
  auto value = [&](R_xlen_t i) -> double {
    switch (TYPEOF(x)) {
      case REALSXP: return REAL(x)[i];
      case INTSXP: return INTEGER(x)[i] == NA_INTEGER ? NA_REAL : INTEGER(x)[i];
      case LGLSXP: return LOGICAL(x)[i] == NA_LOGICAL ? NA_REAL : LOGICAL(x)[i];
      default: return NA_REAL;
    }
  };
  recurrent::core::dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data<T>();
    const size_t nd = shape.size();
    if (nd <= 1) {
      for (R_xlen_t i = 0; i < n; ++i) p[i] = static_cast<T>(value(i));
      return 0;
    }
    const int64_t len = shape[0];
    R_xlen_t i = 0;
    for_each_r_column(shape, [&](int64_t off, int64_t step) {
      for (int64_t j = 0; j < len; ++j) p[off + j * step] = static_cast<T>(value(i++));
    });
    return 0;
  });
  return t;
}

SEXP to_r_array(const Tensor& t) {
  const int64_t n = t.size();
  const size_t nd = static_cast<size_t>(t.ndim());
  const SEXPTYPE type = t.dtype() == DType::Bool ? LGLSXP : (t.dtype() == DType::Int32 ? INTSXP : REALSXP);
  SEXP out = PROTECT(Rf_allocVector(type, static_cast<R_xlen_t>(n)));
  auto put = [&](int64_t r_index, double v) {
    switch (type) {
      case LGLSXP: LOGICAL(out)[r_index] = ISNAN(v) ? NA_LOGICAL : (v != 0); break;
      case INTSXP: INTEGER(out)[r_index] = ISNAN(v) ? NA_INTEGER : static_cast<int>(v); break;
      default: REAL(out)[r_index] = v;
    }
  };
  recurrent::core::dispatch(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* p = t.data<T>();
    if (nd <= 1) {
      for (int64_t i = 0; i < n; ++i) put(i, static_cast<double>(p[i]));
      return 0;
    }
    const int64_t len = t.dim(0);
    int64_t i = 0;
    for_each_r_column(t.shape(), [&](int64_t off, int64_t step) {
      for (int64_t j = 0; j < len; ++j) put(i++, static_cast<double>(p[off + j * step]));
    });
    return 0;
  });
  if (nd >= 1) {
    SEXP dim = PROTECT(Rf_allocVector(INTSXP, static_cast<R_xlen_t>(nd)));
    for (size_t k = 0; k < nd; ++k) INTEGER(dim)[k] = static_cast<int>(t.dim(static_cast<int>(k)));
    Rf_setAttrib(out, R_DimSymbol, dim);
    UNPROTECT(1);
  }
  UNPROTECT(1);
  return out;
}

Tensor peek_tensor(SEXP x) {
  if (TYPEOF(x) == EXTPTRSXP) {
    if (!is_tensor_handle(x)) throw recurrent::core::Error("expected a tensor, got an invalid or freed handle");
    return *static_cast<Tensor*>(R_ExternalPtrAddr(x));
  }
  if (TYPEOF(x) == ENVSXP) {  // a variable (R6 object) keeps its tensor in `handle`
    static SEXP handle_sym = Rf_install("handle");
    SEXP h = Rf_findVarInFrame(x, handle_sym);
    if (h != R_UnboundValue && is_tensor_handle(h)) return *static_cast<Tensor*>(R_ExternalPtrAddr(h));
    throw recurrent::core::Error("expected a tensor or a variable, got an environment without a tensor");
  }
  throw recurrent::core::Error(std::string("expected a tensor or a variable, got an object of type ") +
                               Rf_type2char(TYPEOF(x)));
}

Tensor as_tensor(SEXP x, const Tensor& like) {
  if (TYPEOF(x) == EXTPTRSXP || TYPEOF(x) == ENVSXP) {
    Tensor t = peek_tensor(x);
    if (recurrent::core::trace::Recorder* rec = recurrent::core::trace::active()) rec->note_read(t);
    return t;
  }
  DType dt;
  switch (TYPEOF(x)) {
    case REALSXP:
      dt = like.defined() && recurrent::core::is_float(like.dtype()) ? like.dtype() : g_default_float;
      break;
    case INTSXP: dt = like.defined() && recurrent::core::is_float(like.dtype()) ? like.dtype() : DType::Int32; break;
    case LGLSXP: dt = like.defined() && recurrent::core::is_float(like.dtype()) ? like.dtype() : DType::Bool; break;
    default:
      throw recurrent::core::Error(std::string("expected a tensor or a numeric/logical array, got an object of type ") +
                                   Rf_type2char(TYPEOF(x)));
  }
  return from_r_array(x, dt);
}

std::vector<Tensor> as_tensors(SEXP list) {
  if (TYPEOF(list) != VECSXP) return {as_tensor(list)};
  std::vector<Tensor> out;
  for (R_xlen_t i = 0; i < Rf_xlength(list); ++i) out.push_back(as_tensor(VECTOR_ELT(list, i)));
  return out;
}

DType dtype_arg(SEXP x) {
  if (Rf_isNull(x)) return g_default_float;
  return recurrent::core::dtype_from_name(Rcpp::as<std::string>(x));
}

Shape shape_arg(SEXP x) {
  Shape s;
  if (Rf_isNull(x)) return s;
  Rcpp::NumericVector v(x);
  for (double d : v) {
    if (ISNAN(d) || d < 0 || d != static_cast<double>(static_cast<int64_t>(d)))
      throw recurrent::core::Error("a shape needs known, non-negative whole-number dimensions");
    s.push_back(static_cast<int64_t>(d));
  }
  return s;
}

}  // namespace bind
