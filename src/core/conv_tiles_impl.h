// The tiles of conv_tiles.h for one instruction-set level. Included by conv_tiles.cpp once
// per level, inside the level's namespace and target pragma, with RECURRENT_VEC_BYTES set
// (16, 32 or 64): the pragma, not the compiler flags, gives the vectors their width.
// Only builtins and memcpy here (and the kernels' simd.h), so nothing from the standard
// library is compiled for a level the CPU may lack.

#include "kernels/simd.h"  // the level's vector types (VecOf) and unaligned loads

namespace {

constexpr int kRegisters = kVecBytes == 64 ? 32 : 16;  // vector registers (AVX-512: 32)

template <typename T>
constexpr int lanes() {
  return kVecBytes / static_cast<int>(sizeof(T));
}

inline int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

// The first `count` lanes from p, the rest zero: never reads past p + count.
template <typename V, typename T>
inline V load_part(const T* p, int count) {
  V v = V{};
  std::memcpy(&v, p, static_cast<size_t>(count) * sizeof(T));
  return v;
}
template <typename V, typename T>
inline void store(T* p, V v, int count, bool acc) {
  constexpr int VL = lanes<T>();
  if (count == VL) {
    if (acc) v += load_unaligned<V>(p);
    std::memcpy(p, &v, sizeof v);
    return;
  }
  T tmp[VL];
  std::memcpy(tmp, &v, sizeof v);
  for (int l = 0; l < count; ++l) p[l] = acc ? p[l] + tmp[l] : tmp[l];
}

// ---- broadcast: one output per lane -------------------------------------------------

// Vectors of columns per tile, and rows per tile for that many: MR x NQ accumulators
// plus NQ of B fit the registers (one column vector keeps more rows in flight to cover
// the FMA latency; a few of their pointers then live on the stack, read with the
// broadcast they address).
constexpr int kMaxNq = kRegisters == 32 ? 4 : 2;
constexpr int broadcast_rows(int nq) {
  return kRegisters == 32 ? (nq == 1 ? 12 : nq == 2 ? 8 : nq == 3 ? 7 : 6) : (nq == 1 ? 8 : 6);
}
// Depth of a B block: kc x NQ vectors of B stay in a 32 KB L1 cache while every row
// group of the product meets them.
template <typename T>
constexpr int64_t broadcast_depth(int nq) {
  return 32768 / (nq * kVecBytes);
}

// Where a tile sits in the product: columns from j0 (the last of its NQ vectors loaded
// in `part` lanes when kPart: it would reach past b_width), depth k0 .. k0 + kc, and
// whether C accumulates.
struct Span {
  int64_t j0, k0, kc;
  bool acc;
  int part;
};

// C rows (MR of them: repeats of the last row past mvalid, computed and dropped) times
// a B block of NQ vectors.
template <typename T, int MR, int NQ, bool kPart>
void broadcast_tile(const tiles::Broadcast<T>& a, const T* const* rows, int mvalid, const Span& sp, T* c) {
  using V = typename VecOf<T>::type;
  constexpr int VL = lanes<T>();
  V acc[MR][NQ];
#pragma GCC unroll 32
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
    for (int q = 0; q < NQ; ++q) acc[i][q] = V{};
  const T* r[MR];
#pragma GCC unroll 32
  for (int i = 0; i < MR; ++i) r[i] = rows[i];
  const T* b = a.b + sp.k0 * a.ldb + sp.j0;
  const int64_t* offs = a.a_offs + sp.k0;
  // two depth steps per iteration: a row pointer kept on the stack is loaded once for both
#pragma GCC unroll 2
  for (int64_t p = 0; p < sp.kc; ++p, b += a.ldb) {
    const int64_t off = offs[p];
    V bv[NQ];
#pragma GCC unroll 4
    for (int q = 0; q < NQ; ++q)
      bv[q] = (kPart && q == NQ - 1) ? load_part<V>(b + q * VL, sp.part) : load_unaligned<V>(b + q * VL);
#pragma GCC unroll 32
    for (int i = 0; i < MR; ++i) {
      const T av = r[i][off];
#pragma GCC unroll 4
      for (int q = 0; q < NQ; ++q) acc[i][q] += av * bv[q];
    }
  }
  const int64_t ncols = min64(a.n - sp.j0, NQ * VL);
#pragma GCC unroll 32
  for (int i = 0; i < MR; ++i) {
    if (i >= mvalid) break;
#pragma GCC unroll 4
    for (int q = 0; q < NQ; ++q) {
      const int64_t left = ncols - q * VL;
      if (left <= 0) break;
      store(c + i * a.ldc + sp.j0 + q * VL, acc[i][q], static_cast<int>(min64(left, VL)), sp.acc);
    }
  }
}

// Every row group against one B block of nq <= NQ vectors (narrower than NQ only at the
// right edge), with the rows of the NQ-vector tiles.
template <typename T, int MR, int NQ>
void broadcast_block(const tiles::Broadcast<T>& a, int nq, const Span& sp) {
  if constexpr (NQ > 1) {
    if (nq < NQ) return broadcast_block<T, MR, NQ - 1>(a, nq, sp);
  }
  const T* rows[MR];
  for (int64_t i0 = 0; i0 < a.m; i0 += MR) {
    const int mvalid = static_cast<int>(min64(MR, a.m - i0));
    for (int i = 0; i < MR; ++i) rows[i] = a.a_rows[i0 + (i < mvalid ? i : mvalid - 1)];
    T* c = a.c + i0 * a.ldc;
    if (sp.part > 0) {
      broadcast_tile<T, MR, NQ, true>(a, rows, mvalid, sp, c);
    } else {
      broadcast_tile<T, MR, NQ, false>(a, rows, mvalid, sp, c);
    }
  }
}

template <typename T, int NQ>
void broadcast_blocks(const tiles::Broadcast<T>& a) {
  constexpr int VL = lanes<T>(), MR = broadcast_rows(NQ);
  for (int64_t j0 = 0; j0 < a.n; j0 += NQ * VL) {
    const int nq = static_cast<int>(min64(NQ, (a.n - j0 + VL - 1) / VL));
    const int64_t last = j0 + (nq - 1) * VL;  // first column of the block's last vector
    const int part = last + VL > a.b_width ? static_cast<int>(a.b_width - last) : 0;
    const int64_t depth = broadcast_depth<T>(nq);
    int64_t k0 = 0;
    do {  // once when k is 0: C is then zero, or kept
      broadcast_block<T, MR, NQ>(a, nq, Span{j0, k0, min64(depth, a.k - k0), a.acc || k0 > 0, part});
      k0 += depth;
    } while (k0 < a.k);
  }
}

template <typename T>
void broadcast_product(const tiles::Broadcast<T>& a) {
  if (a.m <= 0 || a.n <= 0) return;
  constexpr int VL = lanes<T>();
  // column blocks as even as the widest tile allows (9 vectors: 3 + 3 + 3, not 4 + 4 + 1,
  // whose last block would run one vector per row group)
  const int64_t vectors = (a.n + VL - 1) / VL, blocks = (vectors + kMaxNq - 1) / kMaxNq;
  const int nq = static_cast<int>((vectors + blocks - 1) / blocks);
  switch (nq) {
    case 1: return broadcast_blocks<T, 1>(a);
    case 2: return broadcast_blocks<T, 2>(a);
    case 3: return broadcast_blocks<T, kMaxNq >= 3 ? 3 : 2>(a);
    default: return broadcast_blocks<T, kMaxNq>(a);
  }
}

// ---- dot: one output per accumulator vector, summed across lanes at the end ---------

constexpr int kMaxNc = 4;
constexpr int dot_rows(int nc) {
  return kRegisters == 32 ? (nc <= 2 ? 8 : nc == 3 ? 6 : 5) : (nc == 1 ? 6 : nc == 2 ? 4 : 2);
}

// The sum of a vector's lanes: halves added until 16 bytes are left (a few shuffles and
// adds; lane by lane it would be a chain of 15 for AVX-512 float32).
template <typename V, typename T>
inline T lane_sum(V v) {
  if constexpr (sizeof(V) > 16) {
    typedef T Half __attribute__((vector_size(sizeof(V) / 2)));
    Half lo, hi;
    std::memcpy(&lo, &v, sizeof lo);
    std::memcpy(&hi, reinterpret_cast<const char*>(&v) + sizeof lo, sizeof hi);
    return lane_sum<Half, T>(lo + hi);
  } else {
    constexpr int n = static_cast<int>(sizeof(V) / sizeof(T));
    T tmp[n];
    std::memcpy(tmp, &v, sizeof v);
    T s = T(0);
    for (int l = 0; l < n; ++l) s += tmp[l];
    return s;
  }
}

template <typename T, int NC, bool kTail>
void dot_tile(const tiles::Dot<T>& a, const T* const* rows, int mvalid, const T* const* cols, T* c) {
  using V = typename VecOf<T>::type;
  constexpr int VL = lanes<T>(), MR = dot_rows(NC);
  V s[MR][NC];
#pragma GCC unroll 32
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
    for (int j = 0; j < NC; ++j) s[i][j] = V{};
  const int64_t full = a.len / VL * VL;
  const int tail = static_cast<int>(a.len - full);
  for (int64_t seg = 0; seg < a.segs; ++seg) {
    const T* ar[MR];
    const T* bc[NC];
#pragma GCC unroll 32
    for (int i = 0; i < MR; ++i) ar[i] = rows[i] + a.a_offs[seg];
#pragma GCC unroll 4
    for (int j = 0; j < NC; ++j) bc[j] = cols[j] + a.b_offs[seg];
    for (int64_t e = 0; e < full; e += VL) {
      V bv[NC];
#pragma GCC unroll 4
      for (int j = 0; j < NC; ++j) bv[j] = load_unaligned<V>(bc[j] + e);
#pragma GCC unroll 32
      for (int i = 0; i < MR; ++i) {
        const V av = load_unaligned<V>(ar[i] + e);
#pragma GCC unroll 4
        for (int j = 0; j < NC; ++j) s[i][j] += av * bv[j];
      }
    }
    if (kTail) {
      V bv[NC];
#pragma GCC unroll 4
      for (int j = 0; j < NC; ++j) bv[j] = load_part<V>(bc[j] + full, tail);
#pragma GCC unroll 32
      for (int i = 0; i < MR; ++i) {
        const V av = load_part<V>(ar[i] + full, tail);
#pragma GCC unroll 4
        for (int j = 0; j < NC; ++j) s[i][j] += av * bv[j];
      }
    }
  }
  for (int i = 0; i < mvalid; ++i)
    for (int j = 0; j < NC; ++j) {
      T* o = c + i * a.ldc + j;
      const T v = lane_sum<V, T>(s[i][j]);
      *o = a.acc ? *o + v : v;
    }
}

template <typename T, int NC, bool kTail>
void dot_rows_of(const tiles::Dot<T>& a, int64_t j0) {
  constexpr int MR = dot_rows(NC);
  const T* rows[MR];
  for (int64_t i0 = 0; i0 < a.m; i0 += MR) {
    const int mvalid = static_cast<int>(min64(MR, a.m - i0));
    for (int i = 0; i < MR; ++i) rows[i] = a.a_rows[i0 + (i < mvalid ? i : mvalid - 1)];
    dot_tile<T, NC, kTail>(a, rows, mvalid, a.b_cols + j0, a.c + i0 * a.ldc + j0);
  }
}

template <typename T, bool kTail>
void dot_columns(const tiles::Dot<T>& a) {
  for (int64_t j0 = 0; j0 < a.n; j0 += kMaxNc) {
    switch (min64(kMaxNc, a.n - j0)) {
      case 1: dot_rows_of<T, 1, kTail>(a, j0); break;
      case 2: dot_rows_of<T, 2, kTail>(a, j0); break;
      case 3: dot_rows_of<T, 3, kTail>(a, j0); break;
      default: dot_rows_of<T, kMaxNc, kTail>(a, j0); break;
    }
  }
}

template <typename T>
void dot_product(const tiles::Dot<T>& a) {
  if (a.m <= 0 || a.n <= 0) return;
  if (a.len % lanes<T>() == 0) return dot_columns<T, false>(a);
  dot_columns<T, true>(a);
}

// ---- scatter: col2im's adds -----------------------------------------------------------

template <typename T>
void scatter_add(const tiles::Scatter<T>& a) {
  using V = typename VecOf<T>::type;
  constexpr int VL = lanes<T>();
  for (int64_t i = 0; i < a.m; ++i) {
    const T* col = a.cols + i * a.ldc;
    for (int64_t s = 0; s < a.segs; ++s, col += a.len) {
      T* d = a.d_rows[i] + a.d_offs[s];
      int64_t e = 0;
      for (; e + VL <= a.len; e += VL) {
        const V v = load_unaligned<V>(d + e) + load_unaligned<V>(col + e);
        std::memcpy(d + e, &v, sizeof v);
      }
      for (; e < a.len; ++e) d[e] += col[e];
    }
  }
}

const tiles::Table kTable = {kVecBytes, {&broadcast_product<float>, &dot_product<float>, &scatter_add<float>},
                             {&broadcast_product<double>, &dot_product<double>, &scatter_add<double>}};

}  // namespace
