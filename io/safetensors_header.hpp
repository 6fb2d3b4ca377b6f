#pragma once
// Internal: the JSON header of a safetensors file — the spec's dtype table, the writer's encoding
// and the validating parser. Everything here works on bytes already in memory; io/safetensors.cpp
// does the file I/O around it. The parser trusts nothing: every size is checked against the real
// file size before anyone allocates for it, and every rejection is an io::FormatError that names
// the byte offset, the tensor and what was expected versus found.
#include <xgrad/core/shape.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace xg::io::detail {

/// The format name used in FormatError messages.
inline constexpr const char* kSafetensors = "safetensors";
/// Largest header accepted, as in the reference implementation (100 MB).
inline constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;

/// A dtype of the safetensors spec ("F32", "BF16", ...) and its element size in bytes.
struct FileDtype {
  std::string_view code;
  std::size_t size;
};
/// The spec's entry for `code`, or nullptr when the spec has no such dtype.
const FileDtype* find_file_dtype(std::string_view code);

/// One tensor of a validated header.
struct HeaderEntry {
  std::string name;
  const FileDtype* dtype = nullptr;
  Shape shape;
  std::int64_t numel = 0;
  std::uint64_t begin = 0, end = 0;  ///< data_offsets, relative to the start of the data section
  std::uint64_t entry_offset = 0;    ///< absolute file offset of the entry's name in the header
};

/// A validated header: the tensors cover the data section exactly, in `entries` order.
struct Header {
  std::uint64_t data_start = 0;      ///< 8 + header length
  std::vector<HeaderEntry> entries;  ///< sorted by data offset
  std::map<std::string, std::string> metadata;
};

/// Checks the little-endian header length read from the first 8 bytes against the limit and the
/// size of the file; returns it.
std::uint64_t checked_header_length(std::uint64_t length, std::uint64_t file_size, const std::string& file);

/// Parses and validates the header `json` (the bytes after the length prefix) of a file of
/// `file_size` bytes named `file`.
Header parse_header(std::string_view json, std::uint64_t file_size, const std::string& file);

/// A tensor to describe in a header being written.
struct EncodeEntry {
  std::string name;
  std::string_view dtype_code;
  Shape shape;
  std::uint64_t nbytes = 0;
};

/// The header as the reference writer lays it out: compact JSON, "__metadata__" first (omitted
/// when empty), then the entries in the given order with contiguous data_offsets, padded with
/// spaces to a multiple of 8 bytes. Names and metadata must be valid UTF-8.
std::string encode_header(const std::vector<EncodeEntry>& entries, const std::map<std::string, std::string>& metadata);

}  // namespace xg::io::detail
