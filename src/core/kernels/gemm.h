// The GEMM kernels' interface: packed right operands, strided and small products. Each
// call runs the code of the instruction-set level chosen at load (dispatch.h); the
// products themselves are in gemm_impl.h, compiled once per level.
#pragma once

#include <cstdint>
#include <memory>

namespace recurrent {
namespace core {
namespace kernels {

struct Table;

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

// B (k, n) in column panels of nr (two vectors of the level that packed it), k in blocks,
// zero-padded to whole panels: packed once per call for a weight matrix that every
// timestep multiplies. The panel width depends on the level, so a pack is always read by
// the level that made it (`table`), even if the level in use changes in between.
template <typename T>
struct PackedB {
  int64_t k = 0, n = 0, panels = 0;
  int nr = 0;
  const Table* table = nullptr;
  AlignedBuf<T> buf;
  // Element (i, j) of B is at rs * i + cs * j: rs = ld, cs = 1 for a row-major B;
  // rs = 1, cs = ld for the transpose of a row-major matrix.
  void pack(const T* B, int64_t rs, int64_t cs, int64_t k, int64_t n);
  const T* panel(int64_t k0, int64_t kc, int64_t j) const { return buf.data() + k0 * panels * nr + j * kc * nr; }
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

// C (m, n) = A (m, k) B (k, n), all row-major and contiguous, with no packing: for the
// small products of a cell written in R (about 32^3 per step), where packing both
// operands costs more than the product. Each output sums over k in order.
template <typename T>
void small_gemm(int64_t m, int64_t k, int64_t n, const T* A, const T* B, T* C);

}  // namespace kernels
}  // namespace core
}  // namespace recurrent
