// Custom differentiable operations with autograd::Function<T>: forward/backward values, finite-
// difference checks of first and second derivatives, saving the output without a reference cycle,
// and the errors for a backward that returns the wrong number or shape of gradients.
#include <boost/test/unit_test.hpp>

#include <xgrad/xgrad.hpp>

#include "autograd/helpers.hpp"

#include <cmath>
#include <memory>
#include <string>
#include <vector>

namespace ag = xg::autograd;
namespace tt = boost::test_tools;
using xg::Tensor;
using Values = std::vector<double>;

using autograd_test::f64;
using autograd_test::values;

namespace {

/// x^3, backward 3 x^2 g written with differentiable ops (so second derivatives work).
struct Cube : ag::Function<Cube> {
  static constexpr const char* name = "Cube";
  static Tensor forward(ag::Context& ctx, const Tensor& x) {
    ctx.save_for_backward({x});
    return x * x * x;
  }
  static std::vector<Tensor> backward(ag::Context& ctx, const Tensor& g) {
    const Tensor x = ctx.saved(0);
    return {g * 3.0 * x * x};
  }
};

/// a * exp(alpha * b) with a real parameter alpha kept in ctx.reals.
/// d/da = exp(alpha b), d/db = alpha a exp(alpha b).
struct ScaledExpProduct : ag::Function<ScaledExpProduct> {
  static constexpr const char* name = "ScaledExpProduct";
  static Tensor forward(ag::Context& ctx, const Tensor& a, const Tensor& b, double alpha) {
    ctx.save_for_backward({a, b});
    ctx.reals = {alpha};
    return a * xg::exp(b * alpha);
  }
  static std::vector<Tensor> backward(ag::Context& ctx, const Tensor& g) {
    const Tensor a = ctx.saved(0);
    const Tensor b = ctx.saved(1);
    const double alpha = ctx.reals[0];
    const Tensor e = xg::exp(b * alpha);
    return {ctx.needs_input_grad(0) ? g * e : Tensor(), ctx.needs_input_grad(1) ? g * a * alpha * e : Tensor()};
  }
};

/// e^x, saving its own output for backward (d/dx = e^x = the output).
struct SelfSavingExp : ag::Function<SelfSavingExp> {
  static constexpr const char* name = "SelfSavingExp";
  static Tensor forward(ag::Context& ctx, const Tensor& x) {
    Tensor out = xg::exp(x);
    ctx.save_for_backward({out});
    return out;
  }
  static std::vector<Tensor> backward(ag::Context& ctx, const Tensor& g) { return {g * ctx.saved(0)}; }
};

/// Returns its input unchanged; the result must still be a new node's output.
struct Identity : ag::Function<Identity> {
  static Tensor forward(ag::Context&, const Tensor& x) { return x; }
  static std::vector<Tensor> backward(ag::Context&, const Tensor& g) { return {g}; }
};

/// Backward returns two gradients for one input.
struct TooManyGradients : ag::Function<TooManyGradients> {
  static constexpr const char* name = "TooManyGradients";
  static Tensor forward(ag::Context&, const Tensor& x) { return x * 2.0; }
  static std::vector<Tensor> backward(ag::Context&, const Tensor& g) { return {g * 2.0, g}; }
};

/// Backward returns a [3] gradient whatever the input's shape.
struct WrongShape : ag::Function<WrongShape> {
  static constexpr const char* name = "WrongShape";
  static Tensor forward(ag::Context&, const Tensor& x) { return x * 2.0; }
  static std::vector<Tensor> backward(ag::Context&, const Tensor&) { return {f64({1.0, 2.0, 3.0}, false)}; }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(function)

BOOST_AUTO_TEST_CASE(cube_forward_and_backward) {
  Tensor x = f64({1.0, 2.0, -0.5});
  Tensor y = Cube::apply(x);
  BOOST_TEST(values(y) == (Values{1.0, 8.0, -0.125}), tt::per_element());
  BOOST_TEST_REQUIRE(y.grad_fn() != nullptr);
  BOOST_TEST(y.grad_fn()->name() == "CubeBackward");
  y.sum().backward();
  BOOST_TEST(values(x.grad()) == (Values{3.0, 12.0, 0.75}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(cube_in_a_larger_graph) {
  // L = sum(Cube(2x)): dL/dx = 3 (2x)^2 * 2 = 24 x^2.
  Tensor x = f64({1.0, -0.5});
  Cube::apply(x * 2.0).sum().backward();
  BOOST_TEST(values(x.grad()) == (Values{24.0, 6.0}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(cube_gradcheck_and_gradgradcheck) {
  Tensor x = f64({{0.3, -1.2, 0.8}, {1.5, -0.1, 0.6}});
  auto fn = [](const std::vector<Tensor>& in) { return Cube::apply(in[0]); };
  const auto first = ag::gradcheck(fn, {x});
  BOOST_TEST(first.ok, first.message);
  const auto second = ag::gradgradcheck(fn, {x});
  BOOST_TEST(second.ok, second.message);
  // Second derivative by hand: d2/dx2 x^3 = 6x.
  Tensor g = ag::grad({Cube::apply(x).sum()}, {x}, {}, {.create_graph = true})[0];
  Tensor gg = ag::grad({g.sum()}, {x})[0];
  BOOST_TEST(values(gg) == (Values{1.8, -7.2, 4.8, 9.0, -0.6, 3.6}), tt::tolerance(1e-12) << tt::per_element());
}

BOOST_AUTO_TEST_CASE(two_inputs_and_a_real_parameter) {
  // a = [1, 2], b = [0, 2], alpha = 0.5: out = a e^(b/2) = [1, 2e];
  // d/da = e^(b/2) = [1, e], d/db = alpha a e^(b/2) = [0.5, e].
  const double e = std::exp(1.0);
  Tensor a = f64({1.0, 2.0});
  Tensor b = f64({0.0, 2.0});
  Tensor out = ScaledExpProduct::apply(a, b, 0.5);
  BOOST_TEST(values(out) == (Values{1.0, 2.0 * e}), tt::tolerance(1e-12) << tt::per_element());
  out.sum().backward();
  BOOST_TEST(values(a.grad()) == (Values{1.0, e}), tt::tolerance(1e-12) << tt::per_element());
  BOOST_TEST(values(b.grad()) == (Values{0.5, e}), tt::tolerance(1e-12) << tt::per_element());
}

BOOST_AUTO_TEST_CASE(two_inputs_gradcheck_and_gradgradcheck) {
  Tensor a = f64({{0.4, -1.1}, {0.9, 0.2}});
  Tensor b = f64({{-0.3, 0.7}, {1.2, -0.8}});
  auto fn = [](const std::vector<Tensor>& in) { return ScaledExpProduct::apply(in[0], in[1], -0.7); };
  const auto first = ag::gradcheck(fn, {a, b});
  BOOST_TEST(first.ok, first.message);
  const auto second = ag::gradgradcheck(fn, {a, b});
  BOOST_TEST(second.ok, second.message);
}

BOOST_AUTO_TEST_CASE(only_inputs_that_require_grad_get_gradients) {
  Tensor a = f64({1.0, 2.0});
  Tensor b = f64({0.0, 2.0}, false);
  ScaledExpProduct::apply(a, b, 0.5).sum().backward();
  BOOST_TEST(values(a.grad()) == (Values{1.0, std::exp(1.0)}), tt::tolerance(1e-12) << tt::per_element());
  BOOST_TEST(!b.grad().defined());
}

BOOST_AUTO_TEST_CASE(no_node_when_no_input_requires_grad) {
  Tensor x = f64({1.0, 2.0}, false);
  Tensor y = Cube::apply(x);
  BOOST_TEST(!y.requires_grad());
  BOOST_TEST(y.grad_fn() == nullptr);
  BOOST_TEST(values(y) == (Values{1.0, 8.0}), tt::per_element());
  xg::NoGradGuard no_grad;
  BOOST_TEST(Cube::apply(f64({1.0})).grad_fn() == nullptr);
}

BOOST_AUTO_TEST_CASE(forward_runs_without_recording) {
  // The ops inside forward are not recorded: the output's only node is the Function's own.
  Tensor x = f64({2.0});
  Tensor y = Cube::apply(x);
  BOOST_TEST_REQUIRE(y.grad_fn()->next_edges().size() == 1u);
  BOOST_TEST(y.grad_fn()->next_edges()[0].node->name() == "AccumulateGrad");
}

BOOST_AUTO_TEST_CASE(saving_the_output_makes_no_reference_cycle) {
  std::weak_ptr<xg::TensorImpl> out_impl;
  std::weak_ptr<ag::Node> node;
  Tensor x = f64({0.0, 1.0});
  {
    Tensor y = SelfSavingExp::apply(x);
    out_impl = y.impl_ptr();
    node = y.grad_fn();
    BOOST_TEST(values(y) == (Values{1.0, std::exp(1.0)}), tt::tolerance(1e-12) << tt::per_element());
  }
  BOOST_TEST(out_impl.expired());
  BOOST_TEST(node.expired());
}

BOOST_AUTO_TEST_CASE(saved_output_backward_and_second_derivative) {
  Tensor x = f64({0.0, 1.0});
  std::weak_ptr<xg::TensorImpl> out_impl;
  {
    Tensor y = SelfSavingExp::apply(x);
    out_impl = y.impl_ptr();
    y.sum().backward({}, {.retain_graph = true});
    BOOST_TEST(values(x.grad()) == (Values{1.0, std::exp(1.0)}), tt::tolerance(1e-12) << tt::per_element());
    // The saved output, read under create_graph, is differentiable: d2/dx2 e^x = e^x.
    Tensor g = ag::grad({y.sum()}, {x}, {}, {.create_graph = true})[0];
    Tensor gg = ag::grad({g.sum()}, {x})[0];
    BOOST_TEST(values(gg) == (Values{1.0, std::exp(1.0)}), tt::tolerance(1e-12) << tt::per_element());
  }
  BOOST_TEST(out_impl.expired());
}

BOOST_AUTO_TEST_CASE(saved_output_gradcheck) {
  Tensor x = f64({-0.4, 0.3, 1.1});
  auto fn = [](const std::vector<Tensor>& in) { return SelfSavingExp::apply(in[0]); };
  const auto first = ag::gradcheck(fn, {x});
  BOOST_TEST(first.ok, first.message);
  const auto second = ag::gradgradcheck(fn, {x});
  BOOST_TEST(second.ok, second.message);
}

BOOST_AUTO_TEST_CASE(returning_the_input_gives_a_new_tensor) {
  Tensor x = f64({1.0, 2.0});
  Tensor y = Identity::apply(x);
  BOOST_TEST(!y.is_same(x));
  BOOST_TEST(x.is_leaf());
  BOOST_TEST_REQUIRE(y.grad_fn() != nullptr);
  BOOST_TEST(y.grad_fn()->name() == "CustomFunctionBackward");
  (y * 3.0).sum().backward();
  BOOST_TEST(values(x.grad()) == (Values{3.0, 3.0}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(wrong_number_of_gradients_is_a_clear_error) {
  Tensor x = f64({1.0});
  Tensor y = TooManyGradients::apply(x);
  BOOST_CHECK_EXCEPTION(y.sum().backward(), xg::AutogradError, [](const xg::AutogradError& e) {
    const std::string m = e.what();
    return m.find("TooManyGradientsBackward") != std::string::npos && m.find("returned 2 gradients") != std::string::npos &&
           m.find("expected 1") != std::string::npos;
  });
}

BOOST_AUTO_TEST_CASE(wrong_gradient_shape_is_a_clear_error) {
  // A backward that returns a [3] gradient for a [2] input names the node and both shapes.
  Tensor x = f64({1.0, 2.0});
  BOOST_CHECK_EXCEPTION(WrongShape::apply(x).sum().backward(), xg::ShapeError, [](const xg::ShapeError& e) {
    const std::string m = e.what();
    return m.find("WrongShapeBackward") != std::string::npos && m.find("[3]") != std::string::npos &&
           m.find("[2]") != std::string::npos;
  });
}

BOOST_AUTO_TEST_SUITE_END()
