// Safetensors file I/O (see safetensors.hpp). The header logic lives in safetensors_header.cpp;
// this file moves bytes. Reading goes through a ByteSource (a file read with pread, or a buffer
// in memory) in bounded steps: the 8-byte prefix, the header (after its length is checked against
// the file size), then each tensor's byte range straight into the tensor's storage. Nothing is
// allocated before the header has been validated against the real file size.
#include <xgrad/io/safetensors.hpp>

#include <xgrad/core/creation.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/io/atomic_file.hpp>
#include <xgrad/io/safetensors_header.hpp>
#include <xgrad/io/utf8.hpp>

#include <bit>
#include <cerrno>
#include <cstring>
#include <ostream>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace xg::io {

static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian; reading it on a big-endian host needs byte swapping");

namespace {

// ---- dtypes ---------------------------------------------------------------------------------

std::string_view file_dtype_code(Dtype dtype) {
  switch (dtype) {
    case Dtype::Float32: return "F32";
    case Dtype::Float64: return "F64";
    case Dtype::Int64: return "I64";
  }
  throw DtypeError("save_safetensors: unknown dtype");
}

/// The xgrad dtype a file dtype loads as, or false when it is not supported.
bool loaded_dtype(std::string_view code, Dtype& out) {
  if (code == "F32") out = Dtype::Float32;
  else if (code == "F64") out = Dtype::Float64;
  else if (code == "I64" || code == "I32" || code == "U8") out = Dtype::Int64;
  else return false;
  return true;
}

/// Widens `count` elements of type From (little-endian bytes at `src`) into int64 at `dst`.
template <class From> void widen_to_int64(const unsigned char* src, std::int64_t count, std::int64_t* dst) {
  for (std::int64_t i = 0; i < count; ++i) {
    From value;
    std::memcpy(&value, src + i * static_cast<std::int64_t>(sizeof(From)), sizeof(From));
    dst[i] = static_cast<std::int64_t>(value);
  }
}

// ---- byte sources ---------------------------------------------------------------------------

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual std::uint64_t size() const = 0;
  /// Copies [offset, offset + n) into dst; the range lies within size().
  virtual void read(std::uint64_t offset, std::size_t n, void* dst) const = 0;
};

class MemorySource : public ByteSource {
 public:
  explicit MemorySource(std::string_view bytes) : bytes_(bytes) {}
  std::uint64_t size() const override { return bytes_.size(); }
  void read(std::uint64_t offset, std::size_t n, void* dst) const override {
    if (n > 0) std::memcpy(dst, bytes_.data() + offset, n);
  }

 private:
  std::string_view bytes_;
};

class FileSource : public ByteSource {
 public:
  explicit FileSource(const std::string& path) : path_(path), fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (fd_ < 0) throw IoError("load_safetensors: cannot open", path, errno);
    struct stat st {};
    if (::fstat(fd_, &st) != 0) {
      const int err = errno;
      ::close(fd_);
      throw IoError("load_safetensors: cannot stat", path, err);
    }
    if (!S_ISREG(st.st_mode)) {
      ::close(fd_);
      throw IoError("load_safetensors: not a regular file:", path);
    }
    size_ = static_cast<std::uint64_t>(st.st_size);
  }
  ~FileSource() override { ::close(fd_); }
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  std::uint64_t size() const override { return size_; }

  void read(std::uint64_t offset, std::size_t n, void* dst) const override {
    auto* out = static_cast<char*>(dst);
    std::size_t done = 0;
    while (done < n) {
      const ssize_t got = ::pread(fd_, out + done, n - done, static_cast<off_t>(offset + done));
      if (got < 0) {
        if (errno == EINTR) continue;
        throw IoError("load_safetensors: cannot read", path_, errno);
      }
      if (got == 0)
        throw FormatError(detail::kSafetensors, path_, offset + done,
                          std::to_string(n - done) + " more bytes (the file had " + std::to_string(size_) + " bytes when opened)",
                          "end of file; the file shrank while being read");
      done += static_cast<std::size_t>(got);
    }
  }

 private:
  std::string path_;
  int fd_;
  std::uint64_t size_ = 0;
};

// ---- reading --------------------------------------------------------------------------------

