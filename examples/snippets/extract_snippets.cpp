// extract_snippets — turns every ```cpp block of a Markdown page into C++ that the build compiles,
// so a snippet in docs/ or README.md that stops compiling breaks the build at its own line:
//
//   extract_snippets PAGE.md DISPLAY_NAME OUT.cpp
//
// Each block becomes one namespace of OUT.cpp, nested in the namespace of the block before it, so
// a block sees (and may redefine) what earlier blocks of the page defined, as a reader does. `#line`
// directives make compiler messages point at DISPLAY_NAME:line. How a block is placed depends on
// the marker comment on the line before its fence:
//
//   (none)                                  a program or a fragment, sorted line by line: `#include`
//                                           lines go to the top of the file; definitions that start
//                                           at column 0 (struct, class, template, namespace { },
//                                           functions such as `int main() {`, macro-made ones such
//                                           as `BOOST_AUTO_TEST_CASE(name) {`) stay at namespace
//                                           scope; every other line is a statement of a function
//                                           body that sees the names of snippet_context.hpp
//                                           (model, x, y, loader, ...), which statements may shadow
//   <!-- snippet: declarations in NS... --> the block as it is, at namespace scope, after
//                                           `using namespace NS;` for each NS (API excerpts)
//
// Any other `<!-- snippet: ... -->` marker is an error. The generated code is compiled, never run.
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Line {
  int number;  // 1-based line in the page
  std::string text;
};

struct Block {
  int fence_line = 0;
  std::vector<std::string> using_namespaces;  // declarations mode when not empty
  bool declarations = false;
  std::vector<Line> lines;
};

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  std::cerr << where << ": error: " << what << "\n";
  std::exit(1);
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

// Reads a snippet marker ("declarations in a::b c") into the block; empty text means no marker.
void apply_marker(const std::string& marker, Block& block, const std::string& where) {
  std::istringstream words(marker);
  std::string mode, in;
  words >> mode >> in;
  if (mode != "declarations" || in != "in")
    fail(where, "unknown snippet marker '" + marker + "'; expected '<!-- snippet: declarations in NAMESPACE... -->'");
  block.declarations = true;
  for (std::string ns; words >> ns;) block.using_namespaces.push_back(ns);
  if (block.using_namespaces.empty()) fail(where, "'declarations in' names no namespace");
}

std::vector<Block> read_blocks(const std::string& page, const std::string& name) {
  std::ifstream in(page);
  if (!in) fail(page, "cannot open the page");
  static const std::regex marker_re(R"(^\s*<!--\s*snippet:\s*(.*?)\s*-->\s*$)");
  std::vector<Block> blocks;
  std::string previous, text;
  bool inside = false, inside_other = false;
  for (int number = 1; std::getline(in, text); ++number) {
    const std::string t = trim(text);
    if (inside) {
      if (t == "```") inside = false;
      else blocks.back().lines.push_back({number, text});
    } else if (inside_other) {
      if (t == "```") inside_other = false;
    } else if (t == "```cpp" || t == "```c++") {
      inside = true;
      Block block;
      block.fence_line = number;
      std::smatch m;
      if (std::regex_match(previous, m, marker_re))
        apply_marker(m[1], block, name + ":" + std::to_string(number - 1));
      blocks.push_back(block);
    } else if (t.rfind("```", 0) == 0) {
      inside_other = true;
    }
    if (!t.empty()) previous = text;
  }
  if (inside) fail(name + ":" + std::to_string(blocks.back().fence_line), "```cpp block never closed");
  return blocks;
}

// Net change of brace depth over a line, ignoring string and character literals and // comments.
int brace_delta(const std::string& s) {
  int delta = 0;
  char quote = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (quote) {
      if (c == '\\') ++i;
      else if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '/' && i + 1 < s.size() && s[i + 1] == '/') {
      break;
    } else if (c == '{') {
      ++delta;
    } else if (c == '}') {
      --delta;
    }
  }
  return delta;
}

// Does a line at brace depth 0 open a definition that must live at namespace scope?
bool starts_definition(const std::string& s) {
  static const std::regex definition(
      R"(^(struct |class |template\s*<|namespace(\s+\w+)?\s*\{|[A-Z][A-Z0-9_]*\(.*\)\s*\{|[A-Za-z_][\w:<>,]*[\s*&]+[\w:~]+\(.*\)\s*(const\s*)?(noexcept\s*)?(override\s*)?\{))");
  return std::regex_search(s, definition);
}

class Writer {
 public:
  Writer(std::ostream& out, std::string name) : out_(out), name_(std::move(name)) {}

  // Writes lines, with a #line directive wherever the page's numbering jumps.
  void lines(const std::vector<Line>& lines) {
    int expected = -1;
    for (const Line& line : lines) {
      if (line.number != expected) out_ << "#line " << line.number << " \"" << name_ << "\"\n";
      out_ << line.text << "\n";
      expected = line.number + 1;
    }
  }

 private:
  std::ostream& out_;
  std::string name_;
};

void write_block(std::ostream& out, Writer& writer, const Block& block, const std::string& name) {
  out << "\n// " << name << ":" << block.fence_line << "\nnamespace snippet_line_" << block.fence_line << " {\n";
  std::vector<Line> code;
  for (const Line& line : block.lines)
    if (trim(line.text).rfind("#include", 0) != 0) code.push_back(line);
  if (block.declarations) {
    for (const auto& ns : block.using_namespaces) out << "using namespace " << ns << ";\n";
    writer.lines(code);
  } else {
    std::vector<Line> definitions, statements;
    int depth = 0;
    bool in_definition = false;
    for (const Line& line : code) {
      if (depth == 0 && !in_definition) in_definition = starts_definition(line.text);
      (in_definition ? definitions : statements).push_back(line);
      depth += brace_delta(line.text);
      if (depth == 0) in_definition = false;
    }
    if (depth != 0) fail(name + ":" + std::to_string(block.fence_line), "unbalanced braces in the block");
    writer.lines(definitions);
    out << "struct Body : snippet_context::Given {\n  void run();\n};\nvoid Body::run() {\n";
    writer.lines(statements);
    out << "}\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: extract_snippets PAGE.md DISPLAY_NAME OUT.cpp\n";
    return 2;
  }
  const std::string page = argv[1], name = argv[2], out_path = argv[3];
  const std::vector<Block> blocks = read_blocks(page, name);

  std::ostringstream out;
  out << "// Generated from " << name << " by extract_snippets: its ```cpp blocks, compiled and never run.\n"
      << "#include \"snippet_context.hpp\"\n";
  std::set<std::string> includes;
  for (const Block& block : blocks)
    for (const Line& line : block.lines)
      if (trim(line.text).rfind("#include", 0) == 0 && includes.insert(trim(line.text)).second)
        out << trim(line.text) << "\n";
  Writer writer(out, name);
  for (const Block& block : blocks) write_block(out, writer, block, name);
  for (auto block = blocks.rbegin(); block != blocks.rend(); ++block)
    out << "}  // namespace snippet_line_" << block->fence_line << "\n";

  // Rewrite only on change, so an edit of prose does not recompile the page's snippets.
  std::ifstream old(out_path);
  std::stringstream previous;
  previous << old.rdbuf();
  if (old && previous.str() == out.str()) return 0;
  std::ofstream file(out_path);
  file << out.str();
  if (!file) fail(out_path, "cannot write the generated file");
  return 0;
}
