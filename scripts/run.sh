#!/usr/bin/env bash
# Runs pod-scheduler with its embedded single-node Mesos on 127.0.0.1:8080 (the default):
# the Marathon /v2/pods API is then ready for the Quick Start curl commands.
# `scripts/run.sh local-cluster [options]` runs that single-node Mesos on its own instead,
# for schedulers started with `scripts/run.sh --master http://127.0.0.1:5050 …`.
# Release build by scripts/build-release.sh, as packaging/build.sh and Benchmarks/run.sh
# do, so the three share one build.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build-release.sh pod-executor pod-scheduler
executor="$(pwd)/.build/release/pod-executor"
if [ "${1:-}" = local-cluster ]; then
  # The standalone single-node cluster: its options follow the subcommand's name.
  shift
  exec .build/release/pod-scheduler local-cluster --executor "$executor" "$@"
fi
exec .build/release/pod-scheduler --executor "$executor" "$@"
