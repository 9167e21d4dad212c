#!/usr/bin/env bash
# Builds everything once and runs every test. Tests that need root (namespaces, mounts,
# cgroups, seccomp) say so and are skipped when not run as root; CI runs as root.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
swift build --build-tests "$@"
swift test --skip-build --no-parallel "$@"
