// Gradient clipping: PyTorch's norms and clipped gradients, skipped parameters, value clipping and
// errors.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "helpers.hpp"

#include <limits>

namespace bdata = boost::unit_test::data;
namespace opt = xg::optim;
using namespace optim_test;

namespace {

/// Parameters whose gradients hold kClipGrads.
std::vector<xg::Tensor> params_with_grads(xg::Dtype dtype = xg::kFloat64) {
  auto params = make_params(dtype);
  for (std::size_t i = 0; i < params.size(); ++i)
    params[i].set_grad(xg::from_vector(optim_reference::kClipGrads[i], params[i].shape()).to(dtype));
  return params;
}

std::vector<std::string> clip_case_names() {
  std::vector<std::string> names;
  for (const auto& c : optim_reference::kClipCases) names.push_back(c.name);
  return names;
}

const optim_reference::ClipCase& clip_case(const std::string& name) {
  for (const auto& c : optim_reference::kClipCases)
    if (c.name == name) return c;
  throw std::runtime_error("no clip reference case " + name);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(clip)

BOOST_DATA_TEST_CASE(grad_norm_matches_pytorch, bdata::make(clip_case_names()), name) {
  const auto& c = clip_case(name);
  auto params = params_with_grads();
  const double total = opt::clip_grad_norm(params, c.max_norm, c.norm_type);
  BOOST_TEST(close(total, c.total_norm), name << ": norm " << total << ", PyTorch " << c.total_norm);
  for (std::size_t i = 0; i < params.size(); ++i)
    check_close(params[i].grad().to_vector<double>(), c.clipped[i], name + " grad " + std::to_string(i));
}

BOOST_AUTO_TEST_CASE(float32_gradients) {
  auto params = params_with_grads(xg::kFloat32);
  const double total = opt::clip_grad_norm(params, 1.0);
  BOOST_TEST(close(total, optim_reference::kClipCases.front().total_norm, 1e-6));
  BOOST_TEST(close(params[1].grad().to_vector<double>()[1], optim_reference::kClipCases.front().clipped[1][1], 1e-6));
}

BOOST_AUTO_TEST_CASE(parameters_without_grad_are_skipped) {
  auto params = params_with_grads();
  auto bare = xg::ones({3}, {.dtype = xg::kFloat64, .requires_grad = true});
  params.push_back(bare);
  const double total = opt::clip_grad_norm(params, 1.0);
  BOOST_TEST(close(total, optim_reference::kClipCases.front().total_norm));
  BOOST_TEST(!bare.grad().defined());
  BOOST_TEST(opt::clip_grad_norm({bare}, 1.0) == 0.0);
}

BOOST_AUTO_TEST_CASE(grad_value) {
  auto params = params_with_grads();
  opt::clip_grad_value(params, 0.5);
  const std::vector<double> expected0 = {0.3, -0.5, 0.25, 0.5, -0.5, 0.5};
  BOOST_TEST(params[0].grad().to_vector<double>() == expected0, boost::test_tools::per_element());
  const std::vector<double> expected1 = {0.5, -0.5};
  BOOST_TEST(params[1].grad().to_vector<double>() == expected1, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(non_finite_norms) {
  auto w = xg::zeros({3}, {.dtype = xg::kFloat64, .requires_grad = true});
  w.set_grad(xg::from_vector(std::vector<double>{1.0, std::nan(""), 2.0}, {3}));
  check_throws<xg::ValueError>([&] { opt::clip_grad_norm({w}, 1.0, 2.0, true); },
                               {"clip_grad_norm", "is nan", "non-finite"});
  const double total = opt::clip_grad_norm({w}, 1.0);  // as PyTorch: NaN spreads into the gradients
  BOOST_TEST(std::isnan(total));
  BOOST_TEST(std::isnan(w.grad().to_vector<double>()[0]));
  w.set_grad(xg::from_vector(std::vector<double>{1.0, std::nan(""), 2.0}, {3}));
  BOOST_TEST(std::isnan(opt::clip_grad_norm({w}, 1.0, std::numeric_limits<double>::infinity())));
}

BOOST_AUTO_TEST_CASE(rejects_invalid_arguments) {
  auto params = params_with_grads();
  check_throws<xg::ValueError>([&] { opt::clip_grad_norm(params, -1.0); },
                               {"clip_grad_norm: invalid max_norm = -1 (expected >= 0)"});
  check_throws<xg::ValueError>([&] { opt::clip_grad_norm(params, 1.0, 0.0); }, {"invalid norm_type = 0"});
  check_throws<xg::ValueError>([&] { opt::clip_grad_value(params, -0.1); },
                               {"clip_grad_value: invalid clip_value = -0.1"});
}

BOOST_AUTO_TEST_SUITE_END()
