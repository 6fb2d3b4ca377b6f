// The safetensors loader against hostile input: one hand-crafted file per malformation, each
// checked for the exception type, the byte offset, the tensor and the expected/found parts of the
// message; then every truncation of a valid file and a few thousand seeded random corruptions,
// which must all end in a FormatError or a successful load (never a crash or another exception).
#include <xgrad/core/creation.hpp>
#include <xgrad/io/safetensors.hpp>

#include "io_test_util.hpp"

#include <cstdint>
#include <random>
#include <sstream>
#include <utility>
#include <vector>

namespace xg::io {
namespace {

constexpr const char* kName = "bad.safetensors";

/// Parses `bytes`, which must be rejected; checks the offset, tensor and message parts.
void check_rejected(const std::string& bytes, std::uint64_t byte_offset, const std::string& tensor,
                    std::initializer_list<std::string_view> parts) {
  const auto e = test::expect_error<FormatError>([&] { parse_safetensors(bytes, kName); });
  test::check_contains(e.what(), {"invalid safetensors file 'bad.safetensors'", "expected", "found"});
  test::check_contains(e.what(), parts);
  BOOST_CHECK_EQUAL(e.byte_offset(), byte_offset);
  BOOST_CHECK_EQUAL(e.tensor(), tensor);
  BOOST_CHECK_EQUAL(e.file(), kName);
}

/// A header with one float32 tensor "t" described by `info`, followed by `data_bytes` zero bytes.
std::string one_tensor(const std::string& info, std::size_t data_bytes = 8) {
  return test::st_file(R"({"t":)" + info + "}", std::string(data_bytes, '\0'));
}

/// File offset of the first occurrence of `needle` in `file`.
std::uint64_t offset_of(const std::string& file, std::string_view needle) {
  const std::size_t at = file.find(needle);
  BOOST_REQUIRE(at != std::string::npos);
  return at;
}

constexpr std::uint64_t kEntry = 9;  // offset of "t"'s opening quote in one_tensor files

BOOST_AUTO_TEST_SUITE(safetensors_malformed)

BOOST_AUTO_TEST_CASE(files_shorter_than_the_length_prefix) {
  check_rejected("", 0, "", {"at least 8 bytes", "a file of 0 bytes"});
  check_rejected(std::string("\x02\0\0", 3), 0, "", {"at least 8 bytes", "a file of 3 bytes"});
}

BOOST_AUTO_TEST_CASE(header_length_beyond_the_file_or_absurd) {
  check_rejected(test::le64(100) + "{}      ", 0, "", {"at most 8 bytes (the file has 16 bytes)", "found 100"});
  check_rejected(test::le64(200'000'000) + "{}", 0, "", {"at most 100000000 bytes", "found 200000000"});
  check_rejected(test::le64(UINT64_MAX) + "{}", 0, "", {"at most 100000000 bytes", "found 18446744073709551615"});
  check_rejected(test::le64(UINT64_MAX - 7) + "{}", 0, "", {"at most 100000000 bytes"});
}

BOOST_AUTO_TEST_CASE(header_that_is_not_utf8) {
  const std::string json = "{\"t\xff\":{}}";
  check_rejected(test::st_file(json), 11, "", {"UTF-8", "byte 0xFF"});
  check_rejected(test::st_file("{\"\xc0\xaf\":1}"), 10, "", {"UTF-8", "byte 0xC0"});          // overlong '/'
  check_rejected(test::st_file("{\"\xed\xa0\x80\":1}"), 10, "", {"UTF-8", "byte 0xED"});      // surrogate
  check_rejected(test::st_file("{\"\xe2\x82\":1}"), 10, "", {"UTF-8", "byte 0xE2"});          // truncated
}

BOOST_AUTO_TEST_CASE(header_that_is_not_a_json_object) {
  check_rejected(test::st_file(""), 8, "", {"starting with '{'", "an empty header"});
  check_rejected(test::st_file("[1, 2]"), 8, "", {"starting with '{'", "found '['"});
  check_rejected(test::st_file("        "), 8, "", {"starting with '{'", "found ' '"});
  check_rejected(test::st_file("\xef\xbb\xbf{}"), 8, "", {"starting with '{'", "byte 0xEF"});  // BOM
}

BOOST_AUTO_TEST_CASE(header_that_is_invalid_json) {
  // The offset is that of the byte where the JSON parser stopped.
  check_rejected(test::st_file(R"({"t": })"), 14, "t", {"a valid JSON header", "syntax error"});
  check_rejected(test::st_file(R"({"a":{},})"), 16, "a", {"a valid JSON header", "unexpected '}'"});
  check_rejected(test::st_file(R"({} x)"), 11, "", {"a valid JSON header", "expected end of input"});
  check_rejected(test::st_file("{\"a\":\"x\x01\"}"), 15, "a", {"a valid JSON header", "control character"});
  check_rejected(test::st_file(std::string("{\"a\"\0:{}}", 9)), 12, "a", {"a valid JSON header"});
}

BOOST_AUTO_TEST_CASE(entries_missing_a_field) {
  check_rejected(one_tensor(R"({"shape":[2],"data_offsets":[0,8]})"), kEntry, "t", {"a \"dtype\" field", "found none"});
  check_rejected(one_tensor(R"({"dtype":"F32","data_offsets":[0,8]})"), kEntry, "t", {"a \"shape\" field"});
  check_rejected(one_tensor(R"({"dtype":"F32","shape":[2]})"), kEntry, "t", {"a \"data_offsets\" field"});
}

BOOST_AUTO_TEST_CASE(entries_with_wrong_json_types) {
  check_rejected(one_tensor("3"), kEntry, "t", {"an object with \"dtype\"", "found 3"});
  check_rejected(one_tensor("[]"), kEntry, "t", {"an object with \"dtype\"", "found []"});
  check_rejected(one_tensor(R"({"dtype":32,"shape":[2],"data_offsets":[0,8]})"), kEntry, "t",
                 {"\"dtype\" to be a string", "found 32"});
  check_rejected(one_tensor(R"({"dtype":"F33","shape":[2],"data_offsets":[0,8]})"), kEntry, "t",
                 {"\"dtype\" to be one of BOOL, U8", "found \"F33\""});
  check_rejected(one_tensor(R"({"dtype":"F32","shape":"2","data_offsets":[0,8]})"), kEntry, "t",
                 {"\"shape\" to be an array", "found \"2\""});
  check_rejected(one_tensor(R"({"dtype":"F32","shape":[2],"data_offsets":[0]})"), kEntry, "t",
                 {"\"data_offsets\" to be [begin, end]", "found [0]"});
  check_rejected(one_tensor(R"({"dtype":"F32","shape":[2],"data_offsets":[0,"8"]})"), kEntry, "t",
                 {"\"data_offsets\" to be [begin, end]"});
  check_rejected(one_tensor(R"({"dtype":"F32","shape":[2],"data_offsets":[0.0,8.0]})"), kEntry, "t",
                 {"\"data_offsets\" to be [begin, end]"});
  check_rejected(one_tensor(R"({"dtype":"F32","shape":[2],"data_offsets":[-8,0]})"), kEntry, "t",
                 {"\"data_offsets\" to be [begin, end]"});
  check_rejected(one_tensor(R"({"dtype":"F32","shape":[2],"data_offsets":{"begin":0}})"), kEntry, "t",
                 {"\"data_offsets\" to be [begin, end]"});
}

BOOST_AUTO_TEST_CASE(negative_non_integer_and_oversized_dimensions) {
  const std::vector<std::pair<std::string, std::string>> dims{
      {"-1", "-1"},     {"1.5", "1.5"},   {"2.0", "2.0"}, {"\"2\"", "\"2\""},
      {"null", "null"}, {"true", "true"}, {"[2]", "[2]"}, {"9223372036854775808", "9223372036854775808"},
      {"1e3", "1000.0"}};
  for (const auto& [dim, shown] : dims) {
    BOOST_TEST_CONTEXT("dimension " << dim) {
      check_rejected(one_tensor(R"({"dtype":"F32","shape":[1,)" + dim + R"(],"data_offsets":[0,8]})"), kEntry, "t",
                     {"\"shape\" to hold integers in [0, 2^63)", "found " + shown + " in [1,"});
    }
  }
}

BOOST_AUTO_TEST_CASE(shape_products_that_overflow) {
  check_rejected(one_tensor(R"({"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]})"), kEntry, "t",
                 {"element count fits in 64 bits", "[4294967296, 4294967296]"});
  // 2^62 elements fit in int64 but 2^62 * 4 bytes does not fit in 64 bits.
  check_rejected(one_tensor(R"({"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,8]})"), kEntry, "t",
                 {"byte size that fits in 64 bits"});
  // A zero dimension makes the count 0 but the other dimensions must still multiply safely.
  check_rejected(one_tensor(R"({"dtype":"F32","shape":[0,4294967296,4294967296],"data_offsets":[0,0]})", 0), kEntry,
                 "t", {"element count fits in 64 bits"});
}

