// The register-tiled products behind the direct convolution (conv_direct.cpp), with the
// left operand gathered from the input where it lies instead of copied into an im2col
// matrix. Each instruction-set level compiles them in its own translation unit
// (conv_tiles_*.cpp, like core/kernels/level_*.cpp), and the level in use is the GEMM's
// (kernels::active()), so config_set_cpu_level() switches both.
// Speed: inst/bench/bench-conv.R.
#pragma once

#include <cstdint>

namespace recurrent {
namespace core {
namespace conv {
namespace tiles {

// C (m, n) = or += A B, A gathered: A(i, p) = a_rows[i][a_offs[p]], B(p, j) = b[p * ldb + j].
// Each output is a vector lane: right for wide outputs (n of a vector or more). Columns
// of B up to b_width (>= n) may be read; reads past n stay in that range and past b_width
// are never made.
template <typename T>
struct Broadcast {
  int64_t m, n, k;
  const T* const* a_rows;
  const int64_t* a_offs;
  const T* b;
  int64_t ldb, b_width;
  T* c;  // C(i, j) at c[i * ldc + j]
  int64_t ldc;
  bool acc;
};

// C (m, n) = or += sums of segment dot products:
// C(i, j) = sum over s < segs of sum over e < len of a_rows[i][a_offs[s] + e] * b_cols[j][b_offs[s] + e].
// Vectors run along the segments, so narrow outputs (a few channels) use whole vectors.
template <typename T>
struct Dot {
  int64_t m, n, segs, len;
  const T* const* a_rows;
  const int64_t* a_offs;
  const T* const* b_cols;
  const int64_t* b_offs;
  T* c;
  int64_t ldc;
  bool acc;
};

// The columns of m rows added back where they were gathered from (col2im): row i's
// segment s (len values at cols + i * ldc + s * len) is added at d_rows[i] + d_offs[s].
template <typename T>
struct Scatter {
  int64_t m, segs, len;
  const T* cols;
  int64_t ldc;
  T* const* d_rows;
  const int64_t* d_offs;
};

template <typename T>
struct Kernels {
  void (*broadcast)(const Broadcast<T>&);
  void (*dot)(const Dot<T>&);
  void (*scatter)(const Scatter<T>&);
};

struct Table {
  int vector_bytes;
  Kernels<float> f32;
  Kernels<double> f64;
};

// The tiles of the level the GEMM uses now.
const Table& active();

template <typename T>
inline const Kernels<T>& of(const Table& t);
template <>
inline const Kernels<float>& of<float>(const Table& t) { return t.f32; }
template <>
inline const Kernels<double>& of<double>(const Table& t) { return t.f64; }

// Lanes of T in the widest vector any level uses: B rows padded to a multiple of this
// are readable in whole vectors at every level.
template <typename T>
constexpr int64_t kMaxLanes = 64 / static_cast<int64_t>(sizeof(T));

}  // namespace tiles
}  // namespace conv
}  // namespace core
}  // namespace recurrent
