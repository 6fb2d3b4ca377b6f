// Progress output of fit and evaluate, captured from std::cout with stdout detached from any
// terminal: verbose 1 and 2 print "Epoch i/n" and one plain line per epoch in Keras' format
// without control characters; verbose 0 prints nothing. The interactive bar (ProgressBar with
// interactive = true) redraws in place with '\r'. Value formatting follows Keras.
#include "helpers.hpp"

#include <xgrad/train/progress.hpp>

#include <algorithm>
#include <regex>

using namespace train_test;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool has_control_characters(const std::string& text) {
  for (unsigned char c : text)
    if ((c < 0x20 && c != '\n') || c == 0x7f) return true;  // '\r', ESC (0x1b), backspace...
  return false;
}

// "12/12 - 0s - 3ms/step - accuracy: 0.5000 - loss: 0.6931" (+ validation values).
const std::regex& epoch_line(bool validation) {
  static const std::string value = R"(\d+\.\d{4}(e[+-]\d+)?)";
  static const std::regex plain(R"(^(\d+)/(\d+) - \d+s - \d+(ms|us)/step - accuracy: )" + value + " - loss: " + value + "$");
  static const std::regex with_val(R"(^(\d+)/(\d+) - \d+s - \d+(ms|us)/step - accuracy: )" + value + " - loss: " + value +
                                   " - val_accuracy: " + value + " - val_loss: " + value + "$");
  return validation ? with_val : plain;
}

std::string fit_output(int verbose, double validation_split = 0.0) {
  xg::Sequential model = tiny_model();
  model.compile({.loss = "categorical_crossentropy", .optimizer = "adam", .metrics = {"accuracy"}});
  const TinyData d = tiny_data();
  CoutCapture capture;
  model.fit(d.x, d.y, {.epochs = 2, .batch_size = 4, .validation_split = validation_split, .verbose = verbose});
  return capture.text();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(progress)

BOOST_AUTO_TEST_CASE(verbose_one_without_a_terminal_prints_plain_epoch_lines) {
  const std::string out = fit_output(1);
  BOOST_TEST(!has_control_characters(out), out);
  const auto lines = lines_of(out);
  BOOST_TEST_REQUIRE(lines.size() == 4u, out);
  BOOST_TEST(lines[0] == "Epoch 1/2");
  BOOST_TEST(lines[2] == "Epoch 2/2");
  for (const std::size_t i : {1u, 3u}) {
    std::smatch m;
    BOOST_TEST_REQUIRE(std::regex_match(lines[i], m, epoch_line(false)), lines[i]);
    BOOST_TEST(m[1].str() == "8");  // 32 samples in batches of 4
    BOOST_TEST(m[2].str() == "8");
  }
}

BOOST_AUTO_TEST_CASE(verbose_two_prints_one_line_per_epoch_with_validation) {
  const std::string out = fit_output(2, 0.25);
  BOOST_TEST(!has_control_characters(out), out);
  const auto lines = lines_of(out);
  BOOST_TEST_REQUIRE(lines.size() == 4u, out);
  BOOST_TEST(lines[0] == "Epoch 1/2");
  std::smatch m;
  BOOST_TEST_REQUIRE(std::regex_match(lines[1], m, epoch_line(true)), lines[1]);
  BOOST_TEST(m[1].str() == "6");  // 24 training samples in batches of 4
  BOOST_TEST(std::regex_match(lines[3], epoch_line(true)), lines[3]);
}

BOOST_AUTO_TEST_CASE(verbose_zero_prints_nothing) {
  BOOST_TEST(fit_output(0, 0.25).empty());
}

BOOST_AUTO_TEST_CASE(evaluate_prints_only_when_verbose) {
  xg::Sequential model = tiny_model();
  model.compile({.loss = "categorical_crossentropy", .optimizer = "adam", .metrics = {"accuracy"}});
  const TinyData d = tiny_data();
  std::string quiet, loud;
  {
    CoutCapture capture;
    model.evaluate(d.x, d.y);
    quiet = capture.text();
  }
  {
    CoutCapture capture;
    model.evaluate(d.x, d.y, {.batch_size = 10, .verbose = 1});
    loud = capture.text();
  }
  BOOST_TEST(quiet.empty(), quiet);
  BOOST_TEST(!has_control_characters(loud), loud);
  const auto lines = lines_of(loud);
  BOOST_TEST_REQUIRE(lines.size() == 1u, loud);
  std::smatch m;
  BOOST_TEST_REQUIRE(std::regex_match(lines[0], m, epoch_line(false)), lines[0]);
  BOOST_TEST(m[1].str() == "4");  // 32 samples in batches of 10
}

BOOST_AUTO_TEST_CASE(interactive_bar_redraws_in_place) {
  std::ostringstream out;
  xg::train::ProgressBar bar(out, 3, 1, /*interactive=*/true);
  bar.update(1, {{"loss", 0.5}});
  bar.update(3, {{"loss", 0.25}});  // the last step is always drawn
  bar.finish({{"loss", 0.25}, {"val_loss", 0.5}});
  const std::string text = out.str();
  BOOST_TEST(text.front() == '\r');
  BOOST_TEST(text.back() == '\n');
  BOOST_TEST(std::count(text.begin(), text.end(), '\n') == 1);
  BOOST_TEST(text.find("3/3 \u2501\u2501") != std::string::npos, text);
  BOOST_TEST(text.find("- loss: 0.2500 - val_loss: 0.5000") != std::string::npos, text);
  BOOST_TEST(!xg::train::ProgressBar::is_terminal(out));
}

BOOST_AUTO_TEST_CASE(non_interactive_bar_prints_only_the_final_line) {
  std::ostringstream out;
  xg::train::ProgressBar bar(out, 10, 1, /*interactive=*/false);
  for (int s = 1; s <= 10; ++s) bar.update(s, {{"loss", 1.0 / s}});
  bar.finish({{"loss", 0.1}});
  const auto lines = lines_of(out.str());
  BOOST_TEST_REQUIRE(lines.size() == 1u);
  BOOST_TEST(lines[0].rfind("10/10 - ", 0) == 0u, lines[0]);
  BOOST_TEST(lines[0].substr(lines[0].size() - 14) == "- loss: 0.1000");
  std::ostringstream silent;
  xg::train::ProgressBar off(silent, 10, 0, true);
  off.update(10, {{"loss", 1.0}});
  off.finish({{"loss", 1.0}});
  BOOST_TEST(silent.str().empty());
}

BOOST_AUTO_TEST_CASE(value_format) {
  using xg::train::ProgressBar;
  BOOST_TEST(ProgressBar::format_value(0.93391) == "0.9339");
  BOOST_TEST(ProgressBar::format_value(0.0) == "0.0000");
  BOOST_TEST(ProgressBar::format_value(2.5) == "2.5000");
  BOOST_TEST(ProgressBar::format_value(1.2345e-05) == "1.2345e-05");
}

BOOST_AUTO_TEST_SUITE_END()
