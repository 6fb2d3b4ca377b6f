#pragma once
// Helpers of the graph-drawing tests (plot_model_test.cpp, graph_test.cpp): a scratch directory,
// file reading, and checks that a rendered file really is a PNG (signature, IHDR size), a
// well-formed SVG document, or a PDF.
#include <boost/test/unit_test.hpp>

#include "core/temp_dir.hpp"
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <unistd.h>

namespace xg::test {

/// A scratch directory for rendered files.
using ScratchDir = TempDir;

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  BOOST_TEST_REQUIRE(static_cast<bool>(in), "cannot open " << path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// PNG: the 8-byte signature, then an IHDR chunk whose width and height are positive.
inline void check_png(const std::string& bytes, std::uint32_t* width = nullptr, std::uint32_t* height = nullptr) {
  BOOST_TEST_REQUIRE(bytes.size() > 33u);
  BOOST_TEST((bytes.compare(0, 8, std::string("\x89PNG\r\n\x1a\n", 8)) == 0));
  BOOST_TEST(bytes.substr(12, 4) == "IHDR");
  auto be32 = [&](std::size_t at) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
    return v;
  };
  BOOST_TEST(be32(16) > 0u);
  BOOST_TEST(be32(20) > 0u);
  if (width) *width = be32(16);
  if (height) *height = be32(20);
}

/// PDF: "%PDF-" header and an "%%EOF" trailer.
inline void check_pdf(const std::string& bytes) {
  BOOST_TEST(bytes.rfind("%PDF-", 0) == 0u);
  BOOST_TEST(bytes.find("%%EOF", bytes.size() > 64 ? bytes.size() - 64 : 0) != std::string::npos);
}

/// A small XML well-formedness check: every tag closed in order, one root element named `svg`,
/// comments, processing instructions and the DOCTYPE skipped, nothing but text outside tags.
/// Returns "" when well-formed, otherwise what is wrong and where.
inline std::string svg_problem(const std::string& text) {
  std::vector<std::string> open;
  int roots = 0;
  std::string root;
  std::size_t i = 0;
  while ((i = text.find('<', i)) != std::string::npos) {
    auto skip_to = [&](const char* end) {
      const std::size_t at = text.find(end, i);
      if (at == std::string::npos) return false;
      i = at + std::char_traits<char>::length(end);
      return true;
    };
    if (text.compare(i, 4, "<!--") == 0) {
      if (!skip_to("-->")) return "unterminated comment at " + std::to_string(i);
      continue;
    }
    if (text.compare(i, 2, "<?") == 0 || text.compare(i, 2, "<!") == 0) {
      if (!skip_to(">")) return "unterminated declaration at " + std::to_string(i);
      continue;
    }
    // A tag: find its end outside quoted attribute values.
    std::size_t j = i + 1;
    char quote = 0;
    for (; j < text.size(); ++j) {
      const char c = text[j];
      if (quote) {
        if (c == quote) quote = 0;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '<') {
        return "'<' inside a tag at " + std::to_string(j);
      } else if (c == '>') {
        break;
      }
    }
    if (j >= text.size()) return "unterminated tag at " + std::to_string(i);
    const std::string tag = text.substr(i + 1, j - i - 1);
    i = j + 1;
    const bool closing = !tag.empty() && tag[0] == '/';
    const bool self_closing = !tag.empty() && tag.back() == '/';
    const std::string body = closing ? tag.substr(1) : tag;
    const std::string name = body.substr(0, body.find_first_of(" \t\r\n/"));
    if (name.empty()) return "empty tag name before " + std::to_string(i);
    if (closing) {
      if (open.empty() || open.back() != name)
        return "</" + name + "> closes " + (open.empty() ? std::string("nothing") : "<" + open.back() + ">");
      open.pop_back();
    } else if (!self_closing) {
      if (open.empty()) {
        ++roots;
        root = name;
      }
      open.push_back(name);
    } else if (open.empty()) {
      ++roots;
      root = name;
    }
  }
  if (!open.empty()) return "<" + open.back() + "> is never closed";
  if (roots != 1) return std::to_string(roots) + " root elements";
  if (root != "svg") return "root element is <" + root + ">, not <svg>";
  return "";
}

inline void check_svg(const std::string& text) {
  BOOST_TEST(text.find("<svg") != std::string::npos);
  const std::string problem = svg_problem(text);
  BOOST_TEST(problem.empty(), "SVG is not well-formed: " << problem);
}

}  // namespace xg::test
