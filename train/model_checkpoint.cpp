// Model::save_checkpoint / load_checkpoint / resume (see model.hpp and docs/checkpoints.md). The
// file is an io::CheckpointState: io::capture_checkpoint takes weights, optimizer, scheduler and
// RNG; this file adds the training position, the History and the fit's data layout (as "extra"
// strings), and checks that layout when a run resumes in the middle of an epoch, where the batch
// boundaries and the shuffled order must be those of the interrupted run.
#include <xgrad/train/model.hpp>

#include <xgrad/core/error.hpp>
#include <xgrad/io/checkpoint_objects.hpp>
#include <xgrad/optim/optimizer.hpp>

#include <charconv>

namespace xg::train {
namespace {

constexpr const char* kSamples = "fit.samples";
constexpr const char* kBatchSize = "fit.batch_size";
constexpr const char* kShuffle = "fit.shuffle";
/// Followed by the callback's position in FitOptions::callbacks.
constexpr const char* kCallback = "callback.";

io::HistoryColumns columns_of(const History& history) {
  io::HistoryColumns columns;
  columns.epochs.assign(history.epochs().begin(), history.epochs().end());
  columns.values = history.values();
  return columns;
}

History history_of(const io::HistoryColumns& columns) {
  return History(std::vector<int>(columns.epochs.begin(), columns.epochs.end()), columns.values);
}

/// The integer stored under `key` in a checkpoint's extra entries, or -1 when absent or malformed.
std::int64_t extra_int(const io::Metadata& extra, const char* key) {
  const auto it = extra.find(key);
  std::int64_t value = -1;
  if (it == extra.end()) return value;
  const char* end = it->second.data() + it->second.size();
  const auto [ptr, ec] = std::from_chars(it->second.data(), end, value);
  return ec == std::errc() && ptr == end ? value : -1;
}

}  // namespace

void Model::save_checkpoint(const std::string& path) {
  require_compiled("save_checkpoint");
  if (!bound_)
    throw ValueError("save_checkpoint '" + path + "': nothing to save yet; the optimizer is bound to the weights "
                     "by the first fit (or by load_checkpoint)");
  if (!is_root()) return;  // the ranks of a distributed fit hold the same state: rank 0 writes it
  io::CheckpointState state = io::capture_checkpoint(network(), optimizer_.get(), scheduler_.get());
  state.progress = progress_;
  state.history = columns_of(history_);
  state.extra = {{kSamples, std::to_string(layout_.samples)},
                 {kBatchSize, std::to_string(layout_.batch_size)},
                 {kShuffle, layout_.shuffle ? "1" : "0"}};
  if (callbacks_)
    for (std::size_t i = 0; i < callbacks_->size(); ++i)
      if (std::string s = (*callbacks_)[i]->state(); !s.empty()) state.extra[kCallback + std::to_string(i)] = s;
  io::save_checkpoint(path, state);
}

Model::FitLayout Model::saved_layout(const io::CheckpointState& state) {
  return {extra_int(state.extra, kSamples), extra_int(state.extra, kBatchSize), extra_int(state.extra, kShuffle) != 0};
}

void Model::apply_checkpoint(const io::CheckpointState& state, const std::string& path) {
  io::restore_checkpoint(state, network(), optimizer_.get(), scheduler_.get(), path);
  progress_ = state.progress;
  history_ = history_of(state.history);
}

void Model::load_checkpoint(const std::string& path) {
  require_compiled("load_checkpoint");
  const io::CheckpointState state = io::load_checkpoint(path);
  // Outside fit the optimizer may not be bound yet: the strict weight load proves the module is
  // complete (every saved weight exists, nothing else), so binding it now is final.
  if (!bound_) optimizer_->set_parameters(network().parameters());
  apply_checkpoint(state, path);
  bound_ = true;
  layout_ = saved_layout(state);
}

void Model::restore_callbacks(const std::vector<std::shared_ptr<Callback>>& callbacks, const io::Metadata& extra) {
  // A state saved for a position beyond the list is dropped: resuming with fewer callbacks is allowed.
  for (std::size_t i = 0; i < callbacks.size(); ++i)
    if (const auto it = extra.find(kCallback + std::to_string(i)); it != extra.end())
      callbacks[i]->load_state(it->second);
}

io::Metadata Model::resume(const std::string& path, const FitLayout& layout) {
  const io::CheckpointState state = io::load_checkpoint(path);
  const FitLayout saved = saved_layout(state);
  if (state.progress.batch > 0 &&
      (saved.samples != layout.samples || saved.batch_size != layout.batch_size || saved.shuffle != layout.shuffle)) {
    const auto describe = [](const FitLayout& l) {
      return std::to_string(l.samples) + " training samples, batch_size " + std::to_string(l.batch_size) +
             ", shuffle " + (l.shuffle ? "on" : "off");
    };
    throw ValueError("fit: resume_from '" + path + "' stopped in the middle of epoch " +
                     std::to_string(state.progress.epoch + 1) + " (after batch " +
                     std::to_string(state.progress.batch) +
                     ") of a run with " + describe(saved) + "; this fit has " + describe(layout) +
                     " (expected the same to continue the epoch)");
  }
  apply_checkpoint(state, path);
  return state.extra;
}

}  // namespace xg::train
