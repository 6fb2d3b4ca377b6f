// A first look at xgrad: tensors, broadcasting, autograd and a few steps of gradient descent.
#include <xgrad/xgrad.hpp>

#include <iostream>

int main() {
  xg::Tensor x = xg::ones({3}, {.requires_grad = true});
  xg::Tensor y = (x * x).sum();
  y.backward();
  std::cout << "x.grad() = " << x.grad() << "\n";  // [2., 2., 2.]

  // Fit y = 3x - 1 by gradient descent.
  xg::manual_seed(0);
  xg::Tensor inputs = xg::linspace(-1, 1, 64).reshape({64, 1});
  xg::Tensor targets = inputs * 3.0 - 1.0;
  xg::Tensor w = xg::zeros({1}, {.requires_grad = true});
  xg::Tensor b = xg::zeros({1}, {.requires_grad = true});
  for (int step = 0; step < 200; ++step) {
    xg::Tensor loss = xg::square(inputs * w + b - targets).mean();
    w.set_grad({});
    b.set_grad({});
    loss.backward();
    xg::NoGradGuard no_grad;
    w.add_(w.grad(), -0.5);
    b.add_(b.grad(), -0.5);
    if (step % 50 == 0) std::cout << "step " << step << " loss " << loss.item() << "\n";
  }
  std::cout << "w = " << w << ", b = " << b << "\n";
}
