#pragma once
// UTF-8 validation for text that is written into or read from file headers.
#include <cstddef>
#include <string_view>

namespace xg::io {

/// Offset of the first byte of the first ill-formed UTF-8 sequence in `text` (truncated,
/// overlong, surrogate or above U+10FFFF), or std::string_view::npos when all of it is valid.
std::size_t find_invalid_utf8(std::string_view text);

}  // namespace xg::io
