// PyTorch-style printing: tensor([[1., 2.],
//                                 [3., 4.]], requires_grad=true)
// Floats print as integers with a trailing '.' when all values are whole, with 4 decimals
// otherwise, and in scientific notation when magnitudes span a wide range. Tensors with more than
// 1000 elements are summarized with '...' (3 items at each edge of every axis).
#include <xgrad/autograd/node.hpp>
#include <xgrad/core/tensor.hpp>
#include <xgrad/core/tensor_impl.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <sstream>

namespace xg {
namespace {

constexpr std::int64_t kThreshold = 1000;
constexpr std::int64_t kEdge = 3;

struct Formatter {
  enum class Mode { Integer, Whole, Fixed, Scientific } mode = Mode::Fixed;

  explicit Formatter(const Tensor& t, const std::vector<double>& values) {
    if (t.dtype() == Dtype::Int64) {
      mode = Mode::Integer;
      return;
    }
    bool whole = true;
    double lo = INFINITY, hi = 0;
    for (double v : values) {
      if (!std::isfinite(v)) continue;
      if (v != std::floor(v)) whole = false;
      const double a = std::abs(v);
      if (a > 0) lo = std::min(lo, a);
      hi = std::max(hi, a);
    }
    if (whole && hi < 1e8) mode = Mode::Whole;
    else if (hi >= 1e8 || (lo < 1e-4 && lo > 0) || (lo > 0 && hi / lo > 1e3 && hi >= 1e3)) mode = Mode::Scientific;
  }

  std::string operator()(double v) const {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    char buf[64];
    switch (mode) {
      case Mode::Integer: std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v)); break;
      case Mode::Whole: std::snprintf(buf, sizeof buf, "%.0f.", v); break;
      case Mode::Fixed: std::snprintf(buf, sizeof buf, "%.4f", v); break;
      case Mode::Scientific: std::snprintf(buf, sizeof buf, "%.4e", v); break;
    }
    return buf;
  }
};

class Printer {
 public:
  Printer(const Tensor& t) : shape_(t.shape()), values_(t.to_vector<double>()), fmt_(t, values_) {
    summarize_ = t.numel() > kThreshold;
    for_each_shown(0, 0, [&](std::int64_t i) { width_ = std::max(width_, fmt_(values_[i]).size()); });
  }

  void print(std::ostream& os, std::size_t indent) const {
    if (shape_.empty()) {
      os << fmt_(values_.empty() ? 0.0 : values_[0]);
      return;
    }
    print_dim(os, 0, 0, indent);
  }

 private:
  template <class F> void for_each_shown(std::size_t dim, std::int64_t offset, F&& f) const {
    if (dim == shape_.size()) {
      f(offset);
      return;
    }
    const std::int64_t n = shape_[dim], stride = stride_of(dim);
    for (std::int64_t i = 0; i < n; ++i) {
      if (summarize_ && n > 2 * kEdge && i == kEdge) i = n - kEdge;
      for_each_shown(dim + 1, offset + i * stride, f);
    }
  }

  std::int64_t stride_of(std::size_t dim) const {
    std::int64_t s = 1;
    for (std::size_t d = dim + 1; d < shape_.size(); ++d) s *= shape_[d];
    return s;
  }

  void print_dim(std::ostream& os, std::size_t dim, std::int64_t offset, std::size_t indent) const {
    os << '[';
    const std::int64_t n = shape_[dim], stride = stride_of(dim);
    const bool last = dim + 1 == shape_.size();
    for (std::int64_t i = 0; i < n; ++i) {
      if (i > 0) {
        os << ',';
        if (last) os << ' ';
        else os << std::string(shape_.size() - dim - 1, '\n') << std::string(indent + dim + 1, ' ');
      }
      if (summarize_ && n > 2 * kEdge && i == kEdge) {
        os << "...";
        i = n - kEdge - 1;
        continue;
      }
      if (last) {
        const std::string s = fmt_(values_[offset + i]);
        os << std::string(width_ - s.size(), ' ') << s;
      } else {
        print_dim(os, dim + 1, offset + i * stride, indent);
      }
    }
    os << ']';
  }

  Shape shape_;
  std::vector<double> values_;
  Formatter fmt_;
  bool summarize_ = false;
  std::size_t width_ = 0;
};

}  // namespace

std::ostream& operator<<(std::ostream& os, const Tensor& t) {
  if (!t.defined()) return os << "tensor(undefined)";
  os << "tensor(";
  if (t.numel() == 0 && t.dim() > 0) os << "[]";
  else Printer(t).print(os, 7);
  if (t.dtype() != Dtype::Float32) os << ", dtype=" << t.dtype();
  if (t.numel() == 0 && t.dim() != 1) os << ", size=" << shape_str(t.shape());
  if (t.grad_fn()) os << ", grad_fn=<" << t.grad_fn()->name() << '>';
  else if (t.requires_grad()) os << ", requires_grad=true";
  return os << ')';
}

std::string to_string(const Tensor& t) {
  std::ostringstream os;
  os << t;
  return os.str();
}

}  // namespace xg
