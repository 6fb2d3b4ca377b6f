// Checkpoint files (see checkpoint.hpp). Saving flattens a CheckpointState into named tensors and
// metadata strings and hands them to save_safetensors (atomic). Loading lets the safetensors
// layer validate the framing, then sorts every tensor and metadata entry into its section,
// rejecting anything unknown, and checks the invariants shared with saving (check_consistency).
// Errors carry the byte offset of the offending entry's name in the JSON header; the header is
// read again only on that error path.
#include <xgrad/io/checkpoint.hpp>

#include <xgrad/core/creation.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/io/safetensors_header.hpp>

#include <algorithm>
#include <charconv>
#include <climits>
#include <fstream>
#include <functional>
#include <limits>

namespace xg::io {
namespace {

constexpr const char* kFormatName = "checkpoint";

// Tensor sections.
constexpr std::string_view kModel = "model.", kOptimizer = "optimizer.", kScheduler = "scheduler.";
constexpr std::string_view kHistoryEpoch = "history.epoch", kHistoryValues = "history.values.";
constexpr std::string_view kSums = "progress.sums.";
// Metadata entries.
constexpr std::string_view kFormatKey = "format", kVersionKey = "version", kExtra = "extra.";
constexpr std::string_view kOptimizerType = "optimizer.type", kSchedulerType = "scheduler.type";

/// A decimal counter of the metadata: its key and its largest valid value.
struct Counter {
  std::string_view key;
  std::uint64_t max;
};
constexpr std::uint64_t kInt64Max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
constexpr Counter kCounters[] = {{"epoch", INT_MAX},          {"batch", kInt64Max},        {"global_step", kInt64Max},
                                 {"epoch_samples", kInt64Max}, {"shuffle_seed", UINT64_MAX}, {"rng.seed", UINT64_MAX},
                                 {"rng.offset", UINT64_MAX}};

/// The counters of a state, in kCounters order (check_consistency has ruled out negative ones).
std::vector<std::uint64_t> counters_of(const CheckpointState& s) {
  const TrainingProgress& p = s.progress;
  return {static_cast<std::uint64_t>(p.epoch), static_cast<std::uint64_t>(p.batch),
          static_cast<std::uint64_t>(p.global_step), static_cast<std::uint64_t>(p.epoch_samples),
          p.shuffle_seed, s.rng.seed, s.rng.offset};
}

/// Sets the counters of a state from values in kCounters order, each within its Counter::max.
void set_counters(CheckpointState& s, const std::vector<std::uint64_t>& v) {
  TrainingProgress& p = s.progress;
  p.epoch = static_cast<std::int64_t>(v[0]);
  p.batch = static_cast<std::int64_t>(v[1]);
  p.global_step = static_cast<std::int64_t>(v[2]);
  p.epoch_samples = static_cast<std::int64_t>(v[3]);
  p.shuffle_seed = v[4];
  s.rng = {v[5], v[6]};
}

/// Throws the error of one entry (a tensor or a metadata key) of a checkpoint.
class Reporter {
 public:
  virtual ~Reporter() = default;
  [[noreturn]] virtual void fail(const std::string& key, bool is_tensor, const std::string& expected,
                                 const std::string& found) const = 0;
};

std::string quoted(std::string_view s) {
  std::string out;  // built by appending: GCC 12 warns (-Wrestrict) about "\"" + std::string(s)
  out.reserve(s.size() + 2);
  out += '"';
  out += s;
  out += '"';
  return out;
}

// ---- invariants shared by saving and loading ------------------------------------------------------

void check_typed(const TypedState& s, std::string_view type_key, std::string_view prefix, const Reporter& r) {
  if (!s.state.empty() && s.type.empty())
    r.fail(std::string(type_key), false, "the type name of the object whose state is saved under " +
                                             quoted(prefix) + "*", "no type name");
  if (s.state.empty() && !s.type.empty())
    r.fail(std::string(type_key), false, "state tensors \"" + std::string(prefix) + "*\" for " + quoted(s.type),
           "none");
}

void check_consistency(const CheckpointState& s, const Reporter& r) {
  check_typed(s.optimizer, kOptimizerType, kOptimizer, r);
  check_typed(s.scheduler, kSchedulerType, kScheduler, r);
  const TrainingProgress& p = s.progress;
  const std::pair<const char*, std::int64_t> counters[] = {
      {"epoch", p.epoch}, {"batch", p.batch}, {"global_step", p.global_step}, {"epoch_samples", p.epoch_samples}};
  for (const auto& [key, value] : counters)
    if (value < 0) r.fail(key, false, "a count >= 0", std::to_string(value));
  if (p.epoch > INT_MAX) r.fail("epoch", false, "an epoch <= " + std::to_string(INT_MAX), std::to_string(p.epoch));
  if (p.batch == 0 && (p.epoch_samples != 0 || !p.epoch_sums.empty()))
    r.fail("epoch_samples", false, "no running sums at an epoch boundary (batch 0)",
           std::to_string(p.epoch_samples) + " samples and " + std::to_string(p.epoch_sums.size()) + " sums");
  const std::size_t n = s.history.epochs.size();
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t e = s.history.epochs[i];
    if (e < 0 || e > INT_MAX)
      r.fail(std::string(kHistoryEpoch), true, "epochs in [0, " + std::to_string(INT_MAX) + "]",
             std::to_string(e) + " at position " + std::to_string(i));
  }
  for (const auto& [key, column] : s.history.values)
    if (column.size() != n)
      r.fail(std::string(kHistoryValues) + key, true, std::to_string(n) + " values (one per history epoch)",
             std::to_string(column.size()));
}

// ---- saving ---------------------------------------------------------------------------------------

class SaveReporter : public Reporter {
 public:
  explicit SaveReporter(const std::string& path) : path_(path) {}
  [[noreturn]] void fail(const std::string& key, bool, const std::string& expected,
                         const std::string& found) const override {
    throw ValueError("save_checkpoint '" + path_ + "': " + key + ": expected " + expected + ", found " + found);
  }

