#pragma once
// Renders DOT text in-process through the Graphviz C library (cgraph + gvc): no subprocess.
// The output format comes from the file extension: .png, .svg, .pdf, or .dot (the text itself).
#include <string>

namespace xg::viz {

/// Lays out `dot` with the dot engine and writes `path` (written to a temporary file, then renamed).
/// `dpi` applies to PNG. Throws ValueError for an unknown extension and Error for a Graphviz or
/// file-system failure, naming the path.
void render_dot(const std::string& dot, const std::string& path, int dpi = 96);

/// Escapes text for a DOT HTML-like label (&, <, >, ").
std::string escape_html(const std::string& text);
/// Escapes text for a quoted DOT string.
std::string escape_quoted(const std::string& text);

}  // namespace xg::viz
