// write_atomically: content, replacement, and that every failure keeps the previous file and
// leaves no temporary behind.
#include <xgrad/io/atomic_file.hpp>

#include "io_test_util.hpp"

#include <ostream>
#include <stdexcept>

namespace xg::io {
namespace {

using test::TempDir;

BOOST_AUTO_TEST_SUITE(atomic_file)

BOOST_AUTO_TEST_CASE(creates_and_replaces_the_file_without_leftovers) {
  TempDir dir;
  const std::string path = dir.file("out.bin");
  write_atomically(path, std::string_view("first version"));
  BOOST_CHECK_EQUAL(test::read_bytes(path), "first version");
  write_atomically(path, [](std::ostream& out) { out << "second " << 2; });
  BOOST_CHECK_EQUAL(test::read_bytes(path), "second 2");
  BOOST_CHECK_EQUAL(dir.entries().size(), 1u);
}

BOOST_AUTO_TEST_CASE(large_content_round_trips_through_the_unbuffered_path) {
  TempDir dir;
  const std::string path = dir.file("big.bin");
  std::string content(3 << 20, '\0');
  for (std::size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 7919 % 251);
  write_atomically(path, [&](std::ostream& out) {
    out.write(content.data(), 10);  // buffered
    out.write(content.data() + 10, static_cast<std::streamsize>(content.size() - 10));  // bypasses the buffer
  });
  BOOST_CHECK(test::read_bytes(path) == content);
}

BOOST_AUTO_TEST_CASE(a_throwing_writer_keeps_the_old_file_and_propagates_its_exception) {
  TempDir dir;
  const std::string path = dir.file("weights.bin");
  test::write_bytes(path, "old content");
  const auto e = test::expect_error<std::runtime_error>([&] {
    write_atomically(path, [](std::ostream& out) {
      out << std::string(200000, 'x');  // more than the stream buffer, so bytes reach the temp file
      throw std::runtime_error("writer gave up");
    });
  });
  BOOST_CHECK_EQUAL(std::string(e.what()), "writer gave up");
  BOOST_CHECK_EQUAL(test::read_bytes(path), "old content");
  BOOST_CHECK(dir.entries() == std::vector<std::string>{"weights.bin"});
}

BOOST_AUTO_TEST_CASE(a_throwing_writer_creates_no_file) {
  TempDir dir;
  const std::string path = dir.file("never.bin");
  BOOST_CHECK_THROW(write_atomically(path, [](std::ostream&) { throw std::logic_error("no"); }), std::logic_error);
  BOOST_CHECK(dir.entries().empty());
}

BOOST_AUTO_TEST_CASE(a_failed_stream_is_an_io_error_and_keeps_the_old_file) {
  TempDir dir;
  const std::string path = dir.file("state.bin");
  test::write_bytes(path, "kept");
  const auto e = test::expect_error<IoError>([&] {
    write_atomically(path, [](std::ostream& out) { out.setstate(std::ios::badbit); });
  });
  test::check_contains(e.what(), {"output stream failed", path});
  BOOST_CHECK_EQUAL(test::read_bytes(path), "kept");
  BOOST_CHECK_EQUAL(dir.entries().size(), 1u);
}

BOOST_AUTO_TEST_CASE(a_missing_directory_names_the_path_and_the_errno_text) {
  TempDir dir;
  const std::string path = dir.file("no/such/dir/file.bin");
  const auto e = test::expect_error<IoError>([&] { write_atomically(path, std::string_view("x")); });
  test::check_contains(e.what(), {"cannot create", path, "No such file or directory"});
  BOOST_CHECK_EQUAL(e.error_code(), ENOENT);
  BOOST_CHECK_EQUAL(e.path(), path);
}

BOOST_AUTO_TEST_CASE(a_directory_in_the_way_is_an_io_error_and_stays) {
  TempDir dir;
  const std::string path = dir.file("taken");
  std::filesystem::create_directory(path);
  const auto e = test::expect_error<IoError>([&] { write_atomically(path, std::string_view("x")); });
  test::check_contains(e.what(), {"cannot rename", path});
  BOOST_CHECK(std::filesystem::is_directory(path));
  BOOST_CHECK(dir.entries() == std::vector<std::string>{"taken"});
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace xg::io
