// Replays the committed fuzz inputs through the fuzz targets in an ordinary build (no libFuzzer,
// no clang needed), so every ctest run checks them:
//   corpus/<target>/ok-*       seeds that must be accepted
//   corpus/<target>/bad-*      seeds that must be rejected with the parser's documented exception
//   regressions/<target>/*     inputs that once crashed or misbehaved; must now end either way
// Every registered target must have a corpus and every corpus folder a target.
#include "fuzz_target.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <set>

namespace fs = std::filesystem;

namespace {

const fs::path kFuzzDir = XGRAD_FUZZ_DIR;

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  BOOST_REQUIRE_MESSAGE(in, "cannot open " + path.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// The regular files of `folder` in name order (none when it does not exist).
std::vector<fs::path> files_of(const fs::path& folder) {
  std::vector<fs::path> out;
  if (fs::is_directory(folder))
    for (const auto& entry : fs::directory_iterator(folder))
      if (entry.is_regular_file()) out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  return out;
}

/// Runs one input; an exception other than the documented one (or a Finding) fails the test.
std::optional<bool> run(const xg::fuzz::Target& target, const fs::path& input) {
  try {
    return target.run(read_all(input));
  } catch (const std::exception& e) {
    BOOST_ERROR(target.name + " on " + input.string() + ": " + e.what());
  }
  return std::nullopt;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fuzz_replay)

BOOST_AUTO_TEST_CASE(every_target_has_a_corpus_and_every_corpus_a_target) {
  std::set<std::string> names;
  for (const auto& t : xg::fuzz::targets()) names.insert(t.name);
  BOOST_TEST(names.size() == xg::fuzz::targets().size());
  BOOST_TEST(names.size() >= 2u);
  std::set<std::string> corpora;
  for (const auto& entry : fs::directory_iterator(kFuzzDir / "corpus")) corpora.insert(entry.path().filename().string());
  BOOST_TEST(names == corpora, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(seeds_are_accepted_or_rejected_as_their_names_say) {
  for (const auto& target : xg::fuzz::targets()) {
    int ok = 0, bad = 0;
    for (const fs::path& seed : files_of(kFuzzDir / "corpus" / target.name)) {
      const std::string name = seed.filename().string();
      const bool expect_ok = name.starts_with("ok-");
      BOOST_TEST_REQUIRE((expect_ok || name.starts_with("bad-")), "seed " << name << " is neither ok-* nor bad-*");
      (expect_ok ? ok : bad) += 1;
      if (const auto accepted = run(target, seed)) BOOST_TEST(*accepted == expect_ok, target.name << " on " << name);
    }
    BOOST_TEST(ok > 0, target.name << " has no valid seed");
    BOOST_TEST(bad > 0, target.name << " has no malformed seed");
  }
}

BOOST_AUTO_TEST_CASE(regressions_end_in_acceptance_or_the_documented_error) {
  for (const auto& target : xg::fuzz::targets())
    for (const fs::path& input : files_of(kFuzzDir / "regressions" / target.name)) run(target, input);
}

BOOST_AUTO_TEST_SUITE_END()
