#!/usr/bin/env bash
# The fuzzing stage of CI: builds the libFuzzer targets of tests/fuzz (clang, -O1 -g, ASan + UBSan,
# libxgrad instrumented for coverage) and runs them. They live in the ASan build of
# scripts/sanitize.sh (same folder, same configuration), so after that stage nothing is compiled.
#   scripts/fuzz.sh [SECONDS]   fuzz each target for SECONDS (default 60), starting from its seed
#                               corpus and regressions; prints the executions per target
#   scripts/fuzz.sh regress     replay every committed corpus and regression input once
# A crash, sanitizer report, unexpected exception, timeout (-timeout, s) or allocation beyond
# -malloc_limit_mb fails the stage; the input is kept under <build>/fuzz-work/<target>/ and belongs
# in tests/fuzz/regressions/<target>/ once fixed. Inputs libFuzzer finds interesting are kept in
# <build>/fuzz-work/<target>/corpus/, never in the committed seeds.
# Environment: XGRAD_ASAN_DIR (the build, default build-asan/), XGRAD_FUZZ_TARGETS (default: all),
# XGRAD_FUZZ_FLAGS (extra libFuzzer flags, e.g. "-jobs=2 -workers=2").
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mode="${1:-60}"
if [ "$mode" != regress ] && ! [[ "$mode" =~ ^[0-9]+$ ]]; then
  echo "usage: $0 [SECONDS|regress]" >&2
  exit 2
fi

bash "$root/scripts/install-deps.sh" clang
source "$root/scripts/sanitize.sh"  # sanitizer_build, asan_dir, ASAN_OPTIONS, UBSAN_OPTIONS
build="$asan_dir"
fuzz_dir="$root/tests/fuzz"
targets=(${XGRAD_FUZZ_TARGETS:-$(cd "$fuzz_dir" && ls fuzz_*.cpp | sed 's/^fuzz_//; s/\.cpp$//')})

start=$(date +%s)
sanitizer_build asan "$build" "${targets[@]/#/fuzz_}"
echo "fuzz: build: $(( $(date +%s) - start )) s"

limits=(-rss_limit_mb=2048 -malloc_limit_mb=512 -timeout=10)
failed=()
for t in "${targets[@]}"; do
  work="$build/fuzz-work/$t"
  mkdir -p "$work/corpus"
  inputs=("$fuzz_dir/corpus/$t")
  [ -d "$fuzz_dir/regressions/$t" ] && inputs+=("$fuzz_dir/regressions/$t")
  log="$work/fuzz.log"
  ok=1
  if [ "$mode" = regress ]; then
    files=($(find "${inputs[@]}" -type f | sort))
    if "$build/tests/fuzz/fuzz_$t" "${limits[@]}" "${files[@]}" >"$log" 2>&1; then
      echo "fuzz: $t: ${#files[@]} committed inputs replayed, no finding"
    else
      ok=0
    fi
  else
    # The first folder receives new interesting inputs; the committed ones are only read.
    if "$build/tests/fuzz/fuzz_$t" "${limits[@]}" -max_total_time="$mode" -print_final_stats=1 -artifact_prefix="$work/" \
         ${XGRAD_FUZZ_FLAGS:-} "$work/corpus" "${inputs[@]}" >"$log" 2>&1; then
      runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
      rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
      cov=$(sed -n 's/^#[0-9]*[[:space:]]*DONE .*cov: \([0-9]*\).*/\1/p' "$log" | tail -1)
      echo "fuzz: $t: ${runs:-?} executions in $mode s (${rate:-?} exec/s), coverage ${cov:-?} edges, 0 crashes"
    else
      ok=0
    fi
  fi
  if [ $ok = 0 ]; then
    failed+=("$t")
    echo "fuzz: $t: FINDING (log $log; inputs kept as $work/crash-*, leak-*, timeout-*, oom-*):" >&2
    grep -E 'ERROR|runtime error|terminate|deadly|Test unit written' "$log" | head -20 >&2 || tail -30 "$log" >&2
  fi
done
echo "fuzz: total $(( $(date +%s) - start )) s"
[ ${#failed[@]} -eq 0 ] || { echo "fuzz: findings in ${failed[*]}" >&2; exit 1; }
