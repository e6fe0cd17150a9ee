// The direct convolution's tiles (conv_tiles_impl.h) compiled for each instruction-set
// level the kernels have (kernels/dispatch.h), each under its own target pragma and in
// its own namespace, and the choice among them.
#include "kernels/level_prelude.h"

#include "conv_tiles.h"

namespace recurrent {
namespace core {
namespace conv {
namespace tiles {

// A target pragma around each level's namespace, so that its functions use the level's
// instructions while the rest of the library keeps the baseline.
#define RECURRENT_PRAGMA(x) _Pragma(#x)
#if defined(__clang__)
#define RECURRENT_TARGET_PUSH(t) RECURRENT_PRAGMA(clang attribute push(__attribute__((target(t))), apply_to = function))
#define RECURRENT_TARGET_POP RECURRENT_PRAGMA(clang attribute pop)
#else
#define RECURRENT_TARGET_PUSH(t) RECURRENT_PRAGMA(GCC push_options) RECURRENT_PRAGMA(GCC target(t))
#define RECURRENT_TARGET_POP RECURRENT_PRAGMA(GCC pop_options)
#endif

namespace baseline {
#define RECURRENT_VEC_BYTES 16
#include "conv_tiles_impl.h"
#undef RECURRENT_VEC_BYTES
const Table* table() { return &kTable; }
}  // namespace baseline

#if RECURRENT_X86_LEVELS
RECURRENT_TARGET_PUSH("avx2,fma")
namespace avx2 {
#define RECURRENT_VEC_BYTES 32
#include "conv_tiles_impl.h"
#undef RECURRENT_VEC_BYTES
const Table* table() { return &kTable; }
}  // namespace avx2
RECURRENT_TARGET_POP

RECURRENT_TARGET_PUSH("avx512f,avx2,fma")
namespace avx512 {
#define RECURRENT_VEC_BYTES 64
#include "conv_tiles_impl.h"
#undef RECURRENT_VEC_BYTES
const Table* table() { return &kTable; }
}  // namespace avx512
RECURRENT_TARGET_POP
#endif  // RECURRENT_X86_LEVELS

const Table& active() {
#if RECURRENT_X86_LEVELS
  switch (kernels::active().level) {
    case kernels::kAvx512: return *avx512::table();
    case kernels::kAvx2: return *avx2::table();
  }
#endif
  return *baseline::table();
}

}  // namespace tiles
}  // namespace conv
}  // namespace core
}  // namespace recurrent
