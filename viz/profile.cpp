// Profiled graph: measurement through the autograd::OpObserver hook, and the heat-map drawing
// (see profile.hpp).
#include <xgrad/viz/profile.hpp>

#include <xgrad/autograd/engine.hpp>
#include <xgrad/autograd/function_node.hpp>
#include <xgrad/core/creation.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/core/tensor_impl.hpp>
#include <xgrad/train/summary.hpp>
#include <xgrad/viz/render.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

namespace xg::viz {
namespace {

using Clock = std::chrono::steady_clock;

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

std::int64_t tensor_bytes(const Shape& shape, Dtype dtype) {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n * static_cast<std::int64_t>(element_size(dtype));
}

// Collects the events of one forward and backward pass on this thread.
class Recorder final : public autograd::OpObserver {
 public:
  Recorder() : previous_(autograd::set_op_observer(this)), last_(Clock::now()) {}
  ~Recorder() override { autograd::set_op_observer(previous_); }
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  void recorded(const autograd::Node& node) override {
    const auto now = Clock::now();
    OpProfile op;
    op.node = node.shared_from_this();
    op.name = node.name();
    op.scope = node.scope();
    op.output_shape = node.output_shape();
    op.forward_ms = ms_between(last_, now);
    op.bytes_allocated = tensor_bytes(node.output_shape(), node.output_dtype());
    index_[&node] = {false, ops_.size()};
    ops_.push_back(std::move(op));
    last_ = Clock::now();  // the bookkeeping above is not charged to the next op
  }

  void backward_begin(const autograd::Node&) override { started_ = Clock::now(); }

  void backward_end(const autograd::Node& node) override {
    const double ms = ms_between(started_, Clock::now());
    auto it = index_.find(&node);
    if (it == index_.end()) {
      if (!dynamic_cast<const autograd::AccumulateGrad*>(&node)) return;  // an op recorded before profile()
      OpProfile leaf;
      leaf.node = node.shared_from_this();
      leaf.name = node.name();
      leaf.scope = node.scope();
      leaf.output_shape = node.output_shape();
      it = index_.emplace(&node, std::make_pair(true, leaves_.size())).first;
      leaves_.push_back(std::move(leaf));
    }
    auto& [is_leaf, i] = it->second;
    (is_leaf ? leaves_[i] : ops_[i]).backward_ms += ms;
  }

  std::vector<OpProfile>& ops() { return ops_; }
  std::vector<OpProfile>& leaves() { return leaves_; }

