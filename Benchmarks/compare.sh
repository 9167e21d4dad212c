#!/usr/bin/env bash
# Runs the launch (with the executor's memory) and health-check benchmarks of two commits
# side by side, in one run on one machine: a change that should not change behaviour (a
# refactoring) shows here whether it changed speed or memory.
#
#   sudo Benchmarks/compare.sh OLD_COMMIT [ROUNDS [launch|health ...]]
#                                          (ROUNDS: default 3; benchmarks: default both)
#
# Builds release binaries of OLD_COMMIT (in a temporary git worktree) and of this checkout
# with scripts/build-release.sh, as packaging does, or takes them ready-built from
# $OLD_BIN and $NEW_BIN (directories holding pod-executor and pod-bench). Then each round
# runs `pod-bench launch` (the same agent for both, the commit's own executor) and
# `pod-bench health` (the commit's own prober) for the old commit, then the new one,
# alternating, so both see the same machine. Prints each side's markdown rows per round.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
[ "$(id -u)" = 0 ] || { echo "compare.sh: needs root (namespaces, cgroups, mounts)" >&2; exit 2; }
[ $# -ge 1 ] || { echo "usage: Benchmarks/compare.sh OLD_COMMIT [ROUNDS [launch|health ...]]" >&2; exit 2; }
old_ref="$1"
rounds="${2:-3}"
shift $(( $# >= 2 ? 2 : 1 ))
benches="${*:-launch health}"
old_commit="$(git rev-parse --short "$old_ref^{commit}")"
new_commit="$(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo '+changes')"

WORK="$(mktemp -d /tmp/pod-compare.XXXXXX)"
cleanup() {
  git -C "$ROOT" worktree remove --force "$WORK/old" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

if [ -z "${OLD_BIN:-}" ]; then
  git worktree add --detach "$WORK/old" "$old_commit" >/dev/null
  (cd "$WORK/old" && ./scripts/build-release.sh pod-executor pod-bench >/dev/null)
  OLD_BIN="$WORK/old/.build/release"
fi
[ -n "${OLD_BIN:-}" ] && old_commit="$old_commit (prebuilt: $OLD_BIN)"
[ -n "${NEW_BIN:-}" ] && new_commit="prebuilt: $NEW_BIN"
if [ -z "${NEW_BIN:-}" ]; then
  ./scripts/build-release.sh pod-executor pod-bench >/dev/null
  NEW_BIN="$ROOT/.build/release"
fi
clang -O2 -o "$WORK/tcp-connect" "$ROOT/Benchmarks/fixtures/tcp-connect.c"

echo "# $(date -u +%Y-%m-%dT%H:%MZ) · $(nproc) cores · $(uname -r) · old $old_commit vs new $new_commit · $rounds rounds"
for round in $(seq 1 "$rounds"); do
  for side in old new; do
    bin="$OLD_BIN"; commit="$old_commit"
    [ "$side" = new ] && { bin="$NEW_BIN"; commit="$new_commit"; }
    for bench in $benches; do
      sync
      echo "## round $round · $side ($commit) · $bench"
      case "$bench" in
        launch) "$bin/pod-bench" launch --executor "$bin/pod-executor" ;;
        health) "$bin/pod-bench" health --tcp-connect "$WORK/tcp-connect" ;;
        *) echo "compare.sh: unknown benchmark $bench" >&2; exit 2 ;;
      esac
    done
    "$bin/pod-executor" --cleanup >/dev/null 2>&1 || true
  done
done
