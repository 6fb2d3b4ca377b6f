#pragma once
// plot_model: draws a model like Keras' plot_model — one box per layer with its name and type,
// optionally its input/output shapes (batch axis shown as None), dtype, parameter count and
// activation; boxes joined in data order; nested Sequentials drawn as clusters when expanded.
// Shapes are those seen by the last forward pass (run one first, e.g. Model::build).
//
//   xg::viz::plot_model(model, "model.png", {.show_shapes = true});
#include <xgrad/nn/module.hpp>

#include <string>

namespace xg::viz {

struct PlotModelOptions {
  bool show_shapes = false;
  bool show_dtype = false;
  bool show_layer_names = true;
  bool show_params = false;
  bool show_activations = false;
  /// "TB" (top to bottom) or "LR" (left to right).
  std::string rankdir = "TB";
  /// Draw the inside of nested containers as clusters instead of one box.
  bool expand_nested = false;
  int dpi = 96;
};

/// The DOT text of the model graph.
std::string model_to_dot(const nn::Module& model, const PlotModelOptions& options = {});
/// Renders the model graph to `path` (.png, .svg, .pdf or .dot).
void plot_model(const nn::Module& model, const std::string& path, const PlotModelOptions& options = {});

}  // namespace xg::viz
