#pragma once
// Training checkpoints: everything a run needs to continue bitwise exactly where it stopped, in
// one safetensors file written atomically (temp file, fsync, rename: the previous checkpoint
// survives a crash or a failure mid-write). docs/checkpoints.md describes the use.
//
// Tensors, each under a section prefix:
//   model.<name>           the module's state_dict() (parameters and buffers, their own dtypes)
//   optimizer.<key>        Optimizer::state_dict()
//   scheduler.<key>        LRScheduler::state_dict() (none without a scheduler)
//   history.epoch          I64 [n]   the epochs recorded so far
//   history.values.<key>   F64 [n]   one column per logged quantity ("loss", "val_accuracy", ...)
//   progress.sums.<key>    F64 []    running sums of the epoch in progress (mid-epoch checkpoints)
// and "__metadata__" strings:
//   format "xgrad.checkpoint", version "1"
//   epoch, batch, global_step, epoch_samples, shuffle_seed, rng.seed, rng.offset  (decimal integers)
//   optimizer.type, scheduler.type   the type names ("Adam", "StepLR"); absent when there is none
//   extra.<key>                      free-form strings of the caller
//
// load_checkpoint trusts nothing: the safetensors layer validates the framing (header length,
// JSON, UTF-8, offsets, sizes against the real file size before any allocation), then every
// section is checked here (magic, version, integers, known names, dtypes and shapes). A malformed
// file throws io::FormatError naming the file, the byte offset of the offending entry in the
// header, the tensor and what was expected versus found. Whether the content fits a given model
// and optimizer is checked when it is applied (io/checkpoint_objects.hpp).
#include <xgrad/core/random.hpp>
#include <xgrad/io/safetensors.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace xg::io {

/// The value of the "format" metadata entry that marks a checkpoint.
inline constexpr const char* kCheckpointFormat = "xgrad.checkpoint";
/// The version written (and the only one read).
inline constexpr int kCheckpointVersion = 1;

/// A saved state together with the type name of the object that produced it.
struct TypedState {
  std::string type;  ///< Optimizer::name() / LRScheduler::name(); empty: none saved
  TensorMap state;   ///< its state_dict()
};

/// Where a training loop stands.
struct TrainingProgress {
  /// The epoch in progress, or the next one to run when `batch` is 0 (0-based).
  std::int64_t epoch = 0;
  /// Batches of `epoch` already trained (0 at an epoch boundary).
  std::int64_t batch = 0;
  /// Optimizer steps taken over the whole run.
  std::int64_t global_step = 0;
  /// Seed of the per-epoch shuffle (FitOptions::seed, DataLoader::seed()); the order of epoch e
  /// is a function of (seed, e) only, so (shuffle_seed, epoch, batch) is the data position.
  std::uint64_t shuffle_seed = 0;
  /// Sample-weighted sums of the logged values over the first `batch` batches of `epoch`.
  std::map<std::string, double> epoch_sums;
  /// Samples those sums cover.
  std::int64_t epoch_samples = 0;
};

/// The per-epoch logs recorded so far (train::History's content).
struct HistoryColumns {
  std::vector<std::int64_t> epochs;
  std::map<std::string, std::vector<double>> values;  ///< each as long as `epochs`
};

/// Everything a checkpoint file holds.
struct CheckpointState {
  TensorMap model;        ///< Module::state_dict()
  TypedState optimizer;   ///< optional (empty type)
  TypedState scheduler;   ///< optional (empty type)
  GeneratorState rng;     ///< the global generator (dropout masks, initialization, seed draws)
  TrainingProgress progress;
  HistoryColumns history;
  Metadata extra;         ///< caller's strings, stored as "extra.<key>"
};

/// Writes `state` to `path` atomically. Throws ValueError for an inconsistent state (a history
/// column of the wrong length, optimizer state without a type name, negative counters, names that
/// are not valid UTF-8) and io::IoError when the file cannot be written; the previous file at
/// `path` is then untouched.
void save_checkpoint(const std::string& path, const CheckpointState& state);

/// Reads and validates the checkpoint at `path`. Throws io::FormatError for a malformed file or
/// one that is not an xgrad checkpoint of a supported version, io::IoError when it cannot be read.
CheckpointState load_checkpoint(const std::string& path);

/// The same checks on a checkpoint held in memory; `name` stands for the file in messages.
CheckpointState parse_checkpoint(std::string_view bytes, const std::string& name = "<memory>");

}  // namespace xg::io
