#!/usr/bin/env bash
# The project's test command: installs dependencies, builds everything, runs the whole test suite.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/install-deps.sh"
start=$(date +%s)
bash "$root/scripts/build.sh"
echo "build: $(( $(date +%s) - start )) s"
cd "${XGRAD_BUILD_DIR:-$root/build}"
ctest --output-on-failure --timeout 900
