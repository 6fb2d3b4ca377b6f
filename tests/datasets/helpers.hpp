#pragma once
// Shared helpers of the datasets tests: a self-deleting temp folder, IDX byte builders, a gzip
// writer, scoped environment variables and a probe of the largest heap allocation.
//
// The gzip writer emits "stored" deflate blocks (RFC 1951 section 3.2.4) with a CRC-32 trailer
// (RFC 1952): a valid gzip stream built without zlib, so the reader is checked against files it did
// not produce itself (the test executable does not link zlib; libxgrad links it privately). The
// compressed path through real deflate data is covered by the Fashion-MNIST files.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace xg_test {

using Bytes = std::vector<std::uint8_t>;

/// A fresh folder under the system temp dir, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  /// path() + "/" + name.
  std::string file(const std::string& name) const;

 private:
  std::string path_;
};

/// Writes `bytes` to `path` (creating parent folders).
void write_file(const std::string& path, const Bytes& bytes);
/// The 4-byte magic and the big-endian sizes of an IDX header.
Bytes idx_header(std::uint8_t type, const std::vector<std::uint32_t>& dims);
/// A complete uint8 IDX file.
Bytes idx_u8(const std::vector<std::uint32_t>& dims, const Bytes& data);
/// `payload` as a gzip stream (stored blocks, no compression).
Bytes gzip_stored(const Bytes& payload);

/// Sets (or with nullopt unsets) an environment variable; restores the old value on destruction.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value);
  ~ScopedEnv();
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

/// Largest single operator-new request since the last reset (the test binary replaces operator new).
std::size_t largest_allocation();
void reset_largest_allocation();

/// True if `what` contains `needle`; prints the message when it does not, to ease debugging.
bool contains(const std::string& what, const std::string& needle);

}  // namespace xg_test
