// plot_model: the Keras-style model drawing as DOT text (see plot_model.hpp).
#include <xgrad/viz/plot_model.hpp>

#include <xgrad/autograd/grad_mode.hpp>
#include <xgrad/core/creation.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/nn/linear.hpp>
#include <xgrad/nn/sequential.hpp>
#include <xgrad/train/summary.hpp>
#include <xgrad/viz/render.hpp>

#include <sstream>

namespace xg::viz {
namespace {

class ModelGraph {
 public:
  explicit ModelGraph(const PlotModelOptions& options) : options_(options) {}

  std::string build(const nn::Module& model) {
    if (options_.rankdir != "TB" && options_.rankdir != "LR" && options_.rankdir != "BT" && options_.rankdir != "RL")
      throw ValueError("plot_model: rankdir must be TB, LR, BT or RL, got '" + options_.rankdir + "'");
    body_ << "digraph model {\n  rankdir=" << options_.rankdir << ";\n  concentrate=true;\n"
          << "  node [shape=plaintext, fontname=\"Helvetica\", fontsize=11];\n"
          << "  edge [color=\"#555555\", arrowsize=0.7];\n";
    const auto layers = top_level_layers(model);
    std::string previous;
    if (!layers.empty() && !layers.front()->last_input_shape().empty()) {
      previous = node("input", "input", "InputLayer", {}, layers.front()->last_input_shape(), nullptr, 1);
    }
    chain(layers, previous, 1);
    // Edges after all nodes, at the top level: an edge statement inside a cluster would pull both
    // of its ends into that cluster.
    body_ << edges_.str();
    if (options_.show_params) {
      const nn::ParameterCount count = model.count_parameters();
      body_ << "  label=\"Total params: " << train::with_thousands(count.total())
            << " (trainable: " << train::with_thousands(count.trainable) << ")\";\n"
            << "  labelloc=b;\n  fontname=\"Helvetica\";\n  fontsize=11;\n";
    }
    body_ << "}\n";
    return body_.str();
  }

 private:
  static std::vector<const nn::Module*> top_level_layers(const nn::Module& m) {
    std::vector<const nn::Module*> out;
    if (auto* seq = dynamic_cast<const nn::Sequential*>(&m)) {
      for (const auto& l : seq->layers()) out.push_back(l.get());
    } else {
      for (const auto& c : m.children()) out.push_back(c.get());
      if (out.empty()) out.push_back(&m);
    }
    return out;
  }

  // Draws layers in order starting after node `previous`; returns the last node id.
  std::string chain(const std::vector<const nn::Module*>& layers, std::string previous, int depth) {
    for (const nn::Module* layer : layers) {
      auto* seq = dynamic_cast<const nn::Sequential*>(layer);
      if (seq && options_.expand_nested && !seq->empty()) {
        body_ << std::string(2 * depth, ' ') << "subgraph cluster_" << clusters_++ << " {\n"
              << std::string(2 * depth + 2, ' ') << "label=\"" << escape_quoted(seq->name()) << " (Sequential)\";"
              << " style=rounded; color=\"#888888\"; fontname=\"Helvetica\"; labelloc=t;\n";
        std::vector<const nn::Module*> inner;
        for (const auto& l : seq->layers()) inner.push_back(l.get());
        previous = chain(inner, previous, depth + 1);
        body_ << std::string(2 * depth, ' ') << "}\n";
        continue;
      }
      const std::string id = node("layer" + std::to_string(ids_++), layer->name(), layer->type_name(),
                                  layer->last_input_shape(), layer->last_output_shape(), layer, depth);
      if (!previous.empty()) edges_ << "  " << previous << " -> " << id << ";\n";
      previous = id;
    }
    return previous;
  }

  std::string node(const std::string& id, const std::string& name, const std::string& type, const Shape& in,
                   const Shape& out, const nn::Module* layer, int depth) {
    const bool is_input = layer == nullptr;
    std::ostringstream label;
    label << "<<table border=\"0\" cellborder=\"1\" cellspacing=\"0\" cellpadding=\"5\" bgcolor=\"white\">";
    const std::string title = options_.show_layer_names ? name + " (" + type + ")" : type;
    label << "<tr><td colspan=\"2\" bgcolor=\"" << (is_input ? "#d9ead3" : "#cfe2f3") << "\"><b>"
          << escape_html(title) << "</b></td></tr>";
    auto row = [&](const std::string& k, const std::string& v) {
      label << "<tr><td align=\"left\">" << escape_html(k) << "</td><td align=\"left\">" << escape_html(v)
            << "</td></tr>";
    };
    if (options_.show_shapes) {
      if (layer && out.empty())
        throw ValueError("plot_model: layer '" + layer->name() + "' (" + layer->type_name() +
                         ") has not run yet, so its shapes are unknown; run a forward pass first (e.g. "
                         "model.build(input_shape)) or pass {.input_shape = ...}");
      if (!is_input) row("Input shape", train::keras_shape(in));
      row("Output shape", train::keras_shape(out));
    }
    if (options_.show_dtype) row("dtype", "float32");
    if (layer && options_.show_params) row("Params", train::with_thousands(layer->count_parameters().total()));
    if (layer && options_.show_activations)
      if (auto* dense = dynamic_cast<const nn::Dense*>(layer)) row("Activation", dense->activation_name());
    label << "</table>>";
    body_ << std::string(2 * depth, ' ') << id << " [label=" << label.str() << "];\n";
    return id;
  }

  const PlotModelOptions& options_;
  std::ostringstream body_, edges_;
  int ids_ = 0, clusters_ = 0;
};

}  // namespace

std::string model_to_dot(nn::Module& model, const PlotModelOptions& options) {
  if (!options.input_shape.empty()) {
    Shape shape{1};
    shape.insert(shape.end(), options.input_shape.begin(), options.input_shape.end());
    NoGradGuard no_grad;
    const bool training = model.is_training();
    model.eval();
    try {
      model(zeros(shape));
    } catch (...) {
      model.train(training);
      throw;
    }
    model.train(training);
  }
  return ModelGraph(options).build(model);
}

std::string model_to_dot(const nn::Module& model, const PlotModelOptions& options) {
  if (!options.input_shape.empty())
    throw ValueError("plot_model: options.input_shape needs a non-const model (a forward pass runs on it)");
  return ModelGraph(options).build(model);
}

void plot_model(nn::Module& model, const std::string& path, const PlotModelOptions& options) {
  render_dot(model_to_dot(model, options), path, options.dpi);
}

void plot_model(const nn::Module& model, const std::string& path, const PlotModelOptions& options) {
  render_dot(model_to_dot(model, options), path, options.dpi);
}

}  // namespace xg::viz
