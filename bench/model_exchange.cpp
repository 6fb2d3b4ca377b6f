// model_exchange — the xgrad half of bench/torch_exchange.py, which checks that weights cross between
// xgrad and PyTorch through safetensors with identical predictions:
//
//   model_exchange export MODEL DIR   a freshly initialized tutorial model: DIR/xgrad_model.safetensors
//                                     (io::save; metadata "layers" lists the layers with weights, in
//                                     order) and DIR/xgrad_io.safetensors ("input": 64 test images,
//                                     "predictions": the model's probabilities for them)
//   model_exchange import MODEL DIR   loads DIR/torch_model.safetensors (a PyTorch state_dict renamed
//                                     to xgrad's names) into the model and compares its predictions on
//                                     DIR/torch_io.safetensors "input" with PyTorch's "predictions";
//                                     prints {"max_abs_diff": ...} and exits 1 above 1e-5
#include "tutorial_models.hpp"

#include <xgrad/io/module_io.hpp>
#include <xgrad/io/safetensors.hpp>

#include <cmath>
#include <iostream>
#include <string>

namespace {

constexpr std::int64_t kImages = 64;
constexpr double kTolerance = 1e-5;

// Names of the direct children that hold weights, in forward order, comma-separated.
std::string weighted_layers(const xg::nn::Module& network) {
  std::string names;
  for (const auto& [name, child] : network.named_children())
    if (!child->parameters().empty()) names += (names.empty() ? "" : ",") + name;
  return names;
}

int export_model(const std::string& model, const std::string& dir) {
  auto tm = bench::make_tutorial_model(model);
  const auto test = xg::datasets::mnist({.limit = kImages}).second;
  const xg::Tensor x = bench::to_model_input(xg::slice(test.images, 0, 0, kImages), tm.input);
  const xg::Tensor predictions = tm.model->predict(x);  // also builds the lazy layers
  xg::io::save(tm.model->network(), dir + "/xgrad_model.safetensors", {{"layers", weighted_layers(tm.model->network())}});
  xg::io::save_safetensors({{"input", x}, {"predictions", predictions}}, dir + "/xgrad_io.safetensors");
  std::cout << "{\"model\": \"" << model << "\", \"exported\": \"" << dir << "\"}\n";
  return 0;
}

int import_model(const std::string& model, const std::string& dir) {
  auto tm = bench::make_tutorial_model(model);
  const xg::io::SafetensorsFile io = xg::io::load_safetensors(dir + "/torch_io.safetensors");
  const xg::Tensor x = io.tensors.at("input");
  tm.model->predict(x);  // builds the lazy layers before their weights are loaded
  xg::io::load(tm.model->network(), dir + "/torch_model.safetensors");
  const std::vector<float> ours = tm.model->predict(x).to_vector<float>();
  const std::vector<float> theirs = io.tensors.at("predictions").to_vector<float>();
  double diff = ours.size() == theirs.size() ? 0.0 : INFINITY;
  for (std::size_t i = 0; i < ours.size() && i < theirs.size(); ++i)
    diff = std::max(diff, std::abs(static_cast<double>(ours[i]) - theirs[i]));
  std::cout << "{\"model\": \"" << model << "\", \"max_abs_diff\": " << diff << "}\n";
  return diff <= kTolerance ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4 || (std::string(argv[1]) != "export" && std::string(argv[1]) != "import")) {
    std::cerr << "usage: model_exchange export|import MODEL DIR\n";
    return 2;
  }
  try {
    return std::string(argv[1]) == "export" ? export_model(argv[2], argv[3]) : import_model(argv[2], argv[3]);
  } catch (const std::exception& e) {
    std::cerr << "model_exchange: " << e.what() << "\n";
    return 1;
  }
}
