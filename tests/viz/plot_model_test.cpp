// Tests of plot_model (Keras-style model drawing) and of render_dot: golden DOT text of the seed
// MLP and of a nested model, the tutorial CNN's shapes and parameter count, every output format
// producing a valid file, escaping, and the errors for a bad path, an unknown format, bad DOT and a
// model that has not run.
#include <xgrad/core/creation.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/nn/nn.hpp>
#include <xgrad/viz/plot_model.hpp>
#include <xgrad/viz/render.hpp>

#include "core/expect.hpp"
#include "viz/render_check.hpp"

#include <boost/test/unit_test.hpp>

#include <memory>
#include <string>

namespace {

namespace nn = xg::nn;
namespace viz = xg::viz;
using xg::test::expect_error;

// The seed MLP of examples/mnist_mlp.cpp with fixed layer names, so its DOT text is stable.
std::unique_ptr<nn::Sequential> seed_mlp() {
  auto mlp = std::make_unique<nn::Sequential>();
  mlp->add(nn::Dense(256, {.in_features = 784, .activation = "relu", .name = "hidden"}));
  mlp->add(nn::Dense(10, {.activation = "softmax", .name = "predictions"}));
  mlp->set_name("mnist_mlp");
  return mlp;
}

// Dense -> [Dense -> Dropout] -> Dense, the middle one a nested Sequential named "block".
std::unique_ptr<nn::Sequential> nested_model() {
  nn::Sequential inner{nn::Dense(8, {.activation = "relu", .name = "inner_dense"}),
                       nn::Dropout(0.5, {.name = "inner_drop"})};
  inner.set_name("block");
  auto outer = std::make_unique<nn::Sequential>();
  outer->add(nn::Dense(16, {.in_features = 4, .name = "first"}));
  outer->add(std::make_shared<nn::Sequential>(std::move(inner)));
  outer->add(nn::Dense(2, {.name = "last"}));
  return outer;
}

const std::string kSeedMlpDot = R"dot(digraph model {
  rankdir=TB;
  concentrate=true;
  node [shape=plaintext, fontname="Helvetica", fontsize=11];
  edge [color="#555555", arrowsize=0.7];
  input [label=<<table border="0" cellborder="1" cellspacing="0" cellpadding="5" bgcolor="white"><tr><td colspan="2" bgcolor="#d9ead3"><b>input (InputLayer)</b></td></tr><tr><td align="left">Output shape</td><td align="left">(None, 784)</td></tr></table>>];
  layer0 [label=<<table border="0" cellborder="1" cellspacing="0" cellpadding="5" bgcolor="white"><tr><td colspan="2" bgcolor="#cfe2f3"><b>hidden (Dense)</b></td></tr><tr><td align="left">Input shape</td><td align="left">(None, 784)</td></tr><tr><td align="left">Output shape</td><td align="left">(None, 256)</td></tr><tr><td align="left">Params</td><td align="left">200,960</td></tr><tr><td align="left">Activation</td><td align="left">relu</td></tr></table>>];
  layer1 [label=<<table border="0" cellborder="1" cellspacing="0" cellpadding="5" bgcolor="white"><tr><td colspan="2" bgcolor="#cfe2f3"><b>predictions (Dense)</b></td></tr><tr><td align="left">Input shape</td><td align="left">(None, 256)</td></tr><tr><td align="left">Output shape</td><td align="left">(None, 10)</td></tr><tr><td align="left">Params</td><td align="left">2,570</td></tr><tr><td align="left">Activation</td><td align="left">softmax</td></tr></table>>];
  input -> layer0;
  layer0 -> layer1;
  label="Total params: 203,530 (trainable: 203,530)";
  labelloc=b;
  fontname="Helvetica";
  fontsize=11;
}
)dot";

