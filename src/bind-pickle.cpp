// A restricted reader for the pickle streams NumPy writes for object arrays (the
// ragged sequences of Keras's imdb.npz and reuters.npz). It interprets only the
// opcodes that build numbers, strings, bytes, lists, tuples and dicts, and treats
// the two NumPy globals it meets (ndarray reconstruction and dtype) as inert
// records: nothing in the stream is ever called or evaluated.
#include <Rcpp.h>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

struct Value;
using Ptr = std::shared_ptr<Value>;

enum class Kind { None, Int, Float, Bool, Str, Bytes, List, Tuple, Dict, Global, Array, DType, Mark };

struct Value {
  Kind kind = Kind::None;
  int64_t i = 0;
  double d = 0;
  std::string s;               // Str, Bytes, Global ("module name"), DType descr
  std::vector<Ptr> items;      // List, Tuple, Dict (key, value, key, value, ...)
  // Array: shape and either object items or raw bytes with a dtype
  std::vector<int64_t> shape;
  Ptr dtype;
  std::string byteorder = "<";
};

Ptr make(Kind k) { auto v = std::make_shared<Value>(); v->kind = k; return v; }

struct Reader {
  const unsigned char* p;
  size_t n, pos = 0;
  std::vector<Ptr> stack;
  std::vector<size_t> marks;
  std::vector<Ptr> memo;

  void need(size_t k) { if (pos + k > n) Rcpp::stop("pickle stream ends early"); }
  uint64_t uint_le(size_t k) {
    need(k);
    uint64_t v = 0;
    for (size_t b = 0; b < k; ++b) v |= static_cast<uint64_t>(p[pos + b]) << (8 * b);
    pos += k;
    return v;
  }
  std::string bytes(size_t k) { need(k); std::string s(reinterpret_cast<const char*>(p + pos), k); pos += k; return s; }
  std::string line() {
    size_t start = pos;
    while (pos < n && p[pos] != '\n') ++pos;
    if (pos >= n) Rcpp::stop("pickle stream ends early");
    std::string s(reinterpret_cast<const char*>(p + start), pos - start);
    ++pos;
    return s;
  }
  Ptr pop() { if (stack.empty()) Rcpp::stop("malformed pickle stream (empty stack)"); Ptr v = stack.back(); stack.pop_back(); return v; }
  std::vector<Ptr> pop_mark() {
    if (marks.empty()) Rcpp::stop("malformed pickle stream (no mark)");
    size_t m = marks.back(); marks.pop_back();
    std::vector<Ptr> out(stack.begin() + m, stack.end());
    stack.resize(m);
    return out;
  }
  void memo_put(size_t idx) {
    if (stack.empty()) Rcpp::stop("malformed pickle stream (memo)");
    if (memo.size() <= idx) memo.resize(idx + 1);
    memo[idx] = stack.back();
  }
  Ptr memo_get(size_t idx) {
    if (idx >= memo.size() || !memo[idx]) Rcpp::stop("malformed pickle stream (memo get)");
    return memo[idx];
  }
  Ptr int_value(int64_t x) { auto v = make(Kind::Int); v->i = x; return v; }

  // REDUCE: only NumPy's array reconstruction and dtype are known; both stay records.
  Ptr reduce(const Ptr& f, const Ptr& args) {
    if (f->kind != Kind::Global) Rcpp::stop("unsupported pickle content (REDUCE on a non-global)");
    if (f->s == "numpy.core.multiarray _reconstruct" || f->s == "numpy._core.multiarray _reconstruct")
      return make(Kind::Array);
    if (f->s == "numpy dtype") {
      auto v = make(Kind::DType);
      if (args->kind == Kind::Tuple && !args->items.empty() && args->items[0]->kind == Kind::Str) v->s = args->items[0]->s;
      return v;
    }
    Rcpp::stop("unsupported pickle content: " + f->s);
  }
  void build(const Ptr& obj, const Ptr& state) {
    if (obj->kind == Kind::DType) {
      if (state->kind == Kind::Tuple && state->items.size() > 1 && state->items[1]->kind == Kind::Str)
        obj->byteorder = state->items[1]->s;
      return;
    }
    if (obj->kind != Kind::Array || state->kind != Kind::Tuple || state->items.size() < 5)
      Rcpp::stop("unsupported pickle content (BUILD)");
    const Ptr& shape = state->items[1];
    for (auto& d : shape->items) obj->shape.push_back(d->i);
    obj->dtype = state->items[2];
    const Ptr& data = state->items[4];
    if (data->kind == Kind::List) obj->items = data->items;
    else if (data->kind == Kind::Bytes || data->kind == Kind::Str) obj->s = data->s;
    else Rcpp::stop("unsupported array data in pickle stream");
  }

