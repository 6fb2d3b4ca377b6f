#pragma once
// Shared by the distributed test files: a small classification problem that every rank builds
// identically, a small MLP, weight comparison with a tolerance, and a folder all ranks share.
#include <boost/test/unit_test.hpp>

#include <xgrad/distributed/distributed.hpp>
#include <xgrad/xgrad.hpp>

#include <cmath>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

namespace distributed_test {

namespace dist = xg::distributed;
namespace nn = xg::nn;
using xg::Tensor;

/// n samples of 8 features and one-hot targets over 4 classes, the same on every rank.
struct Problem {
  Tensor x, y;
};

inline Problem problem(std::int64_t n, std::uint64_t seed = 7) {
  xg::manual_seed(seed);
  Problem p;
  p.x = xg::randn({n, 8});
  const Tensor labels = xg::argmax(xg::matmul(p.x, xg::randn({8, 4})), 1);
  p.y = xg::datasets::to_categorical(labels, 4);
  return p;
}

/// Dense(16, relu) -> Dense(4, softmax) on 8 features, initialized from `seed`.
inline std::shared_ptr<xg::Sequential> mlp(std::uint64_t seed) {
  xg::manual_seed(seed);
  return std::make_shared<xg::Sequential>(nn::Dense(16, {.in_features = 8, .activation = "relu"}),
                                          nn::Dense(4, {.in_features = 16, .activation = "softmax"}));
}

/// Largest |a - b| over all parameters of two modules of the same architecture.
inline double max_difference(const nn::Module& a, const nn::Module& b) {
  const auto pa = a.parameters(), pb = b.parameters();
  BOOST_REQUIRE_EQUAL(pa.size(), pb.size());
  double worst = 0;
  for (std::size_t i = 0; i < pa.size(); ++i) {
    const auto va = pa[i].to_vector<double>(), vb = pb[i].to_vector<double>();
    BOOST_REQUIRE_EQUAL(va.size(), vb.size());
    for (std::size_t k = 0; k < va.size(); ++k) worst = std::max(worst, std::abs(va[k] - vb[k]));
  }
  return worst;
}

/// True on every rank when `ok` holds on every rank.
inline bool all_ranks(bool ok) { return !dist::any(!ok); }

/// A folder every rank of the job sees under the same name (named after rank 0's pid), created
/// by rank 0 and removed by it at scope exit.
class SharedDir {
 public:
  explicit SharedDir(const std::string& tag) {
    long id = static_cast<long>(::getpid());
    dist::broadcast_value(id);
    path_ = std::filesystem::temp_directory_path() / ("xgrad_" + tag + "_" + std::to_string(id));
    if (dist::is_root()) {
      std::filesystem::remove_all(path_);
      std::filesystem::create_directories(path_);
    }
    dist::barrier();
  }
  ~SharedDir() {
    dist::barrier();
    std::error_code ignored;
    if (dist::is_root()) std::filesystem::remove_all(path_, ignored);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace distributed_test
