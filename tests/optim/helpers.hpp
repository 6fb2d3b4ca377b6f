#pragma once
// Shared by the optim tests: the reference parameters and gradient function of
// scripts/gen_optim_reference.py, optimizers built from a reference case's option map, and
// closeness checks.
#include <boost/test/unit_test.hpp>

#include <xgrad/xgrad.hpp>
#include <xgrad/optim/optim.hpp>

#include "reference_values.hpp"

#include <cmath>
#include <iomanip>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace optim_test {

/// Fresh leaf parameters holding kInitialParams (float64 unless told).
inline std::vector<xg::Tensor> make_params(xg::Dtype dtype = xg::kFloat64) {
  std::vector<xg::Tensor> params;
  for (std::size_t i = 0; i < optim_reference::kInitialParams.size(); ++i) {
    const auto& shape = optim_reference::kParamShapes[i];
    params.push_back(xg::from_vector(optim_reference::kInitialParams[i], xg::Shape(shape.begin(), shape.end()))
                         .to(dtype)
                         .requires_grad_());
  }
  return params;
}

/// Sets grad = 2 p + 0.1 * step * cos(p) on every parameter (step is 1-based), as the generator.
inline void set_reference_grads(const std::vector<xg::Tensor>& params, int step) {
  for (auto p : params) {
    auto values = p.to_vector<double>();
    for (auto& v : values) v = 2.0 * v + 0.1 * step * std::cos(v);
    p.set_grad(xg::from_vector(values, p.shape()).to(p.dtype()));
  }
}

/// |a - b| <= rel * max(|a|, |b|) + abs.
inline bool close(double a, double b, double rel = 1e-6, double abs = 1e-12) {
  return std::abs(a - b) <= rel * std::max(std::abs(a), std::abs(b)) + abs;
}

/// Checks every element of `actual` against `expected`, naming `what` and the index on failure.
inline void check_close(const std::vector<double>& actual, const std::vector<double>& expected,
                        const std::string& what, double rel = 1e-6) {
  BOOST_TEST_REQUIRE(actual.size() == expected.size(), what << ": size " << actual.size() << " vs " << expected.size());
  for (std::size_t i = 0; i < actual.size(); ++i)
    BOOST_TEST(close(actual[i], expected[i], rel),
               what << "[" << i << "]: got " << std::setprecision(17) << actual[i] << ", PyTorch " << expected[i]);
}

/// Reads a reference case's option map, remembering which keys were used.
class CaseOptions {
 public:
  explicit CaseOptions(const std::map<std::string, double>& options) : options_(options) {}
  double operator()(const std::string& key) {
    const auto it = options_.find(key);
    BOOST_TEST_REQUIRE((it != options_.end()), "reference case lacks option '" << key << "'");
    used_.insert(key);
    return it->second;
  }
  bool flag(const std::string& key) { return (*this)(key) != 0.0; }
  bool has(const std::string& key) const { return options_.count(key) != 0; }
  /// Every option of the case was consumed (a new generator option needs a test update).
  void require_all_used() const {
    for (const auto& [key, value] : options_) BOOST_TEST_REQUIRE(used_.count(key) == 1u, "unused option " << key);
  }

 private:
  std::map<std::string, double> options_;
  std::set<std::string> used_;
};

/// The optimizer of a reference case over `params` (second_group_lr: params[1] in a group of its own).
inline std::unique_ptr<xg::optim::Optimizer> build_optimizer(const optim_reference::OptimizerCase& c,
                                                             std::vector<xg::Tensor> params) {
  namespace opt = xg::optim;
  CaseOptions o(c.options);
  std::vector<xg::Tensor> second;
  if (o.has("second_group_lr")) {
    second.push_back(params.back());
    params.pop_back();
  }
  std::unique_ptr<opt::Optimizer> result;
  if (c.optimizer == "SGD") {
    result = std::make_unique<opt::SGD>(params, opt::SGDOptions{.lr = o("lr"), .momentum = o("momentum"),
                                                                .dampening = o("dampening"),
                                                                .weight_decay = o("weight_decay"),
                                                                .nesterov = o.flag("nesterov")});
  } else if (c.optimizer == "Adam") {
    result = std::make_unique<opt::Adam>(params, opt::AdamOptions{.lr = o("lr"), .betas = {o("beta1"), o("beta2")},
                                                                  .eps = o("eps"), .weight_decay = o("weight_decay"),
                                                                  .amsgrad = o.flag("amsgrad")});
  } else if (c.optimizer == "AdamW") {
    result = std::make_unique<opt::AdamW>(params, opt::AdamWOptions{.lr = o("lr"), .betas = {o("beta1"), o("beta2")},
                                                                    .eps = o("eps"), .weight_decay = o("weight_decay"),
                                                                    .amsgrad = o.flag("amsgrad")});
  } else if (c.optimizer == "RMSprop") {
    result = std::make_unique<opt::RMSprop>(params, opt::RMSpropOptions{.lr = o("lr"), .alpha = o("alpha"),
                                                                        .eps = o("eps"), .weight_decay = o("weight_decay"),
                                                                        .momentum = o("momentum"),
                                                                        .centered = o.flag("centered")});
  } else if (c.optimizer == "Adagrad") {
    result = std::make_unique<opt::Adagrad>(
        params, opt::AdagradOptions{.lr = o("lr"), .lr_decay = o("lr_decay"), .weight_decay = o("weight_decay"),
                                    .initial_accumulator_value = o("initial_accumulator_value"), .eps = o("eps")});
  } else if (c.optimizer == "Adadelta") {
    result = std::make_unique<opt::Adadelta>(params, opt::AdadeltaOptions{.lr = o("lr"), .rho = o("rho"),
                                                                          .eps = o("eps"),
                                                                          .weight_decay = o("weight_decay")});
  } else {
    BOOST_FAIL("no builder for reference optimizer " << c.optimizer);
  }
  if (!second.empty()) result->add_param_group(second, o("second_group_lr"));
  o.require_all_used();
  return result;
}

/// Names of the reference cases, for BOOST_DATA_TEST_CASE.
inline std::vector<std::string> optimizer_case_names() {
  std::vector<std::string> names;
  for (const auto& c : optim_reference::kOptimizerCases) names.push_back(c.name);
  return names;
}

inline const optim_reference::OptimizerCase& optimizer_case(const std::string& name) {
  for (const auto& c : optim_reference::kOptimizerCases)
    if (c.name == name) return c;
  throw std::runtime_error("no optimizer reference case " + name);
}

/// Runs `fn` and checks it throws E whose message contains every one of `parts`.
template <class E, class F> void check_throws(F&& fn, const std::vector<std::string>& parts) {
  try {
    fn();
  } catch (const E& e) {
    const std::string message = e.what();
    for (const auto& part : parts)
      BOOST_TEST((message.find(part) != std::string::npos), "message '" << message << "' lacks '" << part << "'");
    return;
  } catch (const std::exception& e) {
    BOOST_ERROR("wrong exception type: " << e.what());
    return;
  }
  BOOST_ERROR("no exception thrown; expected one mentioning '" << (parts.empty() ? "" : parts.front()) << "'");
}

}  // namespace optim_test
