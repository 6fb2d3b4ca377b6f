#pragma once
// Tensors to and from the safetensors format (https://github.com/huggingface/safetensors):
//
//   bytes 0..8        N, the header length, unsigned 64-bit little-endian
//   bytes 8..8+N      UTF-8 JSON: {"__metadata__": {"k": "v"},
//                                  "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}, ...}
//                     padded with spaces to a multiple of 8 bytes
//   bytes 8+N..end    the raw little-endian row-major data; data_offsets are relative to 8+N
//
// save_safetensors writes the tensors in sorted-name order, contiguous, through write_atomically
// (the previous file survives a failed or interrupted save). load_safetensors validates the whole
// header against the real file size before allocating anything and rejects every malformed file
// with an io::FormatError naming the file, the byte offset, the tensor and what was expected versus
// found; docs/serialization.md lists the checks. Loaded dtypes: F32, F64 and I64 as themselves,
// I32 and U8 converted to int64; any other dtype of the spec (F16, BF16, BOOL, ...) is rejected.
#include <xgrad/core/tensor.hpp>
#include <xgrad/io/errors.hpp>

#include <iosfwd>
#include <map>
#include <string>
#include <string_view>

namespace xg::io {

/// Named tensors, in the sorted order in which they are stored.
using TensorMap = std::map<std::string, Tensor>;
/// The free-form string map stored under "__metadata__".
using Metadata = std::map<std::string, std::string>;

/// The content of a safetensors file.
struct SafetensorsFile {
  TensorMap tensors;  ///< float32, float64 or int64; each tensor is named after its key
  Metadata metadata;  ///< empty when the file has no "__metadata__"
};

/// Writes `tensors` (float32 -> F32, float64 -> F64, int64 -> I64) and `metadata` to `path`,
/// atomically. Throws ValueError for an undefined tensor, a tensor named "__metadata__" or a name,
/// key or value that is not valid UTF-8, and io::IoError when the file cannot be written.
void save_safetensors(const TensorMap& tensors, const std::string& path, const Metadata& metadata = {});

/// The same bytes as save_safetensors, written to a stream (not atomic). Throws io::IoError naming
/// `name` when the stream fails.
void write_safetensors(std::ostream& out, const TensorMap& tensors, const Metadata& metadata = {},
                       const std::string& name = "<stream>");

/// Reads and validates the file at `path`. Throws io::FormatError for a malformed file or an
/// unsupported dtype and io::IoError when the file cannot be opened or read.
SafetensorsFile load_safetensors(const std::string& path);

/// Reads and validates a safetensors file held in memory; `name` stands for the file in messages.
SafetensorsFile parse_safetensors(std::string_view bytes, const std::string& name = "<memory>");

}  // namespace xg::io
