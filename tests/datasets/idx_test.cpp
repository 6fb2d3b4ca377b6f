// The IDX reader on small files written here: every element type (big-endian on disk), raw and
// gzip, and every kind of damage, each checked for the DataError message (file, byte offset,
// expected, found). Oversized headers are also checked to allocate nothing large.
#include "helpers.hpp"

#include <boost/test/unit_test.hpp>

#include <xgrad/datasets/idx.hpp>
#include <xgrad/xgrad.hpp>

#include <random>
#include <string>
#include <vector>

namespace ds = xg::datasets;
using xg_test::Bytes;
using xg_test::contains;

namespace {

// The DataError message read_idx throws for a file holding `bytes` (empty if it does not throw).
std::string idx_error(const xg_test::TempDir& dir, const Bytes& bytes, const std::string& name = "bad-idx") {
  const std::string path = dir.file(name);
  xg_test::write_file(path, bytes);
  try {
    ds::read_idx(path);
  } catch (const ds::DataError& e) {
    return e.what();
  }
  return "";
}

Bytes iota_bytes(std::size_t n) {
  Bytes out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(i * 7 % 256);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(idx_reader)

BOOST_AUTO_TEST_CASE(raw_and_gzip_uint8_read_the_same_elements) {
  xg_test::TempDir dir;
  const Bytes data = iota_bytes(3 * 4 * 5);
  const Bytes file = xg_test::idx_u8({3, 4, 5}, data);
  xg_test::write_file(dir.file("a-idx3-ubyte"), file);
  xg_test::write_file(dir.file("a-idx3-ubyte.gz"), xg_test::gzip_stored(file));
  for (const std::string name : {"a-idx3-ubyte", "a-idx3-ubyte.gz"}) {
    const ds::IdxArray a = ds::read_idx(dir.file(name));
    BOOST_TEST(a.shape == (xg::Shape{3, 4, 5}));
    BOOST_TEST((a.type == ds::IdxType::UInt8));
    BOOST_TEST(a.bytes == data, boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_CASE(gzip_stream_spanning_several_deflate_blocks) {
  // 200,000 bytes of data need four stored blocks of at most 65,535 bytes.
  xg_test::TempDir dir;
  const Bytes data = iota_bytes(200000);
  xg_test::write_file(dir.file("big.gz"), xg_test::gzip_stored(xg_test::idx_u8({200000}, data)));
  const ds::IdxArray a = ds::read_idx(dir.file("big.gz"));
  BOOST_TEST(a.shape == (xg::Shape{200000}));
  BOOST_TEST((a.bytes == data));
}

BOOST_AUTO_TEST_CASE(multibyte_types_are_big_endian_on_disk) {
  xg_test::TempDir dir;
  struct Case {
    std::uint8_t type;
    Bytes data;  // big-endian elements
    std::vector<double> values;
  };
  const std::vector<Case> cases{
      {0x09, {0xFF, 0x7F, 0x80}, {-1, 127, -128}},
      {0x0B, {0xFF, 0xFE, 0x01, 0x02}, {-2, 258}},
      {0x0C, {0x00, 0x01, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFD}, {65536, -3}},
      {0x0D, {0x3F, 0xC0, 0x00, 0x00, 0xC1, 0x20, 0x00, 0x00}, {1.5, -10.0}},           // IEEE-754 float32
      {0x0E, {0x40, 0x09, 0x21, 0xFB, 0x54, 0x44, 0x2D, 0x18}, {3.141592653589793}},  // float64 pi
  };
  for (const auto& c : cases) {
    Bytes file = xg_test::idx_header(c.type, {static_cast<std::uint32_t>(c.values.size())});
    file.insert(file.end(), c.data.begin(), c.data.end());
    for (bool gzip : {false, true}) {
      const std::string path = dir.file("t" + std::to_string(c.type) + (gzip ? ".gz" : ""));
      xg_test::write_file(path, gzip ? xg_test::gzip_stored(file) : file);
      const ds::IdxArray a = ds::read_idx(path);
      BOOST_TEST(static_cast<int>(a.type) == static_cast<int>(c.type));
      BOOST_TEST(a.shape == (xg::Shape{static_cast<std::int64_t>(c.values.size())}));
      const auto got = a.to_tensor({.dtype = xg::kFloat64}).to_vector<double>();
      BOOST_TEST(got == c.values, boost::test_tools::per_element());
    }
  }
}

BOOST_AUTO_TEST_CASE(to_tensor_scales_converts_and_limits_rows) {
  ds::IdxArray a{{3, 2}, ds::IdxType::UInt8, {0, 51, 102, 153, 204, 255}};
  const xg::Tensor f = a.to_tensor({.dtype = xg::kFloat32, .scale = 1.0 / 255.0, .rows = 2});
  BOOST_TEST(f.shape() == (xg::Shape{2, 2}));
  BOOST_TEST(f.dtype() == xg::kFloat32);
  BOOST_TEST(f.to_vector<double>() == (std::vector<double>{0.0, 0.2, 0.4, 0.6}),
             boost::test_tools::tolerance(1e-7) << boost::test_tools::per_element());
  const xg::Tensor i = a.to_tensor({.dtype = xg::kInt64});
  BOOST_TEST(i.shape() == (xg::Shape{3, 2}));
  BOOST_TEST(i.to_vector<std::int64_t>() == (std::vector<std::int64_t>{0, 51, 102, 153, 204, 255}),
             boost::test_tools::per_element());
  BOOST_TEST(a.to_tensor({.rows = 10}).size(0) == 3);  // more rows than there are: all

  const ds::IdxArray floats{{1}, ds::IdxType::Float32, {0, 0, 0x80, 0x3F}};
  BOOST_CHECK_EXCEPTION(floats.to_tensor({.dtype = xg::kInt64}), xg::ValueError,
                        [](const xg::ValueError& e) { return contains(e.what(), "cannot convert float32 data"); });
  const ds::IdxArray short_bytes{{4}, ds::IdxType::UInt8, {1, 2}};
  BOOST_CHECK_EXCEPTION(short_bytes.to_tensor(), xg::ValueError,
                        [](const xg::ValueError& e) { return contains(e.what(), "holds 2 bytes but shape [4]"); });
}

BOOST_AUTO_TEST_CASE(missing_file_and_folder) {
  xg_test::TempDir dir;
  BOOST_CHECK_EXCEPTION(ds::read_idx(dir.file("nope")), ds::DataError, [&](const ds::DataError& e) {
    return std::string(e.what()) == dir.file("nope") + ": cannot open: no such file";
  });
  BOOST_CHECK_EXCEPTION(ds::read_idx(dir.path()), ds::DataError,
                        [](const ds::DataError& e) { return contains(e.what(), "not a regular file"); });
}

BOOST_AUTO_TEST_CASE(malformed_headers_name_offset_expected_and_found) {
  xg_test::TempDir dir;
  const std::string p = dir.file("bad-idx") + ": ";
  BOOST_TEST(idx_error(dir, {}) ==
             p + "truncated at byte 0: expected the 4-byte IDX magic number (0x00 0x00 type rank), found an empty file");
  BOOST_TEST(idx_error(dir, {0, 0, 8}) ==
             p + "truncated at byte 3: expected the 4-byte IDX magic number (0x00 0x00 type rank), found 3 bytes");
  BOOST_TEST(idx_error(dir, {0x3C, 0x68, 0x74, 0x6D, 0x6C}) ==
             p + "bad IDX magic at byte 0: expected 0x00 0x00, found 0x3C 0x68 (not an IDX file)");
  BOOST_TEST(idx_error(dir, {0, 0, 0x07, 1, 0, 0, 0, 1, 0}) ==
             p + "unsupported IDX element type at byte 2: expected 0x08 (uint8), 0x09 (int8), 0x0B (int16), 0x0C "
                 "(int32), 0x0D (float32) or 0x0E (float64), found 0x07");
  BOOST_TEST(idx_error(dir, {0, 0, 8, 0}) ==
             p + "bad IDX dimension count at byte 3: expected 1 to 4 dimensions, found 0");
  BOOST_TEST(idx_error(dir, xg_test::idx_u8({1, 1, 1, 1, 1}, {7})) ==
             p + "bad IDX dimension count at byte 3: expected 1 to 4 dimensions, found 5");
  BOOST_TEST(idx_error(dir, {0, 0, 8, 3, 0, 0, 0, 2, 0, 0}) ==
             p + "truncated at byte 10: expected 12 bytes of sizes for 3 dimensions after the 4-byte magic, found 6 bytes");
  BOOST_TEST(idx_error(dir, xg_test::idx_header(8, {2, 0, 3})) ==
             p + "bad IDX size at byte 8: expected dimension 1 to be > 0, found 0 (sizes 2 x 0 x 3)");
}

BOOST_AUTO_TEST_CASE(truncated_data_and_trailing_bytes) {
  xg_test::TempDir dir;
  const std::string p = dir.file("bad-idx") + ": ";
  const Bytes header = xg_test::idx_header(8, {60000, 28, 28});
  Bytes truncated = header;
  truncated.resize(header.size() + 1000);
  BOOST_TEST(idx_error(dir, truncated) ==
             p + "truncated at byte 1,016: expected 47,040,000 bytes of data (60,000 x 28 x 28 uint8) after the "
                 "16-byte header, found 1,000");
  BOOST_TEST(idx_error(dir, xg_test::idx_u8({2, 3}, {1, 2, 3, 4, 5, 6, 7, 8})) ==
             p + "trailing bytes at byte 18: expected the file to end after the 2 x 3 uint8 data (18 bytes), found 2 "
                 "bytes more");
  // int32 elements: the byte count is 4 per element.
  Bytes ints = xg_test::idx_header(0x0C, {3});
  ints.resize(ints.size() + 10);
  BOOST_TEST(idx_error(dir, ints) ==
             p + "truncated at byte 18: expected 12 bytes of data (3 int32) after the 8-byte header, found 10");
}

BOOST_AUTO_TEST_CASE(damaged_gzip_files) {
  xg_test::TempDir dir;
  const std::string p = dir.file("bad-idx") + ": ";
  const Bytes file = xg_test::idx_u8({4, 25}, iota_bytes(100));
  const Bytes gz = xg_test::gzip_stored(file);

  // IDX data short inside a valid gzip stream.
  Bytes short_idx = file;
  short_idx.resize(60);
  BOOST_TEST(idx_error(dir, xg_test::gzip_stored(short_idx)) ==
             p + "truncated at byte 60: expected 100 bytes of data (4 x 25 uint8) after the 12-byte header, found 48");
  // Extra IDX bytes inside a valid gzip stream.
  Bytes long_idx = file;
  long_idx.insert(long_idx.end(), {1, 2, 3});
  BOOST_TEST(idx_error(dir, xg_test::gzip_stored(long_idx)) ==
             p + "trailing bytes at byte 112: expected the uncompressed data to end after the 4 x 25 uint8 data (112 "
                 "bytes), found 3 bytes more");
  // The gzip file itself cut short: zlib's diagnosis is appended.
  Bytes cut = gz;
  cut.resize(gz.size() - 50);
  const std::string cut_message = idx_error(dir, cut);
  BOOST_TEST(contains(cut_message, p + "truncated at byte "));
  BOOST_TEST(contains(cut_message, "(the gzip stream itself is cut short: its " + std::to_string(cut.size()) +
                                        " stored bytes end inside a compressed member)"));
  // A flipped data byte fails the CRC-32 check at the end of the stream.
  Bytes flipped = gz;
  flipped[40] ^= 0xFF;
  BOOST_TEST(contains(idx_error(dir, flipped), p + "corrupt gzip data while reading from uncompressed byte "));
  BOOST_TEST(contains(idx_error(dir, flipped), "incorrect data check"));
}

BOOST_AUTO_TEST_CASE(gzip_members_and_what_follows_them) {
  xg_test::TempDir dir;
  const Bytes file = xg_test::idx_u8({4, 25}, iota_bytes(100));
  // Two concatenated members (as `cat a.gz b.gz` makes) are one stream, as gzip(1) reads them.
  Bytes first = file, second;
  first.resize(50);
  second.assign(file.begin() + 50, file.end());
  Bytes two = xg_test::gzip_stored(first);
  const Bytes tail = xg_test::gzip_stored(second);
  two.insert(two.end(), tail.begin(), tail.end());
  xg_test::write_file(dir.file("two.gz"), two);
  BOOST_TEST(ds::read_idx(dir.file("two.gz")).bytes == iota_bytes(100), boost::test_tools::per_element());
  // Anything else after the last member is corrupt data, not silently ignored.
  Bytes junk = xg_test::gzip_stored(file);
  junk.insert(junk.end(), {'j', 'u', 'n', 'k'});
  BOOST_TEST(contains(idx_error(dir, junk), "corrupt gzip data while reading from uncompressed byte 112"));
  // A gzip file cut inside the compressed IDX header says so.
  Bytes cut = xg_test::gzip_stored(file);
  cut.resize(14);
  const std::string cut_message = idx_error(dir, cut);
  BOOST_TEST(contains(cut_message, "truncated at byte 0"));
  BOOST_TEST(contains(cut_message, "(the gzip stream itself is cut short: its 14 stored bytes end inside a compressed member)"));
  // Cut inside the 8-byte CRC-32 and length trailer: all data arrived, but it is unchecked.
  Bytes no_trailer = xg_test::gzip_stored(file);
  no_trailer.resize(no_trailer.size() - 3);
  BOOST_TEST(contains(idx_error(dir, no_trailer), "truncated gzip stream: its " + std::to_string(no_trailer.size()) +
                                                      " stored bytes end inside a compressed member, before its CRC-32"));
}

BOOST_AUTO_TEST_CASE(parse_idx_reads_memory_like_a_file) {
  xg_test::TempDir dir;
  const Bytes file = xg_test::idx_u8({3, 4}, iota_bytes(12));
  for (const Bytes& bytes : {file, xg_test::gzip_stored(file)}) {
    const std::string_view view(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    const ds::IdxArray a = ds::parse_idx(view);
    BOOST_TEST(a.shape == (xg::Shape{3, 4}));
    BOOST_TEST(a.bytes == iota_bytes(12), boost::test_tools::per_element());
    Bytes truncated = bytes;
    truncated.resize(bytes.size() - 1);
    const std::string_view cut(reinterpret_cast<const char*>(truncated.data()), truncated.size());
    BOOST_CHECK_EXCEPTION(ds::parse_idx(cut, "mem.idx"), ds::DataError,
                          [](const ds::DataError& e) { return contains(e.what(), "mem.idx: truncated "); });
  }
}

BOOST_AUTO_TEST_CASE(absurd_sizes_are_rejected_before_allocating) {
  xg_test::TempDir dir;
  const std::string p = dir.file("bad-idx") + ": ";
  const Bytes absurd = xg_test::idx_header(8, {65535, 65535, 65535});
  xg_test::reset_largest_allocation();
  BOOST_TEST(idx_error(dir, absurd) ==
             p + "IDX sizes at byte 4 are too large: expected at most 2,147,483,648 (2^31) elements, found 65,535 x "
                 "65,535 x 65,535 = 281,462,092,005,375 elements (corrupt header?)");
  const Bytes huge = xg_test::idx_header(8, {0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF});
  BOOST_TEST(contains(idx_error(dir, huge), "= about 3.4e+38 elements"));
  BOOST_TEST(xg_test::largest_allocation() < (std::size_t{1} << 20));

  // Exactly 2^31 elements is a legal header: raw, the file size exposes the truncation before any
  // allocation; gzipped, the buffer grows with the data that really arrives (1 MiB at first).
  Bytes legal = xg_test::idx_header(8, {32768, 65536});
  legal.resize(legal.size() + 100);
  xg_test::reset_largest_allocation();
  BOOST_TEST(contains(idx_error(dir, legal), "expected 2,147,483,648 bytes of data (32,768 x 65,536 uint8)"));
  BOOST_TEST(xg_test::largest_allocation() < (std::size_t{1} << 20));
  xg_test::reset_largest_allocation();
  BOOST_TEST(contains(idx_error(dir, xg_test::gzip_stored(legal)), "found 100"));
  BOOST_TEST(xg_test::largest_allocation() <= (std::size_t{1} << 20));
}

BOOST_AUTO_TEST_CASE(random_damage_is_a_data_error_or_a_consistent_array) {
  // A small fuzz: mutate, truncate or extend valid raw and gzip files; every outcome must be either
  // a DataError or an array whose byte count matches its shape (run under ASan in CI).
  xg_test::TempDir dir;
  const Bytes valid = xg_test::idx_u8({3, 5, 4}, iota_bytes(60));
  std::mt19937 rng(1234);
  int errors = 0, parsed = 0;
  for (int round = 0; round < 600; ++round) {
    const bool gzip = round % 2 == 1;
    Bytes bytes = gzip ? xg_test::gzip_stored(valid) : valid;
    switch (rng() % 3) {
      case 0:
        for (int k = 0, n = 1 + static_cast<int>(rng() % 3); k < n; ++k) bytes[rng() % bytes.size()] ^= static_cast<std::uint8_t>(1 + rng() % 255);
        break;
      case 1: bytes.resize(rng() % bytes.size()); break;
      default: bytes.insert(bytes.end(), 1 + rng() % 8, static_cast<std::uint8_t>(rng())); break;
    }
    const std::string path = dir.file("fuzz");
    xg_test::write_file(path, bytes);
    try {
      const ds::IdxArray a = ds::read_idx(path);
      BOOST_TEST(a.bytes.size() == static_cast<std::size_t>(a.numel()) * ds::idx_type_size(a.type));
      ++parsed;
    } catch (const ds::DataError& e) {
      BOOST_TEST(contains(e.what(), path + ": "));
      ++errors;
    }
  }
  BOOST_TEST(errors > 300);  // most damage is detected ...
  BOOST_TEST(parsed > 0);    // ... but a flipped data byte of a raw file is still a valid file
}

BOOST_AUTO_TEST_SUITE_END()
