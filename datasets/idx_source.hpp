#pragma once
// Internal: the bytes of an IDX file, from a file or from memory, raw or gzip-compressed. The
// reader in idx.cpp sees one sequential stream of uncompressed bytes and their count, whatever the
// origin. A gzip stream (magic bytes 1f 8b) is inflated here with zlib; several concatenated gzip
// members form one stream, as gzip(1) treats them, and anything else after the last member is
// corrupt data. zlib.h stays in idx_source.cpp.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace xg::datasets::detail {

/// Throws DataError "<name>: <what>".
[[noreturn]] void idx_fail(const std::string& name, const std::string& what);

/// Sequential reader of the uncompressed bytes of a raw or gzip IDX file.
class IdxByteSource {
 public:
  /// Opens `path`; throws DataError when it is missing, not a regular file or unreadable.
  static IdxByteSource open_file(const std::string& path);
  /// Reads `bytes`, which must outlive the source; `name` stands for the file in messages.
  static IdxByteSource from_memory(std::string_view bytes, const std::string& name);

  IdxByteSource(IdxByteSource&&) noexcept;
  IdxByteSource& operator=(IdxByteSource&&) noexcept;
  ~IdxByteSource();

  /// The file name used in messages.
  const std::string& name() const { return name_; }
  bool gzip() const { return inflater_ != nullptr; }
  /// Size of the stored bytes (for a gzip file, not the size of the data it holds).
  std::int64_t raw_size() const;
  /// Uncompressed bytes delivered so far.
  std::int64_t offset() const { return offset_; }

  /// Reads up to n bytes; fewer only at the end of the data. Throws DataError on read or gzip errors.
  std::size_t read(void* dst, std::size_t n);

  /// Appended to a truncation message: why a gzip stream ended early ("" when it did not).
  std::string end_note() const;
  /// After the last byte was read: throws DataError when the stored bytes ended inside a gzip
  /// member (its CRC-32 and length trailer unchecked), even though all data arrived.
  void check_complete() const;

  class Input;     ///< stored bytes: a file or memory
  class Inflater;  ///< zlib state of a gzip stream

 private:
  IdxByteSource(std::unique_ptr<Input> input, const std::string& name);

  std::string name_;
  std::unique_ptr<Input> input_;
  std::unique_ptr<Inflater> inflater_;
  std::int64_t offset_ = 0;
};

}  // namespace xg::datasets::detail
