#!/usr/bin/env bash
# A rank that dies, throws or leaves must end the whole job with a clear error, never hang:
# runs `rank_failure MODE` (rank_failure.cpp) on two ranks for each mode and checks that mpirun
# exits non-zero well within the time limit, with the expected message in its output.
# Usage: rank_failure.sh MPIEXEC PROGRAM [MPIEXEC FLAGS...]
set -uo pipefail
mpiexec="$1" program="$2"
shift 2
limit=60
failures=0
check() {
  local mode="$1" expected="$2" start output status elapsed
  shift 2
  start=$(date +%s)
  output=$(timeout "$limit" "$mpiexec" "$@" -np 2 "$program" "$mode" 2>&1)
  status=$?
  elapsed=$(( $(date +%s) - start ))
  if [ "$status" -eq 0 ] || [ "$status" -eq 124 ] || ! grep -qE "$expected" <<<"$output"; then
    echo "FAIL $mode: exit status $status after ${elapsed} s (124: hung until the ${limit} s limit);" \
         "expected a non-zero status and output matching '$expected'. Output:"
    echo "$output"
    failures=$((failures + 1))
  else
    echo "ok   $mode: exit status $status after ${elapsed} s: $(grep -m1 -E "$expected" <<<"$output")"
  fi
}
flags=("$@")
check kill "rank 1 .*(signal 9|Killed)" "${flags[@]}"
check throw "rank 1 of 2: uncaught exception: simulated failure of rank 1" "${flags[@]}"
check leave "rank 0 of 2: waited [0-9.]+ s for the gradient all-reduce" "${flags[@]}"
exit $(( failures > 0 ))
