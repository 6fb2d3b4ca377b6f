// Every optimizer against PyTorch 1.13: five steps of the generator's gradient function from the
// same float64 parameters must land on the values in reference_values.hpp (1e-6 relative).
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "helpers.hpp"

namespace bdata = boost::unit_test::data;
using namespace optim_test;

BOOST_AUTO_TEST_SUITE(optimizer_reference)

BOOST_DATA_TEST_CASE(matches_pytorch_float64, bdata::make(optimizer_case_names()), name) {
  const auto& c = optimizer_case(name);
  auto params = make_params();
  auto optimizer = build_optimizer(c, params);
  for (int step = 1; step <= optim_reference::kSteps; ++step) {
    set_reference_grads(params, step);
    optimizer->step();
    for (std::size_t i = 0; i < params.size(); ++i)
      check_close(params[i].to_vector<double>(), c.trajectory[step - 1][i],
                  name + " step " + std::to_string(step) + " param " + std::to_string(i));
  }
}

BOOST_DATA_TEST_CASE(float32_follows_the_float64_reference, bdata::make(optimizer_case_names()), name) {
  const auto& c = optimizer_case(name);
  auto params = make_params(xg::kFloat32);
  auto optimizer = build_optimizer(c, params);
  for (int step = 1; step <= optim_reference::kSteps; ++step) {
    set_reference_grads(params, step);
    optimizer->step();
  }
  for (std::size_t i = 0; i < params.size(); ++i) {
    BOOST_TEST((params[i].dtype() == xg::kFloat32));
    const auto actual = params[i].to_vector<double>();
    const auto& expected = c.trajectory.back()[i];
    for (std::size_t j = 0; j < actual.size(); ++j)
      BOOST_TEST(close(actual[j], expected[j], 1e-4, 1e-5), name << " param " << i << "[" << j << "]: float32 "
                                                                 << actual[j] << " vs " << expected[j]);
  }
}

BOOST_AUTO_TEST_CASE(reference_covers_every_optimizer) {
  std::set<std::string> kinds;
  for (const auto& c : optim_reference::kOptimizerCases) kinds.insert(c.optimizer);
  BOOST_TEST(kinds == (std::set<std::string>{"SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta"}),
             boost::test_tools::per_element());
  BOOST_TEST(optim_reference::kOptimizerCases.size() >= 15u);
}

BOOST_AUTO_TEST_SUITE_END()