 private:
  std::string path_;
};

void put_section(TensorMap& out, std::string_view prefix, const TensorMap& tensors) {
  for (const auto& [name, t] : tensors) out.emplace(std::string(prefix) + name, t);
}

}  // namespace

void save_checkpoint(const std::string& path, const CheckpointState& state) {
  check_consistency(state, SaveReporter(path));
  TensorMap tensors;
  put_section(tensors, kModel, state.model);
  put_section(tensors, kOptimizer, state.optimizer.state);
  put_section(tensors, kScheduler, state.scheduler.state);
  const auto n = static_cast<std::int64_t>(state.history.epochs.size());
  tensors.emplace(std::string(kHistoryEpoch), from_vector(state.history.epochs, {n}));
  for (const auto& [key, column] : state.history.values)
    tensors.emplace(std::string(kHistoryValues) + key, from_vector(column, {n}));
  for (const auto& [key, sum] : state.progress.epoch_sums)
    tensors.emplace(std::string(kSums) + key, scalar_tensor(sum, {.dtype = Dtype::Float64}));

  Metadata meta;
  meta[std::string(kFormatKey)] = kCheckpointFormat;
  meta[std::string(kVersionKey)] = std::to_string(kCheckpointVersion);
  const auto counters = counters_of(state);
  for (std::size_t i = 0; i < counters.size(); ++i) meta[std::string(kCounters[i].key)] = std::to_string(counters[i]);
  if (!state.optimizer.type.empty()) meta[std::string(kOptimizerType)] = state.optimizer.type;
  if (!state.scheduler.type.empty()) meta[std::string(kSchedulerType)] = state.scheduler.type;
  for (const auto& [key, value] : state.extra) meta[std::string(kExtra) + key] = value;
  save_safetensors(tensors, path, meta);
}

// ---- loading --------------------------------------------------------------------------------------
namespace {

/// Reports a malformed entry as a FormatError at the offset of its name in the header.
class LoadReporter : public Reporter {
 public:
  LoadReporter(std::string file, std::function<std::string()> header)
      : file_(std::move(file)), header_(std::move(header)) {}

  [[noreturn]] void fail(const std::string& key, bool is_tensor, const std::string& expected,
                         const std::string& found) const override {
    const std::string what = is_tensor ? expected : "metadata " + quoted(key) + ": " + expected;
    throw FormatError(kFormatName, file_, offset_of(key), what, found, is_tensor ? key : std::string());
  }

 private:
  /// 8 + the position of `"key"` in the header text, or 8 (the header's start) if not found.
  std::uint64_t offset_of(const std::string& key) const {
    const std::string header = header_();
    const std::size_t pos = header.find(quoted(key) + ":");
    return 8 + (pos == std::string::npos ? 0 : pos);
  }

  std::string file_;
  std::function<std::string()> header_;
};

/// The little-endian header length in the first 8 bytes at `p`.
std::uint64_t header_length(const char* p) {
  std::uint64_t length = 0;
  for (int i = 7; i >= 0; --i) length = (length << 8) | static_cast<unsigned char>(p[i]);
  return length;
}

/// The JSON header of a file (empty when it cannot be read: offsets then fall back to 8).
std::string header_of_bytes(std::string_view bytes) {
  if (bytes.size() < 8) return {};
  const std::uint64_t length = header_length(bytes.data());
  if (length > bytes.size() - 8) return {};
  return std::string(bytes.substr(8, static_cast<std::size_t>(length)));
}

std::string header_of_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string prefix(8, '\0');
  if (!in.read(prefix.data(), 8)) return {};
  const std::uint64_t length = header_length(prefix.data());
  if (length > detail::kMaxHeaderBytes) return {};
  std::string header(static_cast<std::size_t>(length), '\0');
  if (!in.read(header.data(), static_cast<std::streamsize>(length))) return {};
  return header;
}

std::string describe(const Tensor& t) {
  return std::string(dtype_name(t.dtype())) + " of shape " + shape_str(t.shape());
}

