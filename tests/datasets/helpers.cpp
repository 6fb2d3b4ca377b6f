// Implementation of the test helpers (see helpers.hpp), including the replaced global operator new
// that records the largest request, so tests can prove a corrupt header allocates nothing large.
#include "helpers.hpp"

#include <boost/test/unit_test.hpp>

#include <array>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <new>
#include <stdexcept>

namespace {
std::atomic<std::size_t> largest{0};
}

void* operator new(std::size_t size) {
  std::size_t seen = largest.load(std::memory_order_relaxed);
  while (size > seen && !largest.compare_exchange_weak(seen, size, std::memory_order_relaxed)) {
  }
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace xg_test {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "xgrad-datasets-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed for " + pattern);
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::file(const std::string& name) const { return path_ + "/" + name; }

void write_file(const std::string& path, const Bytes& bytes) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

Bytes idx_header(std::uint8_t type, const std::vector<std::uint32_t>& dims) {
  Bytes out{0, 0, type, static_cast<std::uint8_t>(dims.size())};
  for (auto d : dims)
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(d >> shift));
  return out;
}

Bytes idx_u8(const std::vector<std::uint32_t>& dims, const Bytes& data) {
  Bytes out = idx_header(0x08, dims);
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

namespace {

std::uint32_t crc32(const Bytes& data) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t c = 0xFFFFFFFFu;
  for (auto b : data) c = table[(c ^ b) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

void put_le(Bytes& out, std::uint32_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

}  // namespace

Bytes gzip_stored(const Bytes& payload) {
  // Header: magic 1f 8b, method 8 (deflate), no flags, mtime 0, no extra flags, OS 255 (unknown).
  Bytes out{0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff};
  std::size_t pos = 0;
  do {
    const std::size_t len = std::min<std::size_t>(payload.size() - pos, 65535);
    const bool final = pos + len == payload.size();
    out.push_back(final ? 0x01 : 0x00);  // BFINAL bit, BTYPE 00 (stored), padded to the byte
    put_le(out, static_cast<std::uint32_t>(len), 2);
    put_le(out, static_cast<std::uint32_t>(~len & 0xFFFF), 2);
    out.insert(out.end(), payload.begin() + static_cast<std::ptrdiff_t>(pos),
               payload.begin() + static_cast<std::ptrdiff_t>(pos + len));
    pos += len;
  } while (pos < payload.size());
  put_le(out, crc32(payload), 4);
  put_le(out, static_cast<std::uint32_t>(payload.size()), 4);
  return out;
}

ScopedEnv::ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
  if (const char* old = std::getenv(name)) old_ = old;
  if (value) setenv(name, value->c_str(), 1);
  else unsetenv(name);
}

ScopedEnv::~ScopedEnv() {
  if (old_) setenv(name_.c_str(), old_->c_str(), 1);
  else unsetenv(name_.c_str());
}

std::size_t largest_allocation() { return largest.load(); }
void reset_largest_allocation() { largest.store(0); }

bool contains(const std::string& what, const std::string& needle) {
  if (what.find(needle) != std::string::npos) return true;
  BOOST_TEST_MESSAGE("message \"" + what + "\" lacks \"" + needle + "\"");
  return false;
}

}  // namespace xg_test