BOOST_AUTO_TEST_CASE(shape_not_matching_the_byte_range) {
  check_rejected(one_tensor(R"({"dtype":"F32","shape":[3],"data_offsets":[0,8]})"), kEntry, "t",
                 {"spanning 12 bytes (shape [3] of F32, 4 bytes each)", "found [0, 8], spanning 8 bytes"});
  check_rejected(one_tensor(R"({"dtype":"F64","shape":[],"data_offsets":[0,4]})", 4), kEntry, "t",
                 {"spanning 8 bytes (shape [] of F64", "spanning 4 bytes"});
}

BOOST_AUTO_TEST_CASE(offsets_out_of_range_or_reversed) {
  check_rejected(one_tensor(R"({"dtype":"F32","shape":[250],"data_offsets":[0,1000]})"), kEntry, "t",
                 {"within the data section of 8 bytes", "found [0, 1000]"});
  check_rejected(one_tensor(R"({"dtype":"F32","shape":[0],"data_offsets":[18446744073709551615,18446744073709551615]})"),
                 kEntry, "t", {"within the data section of 8 bytes"});
  check_rejected(one_tensor(R"({"dtype":"F32","shape":[1],"data_offsets":[8,4]})"), kEntry, "t",
                 {"begin <= end", "found [8, 4]"});
}

