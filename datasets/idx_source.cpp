// IDX byte sources (see idx_source.hpp). An Input delivers the stored bytes (a FILE* or a memory
// view); when the first two bytes are the gzip magic, an Inflater runs zlib's inflate over the
// Input's chunks (windowBits 15 + 16: gzip framing, CRC-32 and length checked by zlib) and resets
// between concatenated members. A stream that ends inside a member is remembered, so the reader's
// truncation message can say that the gzip file itself was cut short.
#include <xgrad/datasets/idx_source.hpp>

#include <xgrad/datasets/error.hpp>

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <span>
#include <vector>

namespace xg::datasets::detail {

void idx_fail(const std::string& name, const std::string& what) { throw DataError(name + ": " + what); }

class IdxByteSource::Input {
 public:
  virtual ~Input() = default;
  virtual std::int64_t size() const = 0;
  /// Copies up to n bytes to dst; fewer only at the end.
  virtual std::size_t read(void* dst, std::size_t n) = 0;
  /// The next stored bytes (at most 1 GiB, zlib counts in 32 bits), valid until the next call;
  /// empty at the end.
  virtual std::span<const unsigned char> next_chunk() = 0;
  /// Back to the first byte.
  virtual void rewind() = 0;
};

namespace {

constexpr std::size_t kMaxChunk = std::size_t{1} << 30;

class MemoryInput final : public IdxByteSource::Input {
 public:
  explicit MemoryInput(std::string_view bytes) : bytes_(bytes) {}
  std::int64_t size() const override { return static_cast<std::int64_t>(bytes_.size()); }
  std::size_t read(void* dst, std::size_t n) override {
    const auto chunk = take(n);
    if (!chunk.empty()) std::memcpy(dst, chunk.data(), chunk.size());
    return chunk.size();
  }
  std::span<const unsigned char> next_chunk() override { return take(kMaxChunk); }
  void rewind() override { at_ = 0; }

 private:
  std::span<const unsigned char> take(std::size_t n) {
    const std::size_t k = std::min(n, bytes_.size() - at_);
    const auto* begin = reinterpret_cast<const unsigned char*>(bytes_.data()) + at_;
    at_ += k;
    return {begin, k};
  }

  std::string_view bytes_;
  std::size_t at_ = 0;
};

class FileInput final : public IdxByteSource::Input {
 public:
  explicit FileInput(const std::string& path) : path_(path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (!fs::exists(status)) idx_fail(path, "cannot open: no such file");
    if (!fs::is_regular_file(status)) idx_fail(path, "cannot open: not a regular file");
    size_ = static_cast<std::int64_t>(fs::file_size(path, ec));
    if (ec) idx_fail(path, "cannot read the file size: " + ec.message());
    file_ = std::fopen(path.c_str(), "rb");
    if (!file_) idx_fail(path, std::string("cannot open: ") + std::strerror(errno));
  }
  ~FileInput() override { std::fclose(file_); }
  FileInput(const FileInput&) = delete;
  FileInput& operator=(const FileInput&) = delete;

  std::int64_t size() const override { return size_; }
  std::size_t read(void* dst, std::size_t n) override {
    const std::size_t got = std::fread(dst, 1, n, file_);
    if (got < n && std::ferror(file_)) idx_fail(path_, std::string("read error: ") + std::strerror(errno));
    return got;
  }
  std::span<const unsigned char> next_chunk() override {
    buffer_.resize(std::size_t{1} << 18);
    return {buffer_.data(), read(buffer_.data(), buffer_.size())};
  }
  void rewind() override { std::rewind(file_); }

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
  std::int64_t size_ = 0;
  std::vector<unsigned char> buffer_;
};

}  // namespace

class IdxByteSource::Inflater {
 public:
  explicit Inflater(const std::string& name) {
    if (inflateInit2(&zs_, 15 + 16) != Z_OK) idx_fail(name, "cannot initialise zlib");
  }
  ~Inflater() { inflateEnd(&zs_); }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  /// Inflates up to n bytes into dst; `source` names the file and counts the bytes delivered so far.
  std::size_t read(Input& input, unsigned char* dst, std::size_t n, const IdxByteSource& source) {
    std::size_t done = 0;
    while (done < n && !ended_) {
      if (zs_.avail_in == 0) {
        const auto chunk = input.next_chunk();
        if (chunk.empty()) {
          cut_short_ = in_member_;
          ended_ = true;
          break;
        }
        zs_.next_in = const_cast<Bytef*>(chunk.data());
        zs_.avail_in = static_cast<uInt>(chunk.size());
      }
      const std::size_t want = std::min(n - done, kMaxChunk);
      zs_.next_out = dst + done;
      zs_.avail_out = static_cast<uInt>(want);
      const uInt in_before = zs_.avail_in;
      in_member_ = true;
      const int r = inflate(&zs_, Z_NO_FLUSH);
      done += want - zs_.avail_out;
      if (r == Z_STREAM_END) {
        inflateReset(&zs_);  // another member may follow
        in_member_ = false;
      } else if (r != Z_OK && !(r == Z_BUF_ERROR && (zs_.avail_in != in_before || zs_.avail_out != want))) {
        idx_fail(source.name(), "corrupt gzip data while reading from uncompressed byte " +
                                    group_digits(source.offset() + static_cast<std::int64_t>(done)) + ": zlib says \"" +
                                    (zs_.msg ? zs_.msg : "error " + std::to_string(r)) + "\"");
      }
    }
    return done;
  }

  /// True when the stored bytes ended inside a gzip member.
  bool cut_short() const { return cut_short_; }

 private:
  z_stream zs_{};
  bool in_member_ = false, ended_ = false, cut_short_ = false;
};

IdxByteSource::IdxByteSource(std::unique_ptr<Input> input, const std::string& name)
    : name_(name), input_(std::move(input)) {
  unsigned char magic[2] = {0, 0};
  const bool gzip = input_->read(magic, 2) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
  input_->rewind();
  if (gzip) inflater_ = std::make_unique<Inflater>(name_);
}

IdxByteSource IdxByteSource::open_file(const std::string& path) {
  return IdxByteSource(std::make_unique<FileInput>(path), path);
}

IdxByteSource IdxByteSource::from_memory(std::string_view bytes, const std::string& name) {
  return IdxByteSource(std::make_unique<MemoryInput>(bytes), name);
}

IdxByteSource::IdxByteSource(IdxByteSource&&) noexcept = default;
IdxByteSource& IdxByteSource::operator=(IdxByteSource&&) noexcept = default;
IdxByteSource::~IdxByteSource() = default;

std::int64_t IdxByteSource::raw_size() const { return input_->size(); }

std::size_t IdxByteSource::read(void* dst, std::size_t n) {
  const std::size_t got = inflater_ ? inflater_->read(*input_, static_cast<unsigned char*>(dst), n, *this)
                                    : input_->read(dst, n);
  offset_ += static_cast<std::int64_t>(got);
  return got;
}

std::string IdxByteSource::end_note() const {
  if (!inflater_ || !inflater_->cut_short()) return "";
  return " (the gzip stream itself is cut short: its " + group_digits(raw_size()) +
         " stored bytes end inside a compressed member)";
}

void IdxByteSource::check_complete() const {
  if (inflater_ && inflater_->cut_short())
    idx_fail(name_, "truncated gzip stream: its " + group_digits(raw_size()) +
                        " stored bytes end inside a compressed member, before its CRC-32 and length are checked");
}

}  // namespace xg::datasets::detail
