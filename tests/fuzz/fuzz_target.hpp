#pragma once
// One fuzz target per file parser. A target is written once, as
//
//   XGRAD_FUZZ_TARGET(idx) { ...parse `bytes`...; return accepted; }
//
// and compiled two ways. With XGRAD_LIBFUZZER defined (the XGRAD_FUZZ build, clang), the macro
// defines libFuzzer's entry point LLVMFuzzerTestOneInput for that target's own executable. Without
// it (the ordinary test_fuzz suite), the macro registers the target by name, and replay_test.cpp
// runs every file of tests/fuzz/corpus/<name>/ and tests/fuzz/regressions/<name>/ through it.
//
// The body returns true when the input was accepted and false when the parser rejected it with
// its documented exception. Anything else is a finding: a crash or sanitizer report, another
// exception type (uncaught, it aborts under libFuzzer), or a broken invariant of an accepted
// result, which the body reports with check().
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xg::fuzz {

/// Parses one input; true when it was accepted, false when rejected with the documented exception.
using TargetFn = bool (*)(std::string_view bytes);

struct Target {
  std::string name;
  TargetFn run;
};

/// The registered targets (replay builds).
inline std::vector<Target>& targets() {
  static std::vector<Target> all;
  return all;
}

inline bool register_target(const char* name, TargetFn run) {
  targets().push_back({name, run});
  return true;
}

/// A broken invariant of an accepted input.
class Finding : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

/// Throws Finding(what) unless `ok`.
inline void check(bool ok, const std::string& what) {
  if (!ok) throw Finding(what);
}

/// Returns parse()'s result, or nullopt when parse() throws E, the parser's documented rejection,
/// whose message must name `file`; check_error(e) may check more of it.
template <class E, class Parse, class CheckError>
auto accept_or_reject(const std::string& file, Parse&& parse, CheckError&& check_error)
    -> std::optional<decltype(parse())> {
  try {
    return parse();
  } catch (const E& e) {
    check(std::string_view(e.what()).find(file) != std::string_view::npos,
          "a rejection that does not name the file: " + std::string(e.what()));
    check_error(e);
    return std::nullopt;
  }
}

template <class E, class Parse> auto accept_or_reject(const std::string& file, Parse&& parse) {
  return accept_or_reject<E>(file, std::forward<Parse>(parse), [](const E&) {});
}

}  // namespace xg::fuzz

#define XGRAD_FUZZ_BODY(name) static bool xgrad_fuzz_##name(std::string_view bytes)

#if defined(XGRAD_LIBFUZZER)
#define XGRAD_FUZZ_TARGET(name)                                                                      \
  XGRAD_FUZZ_BODY(name);                                                                             \
  extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {                \
    xgrad_fuzz_##name(std::string_view(reinterpret_cast<const char*>(data), size));                  \
    return 0;                                                                                        \
  }                                                                                                  \
  XGRAD_FUZZ_BODY(name)
#else
#define XGRAD_FUZZ_TARGET(name)                                                                      \
  XGRAD_FUZZ_BODY(name);                                                                             \
  [[maybe_unused]] static const bool xgrad_fuzz_registered_##name =                                  \
      ::xg::fuzz::register_target(#name, &xgrad_fuzz_##name);                                        \
  XGRAD_FUZZ_BODY(name)
#endif
