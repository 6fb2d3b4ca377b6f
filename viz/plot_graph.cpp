// plot_graph: the DOT text of an autograd graph (see plot_graph.hpp).
//
// 1. Discover every node reachable from the root's grad_fn with an explicit stack, then order the
//    nodes by creation (sequence_nr), so the text is stable and the layout follows the forward.
// 2. Build the tree of module scopes ("model.encoder.dense_1" nests three clusters) and, when
//    collapsing, map every node of an innermost module to one box for that module.
// 3. Emit clusters (recursion over the scope tree, whose depth is the module nesting, never the
//    graph depth), then one edge per distinct (input box, consumer box) pair, in data direction.
#include <xgrad/viz/plot_graph.hpp>

#include <xgrad/autograd/function_node.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/core/tensor_impl.hpp>
#include <xgrad/viz/render.hpp>

#include <algorithm>
#include <iterator>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <tuple>
#include <unordered_map>

namespace xg::viz {
namespace {

constexpr const char* kOpFill = "#e8e8e8";
constexpr const char* kParamFill = "#cfe2f3";
constexpr const char* kLeafFill = "#d0e0e3";
constexpr const char* kOutputFill = "#b6d7a8";
constexpr const char* kSavedFill = "#f9cb9c";
constexpr const char* kModuleFill = "#d9d2e9";
// Cluster backgrounds by nesting depth: light, distinct, readable under black text.
constexpr const char* kClusterFills[] = {"#f7f7f7", "#eef3fa", "#f6f0fa", "#f2f8ee"};

std::string paren_shape(const Shape& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + ")";
}

// "n12": a box id. (Built by appending: GCC 12 warns falsely on "literal" + std::to_string.)
std::string box(char prefix, int index) {
  std::string id(1, prefix);
  id += std::to_string(index);
  return id;
}

// Last component of a dotted scope path.
std::string last_component(const std::string& path) {
  const auto dot = path.rfind('.');
  return dot == std::string::npos ? path : path.substr(dot + 1);
}

struct ScopeNode {
  std::string path;                 // "" for the top level
  std::vector<std::unique_ptr<ScopeNode>> children;
  std::map<std::string, ScopeNode*> by_name;
  std::vector<int> members;         // indices of graph nodes recorded directly in this scope
  int collapsed = -1;               // group id when drawn as one box
};

class GraphWriter {
 public:
  GraphWriter(const PlotGraphOptions& options, const GraphAnnotations& annotations)
      : options_(options), annotations_(annotations) {
    if (options_.rankdir != "TB" && options_.rankdir != "LR" && options_.rankdir != "BT" && options_.rankdir != "RL")
      throw ValueError("plot_graph: rankdir must be TB, LR, BT or RL, got '" + options_.rankdir + "'");
    if (options_.max_label < 4)
      throw ValueError("plot_graph: max_label must be at least 4, got " + std::to_string(options_.max_label));
    for (const auto& [name, tensor] : options_.params)
      if (tensor.defined()) param_names_.emplace(tensor.impl(), name);
  }

  std::string build(const Tensor& root) {
    if (!root.defined()) throw ValueError("plot_graph: the root tensor is undefined");
    const autograd::Edge edge = autograd::gradient_edge(root);
    if (!edge)
      throw ValueError("plot_graph: the tensor of shape " + shape_str(root.shape()) +
                       " has no autograd graph (no grad_fn and requires_grad is false; was it computed under "
                       "NoGradGuard, or from tensors that do not require grad?)");
    discover(edge.node.get());
    build_scopes();
    if (options_.show_saved) assign_saved();
    std::ostringstream out;
    out << "digraph autograd {\n  rankdir=" << options_.rankdir << ";\n  newrank=true;\n"
        << "  node [shape=box, style=\"rounded,filled\", fillcolor=\"" << kOpFill
        << "\", fontname=\"Helvetica\", fontsize=10, margin=\"0.12,0.04\"];\n"
        << "  edge [color=\"#555555\", arrowsize=0.6];\n"
        << "  graph [fontname=\"Helvetica\", fontsize=10];\n";
    if (!annotations_.legend_html.empty())
      out << "  label=<" << annotations_.legend_html << ">;\n  labelloc=b;\n  labeljust=l;\n";
    emit_scope(out, root_scope_, 1, 0);
    emit_output(out, root, edge.node.get());
    emit_edges(out);
    out << "}\n";
    return out.str();
  }

