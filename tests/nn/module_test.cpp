// nn::Module, Sequential and ModuleList: the named registry through nesting, state_dict round
// trips and strict-load errors, modes, utilities, printing, automatic names, indexing, and the
// error context that operator() and Sequential add to shape errors.
#include <boost/test/unit_test.hpp>

#include <xgrad/nn/nn.hpp>

#include "helpers.hpp"

#include <sstream>
#include <string>
#include <vector>

using xg::Tensor;
using xg::test::expect_error;
using xg::test::expect_values;
namespace nn = xg::nn;

namespace {

std::vector<std::string> names_of(const std::vector<std::pair<std::string, Tensor>>& named) {
  std::vector<std::string> names;
  for (const auto& [n, t] : named) names.push_back(n);
  return names;
}

// A custom module: a child registered under a chosen name, its own parameter and buffer.
struct Net : nn::Module {
  Net() : Module("Net") {
    encoder = register_module("encoder", std::make_shared<nn::Dense>(4, nn::DenseOptions{.in_features = 3}));
    head = register_module("head", std::make_shared<nn::Dense>(2, nn::DenseOptions{.in_features = 4}));
    scale = register_parameter("scale", xg::full({1}, 2.0));
    steps = register_buffer("steps", xg::zeros({1}));
  }
  Tensor forward(const Tensor& x) override { return (*head)((*encoder)(x)) * scale; }
  std::shared_ptr<nn::Dense> encoder, head;
  Tensor scale, steps;
};

// Sequential{fc1, Sequential "block"{fc2, drop}, fc3} with fixed names.
nn::Sequential nested_model() {
  nn::Sequential block{nn::Dense(5, {.in_features = 4, .activation = "relu", .name = "fc2"}),
                       nn::Dropout(0.5, {.name = "drop"})};
  block.set_name("block");
  nn::Sequential model{nn::Dense(4, {.in_features = 3, .name = "fc1"})};
  model.add(std::move(block));
  model.add(nn::Dense(2, {.in_features = 5, .name = "fc3"}));
  return model;
}

int name_number(const std::string& name, const std::string& prefix) {
  BOOST_TEST_REQUIRE(name.rfind(prefix, 0) == 0u, name << " should start with " << prefix);
  return std::stoi(name.substr(prefix.size()));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(module_registry)

BOOST_AUTO_TEST_CASE(dotted_names_through_nested_sequentials) {
  auto model = nested_model();
  const std::vector<std::string> expected = {"fc1.weight",       "fc1.bias",   "block.fc2.weight",
                                             "block.fc2.bias",   "fc3.weight", "fc3.bias"};
  BOOST_TEST(names_of(model.named_parameters()) == expected, boost::test_tools::per_element());
  // parameters() lists the same tensors in the same (registration) order.
  const auto params = model.parameters();
  const auto named = model.named_parameters();
  BOOST_TEST_REQUIRE(params.size() == named.size());
  for (std::size_t i = 0; i < params.size(); ++i) BOOST_TEST(params[i].is_same(named[i].second));
  BOOST_TEST(params[2].is_same(model.at<nn::Sequential>(1).at<nn::Dense>(0).weight));
  // Non-recursive listing: the container itself owns nothing.
  BOOST_TEST(model.parameters(false).empty());
  BOOST_TEST(model.children().size() == 3u);
  BOOST_TEST(model.child("block").get() == model.layer(1).get());
  BOOST_TEST(model.child("nope") == nullptr);
}

BOOST_AUTO_TEST_CASE(custom_module_with_register_module) {
  Net net;
  const std::vector<std::string> params = {"scale", "encoder.weight", "encoder.bias", "head.weight", "head.bias"};
  BOOST_TEST(names_of(net.named_parameters()) == params, boost::test_tools::per_element());
  BOOST_TEST(names_of(net.named_buffers()) == std::vector<std::string>{"steps"}, boost::test_tools::per_element());
  const auto dict = net.state_dict();
  BOOST_TEST(dict.size() == 6u);
  BOOST_TEST(dict.count("steps") == 1u);
  BOOST_TEST(dict.at("encoder.weight").is_same(net.encoder->weight));
  // Parameters require grad, buffers do not; the parameter is named after its registry entry.
  BOOST_TEST(net.scale.requires_grad());
  BOOST_TEST(!net.steps.requires_grad());
  BOOST_TEST(net.scale.name() == "scale");
  // forward through operator() works and records the shapes.
  const Tensor y = net(xg::ones({7, 3}));
  BOOST_TEST(xg::shape_str(y.shape()) == "[7, 2]");
  BOOST_TEST(xg::shape_str(net.last_input_shape()) == "[7, 3]");
  BOOST_TEST(xg::shape_str(net.encoder->last_output_shape()) == "[7, 4]");
}

BOOST_AUTO_TEST_CASE(duplicate_and_invalid_names) {
  nn::Module m("Custom");
  m.set_name("custom");
  m.register_parameter("w", xg::ones({2}));
  expect_error<xg::ValueError>([&] { m.register_parameter("w", xg::ones({2})); }, {"custom", "'w'", "already registered"});
  expect_error<xg::ValueError>([&] { m.register_buffer("w", xg::ones({2})); }, {"'w'", "already registered"});
  expect_error<xg::ValueError>([&] { m.register_module("w", std::make_shared<nn::ReLU>()); }, {"already registered"});
  expect_error<xg::ValueError>([&] { m.register_parameter("a.b", xg::ones({2})); }, {"invalid parameter name 'a.b'"});
  expect_error<xg::ValueError>([&] { m.register_buffer("", xg::ones({2})); }, {"invalid buffer name ''"});
  expect_error<xg::ValueError>([&] { m.register_module("x.y", std::make_shared<nn::ReLU>()); },
                               {"invalid module name 'x.y'"});
  // Two layers with the same name in one Sequential collide on the child name.
  nn::Sequential model{nn::Dense(2, {.name = "fc"})};
  expect_error<xg::ValueError>([&] { model.add(nn::Dense(3, {.name = "fc"})); }, {"'fc' is already registered"});
}

BOOST_AUTO_TEST_CASE(automatic_names_count_per_type) {
  nn::Dense a(3), b(3);
  nn::Dropout d(0.1);
  nn::LeakyReLU leaky;
  const int na = name_number(a.name(), "dense_");
  BOOST_TEST(name_number(b.name(), "dense_") == na + 1);
  BOOST_TEST(d.name().rfind("dropout_", 0) == 0u);
  BOOST_TEST(leaky.name().rfind("leaky_re_lu_", 0) == 0u);  // Keras' snake case of LeakyReLU
  BOOST_TEST(nn::snake_case("MaxPool2d") == "max_pool2d");
  BOOST_TEST(nn::snake_case("BatchNorm1d") == "batch_norm1d");
  // An explicit name replaces the automatic one.
  BOOST_TEST(nn::Dense(3, {.name = "classifier"}).name() == "classifier");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(module_state_dict)

BOOST_AUTO_TEST_CASE(round_trip_into_fresh_model_gives_same_outputs) {
  xg::manual_seed(1);
  auto source = nested_model();
  xg::manual_seed(2);
  auto target = nested_model();
  source.eval();
  target.eval();
  const Tensor x = xg::randn({6, 3});
  BOOST_TEST(source(x).to_vector<double>() != target(x).to_vector<double>());
  target.load_state_dict(source.state_dict());
  const auto expected = source(x).to_vector<double>();
  BOOST_TEST(target(x).to_vector<double>() == expected, boost::test_tools::per_element());
  // Values were copied in place: the target keeps its own tensors (optimizers stay bound).
  BOOST_TEST(!target.parameters()[0].is_same(source.parameters()[0]));
  BOOST_TEST(target.parameters()[0].requires_grad());
}

BOOST_AUTO_TEST_CASE(strict_load_lists_missing_unexpected_and_mismatched_keys) {
  auto model = nested_model();
  auto dict = model.state_dict();
  dict.erase("fc1.bias");
  dict.erase("fc3.weight");
  dict["extra.weight"] = xg::ones({1});
  dict["block.fc2.weight"] = xg::ones({2, 2});
  expect_error<xg::ValueError>([&] { model.load_state_dict(dict); },
                               {"load_state_dict for", "missing keys", "fc1.bias", "fc3.weight", "unexpected keys",
                                "extra.weight", "shape mismatches", "block.fc2.weight: expected [5, 4], got [2, 2]"});
}

BOOST_AUTO_TEST_CASE(non_strict_load_copies_what_matches) {
  auto model = nested_model();
  nn::StateDict partial{{"fc1.bias", xg::full({4}, 3.0)}, {"unknown", xg::ones({2})}};
  const auto before = model.at<nn::Dense>(0).weight.to_vector<double>();
  model.load_state_dict(partial, /*strict=*/false);
  expect_values(model.at<nn::Dense>(0).bias, {4}, {3, 3, 3, 3});
  BOOST_TEST(model.at<nn::Dense>(0).weight.to_vector<double>() == before, boost::test_tools::per_element());
  // A shape mismatch is an error even when not strict.
  expect_error<xg::ValueError>([&] { model.load_state_dict({{"fc1.bias", xg::ones({3})}}, false); },
                               {"fc1.bias: expected [4], got [3]"});
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(module_utilities)

BOOST_AUTO_TEST_CASE(train_and_eval_recurse) {
  auto model = nested_model();
  BOOST_TEST(model.is_training());
  model.eval();
  bool all_eval = true;
  model.apply([&](nn::Module& m) { all_eval = all_eval && !m.is_training(); });
  BOOST_TEST(all_eval);
  BOOST_TEST(!model.at<nn::Sequential>(1).at<nn::Dropout>(1).is_training());
  model.train();
  BOOST_TEST(model.at<nn::Sequential>(1).at<nn::Dropout>(1).is_training());
  // In eval mode the nested Dropout is the identity: two calls agree.
  model.eval();
  const Tensor x = xg::randn({4, 3});
  BOOST_TEST(model(x).to_vector<double>() == model(x).to_vector<double>(), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(zero_grad_clears_every_gradient) {
  auto model = nested_model();
  model(xg::randn({4, 3})).sum().backward();
  for (const auto& p : model.parameters()) BOOST_TEST(p.grad().defined());
  model.zero_grad();
  for (const auto& p : model.parameters()) BOOST_TEST(!p.grad().defined());
}

BOOST_AUTO_TEST_CASE(apply_visits_every_module_in_pre_order) {
  auto model = nested_model();
  std::vector<std::string> visited;
  model.apply([&](nn::Module& m) { visited.push_back(m.type_name() + ":" + m.name()); });
  BOOST_TEST_REQUIRE(visited.size() == 6u);
  BOOST_TEST(visited[0].rfind("Sequential:", 0) == 0u);
  const std::vector<std::string> rest(visited.begin() + 1, visited.end());
  const std::vector<std::string> expected = {"Dense:fc1", "Sequential:block", "Dense:fc2", "Dropout:drop", "Dense:fc3"};
  BOOST_TEST(rest == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(count_parameters_splits_trainable_and_frozen) {
  auto model = nested_model();
  // fc1: 4*3+4, fc2: 5*4+5, fc3: 2*5+2.
  auto count = model.count_parameters();
  BOOST_TEST(count.trainable == 16 + 25 + 12);
  BOOST_TEST(count.non_trainable == 0);
  nn::Module m("Custom");
  m.register_parameter("w", xg::ones({3, 2}));
  m.register_parameter("frozen", xg::ones({5}), /*trainable=*/false);
  count = m.count_parameters();
  BOOST_TEST(count.trainable == 6);
  BOOST_TEST(count.non_trainable == 5);
  BOOST_TEST(count.total() == 11);
}

BOOST_AUTO_TEST_CASE(printing_shows_the_tree) {
  auto model = nested_model();
  std::ostringstream os;
  os << model;
  const std::string expected =
      "Sequential(\n"
      "  (fc1): Dense(units=4, in_features=3, activation=linear, use_bias=true)\n"
      "  (block): Sequential(\n"
      "    (fc2): Dense(units=5, in_features=4, activation=relu, use_bias=true)\n"
      "    (drop): Dropout(rate=0.5)\n"
      "  )\n"
      "  (fc3): Dense(units=2, in_features=5, activation=linear, use_bias=true)\n"
      ")";
  BOOST_TEST(os.str() == expected);
}

BOOST_AUTO_TEST_CASE(base_forward_throws) {
  nn::Module m("Custom");
  m.set_name("custom");
  expect_error<xg::ValueError>([&] { m(xg::ones({1})); }, {"'custom'", "does not implement forward"});
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(sequential_container)

BOOST_AUTO_TEST_CASE(add_index_and_typed_access) {
  nn::Sequential model;
  BOOST_TEST(model.empty());
  model.add(nn::Dense(3, {.in_features = 2, .name = "a"})).add(nn::ReLU({.name = "act"}));
  model.add(std::make_shared<nn::Dense>(1, nn::DenseOptions{.in_features = 3, .name = "b"}));
  BOOST_TEST(model.size() == 3u);
  BOOST_TEST(model[0].name() == "a");
  BOOST_TEST(model[-1].name() == "b");
  BOOST_TEST(model[-3].name() == "a");
  BOOST_TEST(model.at<nn::Dense>(2).units() == 1);
  BOOST_TEST(model.layer(1)->type_name() == "ReLU");
  expect_error<xg::ValueError>([&] { model.at<nn::Dense>(1); }, {"layer 1 is a ReLU", "not the requested type"});
  expect_error<xg::IndexError>([&] { model[3]; }, {"index 3 is out of range for 3 layers"});
  expect_error<xg::IndexError>([&] { model[-4]; }, {"index -4 is out of range"});
  expect_error<xg::ValueError>([&] { model.add(std::shared_ptr<nn::Module>()); }, {"null module"});
  // Layers run in order: relu between the two Dense layers.
  model.at<nn::Dense>(0).load_state_dict({{"weight", xg::tensor({{1, 0}, {0, 1}, {1, 1}})}, {"bias", xg::zeros({3})}});
  model.at<nn::Dense>(2).load_state_dict({{"weight", xg::tensor({{1, 1, 1}})}, {"bias", xg::zeros({1})}});
  // x = [2, -3]: h = [2, -3, -1] -> relu [2, 0, 0] -> sum 2.
  expect_values(model(xg::tensor({{2, -3}})), {1, 1}, {2});
}

BOOST_AUTO_TEST_CASE(shape_error_names_the_layer_and_the_previous_one) {
  nn::Sequential model{nn::Dense(4, {.in_features = 3, .name = "fc1"}), nn::ReLU({.name = "act"}),
                       nn::Dense(2, {.in_features = 5, .name = "fc2"})};
  expect_error<xg::ShapeError>([&] { model(xg::ones({2, 3})); },
                               {"fc2 (Dense) expects input of shape (None, 5) but got (None, 4) from act (ReLU)",
                                "5 features", "[2, 4]"});
  // The first layer has no predecessor: only its own name.
  expect_error<xg::ShapeError>([&] { model(xg::ones({2, 7})); },
                               {"fc1 (Dense) expects input of shape (None, 3) but got (None, 7):"});
}

BOOST_AUTO_TEST_CASE(shape_error_inside_a_nested_sequential_names_the_inner_predecessor) {
  nn::Sequential block{nn::Dense(4, {.in_features = 4, .name = "inner1"}), nn::ReLU({.name = "inner_act"}),
                       nn::Dense(2, {.in_features = 3, .name = "inner2"})};
  nn::Sequential model{nn::Dense(4, {.in_features = 3, .name = "outer1"})};
  model.add(std::move(block));
  try {
    model(xg::ones({2, 3}));
    BOOST_ERROR("expected a ShapeError");
  } catch (const xg::ShapeError& e) {
    const std::string what = e.what();
    BOOST_TEST(what.find("inner2 (Dense) expects input of shape (None, 3) but got (None, 4) from inner_act (ReLU)") !=
                   std::string::npos,
               what);
    // The outer container must not add its own predecessor: inner2's input is not outer1's output.
    BOOST_TEST(what.find("outer1") == std::string::npos, what);
  }
}

BOOST_AUTO_TEST_CASE(module_list_names_children_by_index) {
  nn::ModuleList list;
  list.push_back(nn::Dense(2, {.in_features = 3})).push_back(nn::Dense(1, {.in_features = 2, .use_bias = false}));
  BOOST_TEST(list.size() == 2u);
  const std::vector<std::string> expected = {"0.weight", "0.bias", "1.weight"};
  BOOST_TEST(names_of(list.named_parameters()) == expected, boost::test_tools::per_element());
  BOOST_TEST(list[-1].type_name() == "Dense");
  int visited = 0;
  for (const auto& m : list) visited += m->type_name() == "Dense";
  BOOST_TEST(visited == 2);
  expect_error<xg::IndexError>([&] { list[2]; }, {"index 2 is out of range for 2 layers"});
  expect_error<xg::ValueError>([&] { list(xg::ones({1, 3})); }, {"does not implement forward"});
}

BOOST_AUTO_TEST_SUITE_END()
