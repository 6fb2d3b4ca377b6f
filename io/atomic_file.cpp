// write_atomically: temp file + fsync + rename + directory fsync (see atomic_file.hpp).
// The stream handed to the writer is backed by FdStreamBuf, a small buffered streambuf over the
// raw file descriptor, so a failed write(2) keeps its errno for the error message and the same
// descriptor can be fsync'ed afterwards.
#include <xgrad/io/atomic_file.hpp>

#include <xgrad/io/errors.hpp>

#include <array>
#include <cerrno>
#include <filesystem>
#include <ostream>
#include <streambuf>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace xg::io {
namespace {

/// Writes all of [data, data + n) to fd, retrying partial writes and EINTR; returns 0 or an errno.
int write_all(int fd, const char* data, std::size_t n) {
  while (n > 0) {
    const ssize_t written = ::write(fd, data, n);
    if (written < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data += written;
    n -= static_cast<std::size_t>(written);
  }
  return 0;
}

class FdStreamBuf : public std::streambuf {
 public:
  explicit FdStreamBuf(int fd) : fd_(fd) { reset_put_area(); }
  /// errno of the first failed write, 0 if none.
  int error() const { return error_; }

 protected:
  int_type overflow(int_type ch) override {
    if (!flush_buffer()) return traits_type::eof();
    if (!traits_type::eq_int_type(ch, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(ch);
      pbump(1);
    }
    return traits_type::not_eof(ch);
  }

  // Large blocks (tensor data) bypass the buffer.
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    if (n < static_cast<std::streamsize>(buffer_.size())) return std::streambuf::xsputn(s, n);
    if (!flush_buffer() || !write(s, static_cast<std::size_t>(n))) return 0;
    return n;
  }

  int sync() override { return flush_buffer() ? 0 : -1; }

 private:
  void reset_put_area() { setp(buffer_.data(), buffer_.data() + buffer_.size()); }

  bool flush_buffer() {
    const bool ok = write(pbase(), static_cast<std::size_t>(pptr() - pbase()));
    reset_put_area();
    return ok;
  }

  bool write(const char* data, std::size_t n) {
    if (error_ == 0) error_ = write_all(fd_, data, n);
    return error_ == 0;
  }

  int fd_;
  int error_ = 0;
  std::array<char, 1 << 16> buffer_;
};

/// Owns the temporary file until it is renamed: closes the descriptor and unlinks the file on
/// every early exit.
class TempFile {
 public:
  TempFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!renamed_) ::unlink(path_.c_str());
  }
  int fd() const { return fd_; }
  const std::string& path() const { return path_; }
  /// Closes the descriptor; returns 0 or the errno of close(2).
  int close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc == 0 ? 0 : errno;
  }
  void mark_renamed() { renamed_ = true; }

 private:
  std::string path_;
  int fd_;
  bool renamed_ = false;
};

/// Makes a completed rename durable. File systems that cannot sync a directory report EINVAL;
/// there is nothing more to do on those.
void sync_directory(const std::string& target) {
  const std::filesystem::path parent = std::filesystem::path(target).parent_path();
  const std::string dir = parent.empty() ? std::string(".") : parent.string();
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw IoError("write_atomically: replaced the file but cannot open its directory to sync it", dir, errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0 && err != EINVAL)
    throw IoError("write_atomically: replaced the file but cannot fsync its directory", dir, err);
}

}  // namespace

void write_atomically(const std::string& path, const std::function<void(std::ostream&)>& writer) {
  const std::string tmp_path = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) throw IoError("write_atomically: cannot create '" + tmp_path + "' for", path, errno);
  TempFile tmp(tmp_path, fd);
  FdStreamBuf buffer(tmp.fd());
  std::ostream stream(&buffer);
  writer(stream);
  stream.flush();
  if (buffer.error() != 0) throw IoError("write_atomically: cannot write '" + tmp.path() + "' for", path, buffer.error());
  if (!stream) throw IoError("write_atomically: the writer left the output stream failed for", path);
  if (::fsync(tmp.fd()) != 0) throw IoError("write_atomically: cannot fsync '" + tmp.path() + "' for", path, errno);
  if (const int err = tmp.close(); err != 0)
    throw IoError("write_atomically: cannot close '" + tmp.path() + "' for", path, err);
  if (::rename(tmp.path().c_str(), path.c_str()) != 0)
    throw IoError("write_atomically: cannot rename '" + tmp.path() + "' over", path, errno);
  tmp.mark_renamed();
  sync_directory(path);
}

void write_atomically(const std::string& path, std::string_view bytes) {
  write_atomically(path, [&](std::ostream& out) { out.write(bytes.data(), static_cast<std::streamsize>(bytes.size())); });
}

}  // namespace xg::io