SafetensorsFile read_safetensors(const ByteSource& source, const std::string& file) {
  const std::uint64_t file_size = source.size();
  if (file_size < 8)
    throw FormatError(detail::kSafetensors, file, 0, "at least 8 bytes (the header length)",
                      "a file of " + std::to_string(file_size) + " bytes");
  unsigned char prefix[8];
  source.read(0, 8, prefix);
  std::uint64_t length = 0;
  for (int i = 7; i >= 0; --i) length = (length << 8) | prefix[i];
  length = detail::checked_header_length(length, file_size, file);

  std::string text(static_cast<std::size_t>(length), '\0');
  source.read(8, text.size(), text.data());
  detail::Header header = detail::parse_header(text, file_size, file);

  std::vector<Dtype> dtypes;
  dtypes.reserve(header.entries.size());
  for (const detail::HeaderEntry& e : header.entries) {
    Dtype dtype{};
    if (!loaded_dtype(e.dtype->code, dtype))
      throw FormatError(detail::kSafetensors, file, e.entry_offset,
                        "a dtype xgrad loads: F32, F64, I64, or I32/U8 (converted to int64)",
                        "\"" + std::string(e.dtype->code) + "\"", e.name);
    dtypes.push_back(dtype);
  }

  SafetensorsFile result;
  result.metadata = std::move(header.metadata);
  std::vector<unsigned char> staging;
  for (std::size_t i = 0; i < header.entries.size(); ++i) {
    const detail::HeaderEntry& e = header.entries[i];
    Tensor t = xg::empty(e.shape, {.dtype = dtypes[i]});
    const std::size_t nbytes = static_cast<std::size_t>(e.end - e.begin);
    const std::uint64_t at = header.data_start + e.begin;
    if (e.dtype->size == element_size(dtypes[i])) {
      source.read(at, nbytes, t.raw_data());
    } else {
      staging.resize(nbytes);
      source.read(at, nbytes, staging.data());
      auto* dst = t.data<std::int64_t>();
      if (e.dtype->code == "I32") widen_to_int64<std::int32_t>(staging.data(), e.numel, dst);
      else widen_to_int64<std::uint8_t>(staging.data(), e.numel, dst);
    }
    t.set_name(e.name);
    result.tensors.emplace(e.name, std::move(t));
  }
  return result;
}

// ---- writing --------------------------------------------------------------------------------

void check_utf8(const std::string& text, const std::string& what) {
  if (find_invalid_utf8(text) != std::string_view::npos)
    throw ValueError("save_safetensors: " + what + " is not valid UTF-8");
}

/// Validates the tensors and metadata and returns the header bytes.
std::string prepare_header(const TensorMap& tensors, const Metadata& metadata) {
  std::vector<detail::EncodeEntry> entries;
  entries.reserve(tensors.size());
  for (const auto& [name, t] : tensors) {
    if (name == "__metadata__") throw ValueError("save_safetensors: a tensor cannot be named \"__metadata__\"");
    check_utf8(name, "the tensor name \"" + name + "\"");
    if (!t.defined()) throw ValueError("save_safetensors: tensor '" + name + "' is undefined");
    entries.push_back({name, file_dtype_code(t.dtype()), t.shape(),
                       static_cast<std::uint64_t>(t.numel()) * element_size(t.dtype())});
  }
  for (const auto& [key, value] : metadata) {
    check_utf8(key, "the metadata key \"" + key + "\"");
    check_utf8(value, "the metadata value of \"" + key + "\"");
  }
  return detail::encode_header(entries, metadata);
}

void write_prepared(std::ostream& out, const std::string& header, const TensorMap& tensors) {
  char prefix[8];
  std::uint64_t length = header.size();
  for (char& byte : prefix) {
    byte = static_cast<char>(length & 0xFF);
    length >>= 8;
  }
  out.write(prefix, sizeof prefix);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  for (const auto& [name, t] : tensors) {
    const auto nbytes = static_cast<std::streamsize>(t.numel() * static_cast<std::int64_t>(element_size(t.dtype())));
    if (nbytes > 0) out.write(static_cast<const char*>(t.raw_data()), nbytes);
  }
}

}  // namespace

void save_safetensors(const TensorMap& tensors, const std::string& path, const Metadata& metadata) {
  const std::string header = prepare_header(tensors, metadata);
  write_atomically(path, [&](std::ostream& out) { write_prepared(out, header, tensors); });
}

void write_safetensors(std::ostream& out, const TensorMap& tensors, const Metadata& metadata, const std::string& name) {
  write_prepared(out, prepare_header(tensors, metadata), tensors);
  if (!out) throw IoError("write_safetensors: the output stream failed while writing", name);
}

SafetensorsFile load_safetensors(const std::string& path) { return read_safetensors(FileSource(path), path); }

SafetensorsFile parse_safetensors(std::string_view bytes, const std::string& name) {
  return read_safetensors(MemorySource(bytes), name);
}

}  // namespace xg::io
