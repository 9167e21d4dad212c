#!/usr/bin/env bash
# Runs pod-scheduler with its embedded single-node Mesos on 127.0.0.1:8080 (the default):
# the Marathon /v2/pods API is then ready for the Quick Start curl commands.
# Release build with the same flags as packaging/build.sh and Benchmarks/run.sh, so the
# three share one build.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
swift build -c release --static-swift-stdlib --product pod-executor
swift build -c release --static-swift-stdlib --product pod-scheduler
exec .build/release/pod-scheduler --executor "$(pwd)/.build/release/pod-executor" "$@"
