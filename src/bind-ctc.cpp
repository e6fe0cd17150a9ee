// Entry points for CTC: the loss (recorded for gradients and replay) and beam search.
#include "bind-common.h"
#include "core/ctc.h"

namespace ctc = recurrent::core::ctc;
using recurrent::core::Error;
using recurrent::core::Tensor;

// Per-row CTC losses; `blank` is 0-based.
// [[Rcpp::export(rng = false)]]
SEXP cpp_ctc_loss(SEXP target, SEXP output, SEXP target_length, SEXP output_length, int blank) {
  bind::Inputs ins{bind::as_tensor(output), bind::as_tensor(target), bind::as_tensor(target_length),
                   bind::as_tensor(output_length)};
  return bind::run_op("ctc_loss", bind::params(blank), ins, [blank](const bind::Inputs& in) {
    return ctc::loss(in[1], in[0], in[2], in[3], blank);
  });
}

// Beam search: list(paths (top_paths, batch, time) with -1 padding, scores (batch, top_paths)).
// [[Rcpp::export(rng = false)]]
Rcpp::List cpp_ctc_beam_search(SEXP inputs, Rcpp::NumericVector lengths, int beam_width, int top_paths, int blank) {
  bind::not_replayable();
  Tensor x = bind::as_tensor(inputs);
  if (beam_width < 1 || top_paths < 1) throw Error("op_ctc_decode: beam_width and top_paths must be at least 1");
  if (x.ndim() != 3) throw Error("op_ctc_decode: `inputs` must have shape (batch, time, classes)");
  if (lengths.size() != x.dim(0)) throw Error("op_ctc_decode: `sequence_lengths` must hold one length per row");
  std::vector<int64_t> lens;
  for (double v : lengths) lens.push_back(static_cast<int64_t>(v));
  std::vector<double> paths, scores;
  ctc::beam_search(x, lens, beam_width, top_paths, blank, paths, scores);
  const int64_t batch = x.dim(0), time = x.dim(1);
  Tensor p(recurrent::core::Shape{top_paths, batch, time}, recurrent::core::DType::Int32);
  std::copy(paths.begin(), paths.end(), p.data<double>());
  Tensor s(recurrent::core::Shape{batch, top_paths}, x.dtype() == recurrent::core::DType::Float64
                                                           ? recurrent::core::DType::Float64
                                                           : recurrent::core::DType::Float32);
  recurrent::core::dispatch(s.dtype(), [&](auto tag) {
    using T = decltype(tag);
    for (size_t i = 0; i < scores.size(); ++i) s.data<T>()[i] = static_cast<T>(scores[i]);
    return 0;
  });
  return Rcpp::List::create(bind::wrap(p), bind::wrap(s));
}
