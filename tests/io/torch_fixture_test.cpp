// Interoperability with PyTorch: tests/io/data/torch_state_dict.safetensors was written by
// `scripts/safetensors_roundtrip.py write-torch` from a torch state_dict (Linear(3, 2) +
// BatchNorm1d(2) with set values and extra F64/I32/U8/empty buffers), in the reference writer's
// tensor order (dtype alignment first, so not sorted by name). Python is not needed to run this.
#include <xgrad/io/safetensors.hpp>

#include "io_test_util.hpp"

#include <filesystem>
#include <vector>

namespace xg::io {
namespace {

const std::string kFixture = (std::filesystem::path(__FILE__).parent_path() / "data" / "torch_state_dict.safetensors").string();

BOOST_AUTO_TEST_SUITE(safetensors_torch_fixture)

BOOST_AUTO_TEST_CASE(a_torch_state_dict_loads_with_its_values_and_dtypes) {
  const SafetensorsFile file = load_safetensors(kFixture);
  BOOST_CHECK(file.metadata == (Metadata{{"framework", "pt"}}));
  BOOST_REQUIRE_EQUAL(file.tensors.size(), 11u);
  auto floats = [&](const std::string& name) {
    BOOST_CHECK_EQUAL(file.tensors.at(name).dtype(), kFloat32);
    return file.tensors.at(name).to_vector<float>();
  };
  BOOST_CHECK(floats("0.weight") == (std::vector<float>{-0.25f, -0.125f, 0, 0.125f, 0.25f, 0.375f}));
  BOOST_CHECK_EQUAL(shape_str(file.tensors.at("0.weight").shape()), "[2, 3]");
  BOOST_CHECK(floats("0.bias") == (std::vector<float>{0.5f, -1.5f}));
  BOOST_CHECK(floats("1.weight") == (std::vector<float>{2, 3}));
  BOOST_CHECK(floats("1.bias") == (std::vector<float>{-0.125f, 0.25f}));
  BOOST_CHECK(floats("1.running_mean") == (std::vector<float>{0.75f, -0.5f}));
  BOOST_CHECK(floats("1.running_var") == (std::vector<float>{1.5f, 2.5f}));

  const Tensor batches = file.tensors.at("1.num_batches_tracked");
  BOOST_CHECK_EQUAL(batches.dtype(), kInt64);
  BOOST_CHECK_EQUAL(batches.dim(), 0);
  BOOST_CHECK_EQUAL(batches.item<std::int64_t>(), 7);

  const Tensor scale = file.tensors.at("scale");
  BOOST_CHECK_EQUAL(scale.dtype(), kFloat64);
  BOOST_CHECK_EQUAL(scale.dim(), 0);
  BOOST_CHECK_EQUAL(scale.item(), 0.1);  // bit-exact float64

  BOOST_CHECK(file.tensors.at("counts").to_vector<std::int64_t>() == (std::vector<std::int64_t>{1, -2, 3}));  // I32
  BOOST_CHECK(file.tensors.at("mask").to_vector<std::int64_t>() == (std::vector<std::int64_t>{1, 0, 255}));  // U8
  BOOST_CHECK_EQUAL(shape_str(file.tensors.at("empty").shape()), "[0, 4]");
}

BOOST_AUTO_TEST_CASE(resaving_the_torch_tensors_keeps_their_values) {
  test::TempDir dir;
  const SafetensorsFile original = load_safetensors(kFixture);
  const std::string path = dir.file("resaved.safetensors");
  save_safetensors(original.tensors, path, original.metadata);
  const SafetensorsFile again = load_safetensors(path);
  BOOST_CHECK(again.metadata == original.metadata);
  for (const auto& [name, t] : original.tensors) {
    const Tensor& u = again.tensors.at(name);
    BOOST_CHECK_EQUAL(u.dtype(), t.dtype());
    BOOST_CHECK(u.shape() == t.shape());
    BOOST_CHECK(u.to_vector<double>() == t.to_vector<double>());
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace xg::io
