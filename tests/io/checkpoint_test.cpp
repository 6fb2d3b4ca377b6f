// Checkpoint files: every field round-trips bitwise (NaN and infinities included); a write that
// fails midway (file size limit) or cannot create its temporary leaves the previous checkpoint
// intact; hostile files (not a checkpoint, wrong version, bad counters, unknown or mistyped
// entries, framing errors, absurd shapes, every truncation, random corruptions) are rejected with
// a FormatError naming the entry and its byte offset; restoring into objects that do not match
// (architecture, dtype, optimizer or scheduler type) names the mismatch and changes nothing.
#include <xgrad/core/creation.hpp>
#include <xgrad/io/checkpoint.hpp>
#include <xgrad/io/checkpoint_objects.hpp>
#include <xgrad/nn/linear.hpp>
#include <xgrad/optim/adam.hpp>
#include <xgrad/optim/lr_scheduler.hpp>
#include <xgrad/optim/sgd.hpp>

#include "io_test_util.hpp"

#include <cmath>
#include <csignal>
#include <cstring>
#include <limits>
#include <random>

#include <sys/resource.h>

namespace xg::io {
namespace {

constexpr const char* kName = "run.ckpt";

bool same_bits(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape()) return false;
  const auto bytes = static_cast<std::size_t>(a.numel()) * element_size(a.dtype());
  return bytes == 0 || std::memcmp(a.raw_data(), b.raw_data(), bytes) == 0;
}

bool same_maps(const TensorMap& a, const TensorMap& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [k, t] : a)
    if (!b.count(k) || !same_bits(t, b.at(k))) return false;
  return true;
}

