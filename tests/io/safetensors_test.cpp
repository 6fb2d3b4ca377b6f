// save_safetensors / load_safetensors on valid files: round trips of every dtype (0-d and empty
// tensors, metadata, special float values, views), byte-exact layouts checked against bytes
// computed by hand (the first three are the reference implementation's own test vectors), and the
// dtypes converted or refused on load.
#include <xgrad/core/creation.hpp>
#include <xgrad/io/safetensors.hpp>

#include "io_test_util.hpp"

#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>

namespace xg::io {
namespace {

using test::TempDir;

/// Same dtype, shape and bytes.
void check_identical(const Tensor& got, const Tensor& want, const std::string& name) {
  BOOST_TEST_CONTEXT("tensor " << name) {
    BOOST_REQUIRE(got.defined());
    BOOST_CHECK_EQUAL(got.dtype(), want.dtype());
    BOOST_CHECK_EQUAL(shape_str(got.shape()), shape_str(want.shape()));
    const auto nbytes = static_cast<std::size_t>(want.numel()) * element_size(want.dtype());
    if (got.shape() == want.shape() && got.dtype() == want.dtype() && nbytes > 0)
      BOOST_CHECK(std::memcmp(got.raw_data(), want.raw_data(), nbytes) == 0);
  }
}

TensorMap sample_tensors() {
  const double inf = std::numeric_limits<double>::infinity();
  return {
      {"layer.weight", randn({3, 4})},
      {"layer.bias", from_vector(std::vector<float>{1.5f, -0.0f, static_cast<float>(inf)}, {3})},
      {"f64.matrix", randn({2, 2, 2}, {.dtype = kFloat64})},
      {"f64.nan", from_vector(std::vector<double>{std::nan(""), -inf, 1e-308}, {3})},
      {"labels", from_vector(std::vector<std::int64_t>{std::numeric_limits<std::int64_t>::min(), -1, 0,
                                                       std::numeric_limits<std::int64_t>::max()},
                             {2, 2})},
      {"scalar.f32", scalar_tensor(3.25)},
      {"scalar.i64", scalar_tensor(-7, {.dtype = kInt64})},
      {"empty.f32", zeros({0})},
      {"empty.f64", zeros({2, 0, 3}, {.dtype = kFloat64})},
      {"unicode.\xce\xbb", ones({1})},
  };
}

BOOST_AUTO_TEST_SUITE(safetensors_io)

BOOST_AUTO_TEST_CASE(round_trip_of_every_dtype_with_metadata) {
  TempDir dir;
  const std::string path = dir.file("model.safetensors");
  const TensorMap tensors = sample_tensors();
  const Metadata metadata{{"format", "pt"}, {"epoch", "3"}, {"note \xc3\xbc", "multi\nline \"quoted\""}, {"empty", ""}};
  save_safetensors(tensors, path, metadata);
  BOOST_CHECK(dir.entries() == std::vector<std::string>{"model.safetensors"});

  const SafetensorsFile file = load_safetensors(path);
  BOOST_CHECK(file.metadata == metadata);
  BOOST_REQUIRE_EQUAL(file.tensors.size(), tensors.size());
  for (const auto& [name, t] : tensors) {
    BOOST_REQUIRE_MESSAGE(file.tensors.count(name), "missing " + name);
    check_identical(file.tensors.at(name), t, name);
    BOOST_CHECK_EQUAL(file.tensors.at(name).name(), name);
  }
}

BOOST_AUTO_TEST_CASE(the_stream_writer_and_the_in_memory_reader_agree_with_the_file_functions) {
  TempDir dir;
  const std::string path = dir.file("same.safetensors");
  const TensorMap tensors = sample_tensors();
  save_safetensors(tensors, path, {{"k", "v"}});
  std::ostringstream out;
  write_safetensors(out, tensors, {{"k", "v"}});
  BOOST_CHECK(out.str() == test::read_bytes(path));
  const SafetensorsFile parsed = parse_safetensors(out.str());
  for (const auto& [name, t] : tensors) check_identical(parsed.tensors.at(name), t, name);
}

BOOST_AUTO_TEST_CASE(saving_replaces_a_previous_file) {
  TempDir dir;
  const std::string path = dir.file("w.safetensors");
  save_safetensors({{"a", ones({100})}}, path);
  save_safetensors({{"b", zeros({2})}}, path);
  const SafetensorsFile file = load_safetensors(path);
  BOOST_CHECK_EQUAL(file.tensors.size(), 1u);
  BOOST_CHECK(file.tensors.count("b") == 1);
  BOOST_CHECK(dir.entries().size() == 1);
}

BOOST_AUTO_TEST_CASE(a_view_saves_its_own_elements) {
  TempDir dir;
  const std::string path = dir.file("view.safetensors");
  const Tensor matrix = arange(0, 6).reshape({3, 2});
  save_safetensors({{"row", matrix[1]}}, path);
  const Tensor row = load_safetensors(path).tensors.at("row");
  BOOST_CHECK(row.to_vector<float>() == (std::vector<float>{2, 3}));
}

// Reference vector (safetensors tensor.rs, test_serialization_forced_alignement): 65 JSON bytes
// padded with 7 spaces to 72, then 6 float32 values.
BOOST_AUTO_TEST_CASE(layout_matches_the_reference_writer_byte_for_byte) {
  std::ostringstream out;
  write_safetensors(out, {{"attn0", arange(0, 6).reshape({1, 1, 2, 3})}});
  const std::string json = R"({"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}})";
  BOOST_REQUIRE_EQUAL(json.size(), 65u);
  const std::string expected =
      test::le64(72) + json + std::string(7, ' ') + test::bytes_of<float>({0, 1, 2, 3, 4, 5});
  BOOST_CHECK(out.str() == expected);
}

