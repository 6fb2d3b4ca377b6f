#pragma once
// A built-in 5x7 pixel font for labelling pictures without a font library: every printable ASCII
// character (space to '~'), each glyph 5 pixels wide and 7 high, drawn with one pixel of spacing
// and scaled up by an integer factor (scale 2 draws each font pixel as a 2x2 block).
//
//   int w = xg::viz::font::text_width("p:7 t:7", 2);     // 2 * (7 * 6 - 1) = 82 pixels
//   if (xg::viz::font::glyph_pixel('A', 0, 3)) ...       // column 0, row 3 of 'A' is ink
#include <string_view>

namespace xg::viz::font {

/// Width of a glyph in font pixels.
inline constexpr int glyph_width = 5;
/// Height of a glyph in font pixels.
inline constexpr int glyph_height = 7;
/// Horizontal distance from one character to the next, in font pixels (glyph plus one blank column).
inline constexpr int advance = glyph_width + 1;

/// True if the font pixel at column x (0..4), row y (0..6, top to bottom) of `c` is ink.
/// Characters outside printable ASCII are drawn as '?'; coordinates outside the glyph are blank.
bool glyph_pixel(char c, int x, int y);

/// Width in image pixels of `text` drawn at `scale` (no trailing spacing; 0 for empty text).
int text_width(std::string_view text, int scale = 1);
/// Height in image pixels of one line of text drawn at `scale`.
int text_height(int scale = 1);

}  // namespace xg::viz::font
