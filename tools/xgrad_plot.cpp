// xgrad-plot — renders the graph of one of the example models:
//
//   xgrad-plot mnist_cnn --out cnn.svg --show-shapes          # Keras-style plot_model
//   xgrad-plot mnist_cnn --out cnn_graph.png --graph --collapse   # autograd graph of forward + loss
//   xgrad-plot mnist_mlp --out mlp_profile.svg --profile      # the same graph as a timing heat map
//
// The models are built here with the same layers as examples/<name>.cpp (the examples also train
// them; this tool only runs one forward pass on zeros, plus the loss and a backward for --profile).
// The output format follows the extension: .png, .svg, .pdf or .dot.
#include <xgrad/xgrad.hpp>
#include <xgrad/viz/plot_graph.hpp>
#include <xgrad/viz/profile.hpp>

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace {

namespace nn = xg::nn;

/// One example architecture: how to build it, its input shape without the batch axis, its loss.
struct Architecture {
  std::string description;
  std::function<std::shared_ptr<xg::Sequential>()> build;
  xg::Shape input_shape;
  bool sparse_labels = false;  // sparse_categorical_crossentropy on integer labels
};

// Braced initialization builds the layers left to right, so automatic names ("dense_1", "dense_2")
// follow the layer order as in the examples (function arguments have no guaranteed order).
using SequentialPtr = std::shared_ptr<xg::Sequential>;

std::map<std::string, Architecture> architectures() {
  std::map<std::string, Architecture> a;
  a["mnist_mlp"] = {"Dense(256, relu) -> Dense(10, softmax)",
                    [] {
                      return SequentialPtr(new xg::Sequential{
                          nn::Dense(256, {.in_features = 784, .activation = "relu", .kernel_initializer = "normal"}),
                          nn::Dense(10, {.activation = "softmax", .kernel_initializer = "normal"})});
                    },
                    {784}};
  a["mnist_mlp_dropout"] = {"Dense(200, tanh) -> Dropout(0.4) -> Dense(100, tanh) -> Dropout(0.4) -> Dense(10)",
                            [] {
                              return SequentialPtr(new xg::Sequential{
                                  nn::Dense(200, {.in_features = 784, .activation = "tanh", .bias_initializer = "one"}),
                                  nn::Dropout(0.4), nn::Dense(100, {.activation = "tanh", .bias_initializer = "one"}),
                                  nn::Dropout(0.4),
                                  nn::Dense(10, {.activation = "softmax", .bias_initializer = "one"})});
                            },
                            {784}};
  a["mnist_cnn"] = {"the Keras tutorial CNN: two 5x5 convolutions, Dense(1024), 3,274,634 parameters",
                    [] {
                      return SequentialPtr(new xg::Sequential{
                          nn::Conv2d(32, {.kernel_size = 5, .padding = "same", .activation = "relu", .name = "conv1"}),
                          nn::MaxPool2d(2, {.name = "pool1"}),
                          nn::Conv2d(64, {.kernel_size = 5, .padding = "same", .activation = "relu", .name = "conv2"}),
                          nn::MaxPool2d(2, {.padding = "same", .name = "pool2"}), nn::Flatten(),
                          nn::Dense(1024, {.activation = "relu"}), nn::Dropout(0.3),
                          nn::Dense(10, {.activation = "softmax"})});
                    },
                    {1, 28, 28}};
  a["mnist_cnn_small"] = {"Conv2d(32, 5x5) -> MaxPool -> Dropout -> Flatten -> Dense(128) -> Dense(10)",
                          [] {
                            return SequentialPtr(new xg::Sequential{
                                nn::Conv2d(32, {.kernel_size = 5, .activation = "relu"}), nn::MaxPool2d(2),
                                nn::Dropout(0.3), nn::Flatten(), nn::Dense(128, {.activation = "relu"}),
                                nn::Dense(10, {.activation = "softmax"})});
                          },
                          {1, 28, 28}};
  a["mnist_mlp512"] = {"Dense(512, relu) -> Dense(10, softmax)",
                       [] {
                         return SequentialPtr(new xg::Sequential{
                             nn::Dense(512, {.in_features = 784, .activation = "relu"}),
                             nn::Dense(10, {.activation = "softmax"})});
                       },
                       {784}};
  a["mnist_mlp_sparse"] = {"Flatten -> Dense(128) -> Dense(128) -> Dense(10), integer labels",
                           [] {
                             return SequentialPtr(new xg::Sequential{
                                 nn::Flatten(), nn::Dense(128, {.activation = "relu"}),
                                 nn::Dense(128, {.activation = "relu"}), nn::Dense(10, {.activation = "softmax"})});
                           },
                           {28, 28},
                           true};
  return a;
}

// The loss of one batch: labels of class 0 (the values do not change the graph). Its ops are
// recorded under the scope "loss", so graphs draw them as one cluster (or one collapsed box).
xg::Tensor loss_of(const Architecture& arch, const xg::Tensor& pred) {
  xg::autograd::ScopeGuard scope("loss");
  const std::int64_t batch = pred.shape()[0];
  if (arch.sparse_labels)
    return nn::sparse_categorical_crossentropy(pred, xg::zeros({batch}, {.dtype = xg::Dtype::Int64}));
  xg::Tensor target = xg::zeros(pred.shape());
  {
    xg::NoGradGuard no_grad;
    float* t = target.data<float>();
    for (std::int64_t i = 0; i < batch; ++i) t[i * pred.shape()[1]] = 1.0f;
  }
  return nn::categorical_crossentropy(pred, target);
}

}  // namespace

