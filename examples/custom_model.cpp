// custom_model — the PyTorch way: a subclassed Module and a hand-written training loop
// (zero_grad / forward / loss / backward / step) over a DataLoader, on MNIST.
#include "example_cli.hpp"

#include <cstdio>
#include <memory>

namespace nn = xg::nn;

// A two-layer perceptron with a learned temperature on the logits.
struct Net : nn::Module {
  Net() : Module("Net") {
    hidden = register_module("hidden", std::make_shared<nn::Linear>(784, 128));
    output = register_module("output", std::make_shared<nn::Linear>(128, 10));
    temperature = register_parameter("temperature", xg::ones({1}));
  }
  xg::Tensor forward(const xg::Tensor& x) override {
    const xg::Tensor h = xg::relu((*hidden)(x.flatten(1)));
    return (*output)(h) * temperature;
  }
  std::shared_ptr<nn::Linear> hidden, output;
  xg::Tensor temperature;
};

int main(int argc, char** argv) {
  const auto config = examples::parse_example_args(argc, argv, "custom Module with a manual training loop",
                                                   {.epochs = 2, .batch_size = 64});
  examples::Stopwatch clock;
  auto [train, test] = examples::load_mnist(config);

  auto net = std::make_shared<Net>();
  xg::optim::Adam optimizer(net->parameters(), {.lr = 1e-3});
  auto dataset = std::make_shared<xg::datasets::TensorDataset>(train.images, train.labels);
  xg::datasets::DataLoader loader(dataset, {.batch_size = config.batch_size, .shuffle = true, .seed = config.seed});

  xg::train::History history;
  for (int epoch = 0; epoch < config.epochs; ++epoch) {
    net->train();
    double loss_sum = 0;
    std::int64_t seen = 0;
    for (const auto& batch : loader) {
      optimizer.zero_grad();
      const xg::Tensor loss = nn::cross_entropy((*net)(batch.x), batch.y);
      loss.backward();
      optimizer.step();
      loss_sum += loss.item() * static_cast<double>(batch.x.size(0));
      seen += batch.x.size(0);
    }
    history.record(epoch, {{"loss", loss_sum / static_cast<double>(seen)}});
    std::printf("epoch %d/%d - loss: %.4f\n", epoch + 1, config.epochs, loss_sum / static_cast<double>(seen));
  }

  // Evaluation: no graph, eval mode.
  net->eval();
  xg::NoGradGuard no_grad;
  const xg::Tensor logits = (*net)(test.images);
  const std::map<std::string, double> scores{{"accuracy", nn::accuracy(logits, test.labels)},
                                             {"loss", nn::cross_entropy(logits, test.labels).item()}};
  examples::report(config, scores, history, clock.seconds());
}