BOOST_AUTO_TEST_CASE(empty_and_metadata_only_files_match_the_reference_bytes) {
  std::ostringstream empty_file;
  write_safetensors(empty_file, {});
  BOOST_CHECK(empty_file.str() == test::le64(8) + "{}" + std::string(6, ' '));
  BOOST_CHECK(parse_safetensors(empty_file.str()).tensors.empty());

  std::ostringstream metadata_only;
  write_safetensors(metadata_only, {}, {{"framework", "pt"}});
  BOOST_CHECK(metadata_only.str() == test::le64(40) + R"({"__metadata__":{"framework":"pt"}})" + std::string(5, ' '));
  BOOST_CHECK(parse_safetensors(metadata_only.str()).metadata.at("framework") == "pt");
}

// Sorted names, contiguous offsets, "__metadata__" first, shapes [] and [0]: 187 JSON bytes
// padded to 192, then a (8 bytes), b (16 bytes), c (none).
BOOST_AUTO_TEST_CASE(several_tensors_are_laid_out_in_sorted_name_order) {
  std::ostringstream out;
  write_safetensors(out,
                    {{"c", zeros({0})},
                     {"b", from_vector(std::vector<std::int64_t>{1, -2}, {2})},
                     {"a", scalar_tensor(0.5, {.dtype = kFloat64})}},
                    {{"k", "v"}});
  const std::string json =
      R"({"__metadata__":{"k":"v"},)"
      R"("a":{"dtype":"F64","shape":[],"data_offsets":[0,8]},)"
      R"("b":{"dtype":"I64","shape":[2],"data_offsets":[8,24]},)"
      R"("c":{"dtype":"F32","shape":[0],"data_offsets":[24,24]}})";
  BOOST_REQUIRE_EQUAL(json.size(), 187u);
  const std::string expected = test::le64(192) + json + std::string(5, ' ') + test::bytes_of<double>({0.5}) +
                               test::bytes_of<std::int64_t>({1, -2});
  BOOST_CHECK(out.str() == expected);
}