int main(int argc, char** argv) {
  const auto registry = architectures();
  std::string names;
  for (const auto& [name, arch] : registry) names += "\n  " + name + ": " + arch.description;

  CLI::App app{"xgrad-plot: draws an example model with Graphviz (.png, .svg, .pdf or .dot)"};
  app.footer("models:" + names + "\n");
  std::string model_name, out;
  bool show_shapes = false, show_params = false, graph = false, profile = false, collapse = false, saved = false;
  std::string rankdir = "TB";
  int dpi = 96;
  std::int64_t batch = 32;
  app.add_option("model", model_name, "example model")->required()->check(CLI::IsMember([&] {
    std::vector<std::string> keys;
    for (const auto& [name, arch] : registry) keys.push_back(name);
    return keys;
  }()));
  app.add_option("--out", out, "output file; the extension picks the format")->required();
  app.add_flag("--show-shapes", show_shapes, "plot_model: show input and output shapes");
  app.add_flag("--show-params", show_params, "plot_model: show parameter counts");
  app.add_flag("--graph", graph, "draw the autograd graph of one forward pass and the loss");
  app.add_flag("--profile", profile, "draw the autograd graph as a heat map of measured time and memory");
  app.add_flag("--collapse", collapse, "--graph/--profile: one box per layer");
  app.add_flag("--show-saved", saved, "--graph: draw the tensors saved for backward");
  app.add_option("--rankdir", rankdir, "layout direction")->capture_default_str()->check(
      CLI::IsMember({"TB", "LR", "BT", "RL"}));
  app.add_option("--dpi", dpi, "PNG resolution")->capture_default_str();
  app.add_option("--batch", batch, "batch size of the forward pass")->capture_default_str()->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  try {
    const Architecture& arch = registry.at(model_name);
    auto model = arch.build();
    xg::Shape input_shape{batch};
    input_shape.insert(input_shape.end(), arch.input_shape.begin(), arch.input_shape.end());
    const xg::Tensor input = xg::zeros(input_shape);

    // Timed: building the DOT text, Graphviz layout and writing the file (not the model's passes).
    std::chrono::steady_clock::time_point start;
    if (profile) {
      auto result = xg::viz::profile(
          *model, input, {.loss = [&](const xg::Tensor& pred) { return loss_of(arch, pred); }});
      std::printf("profile: forward %.2f ms, backward %.2f ms (wall), %zu ops\n", result.forward_wall_ms,
                  result.backward_wall_ms, result.ops.size());
      start = std::chrono::steady_clock::now();
      xg::viz::plot_profile(result, out, {.collapse_modules = collapse, .rankdir = rankdir, .dpi = dpi});
    } else if (graph) {
      const xg::Tensor loss = loss_of(arch, (*model)(input));
      start = std::chrono::steady_clock::now();
      xg::viz::plot_graph(loss, out,
                          {.params = model->named_parameters(), .show_saved = saved, .collapse_modules = collapse,
                           .rankdir = rankdir, .dpi = dpi});
    } else {
      {
        xg::NoGradGuard no_grad;
        model->eval();
        (*model)(input);  // every layer records its shapes
      }
      start = std::chrono::steady_clock::now();
      xg::viz::plot_model(*model, out,
                          {.show_shapes = show_shapes, .show_params = show_params, .rankdir = rankdir, .dpi = dpi});
    }
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::printf("wrote %s (rendered in %.0f ms)\n", out.c_str(), ms);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xgrad-plot: %s\n", e.what());
    return 1;
  }
  return 0;
}
