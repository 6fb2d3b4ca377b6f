// Uses the opt-in xtensor interop of an installed xgrad (package component `xtensor`): an xtensor
// array goes into a tensor, through autograd, and back. Exits 0 and prints "consumer_interop: ok"
// when the gradient that comes back is the expected one.
#include <xgrad/core/xtensor_interop.hpp>
#include <xgrad/xgrad.hpp>

#include <cstdio>

int main() {
  const xt::xarray<double> a = {{1., 2.}, {3., 4.}};
  xg::Tensor t = xg::from_xarray(a, {.dtype = xg::kFloat64, .requires_grad = true});
  (t * t).sum().backward();
  const xt::xarray<double> grad = xg::to_xarray<double>(t.grad());
  if (grad != 2.0 * a) {
    std::fprintf(stderr, "consumer_interop: FAILED: gradient of sum(t*t) is not 2t\n");
    return 1;
  }
  std::printf("consumer_interop: ok\n");
  return 0;
}