 private:
  // ---- discovery --------------------------------------------------------------------------------
  void discover(const autograd::Node* start) {
    std::unordered_map<const autograd::Node*, bool> seen;
    std::vector<const autograd::Node*> stack{start};
    seen.emplace(start, true);
    while (!stack.empty()) {
      const autograd::Node* node = stack.back();
      stack.pop_back();
      nodes_.push_back(node);
      for (const auto& e : node->next_edges())
        if (e.node && seen.emplace(e.node.get(), true).second) stack.push_back(e.node.get());
    }
    std::stable_sort(nodes_.begin(), nodes_.end(), [](const autograd::Node* a, const autograd::Node* b) {
      return a->sequence_nr() < b->sequence_nr();
    });
    for (std::size_t i = 0; i < nodes_.size(); ++i) index_.emplace(nodes_[i], static_cast<int>(i));
  }

  // ---- scopes and collapsing --------------------------------------------------------------------
  void build_scopes() {
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      ScopeNode* scope = &root_scope_;
      if (options_.group_by_module) {
        const std::string& path = nodes_[i]->scope();
        std::size_t begin = 0;
        while (!path.empty() && begin <= path.size()) {
          const auto dot = path.find('.', begin);
          const std::size_t end = dot == std::string::npos ? path.size() : dot;
          scope = child_scope(*scope, path.substr(0, end));
          begin = end + 1;
        }
      }
      scope->members.push_back(static_cast<int>(i));
    }
    group_of_.assign(nodes_.size(), -1);
    if (options_.collapse_modules) mark_collapsed(root_scope_);
  }

  static ScopeNode* child_scope(ScopeNode& parent, const std::string& path) {
    auto it = parent.by_name.find(path);
    if (it != parent.by_name.end()) return it->second;
    parent.children.push_back(std::make_unique<ScopeNode>());
    ScopeNode* child = parent.children.back().get();
    child->path = path;
    parent.by_name.emplace(path, child);
    return child;
  }

  void mark_collapsed(ScopeNode& scope) {
    if (!scope.path.empty() && scope.children.empty()) {
      scope.collapsed = static_cast<int>(groups_.size());
      groups_.push_back(&scope);
      for (int m : scope.members) group_of_[m] = scope.collapsed;
      return;
    }
    for (auto& child : scope.children) mark_collapsed(*child);
  }

  // Box id of node i: its collapsed module's box, or its own.
  std::string box_id(int i) const {
    return group_of_[i] >= 0 ? box('m', group_of_[i]) : box('n', i);
  }

  // ---- labels -----------------------------------------------------------------------------------
  std::string line(const std::string& text) const { return escape_html(truncate_label(text, options_.max_label)); }

  std::string html_label(const std::string& title, const std::vector<std::string>& details,
                         const std::optional<NodeAnnotation>& note) const {
    std::string label = "<<b>" + line(title) + "</b>";
    for (const auto& d : details) label += "<br/><font point-size=\"9\">" + line(d) + "</font>";
    if (note)
      for (const auto& l : note->lines) label += "<br/><font point-size=\"9\">" + line(l) + "</font>";
    return label + ">";
  }

  static std::string style_attrs(const std::string& default_fill, const std::optional<NodeAnnotation>& note) {
    std::string fill = note && !note->fill.empty() ? note->fill : default_fill;
    std::string attrs = ", fillcolor=\"" + escape_quoted(fill) + "\"";
    if (note && !note->font_color.empty()) attrs += ", fontcolor=\"" + escape_quoted(note->font_color) + "\"";
    return attrs;
  }

