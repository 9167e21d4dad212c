#!/usr/bin/env bash
# Builds everything once and runs every test, then builds the Debian package and checks
# that it installs and runs the Quick Start (packaging/test-deb.sh). Tests that need root
# (namespaces, mounts, cgroups, seccomp) say so and are skipped when not run as root; CI
# runs as root. Before anything is built, scripts/check-imports.py checks every target's
# imports against Package.swift and the module graph of ARCHITECTURE.md.
#
#   scripts/test.sh                 all tests, then the package
#   scripts/test.sh --filter X      only the Swift tests matching X (no package)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
# The module graph before the build: it needs none (ARCHITECTURE.md, Package.swift, import
# lines), only the python3 that setup.sh installs.
python3 scripts/check-imports.py
swift build --build-tests "$@"
swift test --skip-build --no-parallel "$@"
if [ "$#" -eq 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    ./packaging/build.sh
    ./packaging/test-deb.sh
  else
    echo "test.sh: packaging check skipped: installing the package with dpkg -i needs root"
  fi
fi
