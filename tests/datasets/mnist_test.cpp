// MNIST / Fashion-MNIST loading: the search order and its "not found" message on synthetic
// folders (environment variables set per test), validation of mismatched files, and the real
// datasets when they are installed (checked against their well-known label counts).
#include "helpers.hpp"

#include <boost/test/unit_test.hpp>

#include <xgrad/datasets/mnist.hpp>
#include <xgrad/xgrad.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace ds = xg::datasets;
using xg_test::Bytes;
using xg_test::contains;

namespace {

const std::vector<std::string> kNames{"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                                      "t10k-labels-idx1-ubyte"};

// A tiny MNIST-format dataset in `dir`: n_train / n_test images of 28x28 whose pixels are all equal to
// the image index, labels i % 10. `gzip` writes the .gz names.
void write_tiny_mnist(const std::string& dir, std::uint32_t n_train, std::uint32_t n_test, bool gzip = false) {
  auto put = [&](const std::string& name, const Bytes& bytes) {
    xg_test::write_file(dir + "/" + name + (gzip ? ".gz" : ""), gzip ? xg_test::gzip_stored(bytes) : bytes);
  };
  for (auto [prefix, n] : {std::pair{std::string("train"), n_train}, std::pair{std::string("t10k"), n_test}}) {
    Bytes pixels, labels;
    for (std::uint32_t i = 0; i < n; ++i) {
      pixels.insert(pixels.end(), 28 * 28, static_cast<std::uint8_t>(i));
      labels.push_back(static_cast<std::uint8_t>(i % 10));
    }
    put(prefix + "-images-idx3-ubyte", xg_test::idx_u8({n, 28, 28}, pixels));
    put(prefix + "-labels-idx1-ubyte", xg_test::idx_u8({n}, labels));
  }
}

std::string load_error(const ds::MnistOptions& options, bool fashion = false) {
  try {
    fashion ? ds::fashion_mnist(options) : ds::mnist(options);
  } catch (const xg::Error& e) {
    return e.what();
  }
  return "";
}

bool has_all_files(const std::string& dir) {
  for (const auto& name : kNames)
    if (!std::filesystem::exists(dir + "/" + name) && !std::filesystem::exists(dir + "/" + name + ".gz")) return false;
  return true;
}

// Label histogram of an int64 [N] tensor.
std::vector<std::int64_t> histogram(const xg::Tensor& labels) {
  std::vector<std::int64_t> counts(10, 0);
  for (auto v : labels.to_vector<std::int64_t>()) counts.at(static_cast<std::size_t>(v)) += 1;
  return counts;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(mnist_loading)

BOOST_AUTO_TEST_CASE(explicit_folder_and_limit) {
  xg_test::TempDir dir;
  write_tiny_mnist(dir.path(), 12, 5);
  auto [train, test] = ds::mnist({.data_dir = dir.path()});
  BOOST_TEST(train.size() == 12);
  BOOST_TEST(test.size() == 5);
  BOOST_TEST(train.images.shape() == (xg::Shape{12, 28, 28}));
  BOOST_TEST(train.images.dtype() == xg::kFloat32);
  BOOST_TEST(train.labels.dtype() == xg::kInt64);
  BOOST_TEST(train.images[11].max().item() == 11.0 / 255.0, boost::test_tools::tolerance(1e-7));
  BOOST_TEST(train.labels.to_vector<std::int64_t>()[11] == 1);

  auto [limited, full_test] = ds::mnist({.data_dir = dir.path(), .limit = 3});
  BOOST_TEST(limited.images.shape() == (xg::Shape{3, 28, 28}));
  BOOST_TEST(limited.labels.to_vector<std::int64_t>() == (std::vector<std::int64_t>{0, 1, 2}),
             boost::test_tools::per_element());
  BOOST_TEST(full_test.size() == 5);
  BOOST_CHECK_EXCEPTION(ds::mnist({.data_dir = dir.path(), .limit = 0}), xg::ValueError,
                        [](const xg::ValueError& e) { return contains(e.what(), "limit must be -1 (all) or > 0, got 0"); });
}

BOOST_AUTO_TEST_CASE(gz_names_are_accepted) {
  xg_test::TempDir dir;
  write_tiny_mnist(dir.path(), 4, 2, /*gzip=*/true);
  auto [train, test] = ds::fashion_mnist({.data_dir = dir.path()});
  BOOST_TEST(train.size() == 4);
  BOOST_TEST(test.labels.to_vector<std::int64_t>() == (std::vector<std::int64_t>{0, 1}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(search_order_follows_the_environment) {
  xg_test::TempDir root, cache;
  xg_test::ScopedEnv data("XGRAD_DATA", root.path());
  xg_test::ScopedEnv xdg("XDG_CACHE_HOME", cache.path());
  BOOST_TEST(ds::mnist_search_dirs(false) ==
                 (std::vector<std::string>{root.path(), root.path() + "/mnist", cache.path() + "/xgrad/mnist"}),
             boost::test_tools::per_element());
  BOOST_TEST(ds::mnist_search_dirs(true) ==
                 (std::vector<std::string>{root.path(), root.path() + "/fashion-mnist",
                                           cache.path() + "/xgrad/fashion-mnist", "/usr/share/datasets/fashion-mnist"}),
             boost::test_tools::per_element());
  BOOST_TEST(ds::mnist_search_dirs(false, {.data_dir = "/some/where"}) == (std::vector<std::string>{"/some/where"}),
             boost::test_tools::per_element());

  // The cache folder is used when $XGRAD_DATA holds nothing; $XGRAD_DATA/mnist wins over the cache.
  write_tiny_mnist(cache.path() + "/xgrad/mnist", 7, 2);
  BOOST_TEST(ds::mnist().first.size() == 7);
  write_tiny_mnist(root.path() + "/mnist", 8, 2);
  BOOST_TEST(ds::mnist().first.size() == 8);
  write_tiny_mnist(root.path(), 9, 2);
  BOOST_TEST(ds::mnist().first.size() == 9);

  // Without XDG_CACHE_HOME the cache is ~/.cache.
  xg_test::ScopedEnv no_xdg("XDG_CACHE_HOME", std::nullopt);
  xg_test::ScopedEnv home("HOME", "/home/someone");
  BOOST_TEST(ds::mnist_search_dirs(false).back() == "/home/someone/.cache/xgrad/mnist");
}

BOOST_AUTO_TEST_CASE(not_found_lists_every_folder_and_the_install_command) {
  xg_test::TempDir root, cache;
  xg_test::ScopedEnv data("XGRAD_DATA", root.path());
  xg_test::ScopedEnv xdg("XDG_CACHE_HOME", cache.path());
  // $XGRAD_DATA/mnist exists but lacks the test labels.
  write_tiny_mnist(root.path() + "/mnist", 3, 2);
  std::filesystem::remove(root.path() + "/mnist/t10k-labels-idx1-ubyte");
  const std::string message = load_error({});
  BOOST_TEST(message == "MNIST not found. Searched:\n  " + root.path() + " (missing train-images-idx3-ubyte[.gz], "
                        "train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz])\n  " +
                        root.path() + "/mnist (missing t10k-labels-idx1-ubyte[.gz])\n  " + cache.path() +
                        "/xgrad/mnist (no such folder)\nInstall it with: bash scripts/fetch-mnist.sh (or pass "
                        "MnistOptions{.data_dir = ...}, or set XGRAD_DATA)");
  BOOST_TEST(contains(load_error({.data_dir = "/no/such/dir"}, true),
                      "Fashion-MNIST not found. Searched:\n  /no/such/dir (no such folder)\nInstall it with: apt-get "
                      "install dataset-fashion-mnist"));
}

BOOST_AUTO_TEST_CASE(files_that_do_not_belong_together) {
  xg_test::TempDir dir;
  write_tiny_mnist(dir.path(), 5, 2);
  const std::string labels = dir.file("train-labels-idx1-ubyte");
  xg_test::write_file(labels, xg_test::idx_u8({4}, {0, 1, 2, 3}));
  BOOST_TEST(contains(load_error({.data_dir = dir.path()}),
                      labels + ": holds 4 labels but " + dir.file("train-images-idx3-ubyte") + " holds 5 images"));
  xg_test::write_file(labels, xg_test::idx_u8({5}, {0, 1, 12, 3, 4}));
  BOOST_TEST(contains(load_error({.data_dir = dir.path()}),
                      labels + ": label 12 at index 2 (byte 10) is out of range [0, 10)"));
  xg_test::write_file(labels, xg_test::idx_u8({5, 1}, {0, 1, 2, 3, 4}));
  BOOST_TEST(contains(load_error({.data_dir = dir.path()}), "expected uint8 labels of shape [N], found uint8 [5, 1]"));
  // A damaged file: the reader's message plus the install command.
  xg_test::write_file(labels, xg_test::idx_u8({5}, {0, 1}));
  const std::string damaged = load_error({.data_dir = dir.path()});
  BOOST_TEST(contains(damaged, labels + ": truncated at byte 10"));
  BOOST_TEST(contains(damaged, "MNIST files are installed by: bash scripts/fetch-mnist.sh"));
}

BOOST_AUTO_TEST_CASE(real_mnist) {
  std::string folder;
  for (const auto& dir : ds::mnist_search_dirs(false))
    if (has_all_files(dir)) {
      folder = dir;
      break;
    }
  if (folder.empty()) {
    BOOST_TEST_MESSAGE("MNIST is not installed (bash scripts/fetch-mnist.sh); skipping the real-data checks");
    return;
  }
  auto [train, test] = ds::mnist();
  BOOST_TEST(train.images.shape() == (xg::Shape{60000, 28, 28}));
  BOOST_TEST(train.labels.shape() == (xg::Shape{60000}));
  BOOST_TEST(test.images.shape() == (xg::Shape{10000, 28, 28}));
  BOOST_TEST(test.labels.shape() == (xg::Shape{10000}));
  // The published class counts of the MNIST training and test sets.
  BOOST_TEST(histogram(train.labels) ==
                 (std::vector<std::int64_t>{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}),
             boost::test_tools::per_element());
  BOOST_TEST(histogram(test.labels) == (std::vector<std::int64_t>{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}),
             boost::test_tools::per_element());
  BOOST_TEST(train.labels.to_vector<std::int64_t>()[0] == 5);
  BOOST_TEST(test.labels.to_vector<std::int64_t>()[0] == 7);
  BOOST_TEST(train.images.min().item() == 0.0);
  BOOST_TEST(train.images.max().item() == 1.0);
  // The first training image (a 5): its 784 bytes sum to 27,525; the centre pixel is 240.
  BOOST_TEST(train.images[0].sum().item() == 27525.0 / 255.0, boost::test_tools::tolerance(1e-5));
  BOOST_TEST(train.images[0][14][14].item() == 240.0 / 255.0, boost::test_tools::tolerance(1e-7));
}

BOOST_AUTO_TEST_CASE(real_fashion_mnist) {
  const std::string folder = "/usr/share/datasets/fashion-mnist";
  if (!has_all_files(folder)) {
    BOOST_TEST_MESSAGE("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist); skipping");
    return;
  }
  // The Debian package ships gzip files: this is the reader's path through real deflate data.
  auto [train, test] = ds::fashion_mnist({.data_dir = folder, .limit = 20000});
  BOOST_TEST(train.images.shape() == (xg::Shape{20000, 28, 28}));
  BOOST_TEST(test.images.shape() == (xg::Shape{10000, 28, 28}));
  BOOST_TEST(histogram(test.labels) == std::vector<std::int64_t>(10, 1000), boost::test_tools::per_element());
  BOOST_TEST(train.labels.to_vector<std::int64_t>()[0] == 9);
  BOOST_TEST(ds::fashion_mnist_classes()[9] == "Ankle boot");
  BOOST_TEST(train.images[0].sum().item() == 76247.0 / 255.0, boost::test_tools::tolerance(1e-5));
  BOOST_TEST(test.images.max().item() == 1.0);
}

BOOST_AUTO_TEST_SUITE_END()