bool same_doubles(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

/// A state with every field set, a mid-epoch position and non-finite history values.
CheckpointState sample_state() {
  manual_seed(3);
  CheckpointState s;
  s.model = {{"fc.weight", randn({3, 2})},
             {"fc.bias", randn({3}, {.dtype = Dtype::Float64})},
             {"bn.num_batches_tracked", from_vector(std::vector<std::int64_t>{7}, {})}};
  s.optimizer = {
      "Adam",
      {{"param_groups.0.lr", scalar_tensor(1e-3, {.dtype = Dtype::Float64})}, {"state.0.exp_avg", randn({3, 2})}}};
  s.scheduler = {"StepLR", {{"last_epoch", from_vector(std::vector<std::int64_t>{2}, {})}}};
  s.rng = {0xFFFFFFFFFFFFFFFFULL, 12345};
  s.progress = {.epoch = 2,
                .batch = 5,
                .global_step = 25,
                .shuffle_seed = 99,
                .epoch_sums = {{"loss", 0.1 + 0.2}, {"accuracy", 3.0}},
                .epoch_samples = 250};
  s.history = {
      {0, 1},
      {{"loss", {std::nan(""), 0.30000000000000004}}, {"val_loss", {std::numeric_limits<double>::infinity(), -0.0}}}};
  s.extra = {{"note", "caf\xc3\xa9"}};
  return s;
}

void check_same(const CheckpointState& a, const CheckpointState& b) {
  BOOST_CHECK(same_maps(a.model, b.model));
  BOOST_CHECK_EQUAL(a.optimizer.type, b.optimizer.type);
  BOOST_CHECK(same_maps(a.optimizer.state, b.optimizer.state));
  BOOST_CHECK_EQUAL(a.scheduler.type, b.scheduler.type);
  BOOST_CHECK(same_maps(a.scheduler.state, b.scheduler.state));
  BOOST_CHECK_EQUAL(a.rng.seed, b.rng.seed);
  BOOST_CHECK_EQUAL(a.rng.offset, b.rng.offset);
  BOOST_CHECK_EQUAL(a.progress.epoch, b.progress.epoch);
  BOOST_CHECK_EQUAL(a.progress.batch, b.progress.batch);
  BOOST_CHECK_EQUAL(a.progress.global_step, b.progress.global_step);
  BOOST_CHECK_EQUAL(a.progress.shuffle_seed, b.progress.shuffle_seed);
  BOOST_CHECK_EQUAL(a.progress.epoch_samples, b.progress.epoch_samples);
  BOOST_REQUIRE_EQUAL(a.progress.epoch_sums.size(), b.progress.epoch_sums.size());
  for (const auto& [k, v] : a.progress.epoch_sums) BOOST_CHECK(same_doubles({v}, {b.progress.epoch_sums.at(k)}));
  BOOST_CHECK(a.history.epochs == b.history.epochs);
  BOOST_REQUIRE_EQUAL(a.history.values.size(), b.history.values.size());
  for (const auto& [k, v] : a.history.values) BOOST_CHECK(same_doubles(v, b.history.values.at(k)));
  BOOST_CHECK(a.extra == b.extra);
}

/// The bytes of a checkpoint of `state`.
std::string bytes_of_state(const CheckpointState& state) {
  test::TempDir dir("ckpt_bytes");
  save_checkpoint(dir.file(kName), state);
  return test::read_bytes(dir.file(kName));
}

/// A checkpoint file with the given JSON header text (metadata and tensors) and data section.
std::string crafted(const std::string& entries, const std::string& metadata_extra = "", const std::string& data = "") {
  const std::string meta =
      R"({"__metadata__":{"format":"xgrad.checkpoint","version":"1","epoch":"0","batch":"0",)"
      R"("global_step":"0","epoch_samples":"0","shuffle_seed":"0","rng.seed":"0","rng.offset":"0")" +
      metadata_extra + "}";
  return test::st_file(meta + (entries.empty() ? "" : "," + entries) + "}", data);
}

/// Parses `bytes`, which must be rejected with a FormatError containing `parts`.
FormatError rejected(const std::string& bytes, std::initializer_list<std::string_view> parts) {
  const auto e = test::expect_error<FormatError>([&] { parse_checkpoint(bytes, kName); });
  test::check_contains(e.what(), {kName, "expected", "found"});
  test::check_contains(e.what(), parts);
  return e;
}

BOOST_AUTO_TEST_SUITE(checkpoint)

BOOST_AUTO_TEST_CASE(every_field_round_trips_bitwise) {
  const CheckpointState state = sample_state();
  test::TempDir dir("ckpt");
  save_checkpoint(dir.file(kName), state);
  BOOST_CHECK_EQUAL(dir.entry_count(), 1u);  // no temporary left behind
  check_same(state, load_checkpoint(dir.file(kName)));
  check_same(state, parse_checkpoint(test::read_bytes(dir.file(kName))));
}

BOOST_AUTO_TEST_CASE(an_inconsistent_state_is_refused_before_writing) {
  test::TempDir dir("ckpt");
  CheckpointState s = sample_state();
  s.history.values["loss"].push_back(1.0);
  auto e = test::expect_error<ValueError>([&] { save_checkpoint(dir.file(kName), s); });
  test::check_contains(e.what(), {"history.values.loss", "2 values", "found 3"});
  s = sample_state();
  s.optimizer.type.clear();
  e = test::expect_error<ValueError>([&] { save_checkpoint(dir.file(kName), s); });
  test::check_contains(e.what(), {"optimizer.type", "type name"});
  s = sample_state();
  s.progress.batch = 0;  // running sums without a position inside the epoch
  e = test::expect_error<ValueError>([&] { save_checkpoint(dir.file(kName), s); });
  test::check_contains(e.what(), {"epoch_samples", "epoch boundary"});
  BOOST_CHECK_EQUAL(dir.entry_count(), 0u);
}

BOOST_AUTO_TEST_CASE(a_write_failing_midway_keeps_the_previous_checkpoint) {
  test::TempDir dir("ckpt");
  const std::string path = dir.file(kName);
  const CheckpointState first = sample_state();
  save_checkpoint(path, first);
  const std::string before = test::read_bytes(path);

  CheckpointState bigger = first;
  bigger.model["big"] = zeros({4096});  // 16 KiB of data: the header fits under the limit, the data does not
  auto* previous_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit saved{};
  BOOST_REQUIRE_EQUAL(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  rlimit small = saved;
  small.rlim_cur = 4096;
  BOOST_REQUIRE_EQUAL(::setrlimit(RLIMIT_FSIZE, &small), 0);
  std::string message;
  try {
    save_checkpoint(path, bigger);
  } catch (const IoError& e) {
    message = e.what();
  }
  ::setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, previous_handler);

  test::check_contains(message, {"cannot write", kName});
  BOOST_CHECK(test::read_bytes(path) == before);
  BOOST_CHECK_EQUAL(dir.entry_count(), 1u);  // the partial temporary file was removed
  check_same(first, load_checkpoint(path));
}

BOOST_AUTO_TEST_CASE(an_uncreatable_temporary_keeps_the_previous_checkpoint) {
  test::TempDir dir("ckpt");
  const std::string path = dir.file(kName);
  save_checkpoint(path, sample_state());
  const std::string before = test::read_bytes(path);
  std::filesystem::create_directory(path + ".tmp." + std::to_string(::getpid()));  // a directory in the way
  const auto e = test::expect_error<IoError>([&] { save_checkpoint(path, CheckpointState{}); });
  test::check_contains(e.what(), {"cannot create", kName});
  BOOST_CHECK(test::read_bytes(path) == before);
}

BOOST_AUTO_TEST_CASE(a_file_that_is_not_a_checkpoint_is_named_as_such) {
  test::TempDir dir("ckpt");
  save_safetensors({{"fc.weight", zeros({2})}}, dir.file("weights.safetensors"));
  const auto e = test::expect_error<FormatError>([&] { load_checkpoint(dir.file("weights.safetensors")); });
  test::check_contains(e.what(), {"invalid checkpoint file", "weights.safetensors", "metadata \"format\"",
                                  "xgrad.checkpoint", "no such entry", "io::load"});
  rejected(test::st_file(R"({"__metadata__":{"format":"something.else"}})"), {"\"something.else\""});
}

BOOST_AUTO_TEST_CASE(malformed_metadata_is_rejected_at_its_byte_offset) {
  const std::string bytes = test::st_file(R"({"__metadata__":{"format":"xgrad.checkpoint","version":"2"}})");
  auto e = rejected(bytes, {"metadata \"version\"", "\"1\"", "found \"2\""});
  BOOST_CHECK_EQUAL(e.byte_offset(), bytes.find("\"version\""));
  for (const std::string bad : {"-1", "abc", "", "1e3", " 1", "2147483648"}) {
    std::string file = crafted("");
    const std::string key = R"("epoch":"0")";
    file.replace(file.find(key), key.size(), R"("epoch":")" + bad + "\"");
    file = test::st_file(file.substr(8));  // fix the length prefix
    e = rejected(file, {"metadata \"epoch\"", "decimal integer"});
    BOOST_CHECK_EQUAL(e.byte_offset(), file.find("\"epoch\""));
  }
  rejected(crafted("", R"(,"surprise":"1")"), {"metadata \"surprise\"", "unknown key"});
  rejected(crafted("", R"(,"optimizer.type":"Adam")"), {"optimizer.type", "state tensors", "found none"});
  const std::string missing = test::st_file(R"({"__metadata__":{"format":"xgrad.checkpoint","version":"1"}})");
  rejected(missing, {"metadata \"epoch\"", "no such entry"});
}

