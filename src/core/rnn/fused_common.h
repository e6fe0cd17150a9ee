// Shared machinery of the fused RNN kernels: activations, GEMM wrappers, dropout masks,
// and the per-call state (Run) that the forward pass fills and the backward pass reads.
#pragma once

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "../parallel.h"
#include "../tensor.h"
#include "fused.h"
#include "../kernels/cells.h"
#include "../kernels/dispatch.h"
#include "../kernels/maths.h"
#include "gemm.h"

namespace recurrent {
namespace core {
namespace rnn {
namespace detail {

// ---- activations ----------------------------------------------------------------

// HardSigmoidKeras2 is clip(0.2 x + 0.5, 0, 1), the hard_sigmoid of Keras 1/2 and tf.keras,
// kept for models loaded from files those versions saved (their weights were trained with it).
enum class Act { Linear, Tanh, Sigmoid, HardSigmoid, HardSigmoidKeras2, Relu, Relu6, Elu, Selu, Softplus, Softsign, Swish, Exponential };

Act act_from_name(const std::string& name, const char* arg);  // throws Error for unknown names

// Backward gets each derivative from the activation's output, which the forward pass
// keeps anyway; only swish needs its input as well.
inline bool act_needs_input(Act a) { return a == Act::Swish; }

// Eigen's array views, for code outside the cells (the cells' own pointwise passes run on
// the dispatched kernels: the pointwise helpers below and kernels/cells.h).
template <typename T>
using ArrMap = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;
template <typename T>
using CArrMap = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;

// Keras 3 constants (keras/src/activations/activations.py).
constexpr double kSeluAlpha = 1.67326324235437728481704299167171;
constexpr double kSeluScale = 1.05070098735548049341933498529460;

// p[0..n) <- act(p[0..n)), in place (activations.cpp: compiled once, not in every cell).
template <typename T>
void act_forward(Act a, T* p, int64_t n);

// g[0..n) *= act'(x), given y = act(x) (and x itself when act_needs_input(a)).
template <typename T>
void act_backward(Act a, const T* x, const T* y, T* g, int64_t n);

// ---- GEMM over row-major buffers ----------------------------------------------------
// Every matrix product of the kernels goes through gemm.h: one-off products (input
// projection, weight gradients) pack both operands per call; the per-step products
// use weights packed once per call (Run::packed).

// C (m, n) = or += A (m, k) B (k, n)
template <typename T>
inline void gemm_nn(bool acc, int64_t m, int64_t n, int64_t k, const T* A, int64_t lda, const T* B, int64_t ldb,
                    T* C, int64_t ldc) {
  gemm_strided(acc, m, n, k, A, lda, 1, B, ldb, 1, C, ldc);
}

// C (m, n) = or += A (m, k) B^T, B stored (n, k)
template <typename T>
inline void gemm_nt(bool acc, int64_t m, int64_t n, int64_t k, const T* A, int64_t lda, const T* B, int64_t ldb,
                    T* C, int64_t ldc) {
  gemm_strided(acc, m, n, k, A, lda, 1, B, 1, ldb, C, ldc);
}

// C (m, n) = or += A^T B, A stored (k, m), B (k, n)
template <typename T>
inline void gemm_tn(bool acc, int64_t m, int64_t n, int64_t k, const T* A, int64_t lda, const T* B, int64_t ldb,
                    T* C, int64_t ldc) {
  gemm_strided(acc, m, n, k, A, 1, lda, B, ldb, 1, C, ldc);
}

// ---- threads ----------------------------------------------------------------------------

// fn(b0, b1) over the batch rows [0, B): one call on this thread, or with more threads
// (parallel.h) and at least kParallelRows values of work, one contiguous block of rows per
// thread. Each row's arithmetic is the same either way.
constexpr int64_t kParallelRows = int64_t(1) << 14;
template <typename F>
inline void for_rows(int64_t B, int64_t work_per_row, F&& fn) {
  const int64_t threads = num_threads();
  if (threads <= 1 || B < 2 || B * work_per_row < kParallelRows) return fn(int64_t(0), B);
  const int64_t tasks = std::min(threads, B);
  parallel_for(tasks, [&](int64_t t) { fn(B * t / tasks, B * (t + 1) / tasks); });
}

// ---- dropout masks --------------------------------------------------------------------

// A dropout mask fixed across timesteps (Keras samples one per batch): none, one
// (B, D) mask shared by every gate, or one per gate (k, B, D) as Keras's
// implementation 1 uses when recurrent_dropout > 0.
template <typename T>
struct Dropout {
  enum class Mode { None, Shared, PerGate };
  Mode mode = Mode::None;
  int64_t B = 0, D = 0;
  std::vector<T> data;
  bool none() const { return mode == Mode::None; }
  bool per_gate() const { return mode == Mode::PerGate; }
  const T* gate(int g) const { return data.data() + (mode == Mode::PerGate ? g * B * D : 0); }
};

// ---- pointwise passes on the dispatched kernels (kernels/dispatch.h, cells.h) -------------

// dst = src * m over n values (dst may be src or m)
template <typename T>
inline void mul_rows(const T* src, const T* m, T* dst, int64_t n) {
  kernels::arith(kernels::kMul, kernels::kBothArrays, src, m, dst, n);
}

// o += x over n values
template <typename T>
inline void add_rows(const T* x, T* o, int64_t n) {
  kernels::arith(kernels::kAdd, kernels::kBothArrays, o, x, o, n);
}

// Sigmoid gates and tanh (Keras's defaults): in float32 the cells then run one kernel per
// row (kernels/cells.h).
inline bool default_activations(Act act, Act rec) { return act == Act::Tanh && rec == Act::Sigmoid; }

// ---- per-call state ---------------------------------------------------------------------

// A recurrent transformation in place of the product with U, for cells whose rows are
// not batch rows: ConvLSTM's recurrent convolution (conv_lstm.cpp), over rows that are
// (batch, position) pairs. It covers all k gates and applies its own recurrent dropout.
template <typename T>
struct RecurrentMap {
  virtual ~RecurrentMap() = default;
  virtual void forward(const T* h, T* dst) = 0;   // dst (rows, kH) += rec(h); h (rows, H)
  virtual void backward(const T* dR, T* dh) = 0;  // dh (rows, H) += rec^T(dR); dR (rows, kH)
};

// A work buffer, uninitialised: a core tensor when backward keeps it (so the bindings'
// memory accounting sees it), else scratch that goes with the call.
template <typename T>
struct Store {
  Tensor t;
  AlignedBuf<T> a;
  T* p = nullptr;
  void alloc(int64_t n, bool kept, DType dtype) {
    if (kept) {
      t = Tensor::empty(Shape{n}, dtype);  // every value is written before it is read
      p = t.template data<T>();
    } else {
      a.resize(std::max<int64_t>(n, 1));
      p = a.data();
    }
  }
  T* data() const { return p; }
};

// Everything one fused call computes and what its backward pass needs. Large buffers
// are core tensors so the bindings' memory accounting sees them.
template <typename T>
struct Run {
  FusedSpec::Kind kind = FusedSpec::Kind::Lstm;
  int64_t B = 0, S = 0, I = 0, H = 0, k = 1;  // S = timesteps
  Act act = Act::Tanh, rec = Act::Sigmoid;
  bool reset_after = true, go_backwards = false, return_sequences = false, zero_output_for_mask = false;
  bool store_pre = false;  // keep pre-activations in Z (an activation's derivative needs its input)
  DType dtype = DType::Float32;
  bool keep = false;      // recording: the buffers below outlive the call, for backward
  bool consumed = false;  // a backward pass has overwritten G (and Aux) with gradients
  std::vector<T> bias_in;  // (kH) input-projection bias, kept to rerun the forward pass

