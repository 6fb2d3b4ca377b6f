// Fuzz target of the safetensors reader (io/safetensors.hpp): parse_safetensors, the in-memory
// twin of load_safetensors (both run the same reader over a different byte source). Rejection
// must be an io::FormatError naming the file; an accepted file must survive a round trip: written
// back with write_safetensors and parsed again, it gives the same names, metadata, dtypes, shapes
// and bytes.
#include "fuzz_target.hpp"

#include <xgrad/io/safetensors.hpp>

#include <cstring>
#include <sstream>

namespace {

bool same_tensor(const xg::Tensor& a, const xg::Tensor& b) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape() || a.name() != b.name()) return false;
  const auto nbytes = static_cast<std::size_t>(a.numel()) * xg::element_size(a.dtype());
  return nbytes == 0 || std::memcmp(a.raw_data(), b.raw_data(), nbytes) == 0;
}

}  // namespace

XGRAD_FUZZ_TARGET(safetensors) {
  constexpr const char* kName = "fuzz.safetensors";
  const auto parsed = xg::fuzz::accept_or_reject<xg::io::FormatError>(
      kName, [&] { return xg::io::parse_safetensors(bytes, kName); },
      [&](const xg::io::FormatError& e) {
        xg::fuzz::check(e.byte_offset() <= bytes.size(), std::string("an error offset beyond the input: ") + e.what());
      });
  if (!parsed) return false;
  const xg::io::SafetensorsFile& file = *parsed;
  std::ostringstream out;
  xg::io::write_safetensors(out, file.tensors, file.metadata);
  const xg::io::SafetensorsFile again = xg::io::parse_safetensors(out.str(), "round trip");
  xg::fuzz::check(again.metadata == file.metadata, "metadata changed in a round trip");
  xg::fuzz::check(again.tensors.size() == file.tensors.size(), "tensor count changed in a round trip");
  for (const auto& [name, t] : file.tensors) {
    const auto it = again.tensors.find(name);
    xg::fuzz::check(it != again.tensors.end() && same_tensor(t, it->second), "tensor '" + name + "' changed in a round trip");
  }
  return true;
}
