// PyTorch-style printing (the rules of torch/_tensor_str.py with its default print options):
//   tensor([[1., 2.],
//           [3., 4.]], requires_grad=true)
// Formatting is chosen from the nonzero finite values that are shown: whole numbers print with a
// trailing '.', others with 4 decimals, and scientific notation (%.4e) is used when the largest
// magnitude exceeds 1e8, is more than 1000x the smallest, or (for non-whole values) the smallest is
// below 1e-4. Every element is right-aligned to the widest one. Rows wrap at 80 columns. Tensors
// with more than 1000 elements are summarized: 3 items at each edge of every longer axis around
// '...'. Suffixes (dtype unless float32, size of empty tensors, grad_fn or requires_grad) follow
// the data and wrap to a new line when they would pass column 80.
#include <xgrad/autograd/node.hpp>
#include <xgrad/core/tensor.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <sstream>

namespace xg {
namespace {

constexpr std::int64_t kThreshold = 1000;  // more elements than this are summarized
constexpr std::int64_t kEdge = 3;          // items kept at each edge of a summarized axis
constexpr std::size_t kLineWidth = 80;
constexpr std::size_t kIndent = 7;  // length of "tensor("

// Pads `s` on the left to `width` characters.
std::string pad_left(const std::string& s, std::size_t width) {
  return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

class Printer {
 public:
  explicit Printer(const Tensor& t)
      : shape_(t.shape()), integer_(!is_floating(t.dtype())), summarize_(t.numel() > kThreshold) {
    if (integer_) ints_ = t.to_vector<std::int64_t>();
    else floats_ = t.to_vector<double>();
    choose_format();
  }

  std::string str() const { return shape_.empty() ? padded(0) : render(0, 0, kIndent); }

 private:
  enum class Mode { Integer, Whole, Fixed, Scientific };

  // Calls f(flat index) for every element shown (all, or the edges of each axis when summarizing).
  template <class F> void for_each_shown(std::size_t dim, std::int64_t offset, F&& f) const {
    if (dim == shape_.size()) {
      f(offset);
      return;
    }
    for (std::int64_t i = 0; i < shape_[dim]; ++i) {
      if (elided(dim, i)) i = shape_[dim] - kEdge;
      for_each_shown(dim + 1, offset + i * stride_of(dim), f);
    }
  }

  // True at the first hidden index of a summarized axis (where '...' goes).
  bool elided(std::size_t dim, std::int64_t i) const { return summarize_ && shape_[dim] > 2 * kEdge && i == kEdge; }

  std::int64_t stride_of(std::size_t dim) const {
    std::int64_t s = 1;
    for (std::size_t d = dim + 1; d < shape_.size(); ++d) s *= shape_[d];
    return s;
  }

  void choose_format() {
    if (integer_) {
      mode_ = Mode::Integer;
      for_each_shown(0, 0, [&](std::int64_t i) { width_ = std::max(width_, cell(i).size()); });
      return;
    }
    bool whole = true, any = false;
    double lo = INFINITY, hi = 0;
    for_each_shown(0, 0, [&](std::int64_t i) {
      const double v = floats_[i];
      if (!std::isfinite(v) || v == 0) return;
      any = true;
      whole = whole && v == std::ceil(v);
      lo = std::min(lo, std::abs(v));
      hi = std::max(hi, std::abs(v));
    });
    mode_ = whole ? Mode::Whole : Mode::Fixed;
    if (any && (hi / lo > 1000.0 || hi > 1e8 || (!whole && lo < 1e-4))) mode_ = Mode::Scientific;
    // Only nonzero finite values set the width, as in PyTorch.
    for_each_shown(0, 0, [&](std::int64_t i) {
      if (std::isfinite(floats_[i]) && floats_[i] != 0) width_ = std::max(width_, cell(i).size());
    });
  }

  // The unpadded text of element i.
  std::string cell(std::int64_t i) const {
    if (integer_) return std::to_string(ints_[i]);
    const double v = floats_[i];
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    char buf[64];
    switch (mode_) {
      case Mode::Whole: std::snprintf(buf, sizeof buf, "%.0f.", v); break;
      case Mode::Scientific: std::snprintf(buf, sizeof buf, "%.4e", v); break;
      default: std::snprintf(buf, sizeof buf, "%.4f", v); break;
    }
    return buf;
  }

  std::string padded(std::int64_t i) const { return pad_left(cell(i), width_); }

  // One axis of the tensor as text; `indent` is the column of its opening '['.
  std::string render(std::size_t dim, std::int64_t offset, std::size_t indent) const {
    const std::int64_t n = shape_[dim], stride = stride_of(dim);
    std::vector<std::string> items;
    const bool innermost = dim + 1 == shape_.size();
    for (std::int64_t i = 0; i < n; ++i) {
      if (elided(dim, i)) {
        items.push_back(innermost ? " ..." : "...");
        i = n - kEdge;
      }
      items.push_back(innermost ? padded(offset + i) : render(dim + 1, offset + i * stride, indent + 1));
    }
    // Items are separated by ", " on a line; lines and sub-tensors by ",", newlines and the indent.
    std::string line_break = ",\n";
    line_break.append(indent + 1, ' ');
    std::string out = "[";
    if (innermost) {
      // As many items per line as fit in the line width (at least one).
      const std::size_t per_line = std::max<std::size_t>(1, (kLineWidth - std::min(indent, kLineWidth)) / (width_ + 2));
      for (std::size_t k = 0; k < items.size(); ++k) {
        if (k > 0) out += k % per_line == 0 ? line_break : std::string(", ");
        out += items[k];
      }
    } else {
      std::string sep = line_break;
      sep.insert(1, shape_.size() - dim - 2, '\n');  // one blank line per extra dimension
      for (std::size_t k = 0; k < items.size(); ++k) {
        if (k > 0) out += sep;
        out += items[k];
      }
    }
    return out + "]";
  }

  Shape shape_;
  bool integer_;
  bool summarize_;
  std::vector<double> floats_;
  std::vector<std::int64_t> ints_;
  Mode mode_ = Mode::Fixed;
  std::size_t width_ = 1;
};

// "(2, 0)": the size suffix of an empty tensor of rank >= 2, written as PyTorch writes a shape.
std::string size_tuple(const Shape& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + ")";
}

// Appends ", suffix" to `text`, moving a suffix to a new line when it would pass the line width.
std::string add_suffixes(std::string text, const std::vector<std::string>& suffixes) {
  const std::size_t last_newline = text.rfind('\n');
  std::size_t line = (last_newline == std::string::npos ? text.size() : text.size() - last_newline - 1) + 2;
  for (const auto& suffix : suffixes) {
    if (line + suffix.size() + 2 > kLineWidth) {
      text += ",\n" + std::string(kIndent, ' ') + suffix;
      line = kIndent + suffix.size();
    } else {
      text += ", " + suffix;
      line += suffix.size() + 2;
    }
  }
  return text + ")";
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const Tensor& t) {
  if (!t.defined()) return os << "tensor(undefined)";
  std::vector<std::string> suffixes;
  std::string text = "tensor(";
  if (t.numel() == 0) {
    text += "[]";
    if (t.dim() != 1) suffixes.push_back("size=" + size_tuple(t.shape()));
  } else {
    text += Printer(t).str();
  }
  if (t.dtype() != Dtype::Float32) suffixes.push_back("dtype=" + std::string(dtype_name(t.dtype())));
  if (t.grad_fn()) suffixes.push_back("grad_fn=<" + t.grad_fn()->name() + ">");
  else if (t.requires_grad()) suffixes.push_back("requires_grad=true");
  return os << add_suffixes(std::move(text), suffixes);
}

std::string to_string(const Tensor& t) {
  std::ostringstream os;
  os << t;
  return os.str();
}

}  // namespace xg
