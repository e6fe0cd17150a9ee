// CTC loss (Graves et al. 2006, forward-backward over the label sequence with blanks
// interleaved, in log space) and prefix beam search.
#include "ctc.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <string>

#include "autograd.h"
#include "kernels.h"

namespace recurrent {
namespace core {
namespace ctc {

namespace {

const double kNegInf = -std::numeric_limits<double>::infinity();

inline double log_add(double a, double b) {
  if (a == kNegInf) return b;
  if (b == kNegInf) return a;
  const double m = std::max(a, b);
  return m + std::log1p(std::exp(-std::abs(a - b)));
}

// log-softmax of one row of `classes` values, in double.
template <typename T>
void log_softmax_row(const T* x, int64_t classes, double* out) {
  double m = kNegInf;
  for (int64_t k = 0; k < classes; ++k) m = std::max(m, static_cast<double>(x[k]));
  double s = 0.0;
  for (int64_t k = 0; k < classes; ++k) s += std::exp(static_cast<double>(x[k]) - m);
  const double lse = m + std::log(s);
  for (int64_t k = 0; k < classes; ++k) out[k] = static_cast<double>(x[k]) - lse;
}

int64_t length_at(const Tensor& lengths, int64_t b, int64_t max, const char* what) {
  const double v = lengths.at(b);
  if (!(v >= 0) || v != std::floor(v) || v > static_cast<double>(max))
    throw Error(std::string("op_ctc_loss: ") + what + " of row " + std::to_string(b + 1) + " must be a whole number in [0, " +
                std::to_string(max) + "], got " + std::to_string(v));
  return static_cast<int64_t>(v);
}

// One sequence: returns the loss and, when grad != nullptr, writes d loss / d logits
// (time_len x classes, rows past time_len untouched) into grad.
double sequence_loss(const double* logp, int64_t time_len, int64_t classes, const std::vector<int64_t>& label,
                     int64_t blank, double* grad) {
  const int64_t L = static_cast<int64_t>(label.size());
  const int64_t S = 2 * L + 1;
  auto sym = [&](int64_t s) { return (s % 2 == 0) ? blank : label[static_cast<size_t>(s / 2)]; };
  if (time_len == 0) return L == 0 ? 0.0 : std::numeric_limits<double>::infinity();
  std::vector<double> alpha(static_cast<size_t>(time_len * S), kNegInf);
  std::vector<double> beta(static_cast<size_t>(time_len * S), kNegInf);
  auto A = [&](int64_t t, int64_t s) -> double& { return alpha[static_cast<size_t>(t * S + s)]; };
  auto B = [&](int64_t t, int64_t s) -> double& { return beta[static_cast<size_t>(t * S + s)]; };
  auto lp = [&](int64_t t, int64_t k) { return logp[t * classes + k]; };
  // a label may be skipped to from two back unless it repeats the label before it
  auto can_skip = [&](int64_t s) { return s >= 2 && sym(s) != blank && sym(s) != sym(s - 2); };

  A(0, 0) = lp(0, blank);
  if (S > 1) A(0, 1) = lp(0, sym(1));
  for (int64_t t = 1; t < time_len; ++t) {
    for (int64_t s = 0; s < S; ++s) {
      double a = A(t - 1, s);
      if (s >= 1) a = log_add(a, A(t - 1, s - 1));
      if (can_skip(s)) a = log_add(a, A(t - 1, s - 2));
      A(t, s) = a == kNegInf ? kNegInf : a + lp(t, sym(s));
    }
  }
  const int64_t T1 = time_len - 1;
  double log_lik = A(T1, S - 1);
  if (S > 1) log_lik = log_add(log_lik, A(T1, S - 2));
  if (log_lik == kNegInf) {
    if (grad) std::fill(grad, grad + time_len * classes, 0.0);
    return std::numeric_limits<double>::infinity();
  }
  if (!grad) return -log_lik;

  B(T1, S - 1) = lp(T1, sym(S - 1));
  if (S > 1) B(T1, S - 2) = lp(T1, sym(S - 2));
  for (int64_t t = T1 - 1; t >= 0; --t) {
    for (int64_t s = 0; s < S; ++s) {
      double b = B(t + 1, s);
      if (s + 1 < S) b = log_add(b, B(t + 1, s + 1));
      if (s + 2 < S && can_skip(s + 2)) b = log_add(b, B(t + 1, s + 2));
      B(t, s) = b == kNegInf ? kNegInf : b + lp(t, sym(s));
    }
  }
  // d(-log p)/d logit[t, k] = softmax[t, k] - sum_{s: sym(s) = k} alpha beta / (p y[t, k])
  std::vector<double> occ(static_cast<size_t>(classes));
  for (int64_t t = 0; t < time_len; ++t) {
    std::fill(occ.begin(), occ.end(), kNegInf);
    for (int64_t s = 0; s < S; ++s) {
      const double ab = A(t, s) + B(t, s);
      if (ab != kNegInf) occ[static_cast<size_t>(sym(s))] = log_add(occ[static_cast<size_t>(sym(s))], ab);
    }
    for (int64_t k = 0; k < classes; ++k) {
      const double post = occ[static_cast<size_t>(k)] == kNegInf
                              ? 0.0
                              : std::exp(occ[static_cast<size_t>(k)] - lp(t, k) - log_lik);
      grad[t * classes + k] = std::exp(lp(t, k)) - post;
    }
  }
  return -log_lik;
}

}  // namespace

Tensor loss(const Tensor& labels, const Tensor& logits, const Tensor& label_length, const Tensor& logit_length,
            int64_t blank) {
  if (logits.ndim() != 3)
    throw Error("op_ctc_loss: `output` must have shape (batch, time, classes), got " + shape_str(logits.shape()));
  if (!is_float(logits.dtype())) throw Error("op_ctc_loss: `output` must be a float tensor");
  const int64_t batch = logits.dim(0), time = logits.dim(1), classes = logits.dim(2);
  if (labels.ndim() != 2 || labels.dim(0) != batch)
    throw Error("op_ctc_loss: `target` must have shape (" + std::to_string(batch) + ", max_label_length), got " +
                shape_str(labels.shape()));
  if (label_length.size() != batch || logit_length.size() != batch)
    throw Error("op_ctc_loss: `target_length` and `output_length` must hold one length per row (" +
                std::to_string(batch) + "), got " + std::to_string(label_length.size()) + " and " +
                std::to_string(logit_length.size()));
  if (blank < 0 || blank >= classes)
    throw Error("op_ctc_loss: `mask_index` must be a class of `output` (1 to " + std::to_string(classes) + "), got " +
                std::to_string(blank + 1));
  const int64_t max_label = labels.dim(1);
  const bool want_grad = ops::recording(logits);
  std::vector<double> losses(static_cast<size_t>(batch));
  std::vector<double> grad(want_grad ? static_cast<size_t>(batch * time * classes) : 0, 0.0);
  std::vector<double> logp(static_cast<size_t>(time * classes));
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t tl = length_at(logit_length, b, time, "output_length");
    const int64_t ll = length_at(label_length, b, max_label, "target_length");
    std::vector<int64_t> lab(static_cast<size_t>(ll));
    for (int64_t j = 0; j < ll; ++j) {
      const double v = labels.at(b * max_label + j);
      if (!(v >= 0) || v >= static_cast<double>(classes) || v != std::floor(v))
        throw Error("op_ctc_loss: target labels must be class ids in [0, " + std::to_string(classes - 1) +
                    "], got " + std::to_string(v) + " in row " + std::to_string(b + 1));
      if (static_cast<int64_t>(v) == blank)
        throw Error("op_ctc_loss: the target of row " + std::to_string(b + 1) +
                    " contains the mask (blank) class within its length");
      lab[static_cast<size_t>(j)] = static_cast<int64_t>(v);
    }
    dispatch(logits.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* x = logits.data<T>() + b * time * classes;
      for (int64_t t = 0; t < tl; ++t) log_softmax_row(x + t * classes, classes, logp.data() + t * classes);
      return 0;
    });
    losses[static_cast<size_t>(b)] =
        sequence_loss(logp.data(), tl, classes, lab, blank, want_grad ? grad.data() + b * time * classes : nullptr);
  }
  Tensor out(Shape{batch}, logits.dtype());
  dispatch(logits.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* o = out.data<T>();
    for (int64_t b = 0; b < batch; ++b) o[b] = static_cast<T>(losses[static_cast<size_t>(b)]);
    return 0;
  });
  if (!want_grad) return out;
  const Shape shape = logits.shape();
  const DType dt = logits.dtype();
  record("op_ctc_loss", {logits}, out, [grad, shape, dt, batch, time, classes](const std::vector<Tensor>& go) {
    Tensor g(shape, dt);
    const Tensor gout = go[0];
    dispatch(dt, [&](auto tag) {
      using T = decltype(tag);
      T* pg = g.data<T>();
      for (int64_t b = 0; b < batch; ++b) {
        const double scale = gout.at(b);
        for (int64_t i = 0; i < time * classes; ++i)
          pg[b * time * classes + i] = static_cast<T>(scale * grad[static_cast<size_t>(b * time * classes + i)]);
      }
      return 0;
    });
    return std::vector<Tensor>{g};
  });
  return out;
}

