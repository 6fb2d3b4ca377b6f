#!/usr/bin/env bash
# The sanitizer stage of CI: builds xgrad and its tests with sanitizers and runs them.
#   asan  clang 14, -O1 -g, AddressSanitizer + UndefinedBehaviorSanitizer (LeakSanitizer included),
#         every ctest suite; any report aborts its test (-fno-sanitize-recover=all). The same build
#         carries libFuzzer's coverage instrumentation and the fuzz targets, so scripts/fuzz.sh
#         reuses it instead of compiling the library a third time.
#   tsan  gcc, -O1 -g, ThreadSanitizer, the suites that run the TBB kernels and the DataLoader's
#         prefetch thread (core, nn, datasets, train).
# Examples, benchmarks and tools are not built. Usage: scripts/sanitize.sh [asan|tsan|all] (default
# all). Build folders: $XGRAD_ASAN_DIR (default build-asan/) and $XGRAD_TSAN_DIR (build-tsan/).
# Suppressions (each entry justified in its file): tests/sanitizers/.
set -euo pipefail
xgrad_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# sanitizer_build KIND DIR [TARGETS...]: configures (once) and builds an -O1 -g tree without
# examples and tools. KIND asan: clang, ASan + UBSan + fuzz targets; KIND tsan: gcc, TSan.
sanitizer_build() {
  local kind="$1" dir="$2"
  shift 2
  local args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g"
              -DXGRAD_BUILD_EXAMPLES=OFF -DXGRAD_BUILD_TOOLS=OFF)
  case "$kind" in
    asan) args+=(-DCMAKE_CXX_COMPILER=clang++-14 -DXGRAD_FUZZ=ON -DXGRAD_SANITIZE=address,undefined) ;;
    tsan) args+=(-DXGRAD_SANITIZE=thread) ;;
  esac
  [ -f "$dir/CMakeCache.txt" ] || cmake -S "$xgrad_root" -B "$dir" -G Ninja "${args[@]}" >/dev/null
  local targets=()
  [ $# -gt 0 ] && targets=(--target "$@")
  cmake --build "$dir" --parallel "$(nproc)" "${targets[@]}"
}

asan_dir="${XGRAD_ASAN_DIR:-$xgrad_root/build-asan}"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1:suppressions=$xgrad_root/tests/sanitizers/asan.supp"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# scripts/fuzz.sh sources this file for sanitizer_build, asan_dir and the options above.
[[ "${BASH_SOURCE[0]}" != "$0" ]] && return 0

stage="${1:-all}"
case "$stage" in asan|tsan|all) ;; *) echo "usage: $0 [asan|tsan|all]" >&2; exit 2 ;; esac
bash "$xgrad_root/scripts/install-deps.sh" clang

# timed LABEL COMMAND...: runs the command and prints how long it took.
timed() {
  local label="$1" start
  shift
  start=$(date +%s)
  "$@"
  echo "sanitize: $label: $(( $(date +%s) - start )) s"
}

supp="$xgrad_root/tests/sanitizers"
if [ "$stage" != tsan ]; then
  timed "asan+ubsan build" sanitizer_build asan "$asan_dir"
  LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0" \
    timed "asan+ubsan ctest" ctest --test-dir "$asan_dir" --output-on-failure --timeout 900
fi
if [ "$stage" != asan ]; then
  tsan_dir="${XGRAD_TSAN_DIR:-$xgrad_root/build-tsan}"
  suites=(core nn datasets train)
  timed "tsan build" sanitizer_build tsan "$tsan_dir" "${suites[@]/#/test_}"
  TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$supp/tsan.supp" \
    timed "tsan ctest" ctest --test-dir "$tsan_dir" --output-on-failure --timeout 900 -R "^($(IFS='|'; echo "${suites[*]}"))\$"
fi
