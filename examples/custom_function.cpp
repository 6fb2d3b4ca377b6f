// custom_function — a user-defined differentiable op with its own backward, checked by gradcheck
// (first derivatives) and gradgradcheck (second derivatives), then used inside a model.
//
// The op is a "soft clip": y = c * tanh(x / c), smooth and bounded by +-c.
//   dy/dx = 1 - tanh^2(x / c)
#include <xgrad/xgrad.hpp>

#include <cstdio>

struct SoftClip : xg::autograd::Function<SoftClip> {
  static constexpr const char* name = "SoftClip";

  static xg::Tensor forward(xg::autograd::Context& ctx, const xg::Tensor& x, double c) {
    const xg::Tensor y = xg::tanh(x / c) * c;
    ctx.reals = {c};
    ctx.save_for_backward({x});
    return y;
  }
  // Written with differentiable ops, so SoftClip has second derivatives too.
  static std::vector<xg::Tensor> backward(xg::autograd::Context& ctx, const xg::Tensor& grad) {
    const double c = ctx.reals[0];
    const xg::Tensor t = xg::tanh(ctx.saved(0) / c);
    return {grad * (1.0 - t * t)};
  }
};

int main() {
  xg::manual_seed(7);
  const xg::Tensor x = xg::randn({4, 3}, {.dtype = xg::kFloat64, .requires_grad = true});
  const auto fn = [](const std::vector<xg::Tensor>& in) { return SoftClip::apply(in[0], 2.0); };

  const auto first = xg::autograd::gradcheck(fn, {x});
  const auto second = xg::autograd::gradgradcheck(fn, {x});
  std::printf("gradcheck: %s%s\n", first ? "passed" : "FAILED: ", first.message.c_str());
  std::printf("gradgradcheck: %s%s\n", second ? "passed" : "FAILED: ", second.message.c_str());

  // Used like any op: the gradient flows through it.
  const xg::Tensor loss = SoftClip::apply(x * 3.0, 2.0).sum();
  loss.backward();
  std::printf("d/dx sum(softclip(3x)) at x[0,0] = %.6f\n", x.grad().to_vector<double>()[0]);
  return first && second ? 0 : 1;
}
