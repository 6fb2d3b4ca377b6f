#include <xgrad/train/summary.hpp>

#include <cstdio>
#include <sstream>

namespace xg::train {
namespace {

constexpr int kWidths[3] = {38, 29, 17};

// Display width of a UTF-8 string (every code point counts one column).
std::size_t columns(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string repeat(const char* piece, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += piece;
  return out;
}

std::string cell(const std::string& text, int width, bool right) {
  std::string t = text;
  if (static_cast<int>(columns(t)) > width - 2) t = t.substr(0, static_cast<std::size_t>(width - 3)) + "…";
  const std::string pad(static_cast<std::size_t>(width - 2 - static_cast<int>(columns(t))), ' ');
  return " " + (right ? pad + t : t + pad) + " ";
}

std::string border(const char* left, const char* fill, const char* mid, const char* right) {
  return std::string(left) + repeat(fill, kWidths[0]) + mid + repeat(fill, kWidths[1]) + mid + repeat(fill, kWidths[2]) +
         right + "\n";
}

std::string row(const char* bar, const std::string& a, const std::string& b, const std::string& c) {
  return std::string(bar) + cell(a, kWidths[0], false) + bar + cell(b, kWidths[1], false) + bar +
         cell(c, kWidths[2], true) + bar + "\n";
}

}  // namespace

std::string keras_shape(const Shape& shape) {
  if (shape.empty()) return "?";
  std::string s = "(None";
  for (std::size_t i = 1; i < shape.size(); ++i) s += ", " + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

std::string with_thousands(std::int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string human_bytes(double bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  int u = 0;
  while (bytes >= 1024 && u < 4) {
    bytes /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f %s", bytes, units[u]);
  return buf;
}

std::string summary_table(const nn::Module& model, const std::vector<const nn::Module*>& rows) {
  std::ostringstream os;
  os << "Model: \"" << model.name() << "\"\n";
  os << border("┏", "━", "┳", "┓");
  os << row("┃", "Layer (type)", "Output Shape", "Param #");
  os << border("┡", "━", "╇", "┩");
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const nn::Module& m = *rows[i];
    os << row("│", m.name() + " (" + m.type_name() + ")", keras_shape(m.last_output_shape()),
              with_thousands(m.count_parameters().total()));
    os << (i + 1 < rows.size() ? border("├", "─", "┼", "┤") : border("└", "─", "┴", "┘"));
  }
  const nn::ParameterCount count = model.count_parameters();
  // Parameter memory at 4 bytes per float32 element, as Keras reports it.
  os << " Total params: " << with_thousands(count.total()) << " (" << human_bytes(4.0 * count.total()) << ")\n";
  os << " Trainable params: " << with_thousands(count.trainable) << " (" << human_bytes(4.0 * count.trainable) << ")\n";
  os << " Non-trainable params: " << with_thousands(count.non_trainable) << " ("
     << human_bytes(4.0 * count.non_trainable) << ")\n";
  return os.str();
}

}  // namespace xg::train
