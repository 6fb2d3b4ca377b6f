// Uses an installed xgrad through every layer a user touches: version, tensors and autograd, a
// Keras-style model trained on a synthetic problem, safetensors weights, and a Graphviz-rendered
// model graph (which needs libgvc at link and run time). Exits 0 and prints "consumer: ok" only
// when every check holds; otherwise names the failed check. Argument: a folder for output files.
// The version comes through <xgrad/version.hpp>, the root forwarding header the package installs.
#include <xgrad/version.hpp>
#include <xgrad/xgrad.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace {

void check(bool ok, const std::string& what) {
  if (ok) return;
  std::fprintf(stderr, "consumer: FAILED: %s\n", what.c_str());
  std::exit(1);
}

// The same two-layer model each time; the explicit names make the weights' keys match between copies.
std::unique_ptr<xg::Sequential> make_model() {
  return std::make_unique<xg::Sequential>(xg::nn::Dense(16, {.in_features = 2, .activation = "relu", .name = "hidden"}),
                                          xg::nn::Dense(2, {.in_features = 16, .activation = "softmax", .name = "output"}));
}

}  // namespace

int main(int argc, char** argv) {
  const std::filesystem::path out = argc > 1 ? argv[1] : ".";
  check(std::string(xg::version()) == XGRAD_VERSION_STRING,
        std::string("library version ") + xg::version() + " equals header version " + XGRAD_VERSION_STRING);

  // Autograd: d/dx sum(x^2) = 2x.
  xg::Tensor x = xg::ones({3}, {.requires_grad = true});
  (x * x).sum().backward();
  check(x.grad().to_vector<float>() == std::vector<float>{2, 2, 2}, "gradient of sum(x*x) at ones is 2");

  // Two classes split by the sign of x0 + x1: a small MLP must learn it.
  xg::manual_seed(3);
  const xg::Tensor inputs = xg::randn({512, 2});
  std::vector<std::int64_t> labels;
  const std::vector<float> v = inputs.to_vector<float>();
  for (std::size_t i = 0; i < v.size(); i += 2) labels.push_back(v[i] + v[i + 1] > 0 ? 1 : 0);
  const xg::Tensor targets = xg::from_vector(labels, {512});

  auto trained = make_model();
  xg::Sequential& model = *trained;
  model.compile({.loss = "sparse_categorical_crossentropy", .optimizer = "adam", .metrics = {"accuracy"}});
  model.fit(inputs, targets, {.epochs = 30, .batch_size = 32, .verbose = 0, .seed = 3});
  const double accuracy = model.evaluate(inputs, targets).at("accuracy");
  std::printf("consumer: training accuracy %.3f\n", accuracy);
  check(accuracy > 0.9, "training accuracy above 0.9");

  // Weights round trip through a safetensors file.
  const auto weights = (out / "consumer.safetensors").string();
  xg::io::save(model.network(), weights);
  auto copy = make_model();
  copy->compile({.loss = "sparse_categorical_crossentropy", .metrics = {"accuracy"}});
  xg::io::load(copy->network(), weights);
  check(copy->evaluate(inputs, targets).at("accuracy") == accuracy, "reloaded weights give the same accuracy");

  // The model graph, rendered in-process by Graphviz.
  const auto picture = out / "consumer_model.svg";
  xg::viz::plot_model(model.network(), picture.string(), {.show_shapes = true});
  check(std::filesystem::file_size(picture) > 100, "plot_model wrote " + picture.string());

  std::printf("consumer: ok (xgrad %s)\n", xg::version());
  return 0;
}
