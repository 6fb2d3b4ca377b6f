#pragma once
// Exceptions of the io layer. FormatError reports a malformed file with its location (file, byte
// offset, tensor) and what was expected versus found; IoError reports a failed system call with
// the path and the errno text.
#include <xgrad/core/error.hpp>

#include <cstdint>
#include <string>

namespace xg::io {

/// A file does not follow its format. The message reads
/// "invalid <format> file '<file>' at byte <offset>[, tensor '<tensor>']: expected <...>, found <...>".
class FormatError : public Error {
 public:
  /// `format` names the file kind ("safetensors"); `tensor` is empty when no tensor is involved.
  FormatError(const std::string& format, const std::string& file, std::uint64_t byte_offset,
              const std::string& expected, const std::string& found, const std::string& tensor = {});

  const std::string& file() const { return file_; }
  /// Absolute offset in the file of the offending byte (or of the start of the offending entry).
  std::uint64_t byte_offset() const { return byte_offset_; }
  /// The tensor involved, or empty.
  const std::string& tensor() const { return tensor_; }

 private:
  std::string file_;
  std::uint64_t byte_offset_;
  std::string tensor_;
};

/// A system call on a file failed; the message names the operation, the path and the errno text.
class IoError : public Error {
 public:
  /// "<what> '<path>': <strerror(errnum)>".
  IoError(const std::string& what, const std::string& path, int errnum);
  /// A failure without an errno (e.g. a stream that went bad): "<what> '<path>'".
  IoError(const std::string& what, const std::string& path);

  const std::string& path() const { return path_; }
  /// The errno value, 0 when none.
  int error_code() const { return errno_; }

 private:
  std::string path_;
  int errno_ = 0;
};

}  // namespace xg::io
