// Tensor: a shape, a dtype and a shared row-major buffer, plus an optional autograd link.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

// A user-facing error (bad shapes, bad arguments). It is named at global scope because
// Rcpp makes an R condition whose first class is the C++ type's name: R code catches
// these as `recurrent_error`, like the package's other errors.
struct recurrent_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

namespace recurrent {
namespace core {

// float32 and float64 compute; int32 and bool are labels over a double buffer
// (ids, masks and comparison results), so every kernel needs only float and double.
enum class DType : int { Float32 = 0, Float64 = 1, Int32 = 2, Bool = 3 };

using Shape = std::vector<int64_t>;

using Error = ::recurrent_error;

const char* dtype_name(DType d);
DType dtype_from_name(const std::string& name);
inline bool is_float(DType d) { return d == DType::Float32 || d == DType::Float64; }
int64_t numel(const Shape& s);
std::string shape_str(const Shape& s);

// Bytes held by live tensor buffers; the bindings use it to decide when R should
// collect garbage (R only sees the small handles, not these buffers).
int64_t live_buffer_bytes();

// Buffers are numbered in the order they are made, so that a recording can tell data
// made before a loop from data made during it (core/trace.h).
uint64_t next_buffer_serial();

struct Buffer {
  std::unique_ptr<float[]> f;
  std::unique_ptr<double[]> d;
  int64_t bytes = 0;
  uint64_t serial;
  // zero = false leaves the values unset, for results that are then written in full
  Buffer(DType dtype, int64_t n, bool zero);
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
};

struct Node;

struct TensorImpl {
  Shape shape;
  DType dtype = DType::Float32;
  std::shared_ptr<Buffer> buf;
  // autograd: the node that produced this tensor (and which of its outputs it is),
  // or, for a leaf, whether gradients are wanted for it.
  std::shared_ptr<Node> node;
  int output_index = 0;
  bool requires_grad = false;
};

class Tensor {
 public:
  Tensor() = default;
  Tensor(Shape shape, DType dtype);                 // zeros
  static Tensor zeros(const Shape& shape, DType dtype);
  // Values left unset: only for an op's result that its kernel writes in full (the
  // hot products and elementwise ops, where clearing first would double the writes).
  static Tensor empty(const Shape& shape, DType dtype);
  static Tensor full(const Shape& shape, DType dtype, double value);
  static Tensor scalar(double value, DType dtype);

  bool defined() const { return p_ != nullptr; }
  const Shape& shape() const { return p_->shape; }
  int64_t dim(int i) const { return p_->shape[static_cast<size_t>(i)]; }
  int ndim() const { return static_cast<int>(p_->shape.size()); }
  int64_t size() const { return numel(p_->shape); }
  DType dtype() const { return p_->dtype; }

  template <typename T> T* data();
  template <typename T> const T* data() const;
  double item() const;                        // a one-element tensor's value
  double at(int64_t flat_index) const;        // any dtype, for printing and checks

  // autograd
  bool requires_grad() const { return p_->requires_grad || p_->node != nullptr; }
  bool is_leaf() const { return p_->node == nullptr; }
  void set_requires_grad(bool v) { p_->requires_grad = v; }
  const std::shared_ptr<Node>& node() const { return p_->node; }
  int output_index() const { return p_->output_index; }
  void set_node(std::shared_ptr<Node> node, int index) {
    p_->node = std::move(node);
    p_->output_index = index;
  }

  Tensor detach() const;        // same buffer, no autograd history
  Tensor clone() const;         // new buffer, same values, no history
  Tensor view(const Shape& s) const;  // same buffer, another shape of equal size
  void copy_from(const Tensor& src);  // in place (variables): same shape required
  bool same(const Tensor& o) const { return p_ == o.p_; }
  const TensorImpl* impl() const { return p_.get(); }
  uint64_t buffer_serial() const { return p_->buf->serial; }

 private:
  Tensor(Shape shape, DType dtype, bool zero);
  std::shared_ptr<TensorImpl> p_;
};

template <> inline float* Tensor::data<float>() { return p_->buf->f.get(); }
template <> inline double* Tensor::data<double>() { return p_->buf->d.get(); }
template <> inline const float* Tensor::data<float>() const { return p_->buf->f.get(); }
template <> inline const double* Tensor::data<double>() const { return p_->buf->d.get(); }

// Calls fn.template operator()<T>() with T = float for float32 tensors and double otherwise.
template <typename Fn>
auto dispatch(DType dtype, Fn&& fn) {
  if (dtype == DType::Float32) return fn(float{});
  return fn(double{});
}

}  // namespace core
}  // namespace recurrent
