// Message formatting of the io exceptions (see errors.hpp).
#include <xgrad/io/errors.hpp>

#include <system_error>

namespace xg::io {
namespace {

std::string format_message(const std::string& format, const std::string& file, std::uint64_t byte_offset,
                           const std::string& expected, const std::string& found, const std::string& tensor) {
  std::string msg = "invalid " + format + " file '" + file + "' at byte " + std::to_string(byte_offset);
  if (!tensor.empty()) msg += ", tensor '" + tensor + "'";
  return msg + ": expected " + expected + ", found " + found;
}

}  // namespace

FormatError::FormatError(const std::string& format, const std::string& file, std::uint64_t byte_offset,
                         const std::string& expected, const std::string& found, const std::string& tensor)
    : Error(format_message(format, file, byte_offset, expected, found, tensor)),
      file_(file),
      byte_offset_(byte_offset),
      tensor_(tensor) {}

IoError::IoError(const std::string& what, const std::string& path, int errnum)
    : Error(what + " '" + path + "': " + std::generic_category().message(errnum)), path_(path), errno_(errnum) {}

IoError::IoError(const std::string& what, const std::string& path) : Error(what + " '" + path + "'"), path_(path) {}

}  // namespace xg::io
