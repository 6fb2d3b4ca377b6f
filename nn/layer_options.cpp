// Parsing and resolution of the shared layer options (see layer_options.hpp).
#include <xgrad/nn/layer_options.hpp>

#include <xgrad/core/error.hpp>

#include <algorithm>
#include <cctype>
#include <utility>

namespace xg::nn {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "'" : ", '") + n + "'";
  return out;
}

// TensorFlow's 'same' pads of one axis: {before, after}.
std::pair<std::int64_t, std::int64_t> same_pads(std::int64_t in, std::int64_t kernel, std::int64_t stride,
                                                std::int64_t dilation) {
  const std::int64_t out = (in + stride - 1) / stride;
  const std::int64_t total = std::max<std::int64_t>((out - 1) * stride + dilation * (kernel - 1) + 1 - in, 0);
  return {total / 2, total - total / 2};
}

}  // namespace

std::string Size2::str() const {
  std::string out = "(";  // appended piecewise: GCC 12 warns falsely (-Wrestrict) on "(" + std::string
  out += std::to_string(h);
  out += ", ";
  out += std::to_string(w);
  out += ")";
  return out;
}

std::vector<std::string> padding_names() { return {"same", "valid"}; }

Padding::Padding(const char* name) : Padding(std::string(name ? name : "")) {}

Padding::Padding(const std::string& name) {
  const std::string m = lower(name);
  if (m == "valid") mode = Mode::Valid;
  else if (m == "same") mode = Mode::Same;
  else
    throw ValueError("unknown padding '" + name + "'; valid values are " + joined(padding_names()) +
                     ", an integer or {height, width} of explicit zero padding");
}

Padding::Padding(std::int64_t ph, std::int64_t pw) : mode(Mode::Explicit), h(ph), w(pw) {
  if (ph < 0 || pw < 0)
    throw ValueError("padding must be non-negative, got (" + std::to_string(ph) + ", " + std::to_string(pw) + ")");
}

Pads2d Padding::resolve(std::int64_t in_h, std::int64_t in_w, Size2 kernel, Size2 stride, Size2 dilation) const {
  switch (mode) {
    case Mode::Valid: return {};
    case Mode::Explicit: return {h, h, w, w};
    case Mode::Same: {
      const auto [top, bottom] = same_pads(in_h, kernel.h, stride.h, dilation.h);
      const auto [left, right] = same_pads(in_w, kernel.w, stride.w, dilation.w);
      return {top, bottom, left, right};
    }
  }
  return {};
}

std::string Padding::str() const {
  switch (mode) {
    case Mode::Valid: return "valid";
    case Mode::Same: return "same";
    case Mode::Explicit: return Size2(h, w).str();
  }
  return "";
}

DataFormat parse_data_format(const std::string& name, const std::string& owner) {
  const std::string f = lower(name);
  if (f == "channels_first") return DataFormat::ChannelsFirst;
  if (f == "channels_last") return DataFormat::ChannelsLast;
  throw ValueError(owner + ": unknown data_format '" + name + "'; valid values are 'channels_first', 'channels_last'");
}

std::string data_format_name(DataFormat format) {
  return format == DataFormat::ChannelsFirst ? "channels_first" : "channels_last";
}

}  // namespace xg::nn
