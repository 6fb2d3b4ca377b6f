#pragma once
// MNIST and Fashion-MNIST: 70,000 grey 28x28 images in 10 classes, split 60,000 train / 10,000 test.
//
//   auto [train, test] = xg::datasets::mnist();       // train.images [60000, 28, 28] float32 in [0, 1]
//   auto [ftrain, ftest] = xg::datasets::fashion_mnist({.limit = 1000});
//
// The four IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
// t10k-labels-idx1-ubyte, each raw or with .gz) are looked for in, first folder holding all four wins:
//   1. options.data_dir, if given (then nothing else is searched)
//   2. $XGRAD_DATA, then $XGRAD_DATA/mnist (Fashion-MNIST: $XGRAD_DATA/fashion-mnist)
//   3. ${XDG_CACHE_HOME:-~/.cache}/xgrad/mnist (Fashion-MNIST: .../xgrad/fashion-mnist)
//   4. Fashion-MNIST only: /usr/share/datasets/fashion-mnist (Debian package dataset-fashion-mnist)
// MNIST is installed by `bash scripts/fetch-mnist.sh`, Fashion-MNIST by
// `apt-get install dataset-fashion-mnist`. When no folder has the files, the DataError lists every
// folder searched, what was missing there, and the install command.
#include <xgrad/core/tensor.hpp>
#include <xgrad/datasets/error.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace xg::datasets {

/// One half of a dataset: images and their class labels, row i of each belonging together.
struct Split {
  /// float32 [N, 28, 28], pixel / 255 (0 = background, 1 = full ink).
  Tensor images;
  /// int64 [N], class indices in [0, 10).
  Tensor labels;
  /// N, the number of examples.
  std::int64_t size() const { return labels.defined() ? labels.size(0) : 0; }
};

struct MnistOptions {
  /// Folder holding the four IDX files; "" searches the standard locations (see above).
  std::string data_dir;
  /// Keep only the first `limit` training examples (-1: all; the test split is always complete).
  std::int64_t limit = -1;
};

/// The MNIST handwritten digits (LeCun, Cortes, Burges): {train, test}. Throws DataError.
std::pair<Split, Split> mnist(const MnistOptions& options = {});
/// Zalando's Fashion-MNIST (same format; classes T-shirt/top, Trouser, Pullover, Dress, Coat,
/// Sandal, Shirt, Sneaker, Bag, Ankle boot): {train, test}. Throws DataError.
std::pair<Split, Split> fashion_mnist(const MnistOptions& options = {});

/// The folders mnist() (fashion = false) or fashion_mnist() would search, in order, for the
/// current environment and options.data_dir.
std::vector<std::string> mnist_search_dirs(bool fashion, const MnistOptions& options = {});

/// Class names of Fashion-MNIST, index = label.
const std::vector<std::string>& fashion_mnist_classes();

}  // namespace xg::datasets
