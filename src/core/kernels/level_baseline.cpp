// Baseline kernels: what the compiler targets by default (x86-64: SSE2; aarch64: NEON).
#include "level_prelude.h"

#define RECURRENT_LEVEL_NS baseline
#define RECURRENT_LEVEL kBaseline
#if defined(__x86_64__) || defined(_M_X64)
#define RECURRENT_LEVEL_NAME "sse2"
#elif defined(__aarch64__) || defined(__ARM_NEON)
#define RECURRENT_LEVEL_NAME "neon"
#else
#define RECURRENT_LEVEL_NAME "generic"
#endif
#define RECURRENT_VEC_BYTES 16
#include "level_impl.h"

namespace recurrent {
namespace core {
namespace kernels {
const Table* table_baseline() { return baseline::level_table(); }
}  // namespace kernels
}  // namespace core
}  // namespace recurrent
