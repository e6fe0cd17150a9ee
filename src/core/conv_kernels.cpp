// The convolution kernels of conv.h, as a direct convolution: register tiles
// (conv_tiles.h) read the input where it lies, in a zero-padded copy when the geometry
// pads, so no im2col matrix is made. The input-gradient is the correlation of dy with the
// flipped kernel (stride 1), or the columns' gradient added back where they were read
// (col2im: strides, and where that correlation's tiles would be one vector wide). 1x1
// convolutions are plain products. Speed: inst/bench/bench-conv.R.
#include <algorithm>
#include <array>
#include <vector>

#include "conv.h"
#include "conv_tiles.h"
#include "kernels/gemm.h"
#include "parallel.h"

namespace recurrent {
namespace core {
namespace conv {

namespace {

using kernels::AlignedBuf;
using kernels::gemm_strided;

// Output rows per task block: row pointers for this many are made at a time.
constexpr int64_t kBlockRows = 256;
// Elements of a zero-padded input block (256 KB of float32): the copy is read back from
// the L2 cache while it is made, and memory stays bounded for large batches.
constexpr int64_t kGridBudget = int64_t(1) << 16;

// Buffers kept across calls on a thread: a ConvLSTM calls the kernels at every timestep.
template <typename T>
struct Scratch {
  AlignedBuf<T> grid, weights;
  std::vector<int64_t> taps, offs;
  std::vector<const T*> rows, cols;
};
template <typename T>
Scratch<T>& scratch() {
  thread_local Scratch<T> s;
  return s;
}
// A task's row pointers and columns: apart from the caller's scratch, since the caller
// runs tasks too.
template <typename T>
struct TaskScratch {
  std::vector<const T*> rows;
  std::vector<T*> targets;
  AlignedBuf<T> cols;
};
template <typename T>
TaskScratch<T>& task_scratch() {
  thread_local TaskScratch<T> s;
  return s;
}

// Tasks for `work` multiply-adds split into at most `units` pieces: one unless the
// kernels have several threads and the work repays waking them.
int64_t task_count(int64_t work, int64_t units) {
  const int64_t threads = num_threads();
  return threads > 1 && work >= (int64_t(1) << 20) ? std::max<int64_t>(1, std::min(threads, units)) : 1;
}

// fn(i0, i1) for `units` pieces of `unit` items covering [0, n), split into tasks as
// task_count() says. Each item's result is the same however the pieces are split.
template <typename Fn>
void for_pieces(int64_t n, int64_t unit, int64_t work, Fn fn) {
  const int64_t units = (n + unit - 1) / unit, tasks = task_count(work, units);
  auto piece = [&](int64_t t) {
    fn(std::min(n, units * t / tasks * unit), std::min(n, units * (t + 1) / tasks * unit));
  };
  if (tasks <= 1) return piece(0);
  parallel_for(tasks, piece);
}

// The input as the kernel sweeps it. `dim` is the layout of one batch item (positions per
// spatial dim, channels last); `lead` the zero positions before the input along each dim.
// When the geometry pads, the grid is a zero-padded copy that holds exactly the positions
// some tap reads; otherwise it is x itself.
struct Grid {
  std::array<int64_t, 3> dim{{1, 1, 1}}, lead{{0, 0, 0}};
  bool copy = false;
  int64_t item(int64_t channels) const { return dim[0] * dim[1] * dim[2] * channels; }
};

Grid grid_of(const Geometry& g) {
  Grid grid;
  for (int d = 0; d < 3; ++d) {
    const int64_t span = (g.out[d] - 1) * g.stride[d] + (g.kernel[d] - 1) * g.dilation[d] + 1;
    grid.dim[d] = span;
    grid.lead[d] = g.pad[d];
    if (g.pad[d] != 0 || span > g.in[d]) grid.copy = true;
  }
  if (!grid.copy) grid.dim = g.in;
  return grid;
}

// fn(grid_row, input_row) for each row (all but the last spatial dim) of the grid of
// batch items [b0, b0 + nb): the offsets of the row's first value in the grid block and
// in the input, or -1 for the input where the row is padding.
template <typename Fn>
void for_grid_rows(const Geometry& g, const Grid& grid, int64_t b0, int64_t nb, Fn fn) {
  const int64_t row = grid.dim[2] * g.cin;
  for (int64_t b = 0; b < nb; ++b)
    for (int64_t q0 = 0; q0 < grid.dim[0]; ++q0)
      for (int64_t q1 = 0; q1 < grid.dim[1]; ++q1) {
        const int64_t i0 = q0 - grid.lead[0], i1 = q1 - grid.lead[1];
        const bool inside = i0 >= 0 && i0 < g.in[0] && i1 >= 0 && i1 < g.in[1];
        fn(((b * grid.dim[0] + q0) * grid.dim[1] + q1) * row,
           inside ? (((b0 + b) * g.in[0] + i0) * g.in[1] + i1) * g.in[2] * g.cin : int64_t(-1));
      }
}

// The values of a grid row that are input values: from lead2 on, n2 of them.
struct RowSpan {
  int64_t lead, n, row;
};
RowSpan row_span(const Geometry& g, const Grid& grid) {
  const int64_t n2 = std::max<int64_t>(0, std::min(g.in[2], grid.dim[2] - grid.lead[2]));
  return {grid.lead[2] * g.cin, n2 * g.cin, grid.dim[2] * g.cin};
}

// Batch items [b0, b0 + nb) of x into the grid's zero-padded layout at dst.
template <typename T>
void fill_grid(const Geometry& g, const Grid& grid, const T* x, int64_t b0, int64_t nb, T* dst) {
  const RowSpan sp = row_span(g, grid);
  for_grid_rows(g, grid, b0, nb, [&](int64_t q, int64_t i) {
    T* d = dst + q;
    if (i < 0) return std::fill(d, d + sp.row, T(0));
    std::fill(d, d + sp.lead, T(0));
    std::copy(x + i, x + i + sp.n, d + sp.lead);
    std::fill(d + sp.lead + sp.n, d + sp.row, T(0));
  });
}

// The input values of a grid block (src) into dx, whose other values are left as they are.
template <typename T>
void grid_to_input(const Geometry& g, const Grid& grid, const T* src, int64_t b0, int64_t nb, T* dx) {
  const RowSpan sp = row_span(g, grid);
  for_grid_rows(g, grid, b0, nb, [&](int64_t q, int64_t i) {
    if (i >= 0) std::copy(src + q + sp.lead, src + q + sp.lead + sp.n, dx + i);
  });
}

// Batch items per grid block, and the block's grid (x itself when nothing is copied).
int64_t grid_items(const Geometry& g, const Grid& grid) {
  if (!grid.copy) return g.batch;
  return std::max<int64_t>(1, std::min(g.batch, kGridBudget / std::max<int64_t>(grid.item(g.cin), 1)));
}
template <typename T>
const T* grid_block(const Geometry& g, const Grid& grid, const T* x, int64_t b0, int64_t nb, AlignedBuf<T>& buf) {
  if (!grid.copy) return x + b0 * g.in_positions() * g.cin;
  buf.resize(nb * grid.item(g.cin));
  fill_grid(g, grid, x, b0, nb, buf.data());
  return buf.data();
}

// Offsets in the grid of each kernel tap, relative to the first position an output reads.
std::vector<int64_t>& tap_offsets(const Geometry& g, const Grid& grid, std::vector<int64_t>& out) {
  out.clear();
  for (int64_t k0 = 0; k0 < g.kernel[0]; ++k0)
    for (int64_t k1 = 0; k1 < g.kernel[1]; ++k1)
      for (int64_t k2 = 0; k2 < g.kernel[2]; ++k2)
        out.push_back(((k0 * g.dilation[0] * grid.dim[1] + k1 * g.dilation[1]) * grid.dim[2] + k2 * g.dilation[2]) *
                      g.cin);
  return out;
}

// fn(i, offset) for outputs p0 .. p0 + count - 1 of a grid block (positions counted from
// the block's first item), with the grid offset of the first position each one reads.
template <typename Fn>
void for_positions(const Geometry& g, const Grid& grid, int64_t p0, int64_t count, Fn fn) {
  const int64_t P = g.out_positions(), item = grid.item(g.cin);
  int64_t b = p0 / P, r = p0 % P;
  int64_t o2 = r % g.out[2], o1 = (r / g.out[2]) % g.out[1], o0 = r / (g.out[2] * g.out[1]);
  const int64_t s2 = g.stride[2] * g.cin, s1 = g.stride[1] * grid.dim[2] * g.cin,
                s0 = g.stride[0] * grid.dim[1] * grid.dim[2] * g.cin;
  for (int64_t i = 0; i < count; ++i) {
    fn(i, b * item + o0 * s0 + o1 * s1 + o2 * s2);
    if (++o2 < g.out[2]) continue;
    o2 = 0;
    if (++o1 < g.out[1]) continue;
    o1 = 0;
    if (++o0 < g.out[0]) continue;
    o0 = 0;
    ++b;
  }
}

// Vector lanes of T at the level in use.
template <typename T>
int64_t vector_lanes() {
  return tiles::active().vector_bytes / static_cast<int64_t>(sizeof(T));
}

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Whether a correlation whose groups map cg input channels to og outputs over `taps`
// kernel positions takes dot tiles: by vector multiply-adds per output row, og sums of
// taps x cg (plus the sum across lanes) against cg x taps rows of og.
bool prefers_dot(int64_t taps, int64_t cg, int64_t og, int64_t lanes) {
  return og * (taps * ceil_div(cg, lanes) + 2) < taps * cg * ceil_div(og, lanes);
}

// y (batch, out..., cout) = the correlation of x (batch, in..., cin) with the weights
// wt(tap, i, o), i < cin / groups the channel within the group, o < cout, as the
// geometry says. Each group is one gathered product per block of output rows: either
// each output channel a vector lane (broadcast: wide groups), or each one a sum of dot
// products along the group's input channels (dot: groups of a few outputs, such as the
// input-gradient of a convolution of one to three channels).
template <typename T, typename Weight>
void correlate(const Geometry& g, const T* x, Weight wt, T* y) {
  Scratch<T>& s = scratch<T>();
  const Grid grid = grid_of(g);
  const int64_t taps = g.kernel_positions(), cg = g.cin_per_group(), og = g.cout_per_group(), K = taps * cg;
  const int64_t VL = vector_lanes<T>();
  const bool dot = prefers_dot(taps, cg, og, VL);
  tap_offsets(g, grid, s.taps);
  // the weights, per group: broadcast (K, ldb) rows padded to whole vectors; dot (og, K)
  const int64_t ldb = dot ? K : ceil_div(og, tiles::kMaxLanes<T>) * tiles::kMaxLanes<T>;
  const int64_t per_group = dot ? og * K : K * ldb;
  s.weights.resize(g.groups * per_group);
  T* wp = s.weights.data();
  for (int64_t grp = 0; grp < g.groups; ++grp)
    for (int64_t t = 0; t < taps; ++t)
      for (int64_t i = 0; i < cg; ++i) {
        const int64_t k = t * cg + i;
        T* w_grp = wp + grp * per_group;
        for (int64_t o = 0; o < og; ++o) (dot ? w_grp[o * K + k] : w_grp[k * ldb + o]) = wt(t, i, grp * og + o);
        if (!dot) std::fill(w_grp + k * ldb + og, w_grp + (k + 1) * ldb, T(0));
      }
  if (dot) {
    s.offs.resize(static_cast<size_t>(taps));
    for (int64_t t = 0; t < taps; ++t) s.offs[static_cast<size_t>(t)] = t * cg;
    s.cols.resize(static_cast<size_t>(g.groups * og));
    for (int64_t j = 0; j < g.groups * og; ++j) s.cols[static_cast<size_t>(j)] = wp + j * K;
  } else {
    s.offs.resize(static_cast<size_t>(K));
    for (int64_t t = 0; t < taps; ++t)
      for (int64_t i = 0; i < cg; ++i) s.offs[static_cast<size_t>(t * cg + i)] = s.taps[static_cast<size_t>(t)] + i;
  }
  const auto& kern = tiles::of<T>(tiles::active());
  const int64_t P = g.out_positions(), items = grid_items(g, grid);
  for (int64_t b0 = 0; b0 < g.batch; b0 += items) {
    const int64_t nb = std::min(items, g.batch - b0);
    const T* xg = grid_block(g, grid, x, b0, nb, s.grid);
    T* yb = y + b0 * P * g.cout;
    auto block = [&](int64_t r0, int64_t r1) {
      std::vector<const T*>& rows = task_scratch<T>().rows;
      rows.resize(static_cast<size_t>(r1 - r0));
      for (int64_t grp = 0; grp < g.groups; ++grp) {
        for_positions(g, grid, r0, r1 - r0,
                      [&](int64_t i, int64_t off) { rows[static_cast<size_t>(i)] = xg + off + grp * cg; });
        T* c = yb + r0 * g.cout + grp * og;
        if (dot) {
          kern.dot(tiles::Dot<T>{r1 - r0, og, taps, cg, rows.data(), s.taps.data(), s.cols.data() + grp * og,
                                 s.offs.data(), c, g.cout, false});
        } else {
          kern.broadcast(tiles::Broadcast<T>{r1 - r0, og, K, rows.data(), s.offs.data(), wp + grp * per_group, ldb,
                                             ldb, c, g.cout, false});
        }
      }
    };
    for_pieces(nb * P, kBlockRows, nb * P * K * og * g.groups, [&](int64_t q0, int64_t q1) {
      for (int64_t r0 = q0; r0 < q1; r0 += kBlockRows) block(r0, std::min(q1, r0 + kBlockRows));
    });
  }
}

// The input-gradient as the columns' gradient scattered back (col2im): per block of
// output rows and group, dcol (rows, K) = dy (rows, og) times the kernel transposed
// (og, K) in broadcast tiles K wide, then added where forward read each column: into
// the zero-padded grid, whose input values become dx. For strided convolutions, and for
// stride-1 ones whose transposed correlation would have tiles one vector wide. Tasks
// take whole batch items, which write apart.
template <typename T>
void backward_input_col2im(const Geometry& g, const T* dy, const T* w, T* dx) {
  Scratch<T>& s = scratch<T>();
  const int64_t og = g.cout_per_group(), cg = g.cin_per_group(), taps = g.kernel_positions(), K = taps * cg;
  const int64_t P = g.out_positions();
  // per group, the kernel transposed: (og, K) with rows padded to whole vectors
  const int64_t ldb = ceil_div(K, tiles::kMaxLanes<T>) * tiles::kMaxLanes<T>;
  s.weights.resize(g.groups * og * ldb);
  T* wt = s.weights.data();
  for (int64_t grp = 0; grp < g.groups; ++grp)
    for (int64_t o = 0; o < og; ++o) {
      T* row = wt + (grp * og + o) * ldb;
      for (int64_t k = 0; k < K; ++k) row[k] = w[k * g.cout + grp * og + o];
      std::fill(row + K, row + ldb, T(0));
    }
  s.offs.resize(static_cast<size_t>(og));
  for (int64_t o = 0; o < og; ++o) s.offs[static_cast<size_t>(o)] = o;
  const Grid grid = grid_of(g);
  tap_offsets(g, grid, s.taps);
  // dx values no output reads (past the last window, cut off by the stride) stay zero;
  // the others are written from the grid, or summed in place when there is none
  bool covered = grid.copy;
  for (int d = 0; d < 3; ++d) covered = covered && grid.lead[d] + g.in[d] <= grid.dim[d];
  if (!covered) std::fill(dx, dx + g.batch * g.in_positions() * g.cin, T(0));
  const auto& kern = tiles::of<T>(tiles::active());
  const int64_t items = grid_items(g, grid);
  for (int64_t b0 = 0; b0 < g.batch; b0 += items) {
    const int64_t nb = std::min(items, g.batch - b0);
    T* dg = dx + b0 * g.in_positions() * g.cin;
    if (grid.copy) {
      s.grid.resize(nb * grid.item(g.cin));
      dg = s.grid.data();
      std::fill(dg, dg + nb * grid.item(g.cin), T(0));
    }
    for_pieces(nb, 1, nb * P * K * g.cout, [&](int64_t i0, int64_t i1) {
      TaskScratch<T>& ts = task_scratch<T>();
      ts.rows.resize(static_cast<size_t>(kBlockRows));
      ts.targets.resize(static_cast<size_t>(kBlockRows));
      ts.cols.resize(kBlockRows * K);
      for (int64_t r0 = i0 * P; r0 < i1 * P; r0 += kBlockRows) {
        const int64_t r1 = std::min(i1 * P, r0 + kBlockRows);
        const T* dyb = dy + (b0 * P + r0) * g.cout;
        for (int64_t grp = 0; grp < g.groups; ++grp) {
          for (int64_t r = r0; r < r1; ++r) ts.rows[static_cast<size_t>(r - r0)] = dyb + (r - r0) * g.cout + grp * og;
          kern.broadcast(tiles::Broadcast<T>{r1 - r0, K, og, ts.rows.data(), s.offs.data(), wt + grp * og * ldb,
                                             ldb, ldb, ts.cols.data(), K, false});
          for_positions(g, grid, r0, r1 - r0, [&](int64_t i, int64_t off) {
            ts.targets[static_cast<size_t>(i)] = dg + off + grp * cg;
          });
          kern.scatter(tiles::Scatter<T>{r1 - r0, taps, cg, ts.cols.data(), K, ts.targets.data(), s.taps.data()});
        }
      }
    });
    if (grid.copy) grid_to_input(g, grid, dg, b0, nb, dx);
  }
}

}  // namespace

bool Geometry::pointwise() const {
  for (int d = 0; d < 3; ++d)
    if (kernel[d] != 1 || stride[d] != 1 || pad[d] != 0 || in[d] != out[d]) return false;
  return groups == 1;
}

template <typename T>
void forward(const Geometry& g, const T* x, const T* w, T* y) {
  const int64_t rows = g.batch * g.out_positions();
  if (rows == 0) return;
  if (g.pointwise()) return gemm_strided<T>(false, rows, g.cout, g.cin, x, g.cin, 1, w, g.cout, 1, y, g.cout);
  const int64_t cg = g.cin_per_group();
  correlate(g, x, [&](int64_t t, int64_t i, int64_t o) { return w[(t * cg + i) * g.cout + o]; }, y);
}

template <typename T>
void backward_input(const Geometry& g, const T* dy, const T* w, T* dx) {
  const int64_t rows = g.batch * g.out_positions();
  if (rows == 0) {
    std::fill(dx, dx + g.batch * g.in_positions() * g.cin, T(0));
    return;
  }
  if (g.pointwise()) return gemm_strided<T>(false, rows, g.cin, g.cout, dy, g.cout, 1, w, 1, g.cout, dx, g.cin);
  // Stride 1: dx[i] = sum over taps t of dy[i + pad - t * dilation] w[t], a correlation
  // of dy with the kernel flipped in space and transposed in channels, padded by
  // (kernel - 1) * dilation - pad before.
  Geometry t = g;
  bool direct = true;
  for (int d = 0; d < 3; ++d) {
    t.in[d] = g.out[d];
    t.out[d] = g.in[d];
    t.pad[d] = (g.kernel[d] - 1) * g.dilation[d] - g.pad[d];
    if (g.stride[d] != 1 || t.pad[d] < 0) direct = false;
  }
  const int64_t taps = g.kernel_positions(), cg = g.cin_per_group(), og = g.cout_per_group(), VL = vector_lanes<T>();
  const bool one_vector = cg <= VL && taps * cg >= 2 * VL && !prefers_dot(taps, og, cg, VL);
  if (!direct || one_vector) return backward_input_col2im(g, dy, w, dx);
  t.cin = g.cout;
  t.cout = g.cin;
  const int64_t last = taps - 1;
  correlate(t, dy, [&](int64_t tap, int64_t f, int64_t c) {
    return w[((last - tap) * cg + c % cg) * g.cout + (c / cg) * og + f];
  }, dx);
}

template <typename T>
void backward_kernel(const Geometry& g, const T* x, const T* dy, T* dw) {
  const int64_t rows = g.batch * g.out_positions();
  const int64_t taps = g.kernel_positions(), cg = g.cin_per_group(), og = g.cout_per_group(), K = taps * cg;
  if (rows == 0) {
    std::fill(dw, dw + K * g.cout, T(0));
    return;
  }
  if (g.pointwise()) return gemm_strided<T>(false, g.cin, g.cout, rows, x, 1, g.cin, dy, g.cout, 1, dw, g.cout);
  // dw (K, og) of a group = sum over output rows p of x's row p gathered (K) times dy's
  // row p: a gathered product with the kernel's rows as its rows and the output rows
  // as its depth, in blocks of positions (each block's dy stays in cache while every
  // kernel row meets it) accumulated into dw.
  Scratch<T>& s = scratch<T>();
  const Grid grid = grid_of(g);
  tap_offsets(g, grid, s.taps);
  const auto& kern = tiles::of<T>(tiles::active());
  const int64_t P = g.out_positions(), items = grid_items(g, grid);
  const int64_t depth = std::max<int64_t>(64, std::min<int64_t>(1024, 16384 / std::max<int64_t>(og, 1)));
  s.rows.resize(static_cast<size_t>(g.groups * K));
  for (int64_t b0 = 0; b0 < g.batch; b0 += items) {
    const int64_t nb = std::min(items, g.batch - b0);
    const T* xg = grid_block(g, grid, x, b0, nb, s.grid);
    const T* dyb = dy + b0 * P * g.cout;
    const int64_t m = nb * P;
    s.offs.resize(static_cast<size_t>(m));
    for_positions(g, grid, 0, m, [&](int64_t i, int64_t off) { s.offs[static_cast<size_t>(i)] = off; });
    for (int64_t grp = 0; grp < g.groups; ++grp)
      for (int64_t t = 0; t < taps; ++t)
        for (int64_t i = 0; i < cg; ++i)
          s.rows[static_cast<size_t>(grp * K + t * cg + i)] = xg + s.taps[static_cast<size_t>(t)] + grp * cg + i;
    // split over the kernel's rows, so each dw entry keeps its summation order
    for_pieces(g.groups * K, 8, m * K * og * g.groups, [&](int64_t k0, int64_t k1) {
      for (int64_t grp = k0 / K; grp * K < k1; ++grp) {
        const int64_t r0 = std::max(k0, grp * K), r1 = std::min(k1, (grp + 1) * K);
        for (int64_t p0 = 0; p0 < m; p0 += depth) {
          const int64_t kd = std::min(depth, m - p0);
          const tiles::Broadcast<T> a{r1 - r0, og, kd, s.rows.data() + r0, s.offs.data() + p0,
                                      dyb + p0 * g.cout + grp * og, g.cout, g.cout - grp * og,
                                      dw + (r0 - grp * K) * g.cout + grp * og, g.cout, b0 > 0 || p0 > 0};
          kern.broadcast(a);
        }
      }
    });
  }
}

template void forward<float>(const Geometry&, const float*, const float*, float*);
template void forward<double>(const Geometry&, const double*, const double*, double*);
template void backward_input<float>(const Geometry&, const float*, const float*, float*);
template void backward_input<double>(const Geometry&, const double*, const double*, double*);
template void backward_kernel<float>(const Geometry&, const float*, const float*, float*);
template void backward_kernel<double>(const Geometry&, const double*, const double*, double*);

}  // namespace conv
}  // namespace core
}  // namespace recurrent
