// The fused SimpleRNN (h = act(x W + b + h_prev U)) forward and its hand-written BPTT.
#include <algorithm>

#include "fused_common.h"

namespace recurrent {
namespace core {
namespace rnn {
namespace detail {

template <typename T>
void simple_forward(Run<T>& r) {
  const int64_t B = r.B, H = r.H;
  std::vector<T> scratch(static_cast<size_t>(B * H));
  for (int64_t s = 0; s < r.S; ++s) {
    T* G = r.g(s);
    const T* hp = r.h(s);
    T* hn = r.h(s + 1);
    rec_forward(r, hp, 0, 1, G, H, scratch.data());
    if (r.store_pre) std::copy(G, G + B * H, r.Z.data() + s * B * H);
    // One pass over the whole (B, H) block, or over blocks of rows when that gives the same
    // values (Eigen's vector and scalar paths of exp-based functions may differ in the last bit).
    const bool exact_split = r.act == Act::Linear || r.act == Act::Relu ||
                             (std::is_same<T, float>::value && (r.act == Act::Tanh || r.act == Act::Sigmoid));
    if (!r.masked() && !exact_split) {
      act_forward(r.act, G, B * H);
      std::copy(G, G + B * H, hn);
      continue;
    }
    if (!r.masked()) {
      for_rows(B, H, [&](int64_t b0, int64_t b1) {
        act_forward(r.act, G + b0 * H, (b1 - b0) * H);
        std::copy(G + b0 * H, G + b1 * H, hn + b0 * H);
      });
      continue;
    }
    for (int64_t b = 0; b < B; ++b) {
      if (!r.is_valid(s, b)) {
        std::copy(hp + b * H, hp + (b + 1) * H, hn + b * H);
        continue;
      }
      act_forward(r.act, G + b * H, H);
      std::copy(G + b * H, G + (b + 1) * H, hn + b * H);
    }
  }
}

template <typename T>
void simple_backward(Run<T>& r, Back<T>& bk) {
  const int64_t B = r.B, H = r.H;
  std::vector<T> scratch(static_cast<size_t>(B * H));
  T* dXW = bk.dXW;
  T* dh = bk.dh.data();
  for (int64_t s = r.S - 1; s >= 0; --s) {
    add_output_grad(r, bk, s, dh);
    T* G = r.g(s);  // activations of step s in, pre-activation gradients out
    const T* Zs = r.store_pre ? r.Z.data() + s * B * H : nullptr;
    for_rows(B, H, [&](int64_t b0, int64_t b1) {
      std::vector<T> dg(static_cast<size_t>(H));
      for (int64_t b = b0; b < b1; ++b) {
        T* gi = G + b * H;
        if (!r.is_valid(s, b)) {  // the state passes through; this step's weights get nothing
          std::fill(gi, gi + H, T(0));
          continue;
        }
        std::copy(dh + b * H, dh + (b + 1) * H, dg.data());
        act_backward(r.act, Zs ? Zs + b * H : nullptr, gi, dg.data(), H);
        std::copy(dg.begin(), dg.end(), gi);
        std::fill(dh + b * H, dh + (b + 1) * H, T(0));
      }
    });
    rec_backward(r, G, H, 0, 1, dh, scratch.data());
  }
  if (bk.dU && r.drec.none())
    bk.dU_from_dXW = true;
  else if (bk.dU)
    rec_weight_grad(r, r.h(0), true, dXW, H, 0, 1, bk.dU);
}

template void simple_forward<float>(Run<float>&);
template void simple_forward<double>(Run<double>&);
template void simple_backward<float>(Run<float>&, Back<float>&);
template void simple_backward<double>(Run<double>&, Back<double>&);

}  // namespace detail
}  // namespace rnn
}  // namespace core
}  // namespace recurrent
