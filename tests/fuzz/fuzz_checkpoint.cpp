// Fuzz target of the checkpoint reader (io/checkpoint.hpp): parse_checkpoint, the in-memory twin
// of load_checkpoint, on top of the safetensors reader. Rejection must be an io::FormatError naming
// the file; an accepted checkpoint must be one that save_checkpoint accepts again (the loader may
// not admit a state the writer calls inconsistent), checked on a temporary file.
#include "fuzz_target.hpp"

#include <xgrad/io/checkpoint.hpp>

#include <filesystem>
#include <unistd.h>

XGRAD_FUZZ_TARGET(checkpoint) {
  constexpr const char* kName = "fuzz.checkpoint";
  const auto parsed =
      xg::fuzz::accept_or_reject<xg::io::FormatError>(kName, [&] { return xg::io::parse_checkpoint(bytes, kName); });
  if (!parsed) return false;
  const xg::io::CheckpointState& state = *parsed;
  const auto path = std::filesystem::temp_directory_path() / ("xgrad-fuzz-" + std::to_string(::getpid()) + ".ckpt");
  try {
    xg::io::save_checkpoint(path.string(), state);
  } catch (const xg::ValueError& e) {
    xg::fuzz::check(false, std::string("a loaded checkpoint cannot be saved again: ") + e.what());
  }
  const xg::io::CheckpointState again = xg::io::load_checkpoint(path.string());
  std::filesystem::remove(path);
  xg::fuzz::check(again.model.size() == state.model.size() && again.history.epochs == state.history.epochs &&
                      again.progress.global_step == state.progress.global_step && again.extra == state.extra,
                  "a saved and reloaded checkpoint differs");
  return true;
}
