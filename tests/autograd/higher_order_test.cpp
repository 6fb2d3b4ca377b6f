// Higher-order derivatives: create_graph records the backward pass, so gradients can be
// differentiated again. Expected values are derived by hand next to each check.
#include <boost/test/unit_test.hpp>

#include <xgrad/xgrad.hpp>

#include "autograd/helpers.hpp"

#include <cmath>
#include <vector>

namespace ag = xg::autograd;
namespace tt = boost::test_tools;
using xg::Tensor;
using Values = std::vector<double>;

using autograd_test::f64;
using autograd_test::values;

namespace {

// d(sum f)/dx recorded so it can be differentiated again.
Tensor grad_of_sum(const Tensor& f, const Tensor& x) { return ag::grad({f.sum()}, {x}, {}, {.create_graph = true})[0]; }

/// x^2 whose backward uses a detached copy of x: first derivative right, second derivative lost.
struct DetachedSquare : ag::Function<DetachedSquare> {
  static constexpr const char* name = "DetachedSquare";
  static Tensor forward(ag::Context& ctx, const Tensor& x) {
    ctx.save_for_backward({x});
    return x * x;
  }
  static std::vector<Tensor> backward(ag::Context& ctx, const Tensor& g) { return {g * 2.0 * ctx.saved(0).detach()}; }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(higher_order)

BOOST_AUTO_TEST_CASE(second_derivative_of_cube) {
  // d/dx x^3 = 3x^2, d2/dx2 = 6x.
  Tensor x = f64({1.0, 2.0, -0.5});
  Tensor g = grad_of_sum(x * x * x, x);
  BOOST_TEST(g.requires_grad());
  BOOST_TEST(values(g) == (Values{3.0, 12.0, 0.75}), tt::per_element());
  Tensor gg = ag::grad({g.sum()}, {x})[0];
  BOOST_TEST(values(gg) == (Values{6.0, 12.0, -3.0}), tt::per_element());
  BOOST_TEST(!x.grad().defined());
}

BOOST_AUTO_TEST_CASE(second_derivative_of_pow) {
  // pow(x, 3) has its own backward (3 x^2 via pow): same second derivative 6x.
  Tensor x = f64({1.5, -2.0});
  Tensor gg = ag::grad({grad_of_sum(xg::pow(x, 3.0), x).sum()}, {x})[0];
  BOOST_TEST(values(gg) == (Values{9.0, -12.0}), tt::tolerance(1e-12) << tt::per_element());
}

BOOST_AUTO_TEST_CASE(second_derivative_of_tanh) {
  // d/dx tanh = 1 - t^2, d2/dx2 = -2 t (1 - t^2).
  const Values xs{-1.2, 0.0, 0.4, 2.0};
  Tensor x = f64({xs[0], xs[1], xs[2], xs[3]});
  Tensor g = grad_of_sum(xg::tanh(x), x);
  Tensor gg = ag::grad({g.sum()}, {x})[0];
  Values first, second;
  for (double v : xs) {
    const double t = std::tanh(v);
    first.push_back(1.0 - t * t);
    second.push_back(-2.0 * t * (1.0 - t * t));
  }
  BOOST_TEST(values(g) == first, tt::tolerance(1e-12) << tt::per_element());
  BOOST_TEST(values(gg) == second, tt::tolerance(1e-12) << tt::per_element());
}

BOOST_AUTO_TEST_CASE(third_derivative_of_exp) {
  // Every derivative of e^x is e^x.
  Tensor x = f64({-1.0, 0.5, 2.0});
  Tensor d1 = grad_of_sum(xg::exp(x), x);
  Tensor d2 = grad_of_sum(d1, x);
  Tensor d3 = ag::grad({d2.sum()}, {x})[0];
  const Values expected{std::exp(-1.0), std::exp(0.5), std::exp(2.0)};
  BOOST_TEST(values(d1) == expected, tt::tolerance(1e-12) << tt::per_element());
  BOOST_TEST(values(d2) == expected, tt::tolerance(1e-12) << tt::per_element());
  BOOST_TEST(values(d3) == expected, tt::tolerance(1e-12) << tt::per_element());
}

BOOST_AUTO_TEST_CASE(mixed_partials_of_x_y_squared) {
  // f = x y^2 at (1.5, -2): fx = y^2 = 4, fy = 2xy = -6,
  // fxx = 0 (fx does not depend on x), fxy = fyx = 2y = -4, fyy = 2x = 3.
  Tensor x = xg::scalar_tensor(1.5, {.dtype = xg::kFloat64, .requires_grad = true});
  Tensor y = xg::scalar_tensor(-2.0, {.dtype = xg::kFloat64, .requires_grad = true});
  Tensor f = x * y * y;
  auto g = ag::grad({f}, {x, y}, {}, {.create_graph = true});
  BOOST_TEST(g[0].item() == 4.0);
  BOOST_TEST(g[1].item() == -6.0);
  auto from_fx = ag::grad({g[0]}, {x, y}, {}, {.retain_graph = true, .allow_unused = true});
  BOOST_TEST(!from_fx[0].defined());  // fx = y^2 has no path to x
  BOOST_TEST(from_fx[1].item() == -4.0);
  auto from_fy = ag::grad({g[1]}, {x, y});
  BOOST_TEST(from_fy[0].item() == -4.0);
  BOOST_TEST(from_fy[1].item() == 3.0);
}

BOOST_AUTO_TEST_CASE(hessian_vector_product) {
  // f = sum(x^3) + (sum x)^2: H = diag(6x) + 2 * ones, so Hv = 6 x v + 2 sum(v).
  // x = [1, -2, 0.5], v = [0.3, 1, -2], sum(v) = -0.7: Hv = [1.8 - 1.4, -12 - 1.4, -6 - 1.4].
  Tensor x = f64({1.0, -2.0, 0.5});
  Tensor v = f64({0.3, 1.0, -2.0}, false);
  auto gradient = [&] {
    Tensor s = x.sum();
    return ag::grad({(x * x * x).sum() + s * s}, {x}, {}, {.create_graph = true})[0];
  };
  Tensor hv = ag::grad({(gradient() * v).sum()}, {x})[0];
  BOOST_TEST(values(hv) == (Values{0.4, -13.4, -7.4}), tt::tolerance(1e-12) << tt::per_element());
  // The same product through grad_outputs: d(g . v)/dx == grad(g, x, grad_outputs = v).
  Tensor hv2 = ag::grad({gradient()}, {x}, {v})[0];
  BOOST_TEST(values(hv2) == values(hv), tt::tolerance(1e-12) << tt::per_element());
}

BOOST_AUTO_TEST_CASE(gradgradcheck_of_a_composite_function) {
  // f(x, y) = sum(sigmoid(x) * y) / logsumexp(x): elementwise ops, a reduction and a quotient.
  Tensor x = f64({{0.2, -0.4, 0.9}, {0.1, 0.6, -0.3}});
  Tensor y = f64({{1.0, -0.5, 0.3}, {0.7, 0.2, -1.1}});
  auto fn = [](const std::vector<Tensor>& in) { return (xg::sigmoid(in[0]) * in[1]).sum() / xg::logsumexp(in[0]); };
  const auto first = ag::gradcheck(fn, {x, y});
  BOOST_TEST(first.ok, first.message);
  const auto second = ag::gradgradcheck(fn, {x, y});
  BOOST_TEST(second.ok, second.message);
}

BOOST_AUTO_TEST_CASE(gradgradcheck_detects_a_first_order_only_backward) {
  // DetachedSquare is right to first order but has no second derivative.
  Tensor x = f64({0.5, -1.5});
  auto fn = [](const std::vector<Tensor>& in) { return DetachedSquare::apply(in[0]); };
  BOOST_TEST(ag::gradcheck(fn, {x}).ok);
  const auto second = ag::gradgradcheck(fn, {x});
  BOOST_TEST(!second.ok);
  BOOST_TEST(second.message.find("analytical") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(backward_with_create_graph_then_backward_on_the_gradient) {
  // y = sum(x^3): after backward(create_graph) x.grad = 3x^2 carries a graph; its backward
  // gives d(sum 3x^2)/dx = 6x.
  Tensor x = f64({2.0, -1.0});
  (x * x * x).sum().backward({}, {.create_graph = true});
  Tensor gx = x.grad();
  BOOST_TEST(values(gx) == (Values{12.0, 3.0}), tt::per_element());
  BOOST_TEST(gx.requires_grad());
  BOOST_TEST(gx.grad_fn() != nullptr);
  x.set_grad({});
  gx.sum().backward();
  BOOST_TEST(values(x.grad()) == (Values{12.0, -6.0}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(create_graph_gradient_through_a_broadcast) {
  // L = sum((a + b)^2) with b [3] broadcast over [2,3]: dL/db = 2 * column sums of (a + b),
  // d/db of sum(dL/db) = 2 * 2 rows = 4 per element.
  Tensor a = f64({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}, false);
  Tensor b = f64({0.5, -1.0, 2.0});
  Tensor s = a + b;
  Tensor gb = ag::grad({(s * s).sum()}, {b}, {}, {.create_graph = true})[0];
  BOOST_TEST(gb.shape() == (xg::Shape{3}));
  BOOST_TEST(values(gb) == (Values{2.0 * 6.0, 2.0 * 5.0, 2.0 * 13.0}), tt::per_element());
  Tensor ggb = ag::grad({gb.sum()}, {b})[0];
  BOOST_TEST(values(ggb) == (Values{4.0, 4.0, 4.0}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(create_graph_gradients_of_different_leaves_do_not_alias) {
  // AddBackward hands the same gradient tensor to both leaves; each leaf must own its grad, or the
  // next (in-place) accumulation into x.grad would change y.grad too.
  Tensor x = f64({1.0, 2.0});
  Tensor y = f64({3.0, 4.0});
  (x + y).sum().backward({}, {.create_graph = true});
  BOOST_TEST(!x.grad().is_same(y.grad()));
  BOOST_TEST(!x.grad().shares_storage(y.grad()));
  (x * 2.0).sum().backward();
  BOOST_TEST(values(x.grad()) == (Values{3.0, 3.0}), tt::per_element());
  BOOST_TEST(values(y.grad()) == (Values{1.0, 1.0}), tt::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
