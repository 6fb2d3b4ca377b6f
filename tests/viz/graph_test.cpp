// Tests of plot_graph (the autograd graph drawing) and of the profiled graph: parameters labelled
// with dotted names, clusters nested by module scope, collapsed modules, saved tensors, escaping and
// truncation, a 10,000-op graph, errors, and profile() reporting one entry per op with positive
// totals while leaving the model's gradients alone.
#include <xgrad/autograd/function_node.hpp>
#include <xgrad/autograd/ops/ops.hpp>
#include <xgrad/core/creation.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/nn/nn.hpp>
#include <xgrad/viz/plot_graph.hpp>
#include <xgrad/viz/profile.hpp>
#include <xgrad/viz/render.hpp>

#include "core/expect.hpp"
#include "viz/render_check.hpp"

#include <boost/test/unit_test.hpp>

#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

namespace {

namespace nn = xg::nn;
namespace viz = xg::viz;
using xg::Tensor;
using xg::test::expect_error;

// encoder = dense(x) * scale, inside net = head(encoder(x)): scopes "net", "net.encoder",
// "net.encoder.dense" and "net.head"; parameters "encoder.dense.weight", "encoder.scale", ...
struct Encoder : nn::Module {
  Encoder() : Module("Encoder") {
    set_name("encoder");
    dense = register_module("dense",
                            std::make_shared<nn::Dense>(4, nn::DenseOptions{.in_features = 3, .name = "dense"}));
    scale = register_parameter("scale", xg::ones({4}));
  }
  Tensor forward(const Tensor& x) override { return (*dense)(x) * scale; }
  std::shared_ptr<nn::Dense> dense;
  Tensor scale;
};

struct Net : nn::Module {
  Net() : Module("Net") {
    set_name("net");
    encoder = register_module("encoder", std::make_shared<Encoder>());
    head = register_module("head", std::make_shared<nn::Dense>(2, nn::DenseOptions{.in_features = 4, .name = "head"}));
  }
  Tensor forward(const Tensor& x) override { return (*head)((*encoder)(x)); }
  std::shared_ptr<Encoder> encoder;
  std::shared_ptr<nn::Dense> head;
};

// The text of the cluster labelled `label` ("subgraph cluster_k { ... }"), or "" if there is none.
std::string cluster_block(const std::string& dot, const std::string& label) {
  const std::size_t at = dot.find("label=\"" + label + "\";");
  if (at == std::string::npos) return "";
  const std::size_t begin = dot.rfind("subgraph cluster_", at);
  int depth = 0;
  for (std::size_t i = dot.find('{', begin); i < dot.size(); ++i) {
    if (dot[i] == '{') ++depth;
    if (dot[i] == '}' && --depth == 0) return dot.substr(begin, i + 1 - begin);
  }
  return "";
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

// Every graph node reachable from t (explicit stack).
std::vector<const xg::autograd::Node*> reachable(const Tensor& t) {
  std::vector<const xg::autograd::Node*> out, stack{t.grad_fn().get()};
  std::unordered_set<const xg::autograd::Node*> seen{stack.back()};
  while (!stack.empty()) {
    const auto* n = stack.back();
    stack.pop_back();
    out.push_back(n);
    for (const auto& e : n->next_edges())
      if (e.node && seen.insert(e.node.get()).second) stack.push_back(e.node.get());
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(plot_graph_test)

BOOST_AUTO_TEST_CASE(parameters_are_labelled_with_dotted_names_and_shapes) {
  Net net;
  const Tensor loss = net(xg::rand({5, 3})).sum();
  const std::string dot = viz::graph_to_dot(loss, {.params = net.named_parameters()});
  BOOST_TEST(dot.find("<b>encoder.dense.weight</b><br/><font point-size=\"9\">(4, 3)</font>") != std::string::npos);
  BOOST_TEST(dot.find("<b>encoder.dense.bias</b><br/><font point-size=\"9\">(4)</font>") != std::string::npos);
  BOOST_TEST(dot.find("<b>encoder.scale</b>") != std::string::npos);
  BOOST_TEST(dot.find("<b>head.weight</b><br/><font point-size=\"9\">(2, 4)</font>") != std::string::npos);
  // Ops show their output shapes; the root gets an output box.
  BOOST_TEST(dot.find("<b>LinearBackward</b><br/><font point-size=\"9\">(5, 2)</font>") != std::string::npos);
  BOOST_TEST(dot.find("<b>output</b><br/><font point-size=\"9\">()</font>") != std::string::npos);
  BOOST_TEST(count(dot, "->") == 9u);  // 2 + 3 into the Linears (x needs no grad), 2 Mul, 1 Sum, 1 output

  // Without names, leaves show the tensor's own name.
  const std::string plain = viz::graph_to_dot(loss, {.show_shapes = false});
  BOOST_TEST(plain.find("<b>weight</b>") != std::string::npos);
  BOOST_TEST(plain.find("encoder.dense.weight") == std::string::npos);
  BOOST_TEST(plain.find("<b>LinearBackward</b>>") != std::string::npos);  // no shape line
}

BOOST_AUTO_TEST_CASE(ops_are_grouped_in_nested_clusters_by_module_scope) {
  Net net;
  const Tensor loss = net(xg::rand({5, 3})).sum();
  const std::string dot = viz::graph_to_dot(loss, {.params = net.named_parameters()});
  const std::string outer = cluster_block(dot, "net");
  const std::string encoder = cluster_block(dot, "encoder");
  const std::string dense = cluster_block(dot, "dense");
  const std::string head = cluster_block(dot, "head");
  BOOST_TEST_REQUIRE(!dense.empty());
  BOOST_TEST_REQUIRE(!head.empty());
  BOOST_TEST(outer.find(encoder) != std::string::npos);  // net > encoder > dense
  BOOST_TEST(encoder.find(dense) != std::string::npos);
  BOOST_TEST(outer.find(head) != std::string::npos);
  BOOST_TEST(encoder.find(head) == std::string::npos);
  BOOST_TEST(dense.find("encoder.dense.weight") != std::string::npos);
  BOOST_TEST(dense.find("LinearBackward") != std::string::npos);
  BOOST_TEST(dense.find("MulBackward") == std::string::npos);  // the Mul belongs to encoder itself
  BOOST_TEST(encoder.find("MulBackward") != std::string::npos);
  BOOST_TEST(encoder.find("encoder.scale") != std::string::npos);
  BOOST_TEST(outer.find("SumBackward") == std::string::npos);  // the loss ran outside the model

  BOOST_TEST(viz::graph_to_dot(loss, {.group_by_module = false}).find("subgraph") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(innermost_modules_collapse_to_one_box) {
  Net net;
  const Tensor loss = net(xg::rand({5, 3})).sum();
  const std::string dot = viz::graph_to_dot(loss, {.params = net.named_parameters(), .collapse_modules = true});
  BOOST_TEST(dot.find("LinearBackward") == std::string::npos);
  BOOST_TEST(count(dot, "peripheries=2") == 2u);  // dense and head
  BOOST_TEST(dot.find("<b>dense</b><br/><font point-size=\"9\">Linear</font><br/><font point-size=\"9\">(5, 4)</font>"
                      "<br/><font point-size=\"9\">weight (4, 3)</font>") != std::string::npos);
  // encoder holds a module, so it stays a cluster around its own Mul and the collapsed dense box.
  const std::string encoder = cluster_block(dot, "encoder");
  BOOST_TEST(encoder.find("MulBackward") != std::string::npos);
  BOOST_TEST(encoder.find("<b>dense</b>") != std::string::npos);
  BOOST_TEST(dot.find("m0 -> n") != std::string::npos);  // dense -> Mul
  BOOST_TEST(dot.find("-> m1;") != std::string::npos);   // ... -> head
  BOOST_TEST(dot.find("m1 -> n") != std::string::npos);  // head -> Sum
}

BOOST_AUTO_TEST_CASE(saved_tensors_are_drawn_until_backward_frees_them) {
  Net net;
  const Tensor loss = net(xg::rand({5, 3})).sum();
  const std::string before = viz::graph_to_dot(loss, {.params = net.named_parameters(), .show_saved = true});
  BOOST_TEST(count(before, "style=dashed") > 0u);
  // A saved parameter keeps its name (Mul saved encoder.scale).
  BOOST_TEST(before.find("<b>encoder.scale</b><br/><font point-size=\"9\">(4)</font>>, fillcolor=\"#f9cb9c\"") !=
             std::string::npos);
  loss.backward();
  const std::string after = viz::graph_to_dot(loss, {.params = net.named_parameters(), .show_saved = true});
  BOOST_TEST(count(after, "style=dashed") == 0u);
  BOOST_TEST(viz::graph_to_dot(loss, {.params = net.named_parameters()}).find("#f9cb9c") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(names_are_escaped_and_long_labels_truncated) {
  xg::test::ScratchDir dir("plot_graph");
  Net net;
  net.encoder->set_name("enc\"<&>");
  const Tensor loss = net(xg::rand({2, 3})).sum();
  const std::string long_name(100, 'w');
  const std::string dot = viz::graph_to_dot(
      loss, {.params = {{"we\"ird<&>", net.head->weight}, {long_name, net.head->bias}}, .max_label = 20});
  BOOST_TEST(dot.find("<b>we&quot;ird&lt;&amp;&gt;</b>") != std::string::npos);
  BOOST_TEST(dot.find("label=\"enc\\\"<&>\";") != std::string::npos);  // cluster labels are quoted strings
  BOOST_TEST(dot.find("<b>" + std::string(17, 'w') + "...</b>") != std::string::npos);
  BOOST_TEST(dot.find(long_name) == std::string::npos);
  viz::render_dot(dot, dir.file("escaped.svg"));
  const std::string svg = xg::test::read_file(dir.file("escaped.svg"));
  xg::test::check_svg(svg);
  BOOST_TEST(svg.find("we&quot;ird&lt;&amp;&gt;") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(truncate_label_counts_code_points) {
  BOOST_TEST(viz::truncate_label("abcdef", 6) == "abcdef");
  BOOST_TEST(viz::truncate_label("abcdefg", 6) == "abc...");
  BOOST_TEST(viz::truncate_label("\u00e9\u00e9\u00e9\u00e9\u00e9", 5) == "\u00e9\u00e9\u00e9\u00e9\u00e9");
  BOOST_TEST(viz::truncate_label("\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9", 5) == "\u00e9\u00e9...");
}

BOOST_AUTO_TEST_CASE(a_10000_op_graph_renders_to_svg) {
  xg::test::ScratchDir dir("plot_graph");
  Tensor x = xg::ones({2}, {.requires_grad = true});
  x.set_name("x");
  Tensor y = x;
  for (int i = 0; i < 10000; ++i) y = y * 0.5;
  const std::string dot = viz::graph_to_dot(y);
  BOOST_TEST(count(dot, "<b>MulScalarBackward</b>") == 10000u);
  BOOST_TEST(count(dot, "->") == 10001u);
  viz::plot_graph(y, dir.file("chain.svg"));
  const std::string svg = xg::test::read_file(dir.file("chain.svg"));
  xg::test::check_svg(svg);
  BOOST_TEST(count(svg, "class=\"node\"") == 10002u);  // the ops, the leaf and the output
}

BOOST_AUTO_TEST_CASE(every_output_format_of_plot_graph_is_valid) {
  xg::test::ScratchDir dir("plot_graph");
  Net net;
  const Tensor loss = net(xg::rand({5, 3})).sum();
  const viz::PlotGraphOptions options{.params = net.named_parameters(), .show_saved = true, .rankdir = "LR"};
  viz::plot_graph(loss, dir.file("g.png"), options);
  std::uint32_t width = 0, height = 0;
  xg::test::check_png(xg::test::read_file(dir.file("g.png")), &width, &height);
  BOOST_TEST(width > height);  // left to right
  viz::plot_graph(loss, dir.file("g.svg"), options);
  xg::test::check_svg(xg::test::read_file(dir.file("g.svg")));
  viz::plot_graph(loss, dir.file("g.pdf"), options);
  xg::test::check_pdf(xg::test::read_file(dir.file("g.pdf")));
  viz::plot_graph(loss, dir.file("g.dot"), options);
  BOOST_TEST(xg::test::read_file(dir.file("g.dot")) == viz::graph_to_dot(loss, options));
}

BOOST_AUTO_TEST_CASE(errors_name_the_problem) {
  xg::test::ScratchDir dir("plot_graph");
  expect_error<xg::ValueError>([] { viz::graph_to_dot(Tensor()); }, {"plot_graph", "undefined"});
  expect_error<xg::ValueError>([] { viz::graph_to_dot(xg::ones({2, 3})); },
                               {"shape [2, 3]", "has no autograd graph", "NoGradGuard"});
  const Tensor x = xg::ones({2}, {.requires_grad = true});
  const Tensor y = x * 2.0;
  expect_error<xg::ValueError>([&] { viz::graph_to_dot(y, {.rankdir = "up"}); }, {"rankdir", "'up'"});
  expect_error<xg::ValueError>([&] { viz::graph_to_dot(y, {.max_label = 3}); }, {"max_label", "3"});
  expect_error<xg::Error>([&] { viz::plot_graph(y, dir.file("missing") + "/g.svg"); }, {"does not exist"});
  expect_error<xg::ValueError>([&] { viz::plot_graph(y, dir.file("g.jpeg")); }, {"unknown format '.jpeg'"});
  // A leaf that requires grad is a graph of one box.
  const std::string leaf = viz::graph_to_dot(x, {.params = {{"x", x}}});
  BOOST_TEST(leaf.find("<b>x</b>") != std::string::npos);
  BOOST_TEST(count(leaf, "->") == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(profile_test)

BOOST_AUTO_TEST_CASE(profile_reports_one_entry_per_op_and_positive_totals) {
  Net net;
  const Tensor x = xg::rand({8, 3});
  const auto result = viz::profile(net, x, {.loss = [](const Tensor& y) { return y.sum(); }});
  BOOST_TEST(xg::autograd::op_observer() == nullptr);  // the hook is removed again

  std::size_t ops = 0, leaves = 0;
  for (const auto* node : reachable(result.output)) {
    const viz::OpProfile* entry = result.find(*node);
    BOOST_TEST_REQUIRE(entry != nullptr, "no profile entry for " << node->name());
    if (dynamic_cast<const xg::autograd::AccumulateGrad*>(node)) {
      ++leaves;
    } else {
      ++ops;
      BOOST_TEST(entry->name == node->name());
    }
  }
  BOOST_TEST(result.ops.size() == ops);
  BOOST_TEST(ops == 4u);  // Linear, Mul, Linear, Sum
  BOOST_TEST(result.leaves.size() == leaves);
  BOOST_TEST(leaves == net.parameters().size());

  BOOST_TEST(result.forward_ms > 0.0);
  BOOST_TEST(result.backward_ms > 0.0);
  BOOST_TEST(result.forward_wall_ms >= result.forward_ms * 0.5);
  BOOST_TEST(result.bytes_saved > 0);
  std::int64_t allocated = 0;
  for (const auto& op : result.ops) {
    std::int64_t numel = 1;
    for (auto d : op.output_shape) numel *= d;
    BOOST_TEST(op.bytes_allocated == numel * 4);
    allocated += op.bytes_allocated;
  }
  BOOST_TEST(result.bytes_allocated == allocated);
  // Scopes are recorded per op.
  BOOST_TEST(result.ops.front().scope == "net.encoder.dense");
  BOOST_TEST(result.ops.back().scope == "");
}

BOOST_AUTO_TEST_CASE(profile_leaves_the_model_gradients_alone) {
  Net net;
  net.head->bias.set_grad(xg::full({2}, 7.0));
  const auto result = viz::profile(net, xg::rand({4, 3}), {.warmup = 0});  // backward from a [4, 2] output
  xg::test::expect_values(net.head->bias.grad(), {2}, {7.0, 7.0});
  BOOST_TEST(!net.head->weight.grad().defined());
  BOOST_TEST(!net.encoder->scale.grad().defined());
  BOOST_TEST(result.ops.size() == 3u);  // Linear, Mul, Linear: no loss ops
  expect_error<xg::ValueError>([&] { viz::profile(net, xg::rand({4, 3}), {.warmup = -1}); }, {"warmup", "-1"});
}

BOOST_AUTO_TEST_CASE(profiled_graph_is_a_heat_map_with_totals) {
  xg::test::ScratchDir dir("profile");
  Net net;
  const auto result = viz::profile(net, xg::rand({8, 3}), {.loss = [](const Tensor& y) { return y.sum(); }});
  const std::string dot = viz::profile_to_dot(result);
  BOOST_TEST(dot.find("Profile: one forward and backward pass") != std::string::npos);
  BOOST_TEST(dot.find("recorded ops / parameters") != std::string::npos);
  BOOST_TEST(dot.find("encoder.dense.weight") != std::string::npos);  // result.params label the leaves
  BOOST_TEST(count(dot, "fwd ") == result.ops.size());
  BOOST_TEST(count(dot, "grad accumulate ") == result.leaves.size());
  BOOST_TEST(dot.find("fillcolor=\"#800026\"") != std::string::npos);  // the hottest box is darkest

  const std::string collapsed = viz::profile_to_dot(result, {.collapse_modules = true}, viz::HeatMetric::Memory);
  BOOST_TEST(collapsed.find("colour: memory (allocated + saved) per box") != std::string::npos);
  BOOST_TEST(count(collapsed, "peripheries=2") == 2u);
  BOOST_TEST(collapsed.find("<b>dense</b>") != std::string::npos);

  viz::plot_profile(result, dir.file("profile.svg"), {.collapse_modules = true});
  xg::test::check_svg(xg::test::read_file(dir.file("profile.svg")));
  viz::plot_profile(result, dir.file("profile.png"));
  xg::test::check_png(xg::test::read_file(dir.file("profile.png")));
  expect_error<xg::ValueError>([] { viz::profile_to_dot(viz::ProfileResult{}); }, {"no output"});
}

BOOST_AUTO_TEST_SUITE_END()