const std::string kNestedDot = R"dot(digraph model {
  rankdir=LR;
  concentrate=true;
  node [shape=plaintext, fontname="Helvetica", fontsize=11];
  edge [color="#555555", arrowsize=0.7];
  layer0 [label=<<table border="0" cellborder="1" cellspacing="0" cellpadding="5" bgcolor="white"><tr><td colspan="2" bgcolor="#cfe2f3"><b>first (Dense)</b></td></tr></table>>];
  subgraph cluster_0 {
    label="block (Sequential)"; style=rounded; color="#888888"; fontname="Helvetica"; labelloc=t;
    layer1 [label=<<table border="0" cellborder="1" cellspacing="0" cellpadding="5" bgcolor="white"><tr><td colspan="2" bgcolor="#cfe2f3"><b>inner_dense (Dense)</b></td></tr></table>>];
    layer2 [label=<<table border="0" cellborder="1" cellspacing="0" cellpadding="5" bgcolor="white"><tr><td colspan="2" bgcolor="#cfe2f3"><b>inner_drop (Dropout)</b></td></tr></table>>];
  }
  layer3 [label=<<table border="0" cellborder="1" cellspacing="0" cellpadding="5" bgcolor="white"><tr><td colspan="2" bgcolor="#cfe2f3"><b>last (Dense)</b></td></tr></table>>];
  layer0 -> layer1;
  layer1 -> layer2;
  layer2 -> layer3;
}
)dot";

}  // namespace

BOOST_AUTO_TEST_SUITE(plot_model_test)

BOOST_AUTO_TEST_CASE(seed_mlp_dot_matches_golden_text) {
  auto mlp = seed_mlp();
  const std::string dot =
      viz::model_to_dot(*mlp, {.show_shapes = true, .show_params = true, .show_activations = true,
                               .input_shape = {784}});
  BOOST_TEST(dot == kSeedMlpDot);
}

