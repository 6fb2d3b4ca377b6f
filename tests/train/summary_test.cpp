// Model::summary(): the golden table of the tutorial MLP, layer names as the layers have them, "?"
// before the first forward, the output shapes and parameter total of the tutorial CNN, custom
// modules, non-trainable parameters, and the formatting helpers.
#include "helpers.hpp"

#include <xgrad/train/summary.hpp>

using namespace train_test;

namespace {

// Every row line of a summary table that names a layer.
std::vector<std::string> layer_rows(const std::string& table) {
  std::vector<std::string> out;
  std::istringstream in(table);
  for (std::string line; std::getline(in, line);)
    if (line.rfind("│ ", 0) == 0) out.push_back(line);
  return out;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_SUITE(summary)

BOOST_AUTO_TEST_CASE(tutorial_mlp_golden_table) {
  xg::Sequential model{nn::Dense(256, {.activation = "relu", .name = "hidden"}),
                       nn::Dense(10, {.activation = "softmax", .name = "output"})};
  model.set_name("mnist_mlp");
  model.build({784});
  const std::string expected =
      "Model: \"mnist_mlp\"\n"
      "┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━┓\n"
      "┃ Layer (type)                         ┃ Output Shape                ┃         Param # ┃\n"
      "┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━┩\n"
      "│ hidden (Dense)                       │ (None, 256)                 │         200,960 │\n"
      "├──────────────────────────────────────┼─────────────────────────────┼─────────────────┤\n"
      "│ output (Dense)                       │ (None, 10)                  │           2,570 │\n"
      "└──────────────────────────────────────┴─────────────────────────────┴─────────────────┘\n"
      " Total params: 203,530 (795.04 KB)\n"
      " Trainable params: 203,530 (795.04 KB)\n"
      " Non-trainable params: 0 (0.00 B)\n";
  BOOST_TEST(model.summary() == expected);
  std::ostringstream printed;
  model.print_summary(printed);
  BOOST_TEST(printed.str() == expected);
}

BOOST_AUTO_TEST_CASE(automatic_layer_names_appear_as_the_layers_have_them) {
  xg::Sequential model{nn::Dense(256, {.in_features = 784, .activation = "relu"}), nn::Dense(10, {.activation = "softmax"})};
  model.build({784});
  const auto rows = layer_rows(model.summary());
  BOOST_TEST_REQUIRE(rows.size() == 2u);
  const std::string first = model[0].name(), second = model[1].name();
  BOOST_TEST(first.rfind("dense_", 0) == 0u, first);  // names come from a process-wide counter
  BOOST_TEST(second.rfind("dense_", 0) == 0u, second);
  BOOST_TEST(first != second);
  BOOST_TEST(rows[0].rfind("│ " + first + " (Dense) ", 0) == 0u, rows[0]);
  BOOST_TEST(rows[1].rfind("│ " + second + " (Dense) ", 0) == 0u, rows[1]);
  BOOST_TEST(contains(model.summary(), "Model: \"" + model.name() + "\"\n"));
  BOOST_TEST(model.name().rfind("sequential_", 0) == 0u, model.name());
}

BOOST_AUTO_TEST_CASE(shapes_are_unknown_before_the_first_forward) {
  xg::Sequential model{nn::Dense(256, {.in_features = 784, .activation = "relu"}), nn::Dense(10)};
  const auto rows = layer_rows(model.summary());
  BOOST_TEST_REQUIRE(rows.size() == 2u);
  BOOST_TEST(contains(rows[0], "│ ?  "), rows[0]);
  BOOST_TEST(contains(rows[0], " 200,960 │"), rows[0]);
  BOOST_TEST(contains(rows[1], " 0 │"), rows[1]);  // lazy: no weights yet
  BOOST_TEST(contains(model.summary(), " Total params: 200,960 (785.00 KB)\n"));
  model.build({784});
  BOOST_TEST(contains(model.summary(), " Total params: 203,530 (795.04 KB)\n"));
}

BOOST_AUTO_TEST_CASE(tutorial_cnn_shapes_and_total) {
  xg::Sequential model{nn::Conv2d(32, {.kernel_size = 5, .padding = "same", .activation = "relu"}),
                       nn::MaxPool2d(2),
                       nn::Conv2d(64, {.kernel_size = 5, .padding = "same", .activation = "relu"}),
                       nn::MaxPool2d(2),
                       nn::Flatten(),
                       nn::Dense(1024, {.activation = "relu"}),
                       nn::Dropout(0.3),
                       nn::Dense(10, {.activation = "softmax"})};
  model.build({1, 28, 28});
  const std::string table = model.summary();
  const auto rows = layer_rows(table);
  BOOST_TEST_REQUIRE(rows.size() == 8u);
  const std::vector<std::pair<std::string, std::string>> expected{
      {"(Conv2d)", "│ (None, 32, 28, 28)          │             832 │"},
      {"(MaxPool2d)", "│ (None, 32, 14, 14)          │               0 │"},
      {"(Conv2d)", "│ (None, 64, 14, 14)          │          51,264 │"},
      {"(MaxPool2d)", "│ (None, 64, 7, 7)            │               0 │"},
      {"(Flatten)", "│ (None, 3136)                │               0 │"},
      {"(Dense)", "│ (None, 1024)                │       3,212,288 │"},
      {"(Dropout)", "│ (None, 1024)                │               0 │"},
      {"(Dense)", "│ (None, 10)                  │          10,250 │"}};
  for (std::size_t i = 0; i < rows.size(); ++i)
    BOOST_TEST_CONTEXT("row " << i << ": " << rows[i]) {
      BOOST_TEST(contains(rows[i], model[static_cast<std::int64_t>(i)].name() + " " + expected[i].first));
      BOOST_TEST(contains(rows[i], expected[i].second));
    }
  BOOST_TEST(contains(table, " Total params: 3,274,634 (12.49 MB)\n"), table);
  BOOST_TEST(contains(table, " Trainable params: 3,274,634 (12.49 MB)\n"), table);
}

BOOST_AUTO_TEST_CASE(custom_module_lists_its_children_and_frozen_parameters) {
  struct Net : nn::Module {
    Net() : Module("Net") {
      fc1 = register_module("fc1", std::make_shared<nn::Linear>(784, 32));
      fc2 = register_module("fc2", std::make_shared<nn::Linear>(32, 10));
      scale = register_parameter("scale", xg::ones({10}), /*trainable=*/false);
    }
    Tensor forward(const Tensor& x) override { return (*fc2)(xg::relu((*fc1)(x))) * scale; }
    std::shared_ptr<nn::Linear> fc1, fc2;
    Tensor scale;
  };
  auto net = std::make_shared<Net>();
  net->set_name("net");
  xg::train::Model model(net);
  model.build({784});
  const std::string table = model.summary();
  const auto rows = layer_rows(table);
  BOOST_TEST_REQUIRE(rows.size() == 2u);
  BOOST_TEST(contains(rows[0], net->fc1->name() + " (Linear)"), rows[0]);
  BOOST_TEST(contains(rows[0], "(None, 32)"), rows[0]);
  BOOST_TEST(contains(rows[0], " 25,120 │"), rows[0]);
  BOOST_TEST(contains(rows[1], " 330 │"), rows[1]);
  BOOST_TEST(contains(table, "Model: \"net\"\n"));
  BOOST_TEST(contains(table, " Total params: 25,460 (99.45 KB)\n"), table);
  BOOST_TEST(contains(table, " Trainable params: 25,450 (99.41 KB)\n"), table);
  BOOST_TEST(contains(table, " Non-trainable params: 10 (40.00 B)\n"), table);
}

BOOST_AUTO_TEST_CASE(formatting_helpers) {
  BOOST_TEST(xg::train::keras_shape({1, 32, 28, 28}) == "(None, 32, 28, 28)");
  BOOST_TEST(xg::train::keras_shape({5}) == "(None,)");
  BOOST_TEST(xg::train::keras_shape({}) == "?");
  BOOST_TEST(xg::train::with_thousands(0) == "0");
  BOOST_TEST(xg::train::with_thousands(999) == "999");
  BOOST_TEST(xg::train::with_thousands(1000) == "1,000");
  BOOST_TEST(xg::train::with_thousands(3274634) == "3,274,634");
  BOOST_TEST(xg::train::with_thousands(-1234567) == "-1,234,567");
  BOOST_TEST(xg::train::human_bytes(0) == "0.00 B");
  BOOST_TEST(xg::train::human_bytes(814120) == "795.04 KB");
  BOOST_TEST(xg::train::human_bytes(1024.0 * 1024 * 3) == "3.00 MB");
}

BOOST_AUTO_TEST_SUITE_END()