void beam_search(const Tensor& logits, const std::vector<int64_t>& lengths, int64_t beam_width, int64_t top_paths,
                 int64_t blank, std::vector<double>& paths, std::vector<double>& scores) {
  if (logits.ndim() != 3)
    throw Error("op_ctc_decode: `inputs` must have shape (batch, time, classes), got " + shape_str(logits.shape()));
  const int64_t batch = logits.dim(0), time = logits.dim(1), classes = logits.dim(2);
  paths.assign(static_cast<size_t>(top_paths * batch * time), -1.0);
  scores.assign(static_cast<size_t>(batch * top_paths), kNegInf);
  std::vector<double> logp(static_cast<size_t>(time * classes));
  using Prefix = std::vector<int64_t>;
  struct Score {
    double blank = kNegInf, label = kNegInf;  // log P(prefix, ending in blank / in its last label)
    double total() const { return log_add(blank, label); }
  };
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t tl = std::min(lengths[static_cast<size_t>(b)], time);
    dispatch(logits.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* x = logits.data<T>() + b * time * classes;
      for (int64_t t = 0; t < tl; ++t) log_softmax_row(x + t * classes, classes, logp.data() + t * classes);
      return 0;
    });
    std::map<Prefix, Score> beams;
    beams[Prefix{}].blank = 0.0;
    for (int64_t t = 0; t < tl; ++t) {
      std::map<Prefix, Score> next;
      const double* lp = logp.data() + t * classes;
      for (const auto& [prefix, sc] : beams) {
        const double here = sc.total();
        // a blank keeps the prefix, now ending in a blank
        next[prefix].blank = log_add(next[prefix].blank, here + lp[blank]);
        for (int64_t k = 0; k < classes; ++k) {
          if (k == blank) continue;
          if (!prefix.empty() && prefix.back() == k) {
            // the same label again collapses into the prefix, unless a blank came between
            next[prefix].label = log_add(next[prefix].label, sc.label + lp[k]);
            Prefix ext = prefix;
            ext.push_back(k);
            next[ext].label = log_add(next[ext].label, sc.blank + lp[k]);
          } else {
            Prefix ext = prefix;
            ext.push_back(k);
            next[ext].label = log_add(next[ext].label, here + lp[k]);
          }
        }
      }
      // keep the beam_width most likely prefixes
      std::vector<std::pair<double, const Prefix*>> ranked;
      ranked.reserve(next.size());
      for (const auto& kv : next) ranked.push_back({kv.second.total(), &kv.first});
      const size_t keep = std::min(ranked.size(), static_cast<size_t>(beam_width));
      std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(keep), ranked.end(),
                        [](const auto& a, const auto& c) { return a.first > c.first; });
      std::map<Prefix, Score> kept;
      for (size_t i = 0; i < keep; ++i) kept[*ranked[i].second] = next[*ranked[i].second];
      beams = std::move(kept);
    }
    std::vector<std::pair<double, const Prefix*>> ranked;
    for (const auto& kv : beams) ranked.push_back({kv.second.total(), &kv.first});
    std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& c) { return a.first > c.first; });
    for (int64_t p = 0; p < top_paths && p < static_cast<int64_t>(ranked.size()); ++p) {
      scores[static_cast<size_t>(b * top_paths + p)] = ranked[static_cast<size_t>(p)].first;
      const Prefix& pre = *ranked[static_cast<size_t>(p)].second;
      for (size_t j = 0; j < pre.size() && static_cast<int64_t>(j) < time; ++j)
        paths[static_cast<size_t>((p * batch + b) * time) + j] = static_cast<double>(pre[j]);
    }
  }
}

}  // namespace ctc
}  // namespace core
}  // namespace recurrent
