// Keras optimizer names -> unbound optimizers with Keras-compatible defaults.
#include <xgrad/optim/make_optimizer.hpp>

#include <xgrad/core/error.hpp>
#include <xgrad/optim/adadelta.hpp>
#include <xgrad/optim/adagrad.hpp>
#include <xgrad/optim/adam.hpp>
#include <xgrad/optim/rmsprop.hpp>
#include <xgrad/optim/sgd.hpp>

#include <algorithm>
#include <cctype>
#include <functional>
#include <utility>

namespace xg::optim {
namespace {

using Factory = std::function<std::shared_ptr<Optimizer>()>;

const std::vector<std::pair<std::string, Factory>>& registry() {
  static const std::vector<std::pair<std::string, Factory>> factories = {
      {"sgd", [] { return std::make_shared<SGD>(SGDOptions{.lr = 0.01}); }},
      {"adam", [] { return std::make_shared<Adam>(AdamOptions{.eps = 1e-7}); }},
      {"adamw", [] { return std::make_shared<AdamW>(); }},
      {"rmsprop", [] { return std::make_shared<RMSprop>(); }},
      {"adagrad", [] { return std::make_shared<Adagrad>(); }},
      {"adadelta", [] { return std::make_shared<Adadelta>(); }},
  };
  return factories;
}

}  // namespace

std::vector<std::string> optimizer_names() {
  std::vector<std::string> names;
  for (const auto& entry : registry()) names.push_back(entry.first);
  return names;
}

std::shared_ptr<Optimizer> make_optimizer(const std::string& name) {
  std::string key = name;
  std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const auto& [known, factory] : registry())
    if (known == key) return factory();
  throw_unknown_name("optimizer", name, optimizer_names());
}

}  // namespace xg::optim
