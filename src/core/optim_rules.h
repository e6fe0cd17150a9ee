// The update rules of the optimizers added after the first four (Nadam, Adamax,
// Adadelta, Ftrl, Lion, Lamb, Adafactor): Keras 3's update_step() of
// keras/src/optimizers/<name>.py, on raw buffers. optim.cpp does the shared part
// (clipping, weight decay, gradient accumulation, EMA) and calls these.
#pragma once

#include <cstdint>
#include <vector>

#include "optim.h"

namespace recurrent {
namespace core {
namespace optim {
namespace rules {

// True for the kinds handled here.
bool handles(Kind k);
const char* kind_name(Kind k);
int slot_count(const Config& c);
// Whether slot `index` of a variable may have another shape than the variable
// (Adafactor's factored second moments).
bool free_slot_shape(const Config& c, int index);
// The shape slot `index` must have for a variable of shape `var` (free slots only).
Shape slot_shape(const Config& c, int index, const Shape& var);

// One update of `var` (shape `shape`) from gradient `g`; `step` is the number of
// updates already made.
void update(const Config& c, float* var, const float* g, std::vector<Tensor>& slots, const Shape& shape,
            int64_t step);
void update(const Config& c, double* var, const double* g, std::vector<Tensor>& slots, const Shape& shape,
            int64_t step);

}  // namespace rules
}  // namespace optim
}  // namespace core
}  // namespace recurrent
