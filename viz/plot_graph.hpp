#pragma once
// plot_graph: draws the autograd graph behind a tensor, like torchviz — one box per backward op
// (its name and output shape), one box per leaf parameter (its dotted name and shape), optionally
// the tensors each op saved for backward. Ops are grouped into clusters by the module that
// recorded them (Node::scope(), nested modules give nested clusters), and each innermost module
// can be collapsed into one box. Arrows follow the data: parameters -> ops -> output.
//
//   xg::Tensor loss = xg::nn::categorical_crossentropy(model(x), y);
//   xg::viz::plot_graph(loss, "graph.svg", {.params = model.named_parameters()});
//   xg::viz::plot_graph(loss, "modules.png", {.params = model.named_parameters(), .collapse_modules = true});
//
// The graph is walked with an explicit stack, so graphs of any depth (10,000+ ops) are drawn; how
// long Graphviz takes to lay them out is another matter (collapse_modules keeps big models small).
#include <xgrad/autograd/node.hpp>
#include <xgrad/core/tensor.hpp>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace xg::viz {

struct PlotGraphOptions {
  /// Named leaf tensors (e.g. model.named_parameters()): their boxes show these dotted names.
  /// Other leaves show the tensor's own name, or "leaf".
  std::vector<std::pair<std::string, Tensor>> params;
  /// Draw the tensors each op saved for backward (orange, joined by a dashed line). Saved tensors
  /// are freed by backward() unless retain_graph, so draw before the backward pass.
  bool show_saved = false;
  /// Show output shapes under op names.
  bool show_shapes = true;
  /// Group ops into clusters by the module that recorded them.
  bool group_by_module = true;
  /// Draw each innermost module (one that recorded no nested module) as a single box listing its
  /// ops; modules that contain other modules stay clusters.
  bool collapse_modules = false;
  /// "TB" (top to bottom), "LR", "BT" or "RL".
  std::string rankdir = "TB";
  /// Resolution of PNG output.
  int dpi = 96;
  /// Longest text of one label line; longer text is cut and ends with "...". At least 4.
  std::size_t max_label = 40;
};

/// Extra lines and a fill colour for one box; the profiler's drawing uses this to annotate nodes.
struct NodeAnnotation {
  std::vector<std::string> lines;
  /// A Graphviz colour ("#ffcc00", "/ylorrd9/5"); empty keeps the default.
  std::string fill;
  /// Font colour of the box; empty keeps the default.
  std::string font_color;
};

/// Annotations added to the drawing (all optional).
struct GraphAnnotations {
  /// For an op or leaf node.
  std::function<std::optional<NodeAnnotation>(const autograd::Node&)> node;
  /// For a collapsed module: its scope path and the nodes it holds.
  std::function<std::optional<NodeAnnotation>(const std::string& scope, const std::vector<const autograd::Node*>&)>
      module;
  /// An HTML-like label body placed under the graph as its legend (already escaped), e.g.
  /// "<table>...</table>"; empty for none.
  std::string legend_html;
};

/// The DOT text of the autograd graph behind `root`. Throws ValueError if `root` is undefined or
/// has no graph (no grad_fn and no requires_grad), or for a bad rankdir or max_label.
std::string graph_to_dot(const Tensor& root, const PlotGraphOptions& options = {},
                         const GraphAnnotations& annotations = {});
/// Renders the graph to `path` (.png, .svg, .pdf or .dot), see render_dot.
void plot_graph(const Tensor& root, const std::string& path, const PlotGraphOptions& options = {});

/// `text` cut to at most `max` characters (counting UTF-8 code points), ending with "..." when cut.
std::string truncate_label(const std::string& text, std::size_t max);

}  // namespace xg::viz
