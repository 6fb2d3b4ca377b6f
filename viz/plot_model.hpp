#pragma once
// plot_model: draws a model like Keras' plot_model — one box per layer with its name and type,
// optionally its input/output shapes (batch axis shown as None), dtype, parameter count and
// activation; boxes joined in data order; nested Sequentials drawn as clusters when expanded.
// Shapes are those seen by the last forward pass (e.g. Model::build), or those of a forward pass
// that plot_model runs itself on a given input shape.
//
//   xg::viz::plot_model(model, "model.png", {.show_shapes = true});
//   xg::viz::plot_model(cnn, "cnn.svg", {.show_shapes = true, .input_shape = {1, 28, 28}});
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
  /// Shape of one input sample without the batch axis ({784}, {1, 28, 28}). When set, a forward
  /// pass runs first on zeros of shape [1, input_shape...], in eval mode and without recording,
  /// so every layer knows its shapes. Empty: the shapes of the last forward pass are drawn.
  Shape input_shape;
};

/// The DOT text of the model graph. Throws ValueError when shapes are asked for but a layer has
/// not run yet, or for a bad rankdir.
std::string model_to_dot(nn::Module& model, const PlotModelOptions& options = {});
/// As above for a const model, which cannot run: options.input_shape must be empty.
std::string model_to_dot(const nn::Module& model, const PlotModelOptions& options = {});
/// Renders the model graph to `path` (.png, .svg, .pdf or .dot), see render_dot.
void plot_model(nn::Module& model, const std::string& path, const PlotModelOptions& options = {});
void plot_model(const nn::Module& model, const std::string& path, const PlotModelOptions& options = {});

}  // namespace xg::viz