  Ptr run() {
    while (pos < n) {
      unsigned char op = p[pos++];
      switch (op) {
        case 0x80: need(1); ++pos; break;                          // PROTO
        case 0x95: uint_le(8); break;                              // FRAME
        case '.': return pop();                                     // STOP
        case '(': marks.push_back(stack.size()); break;            // MARK
        case 'N': stack.push_back(make(Kind::None)); break;
        case 0x88: case 0x89: { auto v = make(Kind::Bool); v->i = op == 0x88; stack.push_back(v); break; }
        case 'K': stack.push_back(int_value(static_cast<int64_t>(uint_le(1)))); break;   // BININT1
        case 'M': stack.push_back(int_value(static_cast<int64_t>(uint_le(2)))); break;   // BININT2
        case 'J': stack.push_back(int_value(static_cast<int32_t>(uint_le(4)))); break;   // BININT
        case 'I': { std::string s = line(); stack.push_back(int_value(std::stoll(s == "01" ? "1" : s == "00" ? "0" : s))); break; }
        case 'L': { std::string s = line(); if (!s.empty() && s.back() == 'L') s.pop_back(); stack.push_back(int_value(std::stoll(s))); break; }
        case 0x8a: {                                                // LONG1
          size_t k = static_cast<size_t>(uint_le(1));
          if (k > 8) Rcpp::stop("integer too large in pickle stream");
          uint64_t u = uint_le(k);
          int64_t x = static_cast<int64_t>(u);
          if (k > 0 && k < 8 && (u >> (8 * k - 1)) & 1) x = static_cast<int64_t>(u | (~uint64_t(0) << (8 * k)));
          stack.push_back(int_value(x));
          break;
        }
        case 'G': { need(8); uint64_t u = 0; for (int b = 0; b < 8; ++b) u = (u << 8) | p[pos + b]; pos += 8;
                    double d; std::memcpy(&d, &u, 8); auto v = make(Kind::Float); v->d = d; stack.push_back(v); break; }
        case 0x8c: { auto v = make(Kind::Str); v->s = bytes(uint_le(1)); stack.push_back(v); break; }   // SHORT_BINUNICODE
        case 'X': { auto v = make(Kind::Str); v->s = bytes(uint_le(4)); stack.push_back(v); break; }     // BINUNICODE
        case 'U': { auto v = make(Kind::Str); v->s = bytes(uint_le(1)); stack.push_back(v); break; }     // SHORT_BINSTRING
        case 'T': { auto v = make(Kind::Str); v->s = bytes(uint_le(4)); stack.push_back(v); break; }     // BINSTRING
        case 'C': { auto v = make(Kind::Bytes); v->s = bytes(uint_le(1)); stack.push_back(v); break; }   // SHORT_BINBYTES
        case 'B': { auto v = make(Kind::Bytes); v->s = bytes(uint_le(4)); stack.push_back(v); break; }   // BINBYTES
        case 'c': { auto v = make(Kind::Global); std::string m = line(); v->s = m + " " + line(); stack.push_back(v); break; }
        case 0x93: { Ptr name = pop(); Ptr mod = pop(); auto v = make(Kind::Global); v->s = mod->s + " " + name->s;
                     stack.push_back(v); break; }                   // STACK_GLOBAL
        case ']': stack.push_back(make(Kind::List)); break;
        case ')': stack.push_back(make(Kind::Tuple)); break;
        case '}': stack.push_back(make(Kind::Dict)); break;
        case 'l': { auto v = make(Kind::List); v->items = pop_mark(); stack.push_back(v); break; }
        case 't': { auto v = make(Kind::Tuple); v->items = pop_mark(); stack.push_back(v); break; }
        case 'd': { auto v = make(Kind::Dict); v->items = pop_mark(); stack.push_back(v); break; }
        case 0x85: case 0x86: case 0x87: {                          // TUPLE1..3
          size_t k = op - 0x84;
          auto v = make(Kind::Tuple);
          if (stack.size() < k) Rcpp::stop("malformed pickle stream (tuple)");
          v->items.assign(stack.end() - k, stack.end());
          stack.resize(stack.size() - k);
          stack.push_back(v);
          break;
        }
        case 'a': { Ptr x = pop(); if (stack.empty() || stack.back()->kind != Kind::List) Rcpp::stop("malformed pickle stream (append)");
                    stack.back()->items.push_back(x); break; }
        case 'e': { auto xs = pop_mark(); if (stack.empty() || stack.back()->kind != Kind::List) Rcpp::stop("malformed pickle stream (appends)");
                    auto& it = stack.back()->items; it.insert(it.end(), xs.begin(), xs.end()); break; }
        case 's': { Ptr v = pop(); Ptr k = pop(); if (stack.empty()) Rcpp::stop("malformed pickle stream");
                    stack.back()->items.push_back(k); stack.back()->items.push_back(v); break; }
        case 'u': { auto xs = pop_mark(); if (stack.empty()) Rcpp::stop("malformed pickle stream");
                    auto& it = stack.back()->items; it.insert(it.end(), xs.begin(), xs.end()); break; }
        case 'R': { Ptr args = pop(); Ptr f = pop(); stack.push_back(reduce(f, args)); break; }
        case 'b': { Ptr state = pop(); if (stack.empty()) Rcpp::stop("malformed pickle stream"); build(stack.back(), state); break; }
        case 'q': memo_put(static_cast<size_t>(uint_le(1))); break;  // BINPUT
        case 'r': memo_put(static_cast<size_t>(uint_le(4))); break;  // LONG_BINPUT
        case 'p': memo_put(static_cast<size_t>(std::stoull(line()))); break;
        case 0x94: memo_put(memo.size()); break;                     // MEMOIZE
        case 'h': stack.push_back(memo_get(static_cast<size_t>(uint_le(1)))); break;
        case 'j': stack.push_back(memo_get(static_cast<size_t>(uint_le(4)))); break;
        case 'g': stack.push_back(memo_get(static_cast<size_t>(std::stoull(line())))); break;
        case '0': pop(); break;                                     // POP
        default: {
          char buf[64];
          std::snprintf(buf, sizeof buf, "unsupported pickle opcode 0x%02x at byte %zu", op, pos - 1);
          Rcpp::stop(buf);
        }
      }
    }
    Rcpp::stop("pickle stream has no STOP opcode");
  }
};