BOOST_AUTO_TEST_CASE(overlapping_gapped_and_trailing_data) {
  const std::string a = R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
  const std::string overlap = test::st_file("{" + a + R"(,"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                                            std::string(12, '\0'));
  const std::uint64_t overlap_data = 8 + offset_of(overlap.substr(8), "}}") + 2;
  check_rejected(overlap, overlap_data + 4, "b", {"not overlapping", "[4, 12] overlapping tensor 'a' [0, 8]"});

  const std::string gap = test::st_file("{" + a + R"(,"b":{"dtype":"F32","shape":[1],"data_offsets":[12,16]}})",
                                        std::string(16, '\0'));
  const std::uint64_t gap_data = 8 + offset_of(gap.substr(8), "}}") + 2;
  check_rejected(gap, gap_data + 8, "b", {"contiguous from data offset 8", "a gap of 4 unused bytes"});

  const std::string trailing = test::st_file("{" + a + "}", std::string(12, '\0'));
  check_rejected(trailing, trailing.size() - 4, "", {"end with the last tensor at data offset 8", "4 unused trailing bytes"});

  const std::string first_gap = test::st_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", std::string(8, '\0'));
  check_rejected(first_gap, first_gap.size() - 8, "a", {"contiguous from data offset 0", "a gap of 4"});

  check_rejected(test::st_file("{}", "junk"), 10, "", {"4 unused trailing bytes"});
}

BOOST_AUTO_TEST_CASE(duplicate_keys) {
  const std::string entry = R"({"dtype":"F32","shape":[1],"data_offsets":[0,4]})";
  const std::string dup = test::st_file(R"({"w":)" + entry + R"(,"w":)" + entry + "}", std::string(4, '\0'));
  const std::uint64_t second = dup.find("\"w\"", 10);
  check_rejected(dup, second, "", {"unique keys", "the key \"w\" a second time"});

  const std::string inner = test::st_file(R"({"w":{"dtype":"F32","dtype":"F64","shape":[1],"data_offsets":[0,4]}})",
                                          std::string(4, '\0'));
  check_rejected(inner, inner.find("\"dtype\"", 20), "w", {"the key \"dtype\" a second time"});

  // An escaped quote inside the key does not confuse the offset.
  const std::string escaped = test::st_file(R"({"a\"b":1,"a\"b":2})");
  check_rejected(escaped, 8 + 10, "", {"the key \"a\"b\" a second time"});
  const std::string metadata = test::st_file(R"({"__metadata__":{"k":"1","k":"2"}})");
  check_rejected(metadata, 8 + 25, "", {"the key \"k\" a second time"});
}

