#!/usr/bin/env bash
# The project's test command: installs dependencies, fetches MNIST (some tests train on real
# images), builds everything and runs the whole test suite with ctest.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/install-deps.sh"
bash "$root/scripts/fetch-mnist.sh"
start=$(date +%s)
bash "$root/scripts/build.sh"
echo "build: $(( $(date +%s) - start )) s"
cd "${XGRAD_BUILD_DIR:-$root/build}"
ctest --output-on-failure --timeout 900