 private:
  autograd::OpObserver* previous_;
  Clock::time_point last_, started_;
  std::vector<OpProfile> ops_, leaves_;
  std::unordered_map<const autograd::Node*, std::pair<bool, std::size_t>> index_;
};

// Saved-for-backward sizes, read after the forward (backward frees them).
void measure_saved(std::vector<OpProfile>& ops, std::int64_t& unique_total) {
  std::set<std::tuple<const void*, std::int64_t, std::int64_t>> seen;
  unique_total = 0;
  for (auto& op : ops) {
    for (const auto& t : op.node->saved_tensors()) {
      if (!t.defined()) continue;
      const TensorImpl* impl = t.impl();
      const std::int64_t bytes = tensor_bytes(impl->shape, impl->dtype);
      op.bytes_saved += bytes;
      if (seen.emplace(impl->storage.get(), impl->offset, impl->numel).second) unique_total += bytes;
    }
  }
}

// ---- drawing ------------------------------------------------------------------------------------
// ColorBrewer YlOrRd, 9 classes: pale yellow (cold) to dark red (hot).
constexpr const char* kHeat[] = {"#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c",
                                 "#fc4e2a", "#e31a1c", "#bd0026", "#800026"};

std::string format_ms(double ms) {
  char buf[32];
  if (ms >= 100) std::snprintf(buf, sizeof buf, "%.0f ms", ms);
  else if (ms >= 1) std::snprintf(buf, sizeof buf, "%.2f ms", ms);
  else std::snprintf(buf, sizeof buf, "%.0f us", ms * 1000.0);
  return buf;
}

struct Totals {
  double forward_ms = 0, backward_ms = 0;
  std::int64_t allocated = 0, saved = 0;
  void add(const OpProfile& op) {
    forward_ms += op.forward_ms;
    backward_ms += op.backward_ms;
    allocated += op.bytes_allocated;
    saved += op.bytes_saved;
  }
};

double metric_value(const Totals& t, HeatMetric metric) {
  switch (metric) {
    case HeatMetric::ForwardTime: return t.forward_ms;
    case HeatMetric::BackwardTime: return t.backward_ms;
    case HeatMetric::Memory: return static_cast<double>(t.allocated + t.saved);
    case HeatMetric::Time: break;
  }
  return t.forward_ms + t.backward_ms;
}

const char* metric_title(HeatMetric metric) {
  switch (metric) {
    case HeatMetric::ForwardTime: return "forward time";
    case HeatMetric::BackwardTime: return "backward time";
    case HeatMetric::Memory: return "memory (allocated + saved)";
    case HeatMetric::Time: break;
  }
  return "forward + backward time";
}

std::string format_metric(double v, HeatMetric metric) {
  return metric == HeatMetric::Memory ? train::human_bytes(v) : format_ms(v);
}

class HeatMap {
 public:
  HeatMap(const ProfileResult& result, const PlotGraphOptions& options, HeatMetric metric)
      : result_(result), metric_(metric) {
    for (const auto& op : result.ops) by_node_[op.node.get()] = &op;
    for (const auto& leaf : result.leaves) by_node_[leaf.node.get()] = &leaf;
    // The scale's maximum is taken over the boxes actually drawn: collapsed innermost modules
    // (scopes with no nested scope) and the remaining single ops.
    std::map<std::string, Totals> by_scope;
    std::set<std::string> scopes;
    for (const auto& op : result.ops) scopes.insert(op.scope);
    auto innermost = [&](const std::string& s) {
      if (s.empty() || !options.group_by_module) return false;
      auto it = scopes.lower_bound(s + ".");
      return it == scopes.end() || it->rfind(s + ".", 0) != 0;
    };
    for (const auto* list : {&result.ops, &result.leaves})
      for (const auto& op : *list) {
        if (options.collapse_modules && innermost(op.scope)) {
          by_scope[op.scope].add(op);
        } else {
          Totals t;
          t.add(op);
          max_ = std::max(max_, metric_value(t, metric_));
        }
      }
    for (const auto& [scope, t] : by_scope) max_ = std::max(max_, metric_value(t, metric_));
  }

  GraphAnnotations annotations() const {
    GraphAnnotations a;
    a.node = [this](const autograd::Node& node) -> std::optional<NodeAnnotation> {
      auto it = by_node_.find(&node);
      if (it == by_node_.end()) return std::nullopt;
      Totals t;
      t.add(*it->second);
      return annotate(t, dynamic_cast<const autograd::AccumulateGrad*>(&node) != nullptr);
    };
    a.module = [this](const std::string&, const std::vector<const autograd::Node*>& nodes)
        -> std::optional<NodeAnnotation> {
      Totals t;
      for (const auto* n : nodes) {
        auto it = by_node_.find(n);
        if (it != by_node_.end()) t.add(*it->second);
      }
      return annotate(t, false);
    };
    a.legend_html = legend();
    return a;
  }

 private:
  NodeAnnotation annotate(const Totals& t, bool leaf) const {
    NodeAnnotation note;
    if (leaf) {
      note.lines.push_back("grad accumulate " + format_ms(t.backward_ms));
    } else {
      note.lines.push_back("fwd " + format_ms(t.forward_ms) + " | bwd " + format_ms(t.backward_ms));
      note.lines.push_back("out " + train::human_bytes(static_cast<double>(t.allocated)) + " | saved " +
                           train::human_bytes(static_cast<double>(t.saved)));
    }
    const int level = level_of(metric_value(t, metric_));
    note.fill = kHeat[level];
    if (level >= 6) note.font_color = "white";
    return note;
  }

  int level_of(double v) const {
    if (max_ <= 0 || v <= 0) return 0;
    return std::clamp(static_cast<int>(v / max_ * 9.0), 0, 8);
  }

