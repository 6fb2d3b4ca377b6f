// MNIST / Fashion-MNIST loading: a DataSource describes where one dataset lives and how it is
// installed; find_folder walks the search path and keeps, per folder, what was missing (for the
// error message); load_split reads one images/labels pair through read_idx and validates that
// the two files belong together (uint8, [N, H, W] and [N], labels < 10).
#include <xgrad/datasets/mnist.hpp>

#include <xgrad/datasets/idx.hpp>

#include <cstdlib>
#include <filesystem>
#include <optional>

namespace xg::datasets {
namespace {

namespace fs = std::filesystem;

struct DataSource {
  const char* name;        // for messages
  const char* folder;      // subfolder under $XGRAD_DATA and the cache
  const char* system_dir;  // installed by a system package, or nullptr
  const char* install;     // the command that installs the files
};

const DataSource kMnist{"MNIST", "mnist", nullptr, "bash scripts/fetch-mnist.sh"};
const DataSource kFashion{"Fashion-MNIST", "fashion-mnist", "/usr/share/datasets/fashion-mnist",
                          "apt-get install dataset-fashion-mnist"};

constexpr const char* kFiles[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                                   "t10k-labels-idx1-ubyte"};
constexpr std::int64_t kClasses = 10;

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

std::vector<std::string> search_dirs(const DataSource& source, const MnistOptions& options) {
  if (!options.data_dir.empty()) return {options.data_dir};
  std::vector<std::string> dirs;
  if (const std::string root = env("XGRAD_DATA"); !root.empty()) {
    dirs.push_back(root);
    dirs.push_back((fs::path(root) / source.folder).string());
  }
  std::string cache = env("XDG_CACHE_HOME");
  if (cache.empty() && !env("HOME").empty()) cache = (fs::path(env("HOME")) / ".cache").string();
  if (!cache.empty()) dirs.push_back((fs::path(cache) / "xgrad" / source.folder).string());
  if (source.system_dir) dirs.push_back(source.system_dir);
  return dirs;
}

// The file `name` in `dir`, raw or gzipped (raw preferred), or nothing.
std::optional<std::string> find_file(const fs::path& dir, const std::string& name) {
  std::error_code ec;
  for (const std::string& candidate : {name, name + ".gz"})
    if (fs::is_regular_file(dir / candidate, ec)) return (dir / candidate).string();
  return std::nullopt;
}

// The four file paths from the first folder that holds all of them; otherwise a DataError that
// lists each folder with what it lacked.
std::vector<std::string> find_files(const DataSource& source, const MnistOptions& options) {
  std::string report;
  for (const auto& dir : search_dirs(source, options)) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      report += "\n  " + dir + " (no such folder)";
      continue;
    }
    std::vector<std::string> paths, missing;
    for (const char* name : kFiles) {
      if (auto path = find_file(dir, name)) paths.push_back(*path);
      else missing.push_back(name);
    }
    if (missing.empty()) return paths;
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m + "[.gz]";
    report += "\n  " + dir + " (missing " + list + ")";
  }
  throw DataError(std::string(source.name) + " not found. Searched:" + report + "\nInstall it with: " +
                  source.install + " (or pass MnistOptions{.data_dir = ...}, or set XGRAD_DATA)");
}

// read_idx, with the install command added to any error (a damaged file is fixed by reinstalling).
IdxArray read_checked(const DataSource& source, const std::string& path) {
  try {
    return read_idx(path);
  } catch (const DataError& e) {
    throw DataError(std::string(e.what()) + "\n" + source.name + " files are installed by: " + source.install);
  }
}

[[noreturn]] void fail(const DataSource& source, const std::string& what) {
  throw DataError(what + "\n" + source.name + " files are installed by: " + source.install);
}

Split load_split(const DataSource& source, const std::string& images_path, const std::string& labels_path,
                 std::int64_t limit) {
  const IdxArray images = read_checked(source, images_path);
  const IdxArray labels = read_checked(source, labels_path);
  if (images.type != IdxType::UInt8 || images.shape.size() != 3)
    fail(source, images_path + ": expected uint8 images of shape [N, H, W], found " +
                     std::string(idx_type_name(images.type)) + " " + shape_str(images.shape));
  if (labels.type != IdxType::UInt8 || labels.shape.size() != 1)
    fail(source, labels_path + ": expected uint8 labels of shape [N], found " + std::string(idx_type_name(labels.type)) +
                     " " + shape_str(labels.shape));
  if (labels.shape[0] != images.shape[0])
    fail(source, labels_path + ": holds " + group_digits(labels.shape[0]) + " labels but " + images_path + " holds " +
                     group_digits(images.shape[0]) + " images");
  for (std::size_t i = 0; i < labels.bytes.size(); ++i)
    if (labels.bytes[i] >= kClasses)
      fail(source, labels_path + ": label " + std::to_string(labels.bytes[i]) + " at index " + std::to_string(i) +
                       " (byte " + group_digits(8 + static_cast<std::int64_t>(i)) + ") is out of range [0, " +
                       std::to_string(kClasses) + ")");
  return Split{images.to_tensor({.dtype = Dtype::Float32, .scale = 1.0 / 255.0, .rows = limit}),
               labels.to_tensor({.dtype = Dtype::Int64, .rows = limit})};
}

std::pair<Split, Split> load(const DataSource& source, const MnistOptions& options) {
  if (options.limit == 0 || options.limit < -1)
    throw ValueError(std::string(source.name) + ": limit must be -1 (all) or > 0, got " + std::to_string(options.limit));
  const auto paths = find_files(source, options);
  Split train = load_split(source, paths[0], paths[1], options.limit);
  Split test = load_split(source, paths[2], paths[3], -1);
  return {std::move(train), std::move(test)};
}

}  // namespace

std::pair<Split, Split> mnist(const MnistOptions& options) { return load(kMnist, options); }
std::pair<Split, Split> fashion_mnist(const MnistOptions& options) { return load(kFashion, options); }

std::vector<std::string> mnist_search_dirs(bool fashion, const MnistOptions& options) {
  return search_dirs(fashion ? kFashion : kMnist, options);
}

const std::vector<std::string>& fashion_mnist_classes() {
  static const std::vector<std::string> names{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                              "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return names;
}

}  // namespace xg::datasets