BOOST_AUTO_TEST_CASE(mistyped_or_unknown_tensors_are_named_with_their_offset) {
  const std::string f32 = R"({"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
  std::string file = crafted(R"("history.epoch":)" + f32, "", std::string(8, '\0'));
  auto e = rejected(file, {"history.epoch", "int64 of shape [n]", "float32 of shape [2]"});
  BOOST_CHECK_EQUAL(e.tensor(), "history.epoch");
  BOOST_CHECK_EQUAL(e.byte_offset(), file.find("\"history.epoch\""));

  e = rejected(
      crafted(R"("progress.sums.loss":{"dtype":"F64","shape":[1],"data_offsets":[0,8]})", "", std::string(8, '\0')),
      {"progress.sums.loss", "float64 scalar", "float64 of shape [1]"});
  e = rejected(
      crafted(R"("history.values.loss":{"dtype":"F64","shape":[1],"data_offsets":[0,8]})", "", std::string(8, '\0')),
      {"history.values.loss", "0 values", "found 1"});
  e = rejected(crafted(R"("weights":)" + f32, "", std::string(8, '\0')), {"'weights'", "unknown tensor"});
  e = rejected(crafted(R"("model.":)" + f32, "", std::string(8, '\0')), {"a name after \"model.\""});
}

BOOST_AUTO_TEST_CASE(framing_errors_come_from_the_safetensors_checks) {
  const std::string f32 = R"({"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
  // header length beyond the file
  const std::string good = crafted(R"("model.w":)" + f32, "", std::string(8, '\0'));
  std::string longer = good;
  longer.replace(0, 8, test::le64(good.size()));
  auto e = test::expect_error<FormatError>([&] { parse_checkpoint(longer, kName); });
  test::check_contains(e.what(), {"header length"});
  // offsets out of range, overlapping tensors
  test::expect_error<FormatError>([&] {
    parse_checkpoint(
        crafted(R"("model.w":{"dtype":"F32","shape":[2],"data_offsets":[0,16]})", "", std::string(8, '\0')), kName);
  });
  test::expect_error<FormatError>([&] {
    parse_checkpoint(crafted(R"("model.a":)" + f32 + R"(,"model.b":)" + f32, "", std::string(8, '\0')), kName);
  });
  // absurd dimensions are refused from the header alone (no allocation of their size)
  e = test::expect_error<FormatError>([&] {
    parse_checkpoint(crafted(R"("model.w":{"dtype":"F32","shape":[4000000000,4000000000],"data_offsets":[0,8]})", "",
                             std::string(8, '\0')),
                     kName);
  });
  test::check_contains(e.what(), {"model.w"});
  // invalid UTF-8 and invalid JSON
  test::expect_error<FormatError>(
      [&] { parse_checkpoint(test::st_file("{\"__metadata__\":{\"a\xff\":\"1\"}}"), kName); });
  test::expect_error<FormatError>([&] { parse_checkpoint(test::st_file(R"({"__metadata__":{"format":)"), kName); });
}

