// The fused GRU (reset gate after or before the recurrent matmul) forward and its hand-written BPTT.
#include <algorithm>
#include <type_traits>

#include "fused_common.h"

namespace recurrent {
namespace core {
namespace rnn {
namespace detail {

// Gates z r h (Keras order) in column blocks of G: (B, 3H) per step. With reset_after,
// the input projection already holds the recurrent bias of z and r (fused.cpp), and
// Aux keeps the recurrent h-part h_prev U_h + b_rec_h that the reset gate scales.
template <typename T>
static void gru_forward_after(Run<T>& r) {
  const int64_t B = r.B, H = r.H, kH = r.kH();
  std::vector<T> scratch(static_cast<size_t>(B * H));
  for (int64_t s = 0; s < r.S; ++s) {
    T* G = r.g(s);
    T* A = r.Aux.data() + s * B * H;
    const T* hp = r.h(s);
    T* hn = r.h(s + 1);
    rec_forward(r, hp, 0, 2, G, kH, scratch.data());
    if (r.b_rec)
      for (int64_t b = 0; b < B; ++b) std::copy(r.b_rec + 2 * H, r.b_rec + 3 * H, A + b * H);
    else
      std::fill(A, A + B * H, T(0));
    rec_forward(r, hp, 2, 3, A, H, scratch.data());
    T* Zs = r.store_pre ? r.Z.data() + s * B * kH : nullptr;
    for_rows(B, kH, [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b) {
        if (!r.is_valid(s, b)) {
          std::copy(hp + b * H, hp + (b + 1) * H, hn + b * H);
          continue;
        }
        T* gi = G + b * kH;
        if constexpr (std::is_same<T, float>::value) {
          if (!Zs && default_activations(r.act, r.rec)) {
            kernels::gru_step_f32(gi, A + b * H, hp + b * H, hn + b * H, H);
            continue;
          }
        }
        if (Zs) std::copy(gi, gi + 2 * H, Zs + b * kH);
        act_forward(r.rec, gi, 2 * H);                      // z, r
        kernels::mul_add(gi + H, A + b * H, gi + 2 * H, H);  // hh += r * (h_prev U_h + b_h)
        if (Zs) std::copy(gi + 2 * H, gi + 3 * H, Zs + b * kH + 2 * H);
        act_forward(r.act, gi + 2 * H, H);
        kernels::gru_state(gi, hp + b * H, gi + 2 * H, hn + b * H, H);
      }
    });
  }
}

// reset before: hh = act(x_h + (r * h_prev) U_h); Aux keeps r * h_prev (times the
// h-gate recurrent dropout mask), the left operand of that GEMM.
template <typename T>
static void gru_forward_before(Run<T>& r) {
  const int64_t B = r.B, H = r.H, kH = r.kH();
  std::vector<T> scratch(static_cast<size_t>(B * H));
  const T* rm_h = r.drec.none() ? nullptr : r.drec.gate(2);
  for (int64_t s = 0; s < r.S; ++s) {
    T* G = r.g(s);
    T* A = r.Aux.data() + s * B * H;
    const T* hp = r.h(s);
    T* hn = r.h(s + 1);
    T* Zs = r.store_pre ? r.Z.data() + s * B * kH : nullptr;
    rec_forward(r, hp, 0, 2, G, kH, scratch.data());
    for_rows(B, kH, [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b) {
        T* gi = G + b * kH;
        T* a = A + b * H;
        if (!r.is_valid(s, b)) {
          std::fill(a, a + H, T(0));  // finite, so the dU GEMM over all rows stays exact
          continue;
        }
        if (Zs) std::copy(gi, gi + 2 * H, Zs + b * kH);
        act_forward(r.rec, gi, 2 * H);
        mul_rows(gi + H, hp + b * H, a, H);  // r * h_prev
        if (rm_h) mul_rows(a, rm_h + b * H, a, H);
      }
    });
    gemm_packed(true, B, A, H, 1, r.packed(false, 2, 3), G + 2 * H, kH);
    for_rows(B, H, [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b) {
        if (!r.is_valid(s, b)) {
          std::copy(hp + b * H, hp + (b + 1) * H, hn + b * H);
          continue;
        }
        T* gi = G + b * kH;
        if (Zs) std::copy(gi + 2 * H, gi + 3 * H, Zs + b * kH + 2 * H);
        act_forward(r.act, gi + 2 * H, H);
        kernels::gru_state(gi, hp + b * H, gi + 2 * H, hn + b * H, H);
      }
    });
  }
}

template <typename T>
void gru_forward(Run<T>& r) {
  if (r.reset_after)
    gru_forward_after(r);
  else
    gru_forward_before(r);
}

// h = z h_prev + (1 - z) hh. The first half of both variants' step backward: from the
// gates in gi, d(z pre-activation) into dz and d(hh pre-activation) into dhh (each H,
// apart from gi), leaving the direct path z * dh in dh.
template <typename T>
static inline void gru_back_common(const Run<T>& r, const T* gi, const T* zs, const T* hpb, T* dz_p, T* dhh_p,
                                   T* dhb_p) {
  const int64_t H = r.H;
  kernels::gru_back_state(gi, gi + 2 * H, hpb, dhb_p, dz_p, dhh_p, H);
  act_backward(r.act, zs ? zs + 2 * H : nullptr, gi + 2 * H, dhh_p, H);
  act_backward(r.rec, zs, gi, dz_p, H);
}

template <typename T>
static void gru_backward_after(Run<T>& r, Back<T>& bk) {
  const int64_t B = r.B, H = r.H, kH = r.kH(), n = r.S * B;
  std::vector<T> scratch(static_cast<size_t>(B * H));
  T* dh = bk.dh.data();
  for (int64_t s = r.S - 1; s >= 0; --s) {
    add_output_grad(r, bk, s, dh);
    T* G = r.g(s);                    // gates in, d(input projection) out
    T* A = r.Aux.data() + s * B * H;  // h_prev U_h + b_rec_h in, its gradient out
    const T* hp = r.h(s);
    const T* Zs = r.store_pre ? r.Z.data() + s * B * kH : nullptr;
    for_rows(B, kH, [&](int64_t b0, int64_t b1) {
      std::vector<T> dg(static_cast<size_t>(kH)), da(static_cast<size_t>(H));
      for (int64_t b = b0; b < b1; ++b) {
        T* gi = G + b * kH;
        T* ab = A + b * H;
        if (!r.is_valid(s, b)) {
          std::fill(gi, gi + kH, T(0));
          std::fill(ab, ab + H, T(0));
          continue;
        }
        const T* zs = Zs ? Zs + b * kH : nullptr;
        T* d = dg.data();
        gru_back_common(r, gi, zs, hp + b * H, d, d + 2 * H, dh + b * H);
        mul_rows(d + 2 * H, ab, d + H, H);  // d r
        act_backward(r.rec, zs ? zs + H : nullptr, gi + H, d + H, H);
        mul_rows(d + 2 * H, gi + H, da.data(), H);  // d(h_prev U_h + b_h) = dhh * r
        std::copy(d, d + kH, gi);
        std::copy(da.begin(), da.end(), ab);
      }
    });
    rec_backward(r, G, kH, 0, 2, dh, scratch.data());
    rec_backward(r, A, H, 2, 3, dh, scratch.data());
  }
  const T* dXW = bk.dXW;
  const T* dA = r.Aux.data();
  if (bk.dU) {
    rec_weight_grad(r, r.h(0), true, dXW, kH, 0, 2, bk.dU);
    rec_weight_grad(r, r.h(0), true, dA, H, 2, 3, bk.dU);
  }
  if (bk.db_rec) {
    add_colsums(dXW, n, 2 * H, kH, bk.db_rec);
    add_colsums(dA, n, H, H, bk.db_rec + 2 * H);
  }
}

template <typename T>
static void gru_backward_before(Run<T>& r, Back<T>& bk) {
  const int64_t B = r.B, H = r.H, kH = r.kH();
  std::vector<T> scratch(static_cast<size_t>(B * H)), drh(static_cast<size_t>(B * H));
  const T* rm_h = r.drec.none() ? nullptr : r.drec.gate(2);
  T* dh = bk.dh.data();
  for (int64_t s = r.S - 1; s >= 0; --s) {
    add_output_grad(r, bk, s, dh);
    T* G = r.g(s);  // gates in, d(input projection) out: z and h blocks first, r after the GEMM
    const T* hp = r.h(s);
    const T* Zs = r.store_pre ? r.Z.data() + s * B * kH : nullptr;
    for_rows(B, kH, [&](int64_t b0, int64_t b1) {
      std::vector<T> dg(static_cast<size_t>(kH));
      for (int64_t b = b0; b < b1; ++b) {
        T* gi = G + b * kH;
        if (!r.is_valid(s, b)) {
          std::fill(gi, gi + kH, T(0));
          continue;
        }
        T* d = dg.data();
        gru_back_common(r, gi, Zs ? Zs + b * kH : nullptr, hp + b * H, d, d + 2 * H, dh + b * H);
        std::copy(d, d + H, gi);
        std::copy(d + 2 * H, d + 3 * H, gi + 2 * H);
      }
    });
    // d(r * h_prev * rm_h) = d(hh pre-activation) U_h^T
    gemm_packed(false, B, G + 2 * H, kH, 1, r.packed(true, 2, 3), drh.data(), H);
    for_rows(B, kH, [&](int64_t b0, int64_t b1) {
      std::vector<T> dg(static_cast<size_t>(H));
      for (int64_t b = b0; b < b1; ++b) {
        if (!r.is_valid(s, b)) continue;
        T* gi = G + b * kH;
        T* d = dg.data();
        T* dr = drh.data() + b * H;
        if (rm_h) mul_rows(dr, rm_h + b * H, dr, H);
        kernels::mul_add(dr, gi + H, dh + b * H, H);
        mul_rows(dr, hp + b * H, d, H);  // d r
        act_backward(r.rec, Zs ? Zs + b * kH + H : nullptr, gi + H, d, H);
        std::copy(d, d + H, gi + H);
      }
    });
    rec_backward(r, G, kH, 0, 2, dh, scratch.data());
  }
  if (bk.dU) {
    rec_weight_grad(r, r.h(0), true, bk.dXW, kH, 0, 2, bk.dU);
    rec_weight_grad(r, r.Aux.data(), false, bk.dXW + 2 * H, kH, 2, 3, bk.dU);
  }
}

template <typename T>
void gru_backward(Run<T>& r, Back<T>& bk) {
  if (r.reset_after)
    gru_backward_after(r, bk);
  else
    gru_backward_before(r, bk);
}

template void gru_forward<float>(Run<float>&);
template void gru_forward<double>(Run<double>&);
template void gru_backward<float>(Run<float>&, Back<float>&);
template void gru_backward<double>(Run<double>&, Back<double>&);

}  // namespace detail
}  // namespace rnn
}  // namespace core
}  // namespace recurrent
