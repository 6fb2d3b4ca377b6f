#pragma once
// Keras-style progress display for fit/evaluate/predict.
//   verbose 1 on a terminal: a live bar redrawn in place
//     469/469 ━━━━━━━━━━━━━━━━━━━━ 3s 6ms/step - accuracy: 0.9339 - loss: 0.2362
//   verbose 1 when stdout is not a terminal, or verbose 2: one final line per epoch, no control
//   characters:  469/469 - 3s - 6ms/step - accuracy: 0.9339 - loss: 0.2362
//   verbose 0: nothing.
#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <string>

namespace xg::train {

class ProgressBar {
 public:
  ProgressBar(std::ostream& out, std::int64_t steps, int verbose, bool interactive);
  /// After step `step` (1-based) with the running values so far.
  void update(std::int64_t step, const std::map<std::string, double>& values);
  /// The epoch's final line (adds validation values).
  void finish(const std::map<std::string, double>& values);
  double elapsed_seconds() const;

  /// True when `out` is std::cout attached to a terminal.
  static bool is_terminal(std::ostream& out);
  /// "0.9339", "1.2345e-05": Keras' 4-significant-decimal style.
  static std::string format_value(double v);

 private:
  std::string line(std::int64_t step, const std::map<std::string, double>& values, bool bar) const;

  std::ostream& out_;
  std::int64_t steps_;
  int verbose_;
  bool interactive_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  std::size_t last_width_ = 0;
};

}  // namespace xg::train