  std::string legend() const {
    const ProfileResult& r = result_;
    std::string html = "<table border=\"0\" cellborder=\"0\" cellspacing=\"2\" cellpadding=\"2\">";
    auto row = [&](const std::string& k, const std::string& v) {
      html += "<tr><td align=\"left\" colspan=\"4\">" + escape_html(k) + "</td><td align=\"left\" colspan=\"5\">" +
              escape_html(v) + "</td></tr>";
    };
    html += "<tr><td align=\"left\" colspan=\"9\"><b>Profile: one forward and backward pass</b></td></tr>";
    row("forward (sum of ops)", format_ms(r.forward_ms) + " (wall " + format_ms(r.forward_wall_ms) + ")");
    row("backward (sum of nodes)", format_ms(r.backward_ms) + " (wall " + format_ms(r.backward_wall_ms) + ")");
    row("allocated (op outputs)", train::human_bytes(static_cast<double>(r.bytes_allocated)));
    row("saved for backward", train::human_bytes(static_cast<double>(r.bytes_saved)));
    row("recorded ops / parameters", std::to_string(r.ops.size()) + " / " + std::to_string(r.leaves.size()));
    html += "<tr><td align=\"left\" colspan=\"9\">colour: " + escape_html(metric_title(metric_)) +
            " per box</td></tr><tr>";
    for (const char* c : kHeat) html += "<td bgcolor=\"" + std::string(c) + "\" width=\"22\" height=\"12\"></td>";
    html += "</tr><tr><td align=\"left\" colspan=\"4\">0</td><td align=\"right\" colspan=\"5\">" +
            escape_html(format_metric(max_, metric_)) + "</td></tr></table>";
    return html;
  }

  const ProfileResult& result_;
  HeatMetric metric_;
  std::unordered_map<const autograd::Node*, const OpProfile*> by_node_;
  double max_ = 0.0;
};

}  // namespace

const OpProfile* ProfileResult::find(const autograd::Node& node) const {
  for (const auto* list : {&ops, &leaves})
    for (const auto& op : *list)
      if (op.node.get() == &node) return &op;
  return nullptr;
}

namespace {
Tensor forward_with_loss(nn::Module& model, const Tensor& input, const ProfileLoss& loss) {
  Tensor output = model(input);
  return loss ? loss(output) : output;
}

void run_backward(const Tensor& output) {
  if (output.numel() == 1) output.backward();
  else output.backward(ones_like(output));
}
}  // namespace

ProfileResult profile(nn::Module& model, const Tensor& input, const ProfileOptions& options) {
  if (options.warmup < 0) throw ValueError("profile: warmup must be >= 0, got " + std::to_string(options.warmup));
  ProfileResult result;
  // Backward must not disturb the model's gradients: park them and put them back afterwards (also
  // on an exception). Lazily built layers create their parameters during the first forward; those
  // had no gradient and get none back.
  struct Restore {
    nn::Module& model;
    std::vector<std::pair<std::string, Tensor>> params = model.named_parameters();
    std::vector<Tensor> grads;
    explicit Restore(nn::Module& m) : model(m) {
      for (auto& [name, p] : params) {
        grads.push_back(p.grad());
        p.set_grad(Tensor());
      }
    }
    ~Restore() {
      for (auto& p : model.parameters()) p.set_grad(Tensor());
      for (std::size_t i = 0; i < grads.size(); ++i) params[i].second.set_grad(grads[i]);
    }
    Restore(const Restore&) = delete;
    Restore& operator=(const Restore&) = delete;
  } restore(model);

  for (int i = 0; i < options.warmup; ++i) {
    run_backward(forward_with_loss(model, input, options.loss));
    for (auto& p : model.parameters()) p.set_grad(Tensor());
  }

  Recorder recorder;
  const auto start = Clock::now();
  Tensor output = forward_with_loss(model, input, options.loss);
  const auto forward_done = Clock::now();
  measure_saved(recorder.ops(), result.bytes_saved);
  const auto backward_start = Clock::now();
  run_backward(output);
  const auto backward_done = Clock::now();

  result.output = output;
  result.params = model.named_parameters();
  result.ops = std::move(recorder.ops());
  result.leaves = std::move(recorder.leaves());
  result.forward_wall_ms = ms_between(start, forward_done);
  result.backward_wall_ms = ms_between(backward_start, backward_done);
  for (const auto& op : result.ops) {
    result.forward_ms += op.forward_ms;
    result.backward_ms += op.backward_ms;
    result.bytes_allocated += op.bytes_allocated;
  }
  for (const auto& leaf : result.leaves) result.backward_ms += leaf.backward_ms;
  return result;
}

std::string profile_to_dot(const ProfileResult& result, PlotGraphOptions options, HeatMetric metric) {
  if (!result.output.defined())
    throw ValueError("profile_to_dot: the profile result holds no output (run profile() first)");
  if (options.params.empty()) options.params = result.params;
  HeatMap heat(result, options, metric);
  return graph_to_dot(result.output, options, heat.annotations());
}

void plot_profile(const ProfileResult& result, const std::string& path, PlotGraphOptions options, HeatMetric metric) {
  const int dpi = options.dpi;
  render_dot(profile_to_dot(result, std::move(options), metric), path, dpi);
}

}  // namespace xg::viz
