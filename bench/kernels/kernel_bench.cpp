// Microbenchmarks of the hot kernels at the sizes the tutorial models run them (Google Benchmark,
// Debian libbenchmark-dev; built when the package is found, never run by CI):
//   build/bench/kernel_bench --benchmark_filter=conv
// Each benchmark reports items/s (elements or multiply-adds) so runs on different machines compare.
#include <benchmark/benchmark.h>

#include <xgrad/xgrad.hpp>

namespace {

using xg::Tensor;

// x [rows, in] @ W^T [in, out] + b, then relu: the Dense layers of mlp256 / cnn.
void BM_linear_relu(benchmark::State& state) {
  const std::int64_t rows = state.range(0), in = state.range(1), out = state.range(2);
  const Tensor x = xg::rand({rows, in}), w = xg::rand({out, in}), b = xg::rand({out});
  for (auto _ : state) benchmark::DoNotOptimize(xg::linear(x, w, b, xg::Activation::Relu));
  state.SetItemsProcessed(state.iterations() * rows * in * out);
}
BENCHMARK(BM_linear_relu)->Args({800, 784, 256})->Args({64, 3136, 1024})->Args({1, 784, 256});

// Forward and backward of a linear + relu layer (weight gradient, input gradient, bias sum).
void BM_linear_relu_train(benchmark::State& state) {
  const std::int64_t rows = state.range(0), in = state.range(1), out = state.range(2);
  const Tensor x = xg::rand({rows, in}, {.requires_grad = true});
  const Tensor w = xg::rand({out, in}, {.requires_grad = true}), b = xg::rand({out}, {.requires_grad = true});
  for (auto _ : state) {
    xg::linear(x, w, b, xg::Activation::Relu).sum().backward();
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * rows * in * out * 3);
}
BENCHMARK(BM_linear_relu_train)->Args({800, 784, 256})->Args({64, 3136, 1024});

// conv2d + relu forward at the tutorial CNN shapes: {batch, in channels, size, out channels, pad}.
void BM_conv2d_relu(benchmark::State& state) {
  const std::int64_t n = state.range(0), c = state.range(1), hw = state.range(2), o = state.range(3), p = state.range(4);
  const Tensor x = xg::rand({n, c, hw, hw}), w = xg::rand({o, c, 5, 5}), b = xg::rand({o});
  const xg::Conv2dParams params{.padding = {p, p, p, p}};
  for (auto _ : state) benchmark::DoNotOptimize(xg::conv2d(x, w, b, params, xg::Activation::Relu));
  const std::int64_t out_hw = hw + 2 * p - 4;
  state.SetItemsProcessed(state.iterations() * n * o * out_hw * out_hw * c * 25);
}
BENCHMARK(BM_conv2d_relu)->Args({64, 1, 28, 32, 2})->Args({64, 32, 14, 64, 2})->Args({200, 1, 28, 32, 0});

// Both adjoints of the big CNN's second convolution.
void BM_conv2d_backward(benchmark::State& state) {
  const Tensor x = xg::rand({64, 32, 14, 14}), w = xg::rand({64, 32, 5, 5}), g = xg::rand({64, 64, 14, 14});
  const xg::Conv2dParams params{.padding = {2, 2, 2, 2}};
  for (auto _ : state) {
    benchmark::DoNotOptimize(xg::conv2d_backward_input(g, w, x.shape(), params));
    benchmark::DoNotOptimize(xg::conv2d_backward_weight(x, g, w.shape(), params));
  }
  state.SetItemsProcessed(state.iterations() * 2 * 64 * 64 * 196 * 32 * 25);
}
BENCHMARK(BM_conv2d_backward);

// The weight gradient of the big CNN's first convolution (1 -> 32 channels, 28 x 28, 'same'): its
// input needs no gradient.
void BM_conv2d_backward_weight_first_layer(benchmark::State& state) {
  const Tensor x = xg::rand({64, 1, 28, 28}), g = xg::rand({64, 32, 28, 28});
  const xg::Conv2dParams params{.padding = {2, 2, 2, 2}};
  for (auto _ : state) benchmark::DoNotOptimize(xg::conv2d_backward_weight(x, g, {32, 1, 5, 5}, params));
  state.SetItemsProcessed(state.iterations() * 64 * 32 * 784 * 25);
}
BENCHMARK(BM_conv2d_backward_weight_first_layer);

void BM_max_pool_2x2(benchmark::State& state) {
  const Tensor x = xg::rand({state.range(0), 32, 28, 28});
  for (auto _ : state) benchmark::DoNotOptimize(xg::max_pool2d(x, {2, 2}));
  state.SetItemsProcessed(state.iterations() * x.numel());
}
BENCHMARK(BM_max_pool_2x2)->Arg(64)->Arg(200);

void BM_dropout(benchmark::State& state) {
  const Tensor x = xg::rand({200, 4608});
  for (auto _ : state) benchmark::DoNotOptimize(xg::nn::functional::dropout(x, 0.3));
  state.SetItemsProcessed(state.iterations() * x.numel());
}
BENCHMARK(BM_dropout);

// One Adam step over the big CNN's 3.27 M parameters in one tensor.
void BM_adam_step(benchmark::State& state) {
  Tensor p = xg::rand({3274634}, {.requires_grad = true});
  p.set_grad(xg::rand({3274634}));
  xg::optim::Adam adam({p}, {.lr = 1e-4});
  for (auto _ : state) adam.step();
  state.SetItemsProcessed(state.iterations() * p.numel());
}
BENCHMARK(BM_adam_step);

void BM_softmax_cross_entropy(benchmark::State& state) {
  const Tensor logits = xg::rand({state.range(0), 10}, {.requires_grad = true});
  const Tensor labels = xg::randint(0, 10, {state.range(0)});
  for (auto _ : state) xg::nn::cross_entropy(logits, labels).backward();
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_softmax_cross_entropy)->Arg(32)->Arg(800);

}  // namespace
