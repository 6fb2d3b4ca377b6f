#pragma once
// What a documentation snippet may use without declaring it. extract_snippets places the
// statements of each ```cpp block of docs/*.md and README.md in a member function of a struct
// derived from snippet_context::Given, so they see the objects below by name (a snippet that
// declares its own `model` or `x` shadows them), and the namespace aliases nn and ds. The objects
// are references to given<T>(), which is declared and never defined: snippets are compiled to
// prove they are valid C++ against the current headers, never linked or run.
#include <xgrad/xgrad.hpp>
#include <xgrad/autograd/function_node.hpp>   // autograd::track, for the library-internal examples of docs/architecture.md
#include <xgrad/autograd/op_table.hpp>
#include <xgrad/core/kernels/elementwise.hpp>

#include <cstdint>
#include <cstdio>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace nn = xg::nn;
namespace ds = xg::datasets;

namespace snippet_context {

/// A T that a snippet takes as given (never defined: the snippets are not linked).
template <class T> T& given();

/// A model class that snippets construct without defining it (`std::make_shared<Net>()`); a page
/// that defines its own Net hides this one.
struct Net : xg::nn::Module {
  Net() : Module("Net") {}
  xg::Tensor forward(const xg::Tensor& x) override { return x; }
};

/// The objects the snippets in docs/ refer to without building them.
struct Given {
  xg::Sequential& model = given<xg::Sequential>();
  nn::Module& net = given<nn::Module>();
  xg::Tensor& x = given<xg::Tensor>();
  xg::Tensor& y = given<xg::Tensor>();
  xg::Tensor& w = given<xg::Tensor>();
  xg::Tensor& x_train = given<xg::Tensor>();
  xg::Tensor& y_train = given<xg::Tensor>();
  xg::Tensor& x_test = given<xg::Tensor>();
  xg::Tensor& y_test = given<xg::Tensor>();
  xg::Tensor& x_batch = given<xg::Tensor>();
  xg::Tensor& y_batch = given<xg::Tensor>();
  std::vector<xg::Tensor>& params = given<std::vector<xg::Tensor>>();
  ds::Split& train = given<ds::Split>();
  ds::Split& test = given<ds::Split>();
  std::shared_ptr<ds::Dataset>& dataset = given<std::shared_ptr<ds::Dataset>>();
  std::shared_ptr<ds::Dataset>& data = given<std::shared_ptr<ds::Dataset>>();
  ds::DataLoader& loader = given<ds::DataLoader>();
  xg::optim::Optimizer& opt = given<xg::optim::Optimizer>();
  xg::optim::LRScheduler& sched = given<xg::optim::LRScheduler>();
  xg::train::History& history = given<xg::train::History>();
  std::shared_ptr<xg::train::ModelCheckpoint>& save = given<std::shared_ptr<xg::train::ModelCheckpoint>>();
  std::function<xg::Tensor(const xg::Tensor&, const xg::Tensor&)>& loss_fn =
      given<std::function<xg::Tensor(const xg::Tensor&, const xg::Tensor&)>>();
  std::function<void(xg::optim::Optimizer&)>& train_one_epoch = given<std::function<void(xg::optim::Optimizer&)>>();
  int epoch = 0;
  std::int64_t steps = 0;
};

}  // namespace snippet_context

using snippet_context::Net;