  Store<T> xs;                         // (S*B, I) time-major in processing order; x * mask when shared
  std::vector<unsigned char> valid;  // (S*B): step s of row b is unmasked; empty = all unmasked
  std::vector<unsigned char> emit;   // (S*B): output at (s, b) is the state; else zeros
  Dropout<T> din, drec;

  Tensor kernel, recurrent_kernel, bias;  // kept alive for backward
  const T* W = nullptr;                   // (I, kH)
  const T* U = nullptr;                   // (H, kH)
  const T* b_in = nullptr;                // (kH) added to the input projection, or null
  const T* b_rec = nullptr;               // (kH) recurrent bias, GRU reset_after only
  RecurrentMap<T>* rec_map = nullptr;     // when set, replaces h U and drec (LSTM only)

  Store<T> G;     // (S*B, kH): input projection; after forward, per-step gate activations
  Store<T> Hall;  // ((S+1)*B, H): h before step 0 and after every step
  Store<T> Call;  // ((S+1)*B, H): LSTM carry, same layout
  Store<T> Aux;   // (S*B, H): GRU, recurrent h-part (reset_after) or r * h_prev (reset before)
  Store<T> Z;     // (S*B, kH): pre-activations when store_pre

  // recurrent_kernel column blocks of gates [g0, g1), packed once: U[:, gates] for the
  // forward steps and its transpose for the backward steps
  std::map<int, std::unique_ptr<PackedB<T>>> packs;
  const PackedB<T>& packed(bool transposed, int g0, int g1) {
    std::unique_ptr<PackedB<T>>& p = packs[(transposed ? 100 : 0) + 10 * g0 + g1];
    if (!p) {
      p.reset(new PackedB<T>());
      if (transposed)
        p->pack(U + g0 * H, 1, kH(), (g1 - g0) * H, H);
      else
        p->pack(U + g0 * H, kH(), 1, H, (g1 - g0) * H);
    }
    return *p;
  }

