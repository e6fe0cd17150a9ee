// Everything a level's kernels use from outside, included BEFORE the level's target
// pragma. Functions declared under the pragma are compiled for that level, so the
// standard library's templates must be defined here, outside it: their instantiations
// (std::min, std::copy, ...) are then baseline code, the same in every level's object,
// and the linker may keep any one copy.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>

#include "../parallel.h"
#include "dispatch.h"
#include "gemm.h"

// Levels beyond the baseline: x86-64 with GCC or Clang (target pragmas). Elsewhere
// (aarch64, where NEON is the baseline, or other compilers) only the baseline is built.
#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#define RECURRENT_X86_LEVELS 1
#else
#define RECURRENT_X86_LEVELS 0
#endif