void require_tensor(const Reporter& r, const std::string& name, const Tensor& t, Dtype dtype, std::int64_t dim,
                    const std::string& expected) {
  if (t.dtype() != dtype || t.dim() != dim) r.fail(name, true, expected, describe(t));
}

/// Puts a tensor into its section; false when its name has no known prefix.
bool take_tensor(CheckpointState& s, const std::string& name, const Tensor& t, const Reporter& r) {
  const std::pair<std::string_view, TensorMap*> sections[] = {
      {kModel, &s.model}, {kOptimizer, &s.optimizer.state}, {kScheduler, &s.scheduler.state}};
  for (const auto& [prefix, map] : sections) {
    if (!name.starts_with(prefix)) continue;
    if (name.size() == prefix.size()) r.fail(name, true, "a name after " + quoted(prefix), "nothing");
    Tensor entry = t;
    entry.set_name(name.substr(prefix.size()));
    map->emplace(entry.name(), entry);
    return true;
  }
  if (name == kHistoryEpoch) {
    require_tensor(r, name, t, Dtype::Int64, 1, "int64 of shape [n] (the recorded epochs)");
    s.history.epochs = t.to_vector<std::int64_t>();
    return true;
  }
  if (name.starts_with(kHistoryValues) && name.size() > kHistoryValues.size()) {
    require_tensor(r, name, t, Dtype::Float64, 1, "float64 of shape [n] (one value per history epoch)");
    s.history.values[name.substr(kHistoryValues.size())] = t.to_vector<double>();
    return true;
  }
  if (name.starts_with(kSums) && name.size() > kSums.size()) {
    require_tensor(r, name, t, Dtype::Float64, 0, "a float64 scalar (shape [])");
    s.progress.epoch_sums[name.substr(kSums.size())] = t.item();
    return true;
  }
  return false;
}

std::uint64_t parse_counter(const Reporter& r, const Counter& c, const std::string& text) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value > c.max)
    r.fail(std::string(c.key), false, "a decimal integer in [0, " + std::to_string(c.max) + "]", quoted(text));
  return value;
}

void take_metadata(CheckpointState& s, const Metadata& meta, const Reporter& r) {
  const auto format = meta.find(std::string(kFormatKey));
  if (format == meta.end() || format->second != kCheckpointFormat)
    r.fail(std::string(kFormatKey), false, quoted(kCheckpointFormat) + " (an xgrad training checkpoint)",
           format == meta.end() ? "no such entry (a weights-only file loads with io::load)" : quoted(format->second));
  const auto version = meta.find(std::string(kVersionKey));
  if (version == meta.end() || version->second != std::to_string(kCheckpointVersion))
    r.fail(std::string(kVersionKey), false,
           quoted(std::to_string(kCheckpointVersion)) + " (the version this build reads)",
           version == meta.end() ? "no such entry" : quoted(version->second));

  std::vector<std::uint64_t> counters;
  for (const Counter& c : kCounters) {
    const auto it = meta.find(std::string(c.key));
    if (it == meta.end()) r.fail(std::string(c.key), false, "a decimal integer", "no such entry");
    counters.push_back(parse_counter(r, c, it->second));
  }
  set_counters(s, counters);

  for (const auto& entry : meta) {
    const std::string& key = entry.first;  // not a structured binding: clang 14 cannot capture those
    const std::string& value = entry.second;
    if (key == kOptimizerType) s.optimizer.type = value;
    else if (key == kSchedulerType) s.scheduler.type = value;
    else if (key.starts_with(kExtra)) s.extra[key.substr(kExtra.size())] = value;
    else if (key != kFormatKey && key != kVersionKey &&
             std::none_of(std::begin(kCounters), std::end(kCounters), [&](const Counter& c) { return c.key == key; }))
      r.fail(key, false, "a known entry (format, version, the counters, optimizer.type, scheduler.type or extra.*)",
             "an unknown key");
  }
  for (const std::string_view key : {kOptimizerType, kSchedulerType}) {
    const auto it = meta.find(std::string(key));
    if (it != meta.end() && it->second.empty()) r.fail(std::string(key), false, "a type name", "an empty string");
  }
}

CheckpointState decode(SafetensorsFile file, const Reporter& r) {
  CheckpointState s;
  take_metadata(s, file.metadata, r);
  for (const auto& [name, t] : file.tensors)
    if (!take_tensor(s, name, t, r))
      r.fail(name, true,
             "a name model.*, optimizer.*, scheduler.*, history.epoch, history.values.* or progress.sums.*",
             "an unknown tensor");
  check_consistency(s, r);
  return s;
}

}  // namespace

CheckpointState load_checkpoint(const std::string& path) {
  return decode(load_safetensors(path), LoadReporter(path, [&] { return header_of_file(path); }));
}

CheckpointState parse_checkpoint(std::string_view bytes, const std::string& name) {
  return decode(parse_safetensors(bytes, name), LoadReporter(name, [&] { return header_of_bytes(bytes); }));
}

}  // namespace xg::io