  std::string leaf_name(const autograd::AccumulateGrad& acc) const {
    auto it = param_names_.find(acc.leaf().get());
    if (it != param_names_.end()) return it->second;
    return acc.leaf()->name.empty() ? "leaf" : acc.leaf()->name;
  }

  void emit_node(std::ostream& out, int i, const std::string& indent) {
    const autograd::Node* node = nodes_[i];
    std::optional<NodeAnnotation> note;
    if (annotations_.node) note = annotations_.node(*node);
    std::vector<std::string> details;
    if (const auto* acc = dynamic_cast<const autograd::AccumulateGrad*>(node)) {
      const bool named = param_names_.count(acc->leaf().get()) > 0;
      details.push_back(paren_shape(acc->leaf()->shape));
      out << indent << "n" << i << " [label=" << html_label(leaf_name(*acc), details, note)
          << style_attrs(named ? kParamFill : kLeafFill, note) << "];\n";
    } else {
      if (options_.show_shapes) details.push_back(paren_shape(node->output_shape()));
      out << indent << "n" << i << " [label=" << html_label(node->name(), details, note)
          << style_attrs(kOpFill, note) << "];\n";
    }
    if (options_.show_saved) emit_saved(out, i, indent);
  }

  using SavedKey = std::tuple<const void*, std::int64_t, Shape>;
  static SavedKey saved_key(const TensorImpl* impl) {
    return {static_cast<const void*>(impl->storage.get()), impl->offset, impl->shape};
  }

  // One box per distinct saved array, even when several ops saved it, drawn next to the first op
  // that saved it (nodes are in creation order). Ops inside collapsed modules draw none.
  void assign_saved() {
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      if (group_of_[i] >= 0) continue;
      for (const auto& t : nodes_[i]->saved_tensors()) {
        if (!t.defined()) continue;
        const int number = static_cast<int>(saved_ids_.size());
        saved_ids_.emplace(saved_key(t.impl()), std::make_pair(number, static_cast<int>(i)));
      }
    }
  }

  void emit_saved(std::ostream& out, int i, const std::string& indent) {
    const auto saved = nodes_[i]->saved_tensors();
    for (const auto& t : saved) {
      if (!t.defined()) continue;
      const TensorImpl* impl = t.impl();
      const auto& [number, owner] = saved_ids_.at(saved_key(impl));
      const std::string id = box('s', number);
      if (owner == i && drawn_saved_.insert(number).second) {
        auto named = param_names_.find(impl);
        const std::string title = named != param_names_.end() ? named->second : "saved";
        out << indent << id << " [label=" << html_label(title, {paren_shape(impl->shape)}, std::nullopt)
            << ", fillcolor=\"" << kSavedFill << "\", shape=box, style=\"filled\"];\n";
      }
      saved_edges_.push_back("  " + id + " -> " + box('n', i) +
                             " [style=dashed, arrowhead=none, color=\"#b45f06\"];\n");
    }
  }

  void emit_module_box(std::ostream& out, const ScopeNode& scope, const std::string& indent) {
    std::vector<const autograd::Node*> members;
    std::vector<std::string> op_names;
    std::vector<std::string> params;
    const autograd::Node* last_op = nullptr;
    for (int m : scope.members) {
      const autograd::Node* node = nodes_[m];
      members.push_back(node);
      if (const auto* acc = dynamic_cast<const autograd::AccumulateGrad*>(node)) {
        params.push_back(last_component(leaf_name(*acc)) + " " + paren_shape(acc->leaf()->shape));
        continue;
      }
      last_op = node;  // members are in creation order: the last op gives the module's output
      std::string op = node->name();
      if (op.size() > 8 && op.compare(op.size() - 8, 8, "Backward") == 0) op.resize(op.size() - 8);
      if (std::find(op_names.begin(), op_names.end(), op) == op_names.end()) op_names.push_back(op);
    }
    std::optional<NodeAnnotation> note;
    if (annotations_.module) note = annotations_.module(scope.path, members);
    std::vector<std::string> details;
    std::string ops;
    for (const auto& op : op_names) ops += (ops.empty() ? "" : ", ") + op;
    if (!ops.empty()) details.push_back(ops);
    if (options_.show_shapes && last_op) details.push_back(paren_shape(last_op->output_shape()));
    for (const auto& p : params) details.push_back(p);
    out << indent << "m" << scope.collapsed << " [label=" << html_label(last_component(scope.path), details, note)
        << style_attrs(kModuleFill, note) << ", peripheries=2];\n";
  }

