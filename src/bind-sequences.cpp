// pad_sequences()'s fill loop: copies each sequence (integer or double) into its
// row of a padded matrix, truncated and placed as R's pad_sequences() decided.
#include <Rcpp.h>
#include <cmath>

// [[Rcpp::export]]
SEXP cpp_pad_sequences(Rcpp::List sequences, int maxlen, bool pre_pad, bool pre_trunc, double value,
                       bool as_integer) {
  const R_xlen_t n = sequences.size();
  SEXP out = PROTECT(Rf_allocMatrix(as_integer ? INTSXP : REALSXP, static_cast<int>(n), maxlen));
  int* oi = as_integer ? INTEGER(out) : nullptr;
  double* od = as_integer ? nullptr : REAL(out);
  const R_xlen_t total = n * static_cast<R_xlen_t>(maxlen);
  for (R_xlen_t k = 0; k < total; ++k) {
    if (as_integer) oi[k] = static_cast<int>(std::trunc(value)); else od[k] = value;
  }
  for (R_xlen_t i = 0; i < n; ++i) {
    SEXP s = sequences[i];
    R_xlen_t len = Rf_xlength(s);
    if (len == 0 || maxlen == 0) continue;
    R_xlen_t from = 0, keep = len;
    if (len > maxlen) {
      keep = maxlen;
      if (pre_trunc) from = len - maxlen;
    }
    R_xlen_t col0 = pre_pad ? maxlen - keep : 0;
    // column-major: element (i, j) at i + j * n
    if (TYPEOF(s) == INTSXP || TYPEOF(s) == LGLSXP) {
      const int* src = TYPEOF(s) == INTSXP ? INTEGER(s) : LOGICAL(s);
      for (R_xlen_t j = 0; j < keep; ++j) {
        int v = src[from + j];
        R_xlen_t at = i + (col0 + j) * n;
        if (as_integer) oi[at] = v; else od[at] = v == NA_INTEGER ? NA_REAL : v;
      }
    } else if (TYPEOF(s) == REALSXP) {
      const double* src = REAL(s);
      for (R_xlen_t j = 0; j < keep; ++j) {
        double v = src[from + j];
        R_xlen_t at = i + (col0 + j) * n;
        if (as_integer) oi[at] = std::isnan(v) ? NA_INTEGER : static_cast<int>(std::trunc(v)); else od[at] = v;
      }
    } else {
      UNPROTECT(1);
      Rcpp::stop("sequence %d is not numeric", static_cast<int>(i + 1));
    }
  }
  UNPROTECT(1);
  return out;
}