BOOST_AUTO_TEST_CASE(nested_model_dot_matches_golden_text) {
  auto model = nested_model();
  const std::string dot = viz::model_to_dot(*model, {.rankdir = "LR", .expand_nested = true});
  BOOST_TEST(dot == kNestedDot);
  // The edge into the cluster is outside it, so "first" is not drawn inside "block".
  const std::size_t begin = dot.find("subgraph cluster_0");
  const std::string cluster = dot.substr(begin, dot.find("  }\n") - begin);
  BOOST_TEST(cluster.find("layer0") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(shapes_come_from_the_last_forward_pass) {
  auto mlp = seed_mlp();
  (*mlp)(xg::zeros({3, 784}));
  const std::string dot = viz::model_to_dot(static_cast<const nn::Module&>(*mlp), {.show_shapes = true});
  BOOST_TEST(dot.find("(None, 256)") != std::string::npos);
  BOOST_TEST(dot.find("(None, 10)") != std::string::npos);
  // Without show_shapes no shape rows are drawn.
  BOOST_TEST(viz::model_to_dot(*mlp).find("Output shape") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(tutorial_cnn_has_keras_shapes_and_parameter_count) {
  // examples/mnist_cnn.cpp: Keras reports 3,274,634 parameters and conv output (None, 28, 28, 32),
  // which is (None, 32, 28, 28) in xgrad's NCHW layout.
  nn::Sequential cnn{nn::Conv2d(32, {.kernel_size = 5, .padding = "same", .activation = "relu", .name = "conv1"}),
                     nn::MaxPool2d(2, {.name = "pool1"}),
                     nn::Conv2d(64, {.kernel_size = 5, .padding = "same", .activation = "relu", .name = "conv2"}),
                     nn::MaxPool2d(2, {.padding = "same", .name = "pool2"}),
                     nn::Flatten(),
                     nn::Dense(1024, {.activation = "relu"}),
                     nn::Dropout(0.3),
                     nn::Dense(10, {.activation = "softmax"})};
  const std::string dot =
      viz::model_to_dot(cnn, {.show_shapes = true, .show_params = true, .input_shape = {1, 28, 28}});
  BOOST_TEST(dot.find("Total params: 3,274,634") != std::string::npos);
  BOOST_TEST(dot.find("(None, 32, 28, 28)") != std::string::npos);
  BOOST_TEST(dot.find("(None, 64, 7, 7)") != std::string::npos);
  BOOST_TEST(dot.find("(None, 3136)") != std::string::npos);
  BOOST_TEST(dot.find("<td align=\"left\">832</td>") != std::string::npos);        // conv1
  BOOST_TEST(dot.find("<td align=\"left\">3,212,288</td>") != std::string::npos);  // Dense(1024)
  // The pass ran in eval mode and left the model in training mode.
  BOOST_TEST(cnn.is_training());
}

BOOST_AUTO_TEST_CASE(every_output_format_produces_a_valid_file) {
  xg::test::ScratchDir dir("plot_model");
  auto mlp = seed_mlp();
  const viz::PlotModelOptions options{.show_shapes = true, .show_params = true, .input_shape = {784}};

  viz::plot_model(*mlp, dir.file("mlp.png"), options);
  std::uint32_t width = 0, height = 0;
  xg::test::check_png(xg::test::read_file(dir.file("mlp.png")), &width, &height);
  BOOST_TEST(height > width);  // a top-to-bottom chain of three boxes

  viz::plot_model(*mlp, dir.file("mlp.svg"), options);
  const std::string svg = xg::test::read_file(dir.file("mlp.svg"));
  xg::test::check_svg(svg);
  BOOST_TEST(svg.find("hidden (Dense)") != std::string::npos);

  viz::plot_model(*mlp, dir.file("mlp.pdf"), options);
  xg::test::check_pdf(xg::test::read_file(dir.file("mlp.pdf")));

  viz::plot_model(*mlp, dir.file("mlp.dot"), options);
  BOOST_TEST(xg::test::read_file(dir.file("mlp.dot")) == viz::model_to_dot(*mlp, options));

  // Upper-case extensions work too, and no temporary file is left behind.
  viz::plot_model(*mlp, dir.file("MLP.SVG"), options);
  xg::test::check_svg(xg::test::read_file(dir.file("MLP.SVG")));
  BOOST_TEST(dir.entry_count() == 5u);
}

BOOST_AUTO_TEST_CASE(nested_clusters_render) {
  xg::test::ScratchDir dir("plot_model");
  auto model = nested_model();
  viz::plot_model(*model, dir.file("nested.svg"), {.show_shapes = true, .expand_nested = true, .input_shape = {4}});
  const std::string svg = xg::test::read_file(dir.file("nested.svg"));
  xg::test::check_svg(svg);
  BOOST_TEST(svg.find("block (Sequential)") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(layer_names_are_escaped) {
  xg::test::ScratchDir dir("plot_model");
  nn::Sequential model{nn::Dense(3, {.in_features = 2, .name = "a\"<b>&c"})};
  model.set_name("we\"ird");
  const std::string dot = viz::model_to_dot(model, {.expand_nested = true});
  BOOST_TEST(dot.find("a&quot;&lt;b&gt;&amp;c (Dense)") != std::string::npos);
  BOOST_TEST(dot.find("a\"<b>") == std::string::npos);
  viz::plot_model(model, dir.file("escaped.svg"));
  xg::test::check_svg(xg::test::read_file(dir.file("escaped.svg")));

  BOOST_TEST(viz::escape_html("x<y & \"z\">") == "x&lt;y &amp; &quot;z&quot;&gt;");
  BOOST_TEST(viz::escape_quoted("say \"hi\"\\n") == "say \\\"hi\\\"\\\\n");
}

BOOST_AUTO_TEST_CASE(bad_path_and_unknown_format_are_clear_errors) {
  xg::test::ScratchDir dir("plot_model");
  auto mlp = seed_mlp();
  const std::string missing = dir.file("no_such_dir") + "/model.png";
  expect_error<xg::Error>([&] { viz::plot_model(*mlp, missing); }, {"cannot render", missing, "does not exist"});
  expect_error<xg::ValueError>([&] { viz::plot_model(*mlp, dir.file("model.bmp")); },
                               {"unknown format '.bmp'", ".png, .svg, .pdf or .dot"});
  expect_error<xg::ValueError>([&] { viz::plot_model(*mlp, dir.file("model")); }, {"unknown format ''"});
  expect_error<xg::Error>([&] { viz::render_dot("digraph { a -> ; }", dir.file("bad.svg")); },
                          {"could not parse the DOT text", "Graphviz", "syntax error"});
  BOOST_TEST(dir.entry_count() == 0u);
}

BOOST_AUTO_TEST_CASE(shapes_of_a_model_that_never_ran_are_an_error) {
  auto mlp = seed_mlp();
  expect_error<xg::ValueError>([&] { viz::model_to_dot(*mlp, {.show_shapes = true}); },
                               {"layer 'hidden' (Dense) has not run yet", "input_shape"});
  const nn::Module& frozen = *mlp;
  expect_error<xg::ValueError>([&] { viz::model_to_dot(frozen, {.input_shape = {784}}); }, {"non-const model"});
  expect_error<xg::ValueError>([&] { viz::model_to_dot(*mlp, {.rankdir = "XY"}); }, {"rankdir", "'XY'"});
}

BOOST_AUTO_TEST_SUITE_END()
