#pragma once
// The six MNIST tutorial models of examples/, by bench name, with the optimizer, loss and batch
// size each tutorial uses. bench/torch_bench.py mirrors every entry layer for layer.
//
//   name          layers                                                        optimizer      batch
//   mlp256        Dense 256 relu -> Dense 10 softmax (normal init)               adam           800
//   mlp_dropout   Dense 200 tanh, Dropout .4, Dense 100 tanh, Dropout .4, 10     SGD 0.2        32
//   mlp512        Dense 512 relu -> Dense 10 softmax                             rmsprop        128
//   mlp_sparse    Flatten, Dense 128 relu, Dense 128 relu, Dense 10 (sparse CE)  adam           32
//   cnn_small     Conv 32 5x5 relu, MaxPool 2, Dropout .3, Flatten, 128, 10      adam           200
//   cnn           Conv 32 5x5 same, Pool, Conv 64 5x5 same, Pool, 1024, Drop, 10  Adam 1e-4      64
#include <xgrad/xgrad.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace bench {

/// How the images enter a model.
enum class InputLayout { flat, image2d, nchw };

struct TutorialModel {
  std::shared_ptr<xg::Sequential> model;  ///< compiled, built
  std::int64_t batch_size = 32;
  InputLayout input = InputLayout::flat;
  bool sparse_labels = false;  ///< labels as class indices (else one-hot)
};

/// Builds and compiles the named model (throws xg::Error listing the names on an unknown one).
TutorialModel make_tutorial_model(const std::string& name);

/// The bench names, in the order of the table.
const std::vector<std::string>& tutorial_model_names();

/// images [N, 28, 28] in the layout the model takes.
xg::Tensor to_model_input(const xg::Tensor& images, InputLayout layout);

}  // namespace bench