  // ---- clusters, output, edges ------------------------------------------------------------------
  void emit_scope(std::ostream& out, const ScopeNode& scope, int depth, int cluster_depth) {
    const std::string indent(2 * static_cast<std::size_t>(depth), ' ');
    if (scope.collapsed >= 0) return emit_module_box(out, scope, indent);
    for (int m : scope.members) emit_node(out, m, indent);
    for (const auto& child : scope.children) {
      if (child->collapsed >= 0) {
        emit_module_box(out, *child, indent);
        continue;
      }
      const char* fill = kClusterFills[static_cast<std::size_t>(cluster_depth) % std::size(kClusterFills)];
      out << indent << "subgraph cluster_" << clusters_++ << " {\n"
          << indent << "  label=\"" << escape_quoted(truncate_label(last_component(child->path), options_.max_label))
          << "\"; style=\"rounded,filled\"; fillcolor=\"" << fill
          << "\"; color=\"#999999\"; labeljust=l; labelloc=t;\n";
      emit_scope(out, *child, depth + 1, cluster_depth + 1);
      out << indent << "}\n";
    }
  }

  void emit_output(std::ostream& out, const Tensor& root, const autograd::Node* root_node) {
    out << "  output [label=" << html_label("output", {paren_shape(root.shape())}, std::nullopt)
        << ", fillcolor=\"" << kOutputFill << "\"];\n";
    out << "  " << box_id(index_.at(root_node)) << " -> output;\n";
  }

  void emit_edges(std::ostream& out) {
    std::set<std::pair<std::string, std::string>> drawn;
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      const std::string to = box_id(static_cast<int>(i));
      for (const auto& e : nodes_[i]->next_edges()) {
        if (!e.node) continue;
        const std::string from = box_id(index_.at(e.node.get()));
        if (from == to || !drawn.emplace(from, to).second) continue;
        out << "  " << from << " -> " << to << ";\n";
      }
    }
    for (const auto& s : saved_edges_) out << s;
  }

  const PlotGraphOptions& options_;
  const GraphAnnotations& annotations_;
  std::unordered_map<const TensorImpl*, std::string> param_names_;
  std::vector<const autograd::Node*> nodes_;
  std::unordered_map<const autograd::Node*, int> index_;
  ScopeNode root_scope_;
  std::vector<const ScopeNode*> groups_;
  std::vector<int> group_of_;
  std::map<SavedKey, std::pair<int, int>> saved_ids_;  // -> (box number, owning node)
  std::set<int> drawn_saved_;
  std::vector<std::string> saved_edges_;
  int clusters_ = 0;
};

}  // namespace

std::string truncate_label(const std::string& text, std::size_t max) {
  // Count code points (bytes that do not continue a UTF-8 sequence) so multi-byte names are never cut
  // in the middle of a character.
  std::size_t points = 0;
  for (unsigned char c : text) points += (c & 0xC0) != 0x80;
  if (points <= max) return text;
  const std::size_t keep = max >= 3 ? max - 3 : 0;
  std::size_t seen = 0, cut = 0;
  for (; cut < text.size(); ++cut) {
    if ((static_cast<unsigned char>(text[cut]) & 0xC0) != 0x80) {
      if (seen == keep) break;
      ++seen;
    }
  }
  return text.substr(0, cut) + "...";
}

std::string graph_to_dot(const Tensor& root, const PlotGraphOptions& options, const GraphAnnotations& annotations) {
  return GraphWriter(options, annotations).build(root);
}

void plot_graph(const Tensor& root, const std::string& path, const PlotGraphOptions& options) {
  render_dot(graph_to_dot(root, options), path, options.dpi);
}

}  // namespace xg::viz
