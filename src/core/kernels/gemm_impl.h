// The packed GEMM of gemm.h for one instruction-set level: packing, the register-tiled
// micro-kernel and its blocking. Included by level_impl.h inside the level's namespace.
// Speed: inst/bench/bench-rnn.R (Eigen 3.3's GEMM repacks the weights on every step and
// reached about half of this kernel's speed on the RNN shapes there).

// Register tile: MR rows of A times NR = two vectors of B columns.
template <typename T>
struct Tile {
  static constexpr int VL = kVecBytes / static_cast<int>(sizeof(T));  // lanes per vector
  static constexpr int NR = 2 * VL;
  static constexpr int MR = kVecBytes == 64 ? 12 : 6;  // 32 vector registers with AVX-512, else 16
  static constexpr int KC = 256;                        // k block: A and B panels stay in L1
};

const Table* level_table();  // this level's table (level_impl.h)

namespace {

template <typename V, typename T>
inline V load_aligned(const T* p) {
  return *reinterpret_cast<const V*>(__builtin_assume_aligned(p, kVecBytes));
}

// C[MRA rows, NP panels of NR columns] (+)= A_panel B_panels over kc. A is packed with
// row stride MR per k step; the NP panels of B sit bstride apart. The accumulators are
// MRA x 2NP vectors, all in registers: small MRA gets several panels at once so the
// FMA pipeline still has enough independent chains (batch 1 is a GEMV).
template <typename T, int MRA, int NP>
inline void micro(int64_t kc, const T* __restrict A, const T* __restrict B, int64_t bstride, T* C, int64_t ldc,
                  int nlast, bool acc, const T* bias) {
  using V = typename VecOf<T>::type;
  constexpr int VL = Tile<T>::VL, NR = Tile<T>::NR, MR = Tile<T>::MR;
  V c[MRA][2 * NP];
#pragma GCC unroll 16
  for (int r = 0; r < MRA; ++r)
#pragma GCC unroll 16
    for (int q = 0; q < 2 * NP; ++q) c[r][q] = V{};
  for (int64_t p = 0; p < kc; ++p) {
    V b[2 * NP];
#pragma GCC unroll 16
    for (int q = 0; q < NP; ++q) {
      b[2 * q] = load_aligned<V>(B + q * bstride + p * NR);
      b[2 * q + 1] = load_aligned<V>(B + q * bstride + p * NR + VL);
    }
    const T* a = A + p * MR;
#pragma GCC unroll 16
    for (int r = 0; r < MRA; ++r) {
      const T ar = a[r];
#pragma GCC unroll 16
      for (int q = 0; q < 2 * NP; ++q) c[r][q] += ar * b[q];
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < MRA; ++r) {
    T* crow = C + r * ldc;
#pragma GCC unroll 16
    for (int q = 0; q < NP; ++q) {
      T* cq = crow + q * NR;
      const int valid = q == NP - 1 ? nlast : NR;
      if (bias && valid == NR) {  // the input projection's bias, added as C is stored
        c[r][2 * q] += load_unaligned<V>(bias + q * NR);
        c[r][2 * q + 1] += load_unaligned<V>(bias + q * NR + VL);
      }
      if (valid == NR) {
        if (acc) {
          store_unaligned(cq, load_unaligned<V>(cq) + c[r][2 * q]);
          store_unaligned(cq + VL, load_unaligned<V>(cq + VL) + c[r][2 * q + 1]);
        } else {
          store_unaligned(cq, c[r][2 * q]);
          store_unaligned(cq + VL, c[r][2 * q + 1]);
        }
      } else {
        T tmp[NR];
        store_unaligned(tmp, c[r][2 * q]);
        store_unaligned(tmp + VL, c[r][2 * q + 1]);
        if (bias)
          for (int j = 0; j < valid; ++j) tmp[j] += bias[q * NR + j];
        for (int j = 0; j < valid; ++j) cq[j] = acc ? cq[j] + tmp[j] : tmp[j];
      }
    }
  }
}

// Panels [0, np) of a packed B block against one packed A panel of mr rows.
template <typename T, int MRA>
inline void row_panel(int64_t kc, const T* A, const T* B, int64_t np, int64_t n, T* C, int64_t ldc, bool acc,
                      const T* bias) {
  constexpr int NR = Tile<T>::NR;
  constexpr int NPW = MRA == 1 ? 4 : MRA == 2 ? 2 : 1;  // panels per call
  const int64_t bstride = kc * NR;
  const int last_cols = static_cast<int>(n - (np - 1) * NR);
  int64_t j = 0;
  for (; j + NPW <= np; j += NPW)
    micro<T, MRA, NPW>(kc, A, B + j * bstride, bstride, C + j * NR, ldc, j + NPW == np ? last_cols : NR, acc,
                       bias ? bias + j * NR : nullptr);
  for (; j < np; ++j)
    micro<T, MRA, 1>(kc, A, B + j * bstride, bstride, C + j * NR, ldc, j + 1 == np ? last_cols : NR, acc,
                     bias ? bias + j * NR : nullptr);
}

template <typename T>
void row_panel_dispatch(int mr, int64_t kc, const T* A, const T* B, int64_t np, int64_t n, T* C, int64_t ldc,
                        bool acc, const T* bias) {
  switch (mr) {
    case 1: return row_panel<T, 1>(kc, A, B, np, n, C, ldc, acc, bias);
    case 2: return row_panel<T, 2>(kc, A, B, np, n, C, ldc, acc, bias);
    case 3: return row_panel<T, 3>(kc, A, B, np, n, C, ldc, acc, bias);
    case 4: return row_panel<T, 4>(kc, A, B, np, n, C, ldc, acc, bias);
    case 5: return row_panel<T, 5>(kc, A, B, np, n, C, ldc, acc, bias);
    case 6: return row_panel<T, 6>(kc, A, B, np, n, C, ldc, acc, bias);
  }
  if (Tile<T>::MR > 6) {  // AVX-512 tiles
    switch (mr) {
      case 7: return row_panel<T, 7>(kc, A, B, np, n, C, ldc, acc, bias);
      case 8: return row_panel<T, 8>(kc, A, B, np, n, C, ldc, acc, bias);
      case 9: return row_panel<T, 9>(kc, A, B, np, n, C, ldc, acc, bias);
      case 10: return row_panel<T, 10>(kc, A, B, np, n, C, ldc, acc, bias);
      case 11: return row_panel<T, 11>(kc, A, B, np, n, C, ldc, acc, bias);
      case 12: return row_panel<T, 12>(kc, A, B, np, n, C, ldc, acc, bias);
    }
  }
}

// A block (mc, kc) into MR-row panels, p-major inside a panel.
template <typename T>
void pack_a(const T* A, int64_t rsa, int64_t csa, int64_t mc, int64_t kc, T* dst) {
  constexpr int MR = Tile<T>::MR;
  for (int64_t i0 = 0; i0 < mc; i0 += MR) {
    const int mr = static_cast<int>(std::min<int64_t>(MR, mc - i0));
    T* d = dst + i0 * kc;
    if (csa == 1 && mr == MR) {  // a whole panel: k outer, so the packed panel is written in order
      const T* rows[MR];
      for (int r = 0; r < MR; ++r) rows[r] = A + (i0 + r) * rsa;
      for (int64_t p = 0; p < kc; ++p) {
#pragma GCC unroll 16
        for (int r = 0; r < MR; ++r) d[p * MR + r] = rows[r][p];
      }
    } else if (csa == 1) {
      for (int r = 0; r < mr; ++r) {
        const T* src = A + (i0 + r) * rsa;
        for (int64_t p = 0; p < kc; ++p) d[p * MR + r] = src[p];
      }
    } else {
      for (int64_t p = 0; p < kc; ++p) {
        const T* src = A + p * csa + i0 * rsa;
        for (int r = 0; r < mr; ++r) d[p * MR + r] = src[r * rsa];
      }
    }
  }
}

// Panels packed in one pass over the rows of a row-major B: 256 bytes of each row. Panel
// by panel, a cache line that straddles two panels (B not 64-byte aligned) would be
// fetched twice; all panels at once, the rows' writes would go to as many streams 16 KB
// apart, which share a set of L1.
template <typename T>
constexpr int64_t panels_per_pass() {
  return 256 / (Tile<T>::NR * static_cast<int>(sizeof(T))) > 0 ? 256 / (Tile<T>::NR * static_cast<int>(sizeof(T))) : 1;
}

// B block (kc, n) into NR-column panels (kc * NR each, consecutive), zero-padded.
template <typename T>
void pack_b(const T* B, int64_t rs, int64_t cs, int64_t kc, int64_t n, T* dst) {
  constexpr int NR = Tile<T>::NR;
  const int64_t np = (n + NR - 1) / NR;
  if (cs == 1) {
    using V = typename VecOf<T>::type;
    constexpr int VL = Tile<T>::VL;
    constexpr int64_t P = panels_per_pass<T>();
    for (int64_t j0 = 0; j0 < np; j0 += P) {
      const int64_t j1 = std::min(np, j0 + P);
      for (int64_t p = 0; p < kc; ++p) {
        const T* src = B + p * rs;
        for (int64_t j = j0; j < j1; ++j) {
          T* d = dst + j * kc * NR + p * NR;
          const int64_t c = j * NR, nc = std::min<int64_t>(NR, n - c);
          if (nc == NR) {  // two vectors (a copy call costs more)
            store_unaligned(d, load_unaligned<V>(src + c));
            store_unaligned(d + VL, load_unaligned<V>(src + c + VL));
          } else {
            std::copy(src + c, src + c + nc, d);
            std::fill(d + nc, d + NR, T(0));
          }
        }
      }
    }
    return;
  }
  for (int64_t j = 0; j < np; ++j) {
    T* d = dst + j * kc * NR;
    const int64_t j0 = j * NR;
    const int nc = static_cast<int>(std::min<int64_t>(NR, n - j0));
    for (int c = 0; c < nc; ++c) {
      const T* src = B + (j0 + c) * cs;
      for (int64_t p = 0; p < kc; ++p) d[p * NR + c] = src[p * rs];
    }
    for (int64_t p = 0; p < kc; ++p) std::fill(d + p * NR + nc, d + (p + 1) * NR, T(0));
  }
}

template <typename T>
void micro_dispatch(int mr, int64_t kc, const T* A, const T* B, T* C, int64_t ldc, int nlast, bool acc,
                    const T* bias) {
  switch (mr) {
    case 1: return micro<T, 1, 1>(kc, A, B, 0, C, ldc, nlast, acc, bias);
    case 2: return micro<T, 2, 1>(kc, A, B, 0, C, ldc, nlast, acc, bias);
    case 3: return micro<T, 3, 1>(kc, A, B, 0, C, ldc, nlast, acc, bias);
    case 4: return micro<T, 4, 1>(kc, A, B, 0, C, ldc, nlast, acc, bias);
    case 5: return micro<T, 5, 1>(kc, A, B, 0, C, ldc, nlast, acc, bias);
    case 6: return micro<T, 6, 1>(kc, A, B, 0, C, ldc, nlast, acc, bias);
  }
  if (Tile<T>::MR > 6) {
    switch (mr) {
      case 7: return micro<T, 7, 1>(kc, A, B, 0, C, ldc, nlast, acc, bias);
      case 8: return micro<T, 8, 1>(kc, A, B, 0, C, ldc, nlast, acc, bias);
      case 9: return micro<T, 9, 1>(kc, A, B, 0, C, ldc, nlast, acc, bias);
      case 10: return micro<T, 10, 1>(kc, A, B, 0, C, ldc, nlast, acc, bias);
      case 11: return micro<T, 11, 1>(kc, A, B, 0, C, ldc, nlast, acc, bias);
      case 12: return micro<T, 12, 1>(kc, A, B, 0, C, ldc, nlast, acc, bias);
    }
  }
}

// C (m, n) (+)= A (m, kc) Bp, Bp a packed (kc, n) block of np panels. Rows go in blocks
// of MC (packed, kept in L2). A B block that fits in L2 is swept once per A panel
// (12 or 6 rows), which writes C in whole rows; a larger one (e.g. H = 512 LSTM weights)
// would then stream from L3 once per A panel, so each B panel (kc x NR, in L1) meets
// every A panel of the block instead. A block of a single panel (batch 1 or 2 per step)
// runs several B panels per call.
template <typename T>
void block_product(bool acc, int64_t m, int64_t kc, const T* A, int64_t rsa, int64_t csa, const T* Bp, int64_t np,
                   int64_t n, T* C, int64_t ldc, const T* bias) {
  constexpr int MR = Tile<T>::MR, NR = Tile<T>::NR;
  constexpr int64_t MC = 8 * MR;
  thread_local AlignedBuf<T> apack;
  apack.resize(MC * Tile<T>::KC);
  const int last_cols = static_cast<int>(n - (np - 1) * NR);
  for (int64_t i0 = 0; i0 < m; i0 += MC) {
    const int64_t mc = std::min<int64_t>(MC, m - i0);
    pack_a(A + i0 * rsa, rsa, csa, mc, kc, apack.data());
    if (mc <= MR) {
      row_panel_dispatch(static_cast<int>(mc), kc, apack.data(), Bp, np, n, C + i0 * ldc, ldc, acc, bias);
      continue;
    }
    if (kc * np * NR * static_cast<int64_t>(sizeof(T)) <= (int64_t(1) << 20)) {
      for (int64_t ip = 0; ip < mc; ip += MR) {
        const int mr = static_cast<int>(std::min<int64_t>(MR, mc - ip));
        row_panel_dispatch(mr, kc, apack.data() + ip * kc, Bp, np, n, C + (i0 + ip) * ldc, ldc, acc, bias);
      }
      continue;
    }
    for (int64_t j = 0; j < np; ++j) {
      const T* Bj = Bp + j * kc * NR;
      const int nl = j == np - 1 ? last_cols : NR;
      for (int64_t ip = 0; ip < mc; ip += MR) {
        const int mr = static_cast<int>(std::min<int64_t>(MR, mc - ip));
        micro_dispatch(mr, kc, apack.data() + ip * kc, Bj, C + (i0 + ip) * ldc + j * NR, ldc, nl, acc,
                       bias ? bias + j * NR : nullptr);
      }
    }
  }
}

// Rows of A, over all groups of a gemm_strided_multi call, up to which one-off products
// stream B (streamed_product); above it B is packed a block at a time (block_product).
template <typename T>
constexpr int64_t stream_rows() { return 16 * Tile<T>::MR; }

// C_g (m_g, n) (+)= A_g (m_g, kc) B (kc, n) for all groups, B not packed, the groups' rows
// together at most stream_rows(): every A is packed once (together at most 96 or 192 rows
// by kc, kept in L2), then B is packed a few panels at a time (256 bytes of each row),
// each just before it meets every A panel: B is read once and its packed copy never leaves
// L1. Packing all of B first (block_product) writes a copy that can leave L2 and reads it
// back once per A panel: for 64 x 256 times 256 x 1024 (a 1 MB copy) that took this
// product at AVX2 from 0.97 to 1.07 times Eigen's time with -march=haswell.
template <typename T>
void streamed_product(bool acc, int64_t kc, const RowGroup<T>* groups, int ngroups, int64_t k0, int64_t j0,
                      const T* B, int64_t rsb, int64_t csb, int64_t n, const T* bias) {
  constexpr int MR = Tile<T>::MR, NR = Tile<T>::NR;
  constexpr int64_t P = panels_per_pass<T>();
  thread_local AlignedBuf<T> apack, bpanel;
  apack.resize(stream_rows<T>() * Tile<T>::KC);
  bpanel.resize(Tile<T>::KC * NR * P);
  int64_t offset[8];  // start of each group's packed A (callers pass at most a few groups)
  int64_t rows = 0;
  for (int g = 0; g < ngroups; ++g) {
    const RowGroup<T>& q = groups[g];
    offset[g] = rows * kc;
    pack_a(q.A + k0 * q.csa, q.rsa, q.csa, q.m, kc, apack.data() + offset[g]);
    rows += (q.m + MR - 1) / MR * MR;
  }
  for (int64_t c0 = 0; c0 < n; c0 += P * NR) {
    const int64_t cols = std::min<int64_t>(P * NR, n - c0);
    pack_b(B + c0 * csb, rsb, csb, kc, cols, bpanel.data());
    for (int64_t j = 0; j * NR < cols; ++j) {
      const int nl = static_cast<int>(std::min<int64_t>(NR, cols - j * NR));
      const T* Bj = bpanel.data() + j * kc * NR;
      for (int g = 0; g < ngroups; ++g) {
        const RowGroup<T>& q = groups[g];
        T* C = q.C + j0 + c0 + j * NR;
        for (int64_t ip = 0; ip < q.m; ip += MR) {
          const int mr = static_cast<int>(std::min<int64_t>(MR, q.m - ip));
          micro_dispatch(mr, kc, apack.data() + offset[g] + ip * kc, Bj, C + ip * q.ldc, q.ldc, nl, acc,
                         bias ? bias + c0 + j * NR : nullptr);
        }
      }
    }
  }
}

void zero_rows(float* C, int64_t m, int64_t n, int64_t ldc) {
  for (int64_t i = 0; i < m; ++i) std::fill(C + i * ldc, C + i * ldc + n, 0.0f);
}
void zero_rows(double* C, int64_t m, int64_t n, int64_t ldc) {
  for (int64_t i = 0; i < m; ++i) std::fill(C + i * ldc, C + i * ldc + n, 0.0);
}

// Tasks for a product of `work` multiply-adds split into at most `units` pieces: one
// below kParallelWork (waking the workers costs tens of microseconds), else one per thread.
constexpr int64_t kParallelWork = int64_t(1) << 18;
int64_t split_count(int64_t work, int64_t units) {
  const int64_t threads = num_threads();
  if (threads <= 1 || work < kParallelWork) return 1;
  return std::max<int64_t>(1, std::min(threads, units));
}

}  // namespace

template <typename T>
void pack_into(PackedB<T>& p, const T* B, int64_t rs, int64_t cs, int64_t k, int64_t n) {
  constexpr int NR = Tile<T>::NR, KC = Tile<T>::KC;
  p.k = k;
  p.n = n;
  p.nr = NR;
  p.table = level_table();
  p.panels = (n + NR - 1) / NR;
  p.buf.resize(std::max<int64_t>(1, k * p.panels * NR));
  for (int64_t k0 = 0; k0 < k; k0 += KC) {
    const int64_t kc = std::min<int64_t>(KC, k - k0);
    pack_b(B + k0 * rs, rs, cs, kc, n, p.buf.data() + k0 * p.panels * NR);
  }
}

template <typename T>
void packed_product(bool acc, int64_t m, const T* A, int64_t rsa, int64_t csa, const PackedB<T>& B, T* C, int64_t ldc) {
  constexpr int KC = Tile<T>::KC;
  if (m == 0 || B.n == 0) return;
  if (B.k == 0) {
    if (!acc) zero_rows(C, m, B.n, ldc);
    return;
  }
  // panels [p0, p1) of every k block: a split over column panels leaves each output's
  // summation order as it is, so any split gives the single-threaded result exactly
  auto columns = [&](int64_t p0, int64_t p1) {
    const int64_t ncols = std::min<int64_t>(B.n, p1 * Tile<T>::NR) - p0 * Tile<T>::NR;
    for (int64_t k0 = 0; k0 < B.k; k0 += KC) {
      const int64_t kc = std::min<int64_t>(KC, B.k - k0);
      block_product(acc || k0 > 0, m, kc, A + k0 * csa, rsa, csa, B.panel(k0, kc, p0), p1 - p0, ncols,
                    C + p0 * Tile<T>::NR, ldc, static_cast<const T*>(nullptr));
    }
  };
  const int64_t tasks = split_count(m * B.n * B.k, B.panels);
  if (tasks <= 1) return columns(0, B.panels);
  parallel_for(tasks, [&](int64_t t) { columns(B.panels * t / tasks, B.panels * (t + 1) / tasks); });
}

namespace {

// gemm_strided_multi over the columns [c0, c1) of B and C (c0 a multiple of NR).
template <typename T>
void strided_multi_columns(bool acc, int64_t c0, int64_t c1, int64_t k, const RowGroup<T>* groups, int ngroups,
                           const T* B, int64_t rsb, int64_t csb, const T* bias) {
  constexpr int NR = Tile<T>::NR, KC = Tile<T>::KC;
  constexpr int64_t NC = 64 * NR;  // B block (KC x NC) stays in L2
  thread_local AlignedBuf<T> bpack;
  bpack.resize(KC * NC);
  int64_t rows = 0;  // packed, in whole panels
  for (int g = 0; g < ngroups; ++g) rows += (groups[g].m + Tile<T>::MR - 1) / Tile<T>::MR * Tile<T>::MR;
  const bool stream = ngroups <= 8 && rows <= stream_rows<T>() && rows > Tile<T>::MR;
  for (int64_t j0 = c0; j0 < c1; j0 += NC) {
    const int64_t nc = std::min<int64_t>(NC, c1 - j0);
    const int64_t np = (nc + NR - 1) / NR;
    for (int64_t k0 = 0; k0 < k; k0 += KC) {
      const int64_t kc = std::min<int64_t>(KC, k - k0);
      if (stream) {
        streamed_product(acc || k0 > 0, kc, groups, ngroups, k0, j0, B + k0 * rsb + j0 * csb, rsb, csb, nc,
                         bias && k0 == 0 ? bias + j0 : nullptr);
        continue;
      }
      pack_b(B + k0 * rsb + j0 * csb, rsb, csb, kc, nc, bpack.data());
      for (int g = 0; g < ngroups; ++g) {
        const RowGroup<T>& q = groups[g];
        if (q.m > 0)
          block_product(acc || k0 > 0, q.m, kc, q.A + k0 * q.csa, q.rsa, q.csa, bpack.data(), np, nc, q.C + j0, q.ldc,
                        bias && k0 == 0 ? bias + j0 : nullptr);
      }
    }
  }
}

}  // namespace

template <typename T>
void strided_multi(bool acc, int64_t n, int64_t k, const RowGroup<T>* groups, int ngroups, const T* B,
                        int64_t rsb, int64_t csb, const T* bias) {
  constexpr int NR = Tile<T>::NR, MR = Tile<T>::MR;
  if (n == 0) return;
  if (k == 0) {
    for (int g = 0; g < ngroups; ++g) {
      const RowGroup<T>& q = groups[g];
      if (!acc) zero_rows(q.C, q.m, n, q.ldc);
      if (bias)
        for (int64_t i = 0; i < q.m; ++i)
          for (int64_t j = 0; j < n; ++j) q.C[i * q.ldc + j] += bias[j];
    }
    return;
  }
  int64_t rows = 0;
  for (int g = 0; g < ngroups; ++g) rows += groups[g].m;
  const int64_t panels = (n + NR - 1) / NR;
  // Tall products (the input projection, S*B rows) split over row blocks of MR, the others
  // (weight gradients: few rows, a long k) over column panels. Either way each output
  // keeps its summation order.
  if (ngroups == 1 && rows >= 8 * n) {
    const RowGroup<T>& q = groups[0];
    const int64_t blocks = (q.m + MR - 1) / MR;
    const int64_t tasks = split_count(rows * n * k, blocks);
    if (tasks > 1) {
      parallel_for(tasks, [&](int64_t t) {
        const int64_t r0 = blocks * t / tasks * MR, r1 = std::min(q.m, blocks * (t + 1) / tasks * MR);
        const RowGroup<T> part{r1 - r0, q.A + r0 * q.rsa, q.rsa, q.csa, q.C + r0 * q.ldc, q.ldc};
        strided_multi_columns(acc, 0, n, k, &part, 1, B, rsb, csb, bias);
      });
      return;
    }
  }
  const int64_t tasks = split_count(rows * n * k, panels);
  if (tasks <= 1) return strided_multi_columns(acc, 0, n, k, groups, ngroups, B, rsb, csb, bias);
  parallel_for(tasks, [&](int64_t t) {
    strided_multi_columns(acc, panels * t / tasks * NR, std::min(n, panels * (t + 1) / tasks * NR), k, groups,
                          ngroups, B, rsb, csb, bias);
  });
}
