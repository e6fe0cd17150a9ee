// Packed GEMM for the fused RNN kernels: weights packed once per call, a register-tiled micro-kernel per step.
#pragma once

#include <cstdint>
#include <memory>

#include "simd.h"

namespace recurrent {
namespace core {
namespace rnn {
namespace detail {

// Register tile: MR rows of A times NR = two vectors of B columns.
template <typename T>
struct Tile {
  static constexpr int VL = kVecBytes / static_cast<int>(sizeof(T));  // lanes per vector
  static constexpr int NR = 2 * VL;
  static constexpr int MR = kVecBytes == 64 ? 12 : 6;  // 32 vector registers with AVX-512, else 16
  static constexpr int KC = 256;                        // k block: A and B panels stay in L1
};

// An uninitialised, 64-byte aligned scratch array (vector loads of packed panels).
template <typename T>
struct AlignedBuf {
  std::unique_ptr<unsigned char[]> raw;
  T* ptr = nullptr;
  int64_t n = 0;
  T* data() const { return ptr; }
  void resize(int64_t count) {  // discards the contents when it grows
    if (count <= n) return;
    raw.reset(new unsigned char[static_cast<size_t>(count) * sizeof(T) + 64]);
    const uintptr_t a = (reinterpret_cast<uintptr_t>(raw.get()) + 63) & ~static_cast<uintptr_t>(63);
    ptr = reinterpret_cast<T*>(a);
    n = count;
  }
};

// B (k, n) in NR-column panels, k in KC blocks, zero-padded to whole panels: packed
// once per call for a weight matrix that every timestep multiplies.
template <typename T>
struct PackedB {
  int64_t k = 0, n = 0, panels = 0;
  AlignedBuf<T> buf;
  // Element (i, j) of B is at rs * i + cs * j: rs = ld, cs = 1 for a row-major B;
  // rs = 1, cs = ld for the transpose of a row-major matrix.
  void pack(const T* B, int64_t rs, int64_t cs, int64_t k, int64_t n);
  const T* panel(int64_t k0, int64_t kc, int64_t j) const { return buf.data() + k0 * panels * Tile<T>::NR + j * kc * Tile<T>::NR; }
};

// C (m, n; row stride ldc) = or += A B, A's element (i, p) at rsa * i + csa * p,
// B packed. Small m (batch 1 or 2) takes a path with more independent accumulators.
template <typename T>
void gemm_packed(bool acc, int64_t m, const T* A, int64_t rsa, int64_t csa, const PackedB<T>& B, T* C, int64_t ldc);

// C (m, n) = or += A B (+ bias, a row added to every row of C, when given) for one-off
// products (both operands packed here, in blocks).
template <typename T>
void gemm_strided(bool acc, int64_t m, int64_t n, int64_t k, const T* A, int64_t rsa, int64_t csa, const T* B,
                  int64_t rsb, int64_t csb, T* C, int64_t ldc, const T* bias = nullptr);

// Several products with the same right operand, C_i (m_i, n) = or += A_i B, B packed
// once per block: the weight gradients dW = x^T dG and dU = h^T dG share dG.
template <typename T>
struct RowGroup {
  int64_t m;
  const T* A;
  int64_t rsa, csa;
  T* C;
  int64_t ldc;
};
template <typename T>
void gemm_strided_multi(bool acc, int64_t n, int64_t k, const RowGroup<T>* groups, int ngroups, const T* B,
                        int64_t rsb, int64_t csb, const T* bias = nullptr);

}  // namespace detail
}  // namespace rnn
}  // namespace core
}  // namespace recurrent
