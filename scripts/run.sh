#!/usr/bin/env bash
# Runs pod-scheduler with its embedded single-node Mesos on 127.0.0.1:8080 (the default):
# the Marathon /v2/pods API is then ready for the Quick Start curl commands.
# Release build by scripts/build-release.sh, as packaging/build.sh and Benchmarks/run.sh
# do, so the three share one build.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build-release.sh pod-executor pod-scheduler
exec .build/release/pod-scheduler --executor "$(pwd)/.build/release/pod-executor" "$@"