BOOST_AUTO_TEST_CASE(entries_in_any_offset_order_and_unknown_fields_are_accepted) {
  // The reference writer orders by dtype alignment first; readers must not assume name order.
  const std::string json = R"({"z":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},)"
                           R"("a":{"dtype":"F32","shape":[1],"data_offsets":[8,12],"extra":{"x":[1]}}})";
  const SafetensorsFile file = parse_safetensors(test::st_file(json, test::bytes_of<double>({2.5}) + test::bytes_of<float>({-1})));
  BOOST_CHECK_EQUAL(file.tensors.at("z").item(), 2.5);
  BOOST_CHECK_EQUAL(file.tensors.at("a").item(), -1.0);
}

BOOST_AUTO_TEST_CASE(i32_and_u8_load_as_int64) {
  const std::string json = R"({"i":{"dtype":"I32","shape":[3],"data_offsets":[0,12]},)"
                           R"("u":{"dtype":"U8","shape":[2,2],"data_offsets":[12,16]}})";
  const std::string data = test::bytes_of<std::int32_t>({-5, 0, 2147483647}) + test::bytes_of<std::uint8_t>({0, 1, 200, 255});
  const SafetensorsFile file = parse_safetensors(test::st_file(json, data));
  const Tensor i = file.tensors.at("i"), u = file.tensors.at("u");
  BOOST_CHECK_EQUAL(i.dtype(), kInt64);
  BOOST_CHECK_EQUAL(u.dtype(), kInt64);
  BOOST_CHECK(i.to_vector<std::int64_t>() == (std::vector<std::int64_t>{-5, 0, 2147483647}));
  BOOST_CHECK(u.to_vector<std::int64_t>() == (std::vector<std::int64_t>{0, 1, 200, 255}));
  BOOST_CHECK_EQUAL(shape_str(u.shape()), "[2, 2]");
}

BOOST_AUTO_TEST_CASE(other_dtypes_are_refused_naming_the_tensor_and_dtype) {
  for (const std::string dtype : {"F16", "BF16", "BOOL", "I8", "U16", "U32", "U64", "F8_E4M3"}) {
    BOOST_TEST_CONTEXT("dtype " << dtype) {
      const std::string json = R"({"half":{"dtype":")" + dtype + R"(","shape":[0],"data_offsets":[0,0]}})";
      const auto e = test::expect_error<FormatError>([&] { parse_safetensors(test::st_file(json), "h.safetensors"); });
      test::check_contains(e.what(), {"h.safetensors", "tensor 'half'", "\"" + dtype + "\"", "F32, F64, I64"});
      BOOST_CHECK_EQUAL(e.tensor(), "half");
      BOOST_CHECK_EQUAL(e.byte_offset(), 9u);  // the entry's opening quote
    }
  }
}

BOOST_AUTO_TEST_CASE(invalid_tensors_and_names_are_refused_before_writing) {
  TempDir dir;
  const std::string path = dir.file("bad.safetensors");
  auto refused = [&](const TensorMap& tensors, const Metadata& metadata, std::initializer_list<std::string_view> parts) {
    const auto e = test::expect_error<ValueError>([&] { save_safetensors(tensors, path, metadata); });
    test::check_contains(e.what(), parts);
    BOOST_CHECK(dir.entries().empty());
  };
  refused({{"w", Tensor()}}, {}, {"tensor 'w' is undefined"});
  refused({{"__metadata__", ones({1})}}, {}, {"cannot be named \"__metadata__\""});
  refused({{"bad\xff", ones({1})}}, {}, {"tensor name", "not valid UTF-8"});
  refused({{"w", ones({1})}}, {{"key", "\xc0\xaf"}}, {"metadata value of \"key\"", "not valid UTF-8"});
}

BOOST_AUTO_TEST_CASE(missing_files_and_directories_are_io_errors) {
  TempDir dir;
  const std::string missing = dir.file("missing.safetensors");
  const auto e = test::expect_error<IoError>([&] { load_safetensors(missing); });
  test::check_contains(e.what(), {"cannot open", missing, "No such file or directory"});
  const auto d = test::expect_error<IoError>([&] { load_safetensors(dir.path().string()); });
  test::check_contains(d.what(), {"not a regular file", dir.path().string()});
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace xg::io