BOOST_AUTO_TEST_CASE(every_truncation_and_random_corruptions_are_rejected_cleanly) {
  const std::string bytes = bytes_of_state(sample_state());
  for (std::size_t n = 0; n < bytes.size(); ++n)
    BOOST_CHECK_THROW(parse_checkpoint(std::string_view(bytes).substr(0, n), kName), FormatError);
  std::mt19937 gen(11);
  int loaded = 0;
  for (int trial = 0; trial < 1500; ++trial) {
    std::string bad = bytes;
    const int flips = 1 + static_cast<int>(gen() % 3);
    for (int f = 0; f < flips; ++f) bad[gen() % bad.size()] = static_cast<char>(gen());
    try {
      parse_checkpoint(bad, kName);
      ++loaded;  // a changed data byte is still a valid file
    } catch (const FormatError&) {
    }
  }
  BOOST_TEST_MESSAGE(loaded << " of 1500 corrupted files still loaded");
}

// ---- restoring into live objects -------------------------------------------------------------------

struct Live {
  std::shared_ptr<nn::Linear> net;
  std::shared_ptr<optim::Adam> opt;
  std::shared_ptr<optim::StepLR> sched;
};

Live live(std::int64_t out_features, std::uint64_t seed) {
  manual_seed(seed);
  Live l;
  l.net = std::make_shared<nn::Linear>(4, out_features);
  l.opt = std::make_shared<optim::Adam>(l.net->parameters(), optim::AdamOptions{.lr = 0.1});
  l.sched = std::make_shared<optim::StepLR>(*l.opt, 1, 0.5);
  return l;
}

void train_step(Live& l) {
  l.opt->zero_grad();
  (*l.net)(ones({2, 4})).sum().backward();
  l.opt->step();
  l.sched->step();
}

BOOST_AUTO_TEST_CASE(capture_and_restore_bring_back_weights_optimizer_scheduler_and_rng) {
  Live a = live(3, 1);
  train_step(a);
  const CheckpointState saved = capture_checkpoint(*a.net, a.opt.get(), a.sched.get());
  train_step(a);
  const Tensor expected_weight = a.net->parameters()[0].detach().clone();
  const Tensor expected_draw = randn({5});

  Live b = live(3, 2);
  restore_checkpoint(saved, *b.net, b.opt.get(), b.sched.get(), kName);
  train_step(b);
  BOOST_CHECK(same_bits(b.net->parameters()[0], expected_weight));
  BOOST_CHECK_EQUAL(b.sched->last_epoch(), 2);
  BOOST_CHECK(same_bits(randn({5}), expected_draw));
}

BOOST_AUTO_TEST_CASE(mismatches_are_named_and_change_nothing) {
  Live a = live(3, 1);
  train_step(a);
  const CheckpointState saved = capture_checkpoint(*a.net, a.opt.get(), a.sched.get());

  Live wider = live(5, 2);
  const Tensor before = wider.net->parameters()[0].detach().clone();
  auto e = test::expect_error<ValueError>(
      [&] { restore_checkpoint(saved, *wider.net, wider.opt.get(), wider.sched.get(), kName); });
  test::check_contains(e.what(), {"restoring checkpoint 'run.ckpt'", "weight", "[5, 4]", "[3, 4]"});
  BOOST_CHECK(same_bits(wider.net->parameters()[0], before));

  Live b = live(3, 2);
  optim::SGD sgd(b.net->parameters(), {.lr = 0.1});
  e = test::expect_error<ValueError>([&] { restore_checkpoint(saved, *b.net, &sgd, nullptr, kName); });
  test::check_contains(e.what(), {"an optimizer of type Adam", "given is of type SGD"});
  e = test::expect_error<ValueError>([&] { restore_checkpoint(saved, *b.net, b.opt.get(), nullptr, kName); });
  test::check_contains(e.what(), {"a scheduler of type StepLR", "no scheduler was given"});

  CheckpointState f64 = saved;
  for (auto& [name, t] : f64.model) t = t.to(Dtype::Float64);
  e = test::expect_error<ValueError>([&] { restore_checkpoint(f64, *b.net, b.opt.get(), b.sched.get(), kName); });
  test::check_contains(e.what(), {"float64 in the file but float32 in the model"});

  // The optimizer fails after the module loaded: the module is rolled back.
  CheckpointState broken = saved;
  broken.optimizer.state["state.0.bogus"] = zeros({1});
  const Tensor b_before = b.net->parameters()[0].detach().clone();
  e = test::expect_error<ValueError>([&] { restore_checkpoint(broken, *b.net, b.opt.get(), b.sched.get(), kName); });
  test::check_contains(e.what(), {"bogus"});
  BOOST_CHECK(same_bits(b.net->parameters()[0], b_before));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace xg::io
