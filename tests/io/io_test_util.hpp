#pragma once
// Helpers of the io tests: a scratch directory, raw file access, hand-built safetensors bytes and
// checks that an exception's message contains the expected parts.
#include <xgrad/io/errors.hpp>

#include <boost/test/unit_test.hpp>

#include "core/temp_dir.hpp"
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

namespace xg::io::test {

using xg::test::TempDir;

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  BOOST_REQUIRE_MESSAGE(in, "cannot open " + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_bytes(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  BOOST_REQUIRE_MESSAGE(out, "cannot write " + path);
}

/// Eight little-endian bytes of `value`.
inline std::string le64(std::uint64_t value) {
  std::string out(8, '\0');
  for (char& c : out) {
    c = static_cast<char>(value & 0xFF);
    value >>= 8;
  }
  return out;
}

/// A safetensors file: the header's length, the header as given (no padding), then `data`.
inline std::string st_file(std::string_view header, std::string_view data = {}) {
  return le64(header.size()) + std::string(header) + std::string(data);
}

/// Little-endian bytes of a sequence of values.
template <class T> std::string bytes_of(std::initializer_list<T> values) {
  std::string out;
  for (T v : values) out.append(reinterpret_cast<const char*>(&v), sizeof v);
  return out;
}

/// Checks that `message` contains every part.
inline void check_contains(const std::string& message, std::initializer_list<std::string_view> parts) {
  for (std::string_view part : parts)
    BOOST_CHECK_MESSAGE(message.find(part) != std::string::npos,
                        "message \"" + message + "\" lacks \"" + std::string(part) + "\"");
}

/// Runs `fn`, which must throw E; returns the caught exception for further checks.
template <class E, class F> E expect_error(F&& fn) {
  std::optional<E> caught;
  try {
    fn();
  } catch (const E& e) {
    caught.emplace(e);
  }
  BOOST_REQUIRE_MESSAGE(caught.has_value(), "expected an exception, none was thrown");
  return *caught;
}

}  // namespace xg::io::test
