// In-process Graphviz rendering and DOT escaping (see render.hpp).
#include <xgrad/viz/render.hpp>

#include <xgrad/core/error.hpp>

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <unistd.h>

namespace xg::viz {
namespace {

// Graphviz keeps global state (plugin registry, error buffers): one render at a time.
std::mutex& graphviz_mutex() {
  static std::mutex m;
  return m;
}

std::string lower_extension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

std::string temporary_path(const std::string& path) {
  return path + ".tmp." + std::to_string(::getpid());
}

// Graphviz reports parse and layout problems through a callback; collected here (under the
// mutex) so they go into the exception instead of stderr.
std::string& graphviz_messages() {
  static std::string messages;
  return messages;
}

int collect_message(char* text) {
  std::string& m = graphviz_messages();
  if (m.size() < 2000 && text) m += text;
  return 0;
}

// Installs collect_message for one render and restores the previous handler.
class MessageCapture {
 public:
  MessageCapture() : previous_(agseterrf(collect_message)) { graphviz_messages().clear(); }
  ~MessageCapture() { agseterrf(previous_); }
  MessageCapture(const MessageCapture&) = delete;
  MessageCapture& operator=(const MessageCapture&) = delete;
  /// " (Graphviz: <what it said>)" on one line, or "" when it said nothing.
  static std::string detail() {
    std::string m = graphviz_messages();
    for (auto& c : m)
      if (c == '\n') c = ' ';
    while (!m.empty() && m.back() == ' ') m.pop_back();
    return m.empty() ? "" : " (Graphviz: " + m + ")";
  }

 private:
  agusererrf previous_;
};

void replace(const std::string& tmp, const std::string& path) {
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw Error("cannot write '" + path + "': " + ec.message());
  }
}

}  // namespace

std::string escape_html(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string escape_quoted(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  return out;
}

void render_dot(const std::string& dot, const std::string& path, int dpi) {
  const std::string ext = lower_extension(path);
  std::string format;
  if (ext == ".png") format = "png";
  else if (ext == ".svg") format = "svg";
  else if (ext == ".pdf") format = "pdf";
  else if (ext != ".dot" && ext != ".gv")
    throw ValueError("cannot render '" + path + "': unknown format '" + ext + "' (expected .png, .svg, .pdf or .dot)");
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty() && !std::filesystem::is_directory(parent))
    throw Error("cannot render '" + path + "': directory '" + parent.string() + "' does not exist");

  const std::string tmp = temporary_path(path);
  if (format.empty()) {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << dot;
    if (!out.flush()) throw Error("cannot write '" + tmp + "'");
    out.close();
    return replace(tmp, path);
  }

  std::lock_guard lock(graphviz_mutex());
  MessageCapture capture;
  std::string text = dot;
  if (format == "png" && dpi > 0) {
    // The graph-level dpi attribute sets the PNG resolution.
    const auto brace = text.find('{');
    if (brace != std::string::npos) text.insert(brace + 1, "\n  dpi=" + std::to_string(dpi) + ";");
  }
  GVC_t* gvc = gvContext();
  Agraph_t* graph = agmemread(text.c_str());
  if (!graph) {
    gvFreeContext(gvc);
    throw Error("cannot render '" + path + "': Graphviz could not parse the DOT text" + MessageCapture::detail());
  }
  int rc = gvLayout(gvc, graph, "dot");
  if (rc == 0) rc = gvRenderFilename(gvc, graph, format.c_str(), tmp.c_str());
  gvFreeLayout(gvc, graph);
  agclose(graph);
  gvFreeContext(gvc);
  std::error_code ec;
  if (rc != 0 || !std::filesystem::exists(tmp, ec) || std::filesystem::file_size(tmp, ec) == 0) {
    std::filesystem::remove(tmp, ec);
    throw Error("cannot render '" + path + "': Graphviz failed to produce " + format + " output" +
                MessageCapture::detail());
  }
  replace(tmp, path);
}

}  // namespace xg::viz
