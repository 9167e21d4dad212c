#!/usr/bin/env bash
# Builds release products the way they ship, one shared build for packaging/build.sh,
# Benchmarks/run.sh and scripts/run.sh:
#   - the Swift runtime and Foundation linked statically (agents have no Swift installed);
#   - every Swift and C function in a section of its own, so that the link keeps only what
#     is used and can lay out pod-executor's functions in the order of
#     packaging/pod-executor.order (see scripts/order-executor.sh).
#
# After changing these flags, remove .build/*/release: Swift's incremental build does not
# recompile a module for a changed -Xfrontend flag, and old objects keep one section per file.
#
#   scripts/build-release.sh PRODUCT...
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || { echo "usage: scripts/build-release.sh PRODUCT..." >&2; exit 2; }
for product in "$@"; do
  swift build -c release --static-swift-stdlib \
    -Xswiftc -Xfrontend -Xswiftc -function-sections -Xcc -ffunction-sections \
    --product "$product"
done
