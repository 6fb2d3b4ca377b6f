#!/usr/bin/env bash
# The project's main job: installs dependencies, builds, and runs the demo program.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/install-deps.sh"
bash "$root/scripts/build.sh"
"${XGRAD_BUILD_DIR:-$root/build}/examples/autograd_demo"
