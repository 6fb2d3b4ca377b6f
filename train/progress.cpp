#include <xgrad/train/progress.hpp>

#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <unistd.h>

namespace xg::train {

ProgressBar::ProgressBar(std::ostream& out, std::int64_t steps, int verbose, bool interactive)
    : out_(out), steps_(steps), verbose_(verbose), interactive_(interactive && verbose == 1),
      start_(std::chrono::steady_clock::now()), last_draw_(start_) {}

bool ProgressBar::is_terminal(std::ostream& out) { return &out == &std::cout && ::isatty(STDOUT_FILENO); }

double ProgressBar::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

std::string ProgressBar::format_value(double v) {
  char buf[32];
  if (v != 0 && std::abs(v) < 1e-3) std::snprintf(buf, sizeof buf, "%.4e", v);
  else std::snprintf(buf, sizeof buf, "%.4f", v);
  return buf;
}

std::string ProgressBar::line(std::int64_t step, const std::map<std::string, double>& values, bool bar) const {
  std::ostringstream os;
  const double elapsed = elapsed_seconds();
  const int digits = static_cast<int>(std::to_string(steps_).size());
  os.width(digits);
  os << step << '/' << steps_;
  const double per_step_ms = step > 0 ? 1000.0 * elapsed / static_cast<double>(step) : 0.0;
  char timing[64];
  if (per_step_ms >= 1.0) std::snprintf(timing, sizeof timing, "%.0fs %.0fms/step", elapsed, per_step_ms);
  else std::snprintf(timing, sizeof timing, "%.0fs %.0fus/step", elapsed, per_step_ms * 1000.0);
  if (bar) {
    constexpr int kWidth = 20;
    const int filled = steps_ > 0 ? static_cast<int>(kWidth * step / steps_) : kWidth;
    os << ' ';
    for (int i = 0; i < kWidth; ++i) os << (i < filled ? "\u2501" : " ");
    os << ' ' << timing;
  } else {
    std::string t = timing;
    os << " - " << t.replace(t.find(' '), 1, " - ");
  }
  for (const auto& [k, v] : values) os << " - " << k << ": " << format_value(v);
  return os.str();
}

void ProgressBar::update(std::int64_t step, const std::map<std::string, double>& values) {
  if (!interactive_) return;
  const auto now = std::chrono::steady_clock::now();
  if (step != steps_ && now - last_draw_ < std::chrono::milliseconds(50)) return;  // redraw at most 20 Hz
  last_draw_ = now;
  const std::string s = line(step, values, true);
  out_ << '\r' << s;
  if (s.size() < last_width_) out_ << std::string(last_width_ - s.size(), ' ');
  last_width_ = s.size();
  out_.flush();
}

void ProgressBar::finish(const std::map<std::string, double>& values) {
  if (verbose_ == 0) return;
  if (interactive_) {
    const std::string s = line(steps_, values, true);
    out_ << '\r' << s;
    if (s.size() < last_width_) out_ << std::string(last_width_ - s.size(), ' ');
    out_ << '\n';
  } else {
    out_ << line(steps_, values, false) << '\n';
  }
  out_.flush();
}

}  // namespace xg::train
