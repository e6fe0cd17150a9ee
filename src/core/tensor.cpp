// Tensor storage, dtype names and the live-buffer accounting.
#include "tensor.h"

#include <atomic>
#include <cstring>
#include <sstream>

namespace recurrent {
namespace core {

namespace {
std::atomic<int64_t> g_live_bytes{0};
std::atomic<uint64_t> g_buffer_serial{0};
}

int64_t live_buffer_bytes() { return g_live_bytes.load(); }
uint64_t next_buffer_serial() { return g_buffer_serial.load(); }

Buffer::Buffer(DType dtype, int64_t n, bool zero) : serial(g_buffer_serial++) {
  const size_t len = static_cast<size_t>(n);
  if (dtype == DType::Float32) {
    f.reset(zero ? new float[len]() : new float[len]);
    bytes = n * static_cast<int64_t>(sizeof(float));
  } else {
    d.reset(zero ? new double[len]() : new double[len]);
    bytes = n * static_cast<int64_t>(sizeof(double));
  }
  g_live_bytes += bytes;
}

Buffer::~Buffer() { g_live_bytes -= bytes; }

const char* dtype_name(DType d) {
  switch (d) {
    case DType::Float32: return "float32";
    case DType::Float64: return "float64";
    case DType::Int32: return "int32";
    case DType::Bool: return "bool";
  }
  return "?";
}

DType dtype_from_name(const std::string& name) {
  if (name == "float32") return DType::Float32;
  if (name == "float64") return DType::Float64;
  if (name == "int32" || name == "int64") return DType::Int32;
  if (name == "bool") return DType::Bool;
  throw Error("unsupported dtype \"" + name + "\": expected one of float32, float64, int32, bool");
}

int64_t numel(const Shape& s) {
  int64_t n = 1;
  for (auto d : s) n *= d;
  return n;
}

std::string shape_str(const Shape& s) {
  std::ostringstream o;
  o << "(";
  for (size_t i = 0; i < s.size(); ++i) o << (i ? ", " : "") << s[i];
  o << ")";
  return o.str();
}

Tensor::Tensor(Shape shape, DType dtype) : Tensor(std::move(shape), dtype, true) {}

Tensor::Tensor(Shape shape, DType dtype, bool zero) : p_(std::make_shared<TensorImpl>()) {
  for (auto d : shape)
    if (d < 0) throw Error("tensor shapes cannot have negative dimensions, got " + shape_str(shape));
  p_->buf = std::make_shared<Buffer>(dtype, numel(shape), zero);
  p_->shape = std::move(shape);
  p_->dtype = dtype;
}

Tensor Tensor::zeros(const Shape& shape, DType dtype) { return Tensor(shape, dtype); }
Tensor Tensor::empty(const Shape& shape, DType dtype) { return Tensor(shape, dtype, false); }

Tensor Tensor::full(const Shape& shape, DType dtype, double value) {
  Tensor t = empty(shape, dtype);
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data<T>();
    const int64_t n = t.size();
    for (int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(value);
    return 0;
  });
  return t;
}

Tensor Tensor::scalar(double value, DType dtype) { return full(Shape{}, dtype, value); }

double Tensor::item() const {
  if (size() != 1) throw Error("expected a tensor with one element, got shape " + shape_str(shape()));
  return at(0);
}

double Tensor::at(int64_t i) const {
  return dtype() == DType::Float32 ? static_cast<double>(p_->buf->f[static_cast<size_t>(i)])
                                   : p_->buf->d[static_cast<size_t>(i)];
}

Tensor Tensor::detach() const {
  Tensor t;
  t.p_ = std::make_shared<TensorImpl>();
  t.p_->shape = p_->shape;
  t.p_->dtype = p_->dtype;
  t.p_->buf = p_->buf;
  return t;
}

Tensor Tensor::clone() const {
  Tensor t = empty(shape(), dtype());
  if (dtype() == DType::Float32)
    std::memcpy(t.data<float>(), data<float>(), sizeof(float) * static_cast<size_t>(size()));
  else
    std::memcpy(t.data<double>(), data<double>(), sizeof(double) * static_cast<size_t>(size()));
  return t;
}

Tensor Tensor::view(const Shape& s) const {
  if (numel(s) != size())
    throw Error("cannot view a tensor of shape " + shape_str(shape()) + " as " + shape_str(s));
  Tensor t = detach();
  t.p_->shape = s;
  return t;
}

void Tensor::copy_from(const Tensor& src) {
  if (src.shape() != shape())
    throw Error("cannot assign a value of shape " + shape_str(src.shape()) + " to a variable of shape " +
                shape_str(shape()));
  dispatch(dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* dst = data<T>();
    const int64_t n = size();
    if (src.dtype() == dtype()) {
      std::memcpy(dst, src.data<T>(), sizeof(T) * static_cast<size_t>(n));
    } else {
      for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<T>(src.at(i));
    }
    return 0;
  });
}

}  // namespace core
}  // namespace recurrent
