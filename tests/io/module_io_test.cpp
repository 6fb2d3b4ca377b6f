// io::save / io::load of an nn::Module: the file holds state_dict() under dotted names, loading
// copies in place with dtype conversion, and strict / shape errors name the file.
#include <xgrad/autograd/grad_mode.hpp>
#include <xgrad/core/creation.hpp>
#include <xgrad/io/module_io.hpp>
#include <xgrad/nn/linear.hpp>
#include <xgrad/nn/module.hpp>

#include "io_test_util.hpp"

#include <memory>

namespace xg::io {
namespace {

/// A Linear child, a trainable parameter of a chosen dtype, an int64 buffer, and optionally one
/// more parameter.
struct Net : nn::Module {
  explicit Net(std::int64_t in_features = 3, Dtype scale_dtype = kFloat32, bool with_extra = false) : Module("Net") {
    fc = register_module("fc", std::make_shared<nn::Linear>(in_features, 2));
    scale = register_parameter("scale", ones({1}, {.dtype = scale_dtype}));
    steps = register_buffer("steps", scalar_tensor(0, {.dtype = kInt64}));
    if (with_extra) extra = register_parameter("extra", zeros({2}));
  }
  std::shared_ptr<nn::Linear> fc;
  Tensor scale, steps, extra;
};

BOOST_AUTO_TEST_SUITE(module_io)

BOOST_AUTO_TEST_CASE(save_then_load_restores_every_parameter_and_buffer_in_place) {
  test::TempDir dir;
  const std::string path = dir.file("net.safetensors");
  Net a;
  {
    autograd::NoGradGuard no_grad;  // parameters are leaves that require grad
    a.scale.fill_(2.5);
    a.steps.fill_(42);
    a.fc->weight.copy_(arange(0, 6).reshape({2, 3}));
  }
  save(a, path, {{"epoch", "3"}});

  const SafetensorsFile file = load_safetensors(path);
  BOOST_CHECK_EQUAL(file.metadata.at("epoch"), "3");
  std::vector<std::string> names;
  for (const auto& [name, t] : file.tensors) names.push_back(name);
  BOOST_CHECK(names == (std::vector<std::string>{"fc.bias", "fc.weight", "scale", "steps"}));

  Net b;
  const Tensor weight_handle = b.fc->weight;
  load(b, path);
  BOOST_CHECK(b.fc->weight.is_same(weight_handle));  // in place: optimizers keep their handles
  BOOST_CHECK(b.fc->weight.requires_grad());
  for (const auto& [name, t] : a.state_dict())
    BOOST_CHECK_MESSAGE(b.state_dict().at(name).to_vector<double>() == t.to_vector<double>(), name + " differs");
  BOOST_CHECK_EQUAL(b.steps.item<std::int64_t>(), 42);
}

BOOST_AUTO_TEST_CASE(values_are_converted_to_the_parameter_dtype) {
  test::TempDir dir;
  const std::string path = dir.file("f32.safetensors");
  Net a;
  {
    autograd::NoGradGuard no_grad;
    a.scale.fill_(0.375);
  }
  save(a, path);
  Net b(3, kFloat64);
  load(b, path);
  BOOST_CHECK_EQUAL(b.scale.dtype(), kFloat64);
  BOOST_CHECK_EQUAL(b.scale.item(), 0.375);
}

BOOST_AUTO_TEST_CASE(strict_loading_names_missing_keys_and_the_file) {
  test::TempDir dir;
  const std::string path = dir.file("small.safetensors");
  save(Net(), path);
  Net bigger(3, kFloat32, true);
  const auto e = test::expect_error<ValueError>([&] { load(bigger, path); });
  test::check_contains(e.what(), {path, "missing keys", "extra"});
  load(bigger, path, /*strict=*/false);  // the missing parameter is left alone
  BOOST_CHECK(bigger.extra.to_vector<float>() == (std::vector<float>{0, 0}));
}

BOOST_AUTO_TEST_CASE(shape_mismatches_are_errors_even_when_not_strict) {
  test::TempDir dir;
  const std::string path = dir.file("three.safetensors");
  save(Net(3), path);
  Net four(4);
  const auto e = test::expect_error<ValueError>([&] { load(four, path, /*strict=*/false); });
  test::check_contains(e.what(), {path, "shape mismatches", "fc.weight: expected [2, 4], got [2, 3]"});
}

BOOST_AUTO_TEST_CASE(a_corrupt_file_is_a_format_error_and_leaves_the_module_unchanged) {
  test::TempDir dir;
  const std::string path = dir.file("corrupt.safetensors");
  test::write_bytes(path, test::le64(3) + "{}");
  Net net;
  {
    autograd::NoGradGuard no_grad;
    net.scale.fill_(9);
  }
  BOOST_CHECK_THROW(load(net, path), FormatError);
  BOOST_CHECK_EQUAL(net.scale.item(), 9.0);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace xg::io
