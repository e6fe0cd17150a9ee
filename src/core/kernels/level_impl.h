// One instruction-set level's kernels and its dispatch table. Included once by each
// level_*.cpp, after level_prelude.h and inside that file's target pragma, with
// RECURRENT_LEVEL_NS (namespace), RECURRENT_LEVEL (kernels::Level), RECURRENT_LEVEL_NAME
// and RECURRENT_VEC_BYTES defined. Everything here lives in the level's own namespace, so
// no function compiled for one level can stand in for another's at link time.

namespace recurrent {
namespace core {
namespace kernels {
namespace RECURRENT_LEVEL_NS {

#include "simd.h"
#include "gemm_impl.h"
#include "maths_impl.h"
#include "cells_impl.h"

namespace {
const Table kTable = {
    RECURRENT_LEVEL,
    RECURRENT_LEVEL_NAME,
    RECURRENT_VEC_BYTES,
    {&pack_into<float>, &packed_product<float>, &strided_multi<float>, &small_product<float>, &arith_arrays<float>},
    {&pack_into<double>, &packed_product<double>, &strided_multi<double>, &small_product<double>,
     &arith_arrays<double>},
    &exp_floats,
    &tanh_floats,
    &sigmoid_floats,
    {&mul_add<float>, &lstm_state<float>, &gru_state<float>, &lstm_back_gates<float>, &gru_back_state<float>},
    {&mul_add<double>, &lstm_state<double>, &gru_state<double>, &lstm_back_gates<double>, &gru_back_state<double>},
    &lstm_step_f32,
    &lstm_back_f32,
    &gru_step_f32,
};
}  // namespace

const Table* level_table() { return &kTable; }

}  // namespace RECURRENT_LEVEL_NS
}  // namespace kernels
}  // namespace core
}  // namespace recurrent