// Numbers from the raw bytes of a numeric array element ('<i8', '<i4', '<f8', ...).
SEXP numeric_from_bytes(const Value& a) {
  std::string descr = a.dtype ? a.dtype->s : "";
  std::string order = a.dtype ? a.dtype->byteorder : "<";
  if (order == ">") Rcpp::stop("big-endian arrays are not supported");
  size_t k = descr.size() > 1 ? static_cast<size_t>(std::stoi(descr.substr(1))) : 0;
  char t = descr.empty() ? '?' : descr[0];
  if (k == 0 || a.s.size() % k) Rcpp::stop("unsupported array dtype in pickle stream: " + descr);
  size_t m = a.s.size() / k;
  const char* b = a.s.data();
  if (t == 'f') {
    Rcpp::NumericVector out(m);
    for (size_t j = 0; j < m; ++j) {
      if (k == 8) { double d; std::memcpy(&d, b + 8 * j, 8); out[j] = d; }
      else if (k == 4) { float f; std::memcpy(&f, b + 4 * j, 4); out[j] = f; }
      else Rcpp::stop("unsupported float size in pickle stream");
    }
    return out;
  }
  if (t != 'i' && t != 'u') Rcpp::stop("unsupported array dtype in pickle stream: " + descr);
  Rcpp::IntegerVector out(m);
  for (size_t j = 0; j < m; ++j) {
    int64_t x = 0;
    if (k == 8) std::memcpy(&x, b + 8 * j, 8);
    else if (k == 4) { int32_t y; std::memcpy(&y, b + 4 * j, 4); x = y; }
    else if (k == 2) { int16_t y; std::memcpy(&y, b + 2 * j, 2); x = t == 'u' ? static_cast<uint16_t>(y) : y; }
    else if (k == 1) { x = t == 'u' ? static_cast<uint8_t>(b[j]) : static_cast<int8_t>(b[j]); }
    if (x > INT32_MAX || x < -INT32_MAX) Rcpp::stop("integer out of R's range in pickle stream");
    out[j] = static_cast<int>(x);
  }
  return out;
}

// One element of an object array: a list of numbers, a numeric array, or a number.
SEXP element_to_r(const Ptr& v) {
  switch (v->kind) {
    case Kind::Int: return Rcpp::wrap(static_cast<double>(v->i));
    case Kind::Float: return Rcpp::wrap(v->d);
    case Kind::Array: return numeric_from_bytes(*v);
    case Kind::List: case Kind::Tuple: {
      bool all_int = true;
      for (auto& x : v->items) {
        if (x->kind != Kind::Int || x->i > INT32_MAX || x->i < -INT32_MAX) { all_int = false; break; }
      }
      if (all_int) {
        Rcpp::IntegerVector out(v->items.size());
        for (size_t j = 0; j < v->items.size(); ++j) out[j] = static_cast<int>(v->items[j]->i);
        return out;
      }
      Rcpp::NumericVector out(v->items.size());
      for (size_t j = 0; j < v->items.size(); ++j) {
        const Ptr& x = v->items[j];
        if (x->kind == Kind::Int) out[j] = static_cast<double>(x->i);
        else if (x->kind == Kind::Float) out[j] = x->d;
        else Rcpp::stop("unsupported list element in pickle stream");
      }
      return out;
    }
    default: Rcpp::stop("unsupported object array element in pickle stream");
  }
}

}  // namespace

// [[Rcpp::export]]
Rcpp::List cpp_read_pickled_object_array(Rcpp::RawVector stream) {
  Reader r{RAW(stream), static_cast<size_t>(stream.size())};
  Ptr top = r.run();
  if (top->kind != Kind::Array) Rcpp::stop("the pickle stream does not hold a NumPy array");
  Rcpp::List out(top->items.size());
  for (size_t j = 0; j < top->items.size(); ++j) out[j] = element_to_r(top->items[j]);
  return out;
}
