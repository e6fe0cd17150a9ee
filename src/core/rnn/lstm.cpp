// The fused LSTM: per-step recurrent GEMM + pointwise gates forward, and its hand-written BPTT.
#include <algorithm>
#include <type_traits>

#include "fused_common.h"

namespace recurrent {
namespace core {
namespace rnn {
namespace detail {

// Gates i f c o (Keras order), in column blocks of G: (B, 4H) per step.
template <typename T>
void lstm_forward(Run<T>& r) {
  const int64_t B = r.B, H = r.H, kH = r.kH();
  std::vector<T> scratch(static_cast<size_t>(B * H));
  for (int64_t s = 0; s < r.S; ++s) {
    T* G = r.g(s);
    const T* hp = r.h(s);
    const T* cp = r.c(s);
    T* hn = r.h(s + 1);
    T* cn = r.c(s + 1);
    rec_forward(r, hp, 0, 4, G, kH, scratch.data());
    if (r.store_pre) std::copy(G, G + B * kH, r.Z.data() + s * B * kH);
    for_rows(B, kH, [&](int64_t b0, int64_t b1) {
      std::vector<T> ac(static_cast<size_t>(H));
      for (int64_t b = b0; b < b1; ++b) {
        if (!r.is_valid(s, b)) {  // a masked step carries both states; its gates are never read
          std::copy(hp + b * H, hp + (b + 1) * H, hn + b * H);
          std::copy(cp + b * H, cp + (b + 1) * H, cn + b * H);
          continue;
        }
        T* gi = G + b * kH;
        if constexpr (std::is_same<T, float>::value) {
          if (default_activations(r.act, r.rec)) {
            kernels::lstm_step_f32(gi, cp + b * H, cn + b * H, hn + b * H, H);
            continue;
          }
        }
        act_forward(r.rec, gi, 2 * H);  // i, f
        act_forward(r.act, gi + 2 * H, H);
        act_forward(r.rec, gi + 3 * H, H);
        kernels::lstm_state(gi, gi + H, gi + 2 * H, cp + b * H, cn + b * H, H);
        std::copy(cn + b * H, cn + (b + 1) * H, ac.data());
        act_forward(r.act, ac.data(), H);
        mul_rows(gi + 3 * H, ac.data(), hn + b * H, H);  // h = o act(c)
      }
    });
  }
}

template <typename T>
void lstm_backward(Run<T>& r, Back<T>& bk) {
  const int64_t B = r.B, H = r.H, kH = r.kH();
  std::vector<T> scratch(static_cast<size_t>(B * H));
  T* dXW = bk.dXW;
  T* dh = bk.dh.data();
  T* dc = bk.dc.data();
  for (int64_t s = r.S - 1; s >= 0; --s) {
    add_output_grad(r, bk, s, dh);
    T* G = r.g(s);  // gates of step s in, their gradients out
    const T* cp = r.c(s);
    const T* cn = r.c(s + 1);
    const T* Zs = r.store_pre ? r.Z.data() + s * B * kH : nullptr;
    for_rows(B, kH, [&](int64_t b0, int64_t b1) {
      std::vector<T> ac(static_cast<size_t>(H)), dct(static_cast<size_t>(H)), dg(static_cast<size_t>(kH));
      for (int64_t b = b0; b < b1; ++b) {
        T* gi = G + b * kH;
        if (!r.is_valid(s, b)) {  // gradients pass through a masked step unchanged
          std::fill(gi, gi + kH, T(0));
          continue;
        }
        T* dhb = dh + b * H;
        if constexpr (std::is_same<T, float>::value) {
          if (default_activations(r.act, r.rec)) {
            kernels::lstm_back_f32(gi, cp + b * H, cn + b * H, dhb, dc + b * H, H);
            std::fill(dhb, dhb + H, T(0));  // h_{t-1} reaches this step only through the recurrent GEMM
            continue;
          }
        }
        T* d = dg.data();
        std::copy(cn + b * H, cn + (b + 1) * H, ac.data());
        act_forward(r.act, ac.data(), H);
        mul_rows(dhb, ac.data(), d + 3 * H, H);        // d o
        mul_rows(dhb, gi + 3 * H, dct.data(), H);      // d c_t through h
        act_backward(r.act, cn + b * H, ac.data(), dct.data(), H);
        kernels::lstm_back_gates(dct.data(), dc + b * H, gi, gi + H, gi + 2 * H, cp + b * H, d, d + H, d + 2 * H, H);
        act_backward(r.rec, Zs ? Zs + b * kH : nullptr, gi, d, 2 * H);
        act_backward(r.act, Zs ? Zs + b * kH + 2 * H : nullptr, gi + 2 * H, d + 2 * H, H);
        act_backward(r.rec, Zs ? Zs + b * kH + 3 * H : nullptr, gi + 3 * H, d + 3 * H, H);
        std::copy(d, d + kH, gi);
        std::fill(dhb, dhb + H, T(0));  // h_{t-1} reaches this step only through the recurrent GEMM
      }
    });
    rec_backward(r, G, kH, 0, 4, dh, scratch.data());
  }
  if (bk.dU && r.drec.none())
    bk.dU_from_dXW = true;
  else if (bk.dU)
    rec_weight_grad(r, r.h(0), true, dXW, kH, 0, 4, bk.dU);
}

template void lstm_forward<float>(Run<float>&);
template void lstm_forward<double>(Run<double>&);
template void lstm_backward<float>(Run<float>&, Back<float>&);
template void lstm_backward<double>(Run<double>&, Back<double>&);

}  // namespace detail
}  // namespace rnn
}  // namespace core
}  // namespace recurrent