BOOST_AUTO_TEST_CASE(malformed_metadata) {
  check_rejected(test::st_file(R"({"__metadata__":["a"]})"), 9, "", {"\"__metadata__\" to be an object mapping strings", "found [\"a\"]"});
  check_rejected(test::st_file(R"({"__metadata__":{"epoch":3}})"), 9, "", {"mapping strings to strings", "found \"epoch\": 3"});
}

BOOST_AUTO_TEST_CASE(nesting_too_deep) {
  const std::string deep = R"({"t":{"extra":)" + std::string(100, '[') + std::string(100, ']') + "}}";
  const std::string file = test::st_file(deep);
  check_rejected(file, 8 + 14 + 62, "t", {"nested at most 64 levels deep"});
}

BOOST_AUTO_TEST_CASE(arrays_too_long) {
  std::string dims = "1";
  for (int i = 0; i < 1100; ++i) dims += ",1";
  const std::string file = one_tensor(R"({"dtype":"F32","shape":[)" + dims + R"(],"data_offsets":[0,4]})", 4);
  // The shape's elements start at header offset 29, two bytes apart; the parser stops on the comma
  // after the 1025th, the byte it read to find the end of that number.
  check_rejected(file, 8 + 29 + 1024 * 2 + 1, "t", {"JSON arrays of at most 1024 elements", "a longer array"});
  // 1024 dimensions are fine.
  std::string ok_dims = "1";
  for (int i = 1; i < 1024; ++i) ok_dims += ",1";
  BOOST_CHECK_EQUAL(parse_safetensors(one_tensor(R"({"dtype":"F32","shape":[)" + ok_dims + R"(],"data_offsets":[0,4]})", 4))
                        .tensors.at("t").dim(),
                    1024);
}

/// A valid file exercising every supported dtype, 0-d and empty tensors and metadata.
std::string valid_file() {
  std::ostringstream out;
  write_safetensors(out,
                    {{"w", arange(0, 6).reshape({2, 3})},
                     {"d", scalar_tensor(1.5, {.dtype = kFloat64})},
                     {"i", from_vector(std::vector<std::int64_t>{4, 5}, {2})},
                     {"e", zeros({0, 2})}},
                    {{"k", "v"}});
  return out.str();
}

/// Parsing `bytes` either succeeds or throws FormatError; anything else fails the test.
void check_loads_or_format_error(const std::string& bytes, const std::string& what) {
  try {
    const SafetensorsFile file = parse_safetensors(bytes);
    for (const auto& [name, t] : file.tensors) BOOST_CHECK(t.numel() >= 0);
  } catch (const FormatError&) {
  } catch (const std::exception& e) {
    BOOST_ERROR(what + ": unexpected exception " + e.what());
  }
}

BOOST_AUTO_TEST_CASE(every_truncation_of_a_valid_file_is_rejected) {
  const std::string file = valid_file();
  BOOST_REQUIRE_EQUAL(parse_safetensors(file).tensors.size(), 4u);
  for (std::size_t n = 0; n < file.size(); ++n)
    BOOST_CHECK_THROW(parse_safetensors(file.substr(0, n)), FormatError);
}

BOOST_AUTO_TEST_CASE(random_corruptions_load_or_throw_format_errors) {
  const std::string file = valid_file();
  std::mt19937_64 rng(20240611);
  int rejected = 0;
  constexpr int kTrials = 4000;
  for (int trial = 0; trial < kTrials; ++trial) {
    std::string bytes = file;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) {
      const std::size_t at = rng() % bytes.size();
      // Half the time corrupt the header region, where the interesting parsing happens.
      const std::size_t pos = (rng() % 2 == 0) ? at % std::min<std::size_t>(bytes.size(), 200) : at;
      bytes[pos] = static_cast<char>(rng() % 4 == 0 ? "{}[]\",:0-9 "[rng() % 12] : static_cast<char>(rng()));
    }
    try {
      parse_safetensors(bytes);
    } catch (const FormatError&) {
      ++rejected;
      continue;
    } catch (const std::exception& e) {
      BOOST_ERROR("trial " + std::to_string(trial) + ": unexpected exception " + e.what());
    }
    check_loads_or_format_error(bytes, "trial " + std::to_string(trial));
  }
  BOOST_CHECK_GT(rejected, kTrials / 2);  // most corruptions are detected
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace xg::io