  int64_t kH() const { return k * H; }
  bool masked() const { return !valid.empty(); }
  bool is_valid(int64_t s, int64_t b) const { return valid.empty() || valid[static_cast<size_t>(s * B + b)]; }
  T* g(int64_t s) { return G.data() + s * B * kH(); }
  T* h(int64_t s) { return Hall.data() + s * B * H; }  // h(0) = initial, h(s + 1) = after step s
  T* c(int64_t s) { return Call.data() + s * B * H; }
};

// The gradient state the backward step loops carry and produce.
template <typename T>
struct Back {
  std::vector<T> dh, dc;  // (B, H): d(loss)/d(state after the current step), then of the initial state
  const T* dout = nullptr;   // d(loss)/d(output): (B, S, H) with return_sequences, else (B, H); may be null
  T* dXW = nullptr;          // (S*B, kH): d(loss)/d(input projection incl. input bias); written
                             // over the gate activations in Run::G, step by step
  T* dU = nullptr;           // (H, kH) or null when not wanted
  bool dU_from_dXW = false;  // dU = h_prev^T dXW, left to the input side (shares dXW's packing with dW)
  T* db_rec = nullptr;       // (kH) GRU reset_after recurrent bias, or null
};

// Adds the output gradient of step s to dh: the output at (s, b) is the state after
// step s when emitted, else a constant zero.
template <typename T>
inline void add_output_grad(const Run<T>& r, const Back<T>& bk, int64_t s, T* dh) {
  if (!bk.dout) return;
  if (!r.return_sequences && s != r.S - 1) return;
  for (int64_t b = 0; b < r.B; ++b) {
    if (!r.emit.empty() && !r.emit[static_cast<size_t>(s * r.B + b)]) continue;
    const T* src = r.return_sequences ? bk.dout + (b * r.S + s) * r.H : bk.dout + b * r.H;
    add_rows(src, dh + b * r.H, r.H);
  }
}

// dst (B, gates [g0, g1)) += (h * rm_g) U[:, gates]; dst has row stride ld. scratch: B*H.
template <typename T>
inline void rec_forward(Run<T>& r, const T* h, int g0, int g1, T* dst, int64_t ld, T* scratch) {
  if (r.rec_map) return r.rec_map->forward(h, dst);  // LSTM: all gates, ld = kH
  const int64_t B = r.B, H = r.H;
  if (!r.drec.per_gate()) {
    const T* hin = h;
    if (!r.drec.none()) {
      mul_rows(h, r.drec.gate(0), scratch, B * H);
      hin = scratch;
    }
    gemm_packed(true, B, hin, H, 1, r.packed(false, g0, g1), dst, ld);
    return;
  }
  for (int g = g0; g < g1; ++g) {
    mul_rows(h, r.drec.gate(g), scratch, B * H);
    gemm_packed(true, B, scratch, H, 1, r.packed(false, g, g + 1), dst + (g - g0) * H, ld);
  }
}

// dh (B, H) += sum over gates g in [g0, g1) of (dR_g U_g^T) * rm_g; dR has row stride ld
// and holds the gates' columns from g0 on. scratch: B*H.
template <typename T>
inline void rec_backward(Run<T>& r, const T* dR, int64_t ld, int g0, int g1, T* dh, T* scratch) {
  if (r.rec_map) return r.rec_map->backward(dR, dh);  // LSTM: all gates, ld = kH
  const int64_t B = r.B, H = r.H;
  if (r.drec.none()) {
    gemm_packed(true, B, dR, ld, 1, r.packed(true, g0, g1), dh, H);
    return;
  }
  if (!r.drec.per_gate()) {
    gemm_packed(false, B, dR, ld, 1, r.packed(true, g0, g1), scratch, H);
    kernels::mul_add(scratch, r.drec.gate(0), dh, B * H);
    return;
  }
  for (int g = g0; g < g1; ++g) {
    gemm_packed(false, B, dR + (g - g0) * H, ld, 1, r.packed(true, g, g + 1), scratch, H);
    kernels::mul_add(scratch, r.drec.gate(g), dh, B * H);
  }
}

// dU[:, gates [g0, g1)] = sum over all steps of (hsrc_s * rm_g)^T dR_g: one GEMM over
// the S*B rows. hsrc (S*B, H) are the recurrent GEMM's left operands before the
// recurrent dropout mask (apply_mask = false when they already include it).
template <typename T>
inline void rec_weight_grad(const Run<T>& r, const T* hsrc, bool apply_mask, const T* dR, int64_t ld, int g0,
                            int g1, T* dU) {
  const int64_t B = r.B, H = r.H, kH = r.kH(), n = r.S * B;
  if (!apply_mask || r.drec.none()) {
    gemm_tn(false, H, (g1 - g0) * H, n, hsrc, H, dR, ld, dU + g0 * H, kH);
    return;
  }
  AlignedBuf<T> hm;
  hm.resize(n * H);
  auto fill = [&](int g) {
    const T* m = r.drec.gate(g);
    for (int64_t s = 0; s < r.S; ++s) mul_rows(hsrc + s * B * H, m, hm.data() + s * B * H, B * H);
  };
  if (!r.drec.per_gate()) {
    fill(0);
    gemm_tn(false, H, (g1 - g0) * H, n, hm.data(), H, dR, ld, dU + g0 * H, kH);
    return;
  }
  for (int g = g0; g < g1; ++g) {
    fill(g);
    gemm_tn(false, H, H, n, hm.data(), H, dR + (g - g0) * H, ld, dU + g * H, kH);
  }
}

// Column sums of a (rows, cols) row-major block with row stride ld, added into out.
template <typename T>
inline void add_colsums(const T* a, int64_t rows, int64_t cols, int64_t ld, T* out) {
  for (int64_t i = 0; i < rows; ++i) add_rows(a + i * ld, out, cols);  // row by row: contiguous
}

// ---- the cells (lstm.cpp, gru.cpp, simple.cpp) ------------------------------------------

// Forward: G holds the input projection (incl. input bias); fills Hall/Call from h(0)/c(0)
// and leaves gate activations in G (plus Aux / Z as the cell needs).
template <typename T> void lstm_forward(Run<T>& r);
template <typename T> void gru_forward(Run<T>& r);
template <typename T> void simple_forward(Run<T>& r);

// Backward: from bk.dh / bk.dc (gradients of the final states) and bk.dout, fills
// bk.dXW, bk.dU (and bk.db_rec) and leaves the initial states' gradients in bk.dh / bk.dc.
// bk.dXW is r.G: step s's gradients replace step s's gates once they are read (GRU with
// reset_after also turns Aux into its gradient), so a second backward pass over the
// same call must first rerun the forward pass (fused.cpp).
template <typename T> void lstm_backward(Run<T>& r, Back<T>& bk);
template <typename T> void gru_backward(Run<T>& r, Back<T>& bk);
template <typename T> void simple_backward(Run<T>& r, Back<T>& bk);

}  // namespace detail
}  // namespace rnn
}  // namespace core
}  // namespace recurrent
