// Strict UTF-8 check (RFC 3629): decodes each multi-byte sequence and rejects what a lenient
// decoder would let through (overlong forms, UTF-16 surrogates, code points past U+10FFFF).
#include <xgrad/io/utf8.hpp>

#include <cstdint>

namespace xg::io {

std::size_t find_invalid_utf8(std::string_view text) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned lead = bytes[i];
    if (lead < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    std::uint32_t code_point = 0, smallest = 0;
    if ((lead & 0xE0) == 0xC0) length = 2, code_point = lead & 0x1F, smallest = 0x80;
    else if ((lead & 0xF0) == 0xE0) length = 3, code_point = lead & 0x0F, smallest = 0x800;
    else if ((lead & 0xF8) == 0xF0) length = 4, code_point = lead & 0x07, smallest = 0x10000;
    else return i;
    if (n - i < length) return i;
    for (std::size_t k = 1; k < length; ++k) {
      if ((bytes[i + k] & 0xC0) != 0x80) return i;
      code_point = (code_point << 6) | (bytes[i + k] & 0x3F);
    }
    if (code_point < smallest || code_point > 0x10FFFF || (code_point >= 0xD800 && code_point <= 0xDFFF)) return i;
    i += length;
  }
  return std::string_view::npos;
}

}  // namespace xg::io
