#!/usr/bin/env bash
# Runs every benchmark of BENCHMARKS.md, each side by side (same run, same machine) with the
# tool an operator would otherwise use, and prints the markdown rows for BENCHMARKS.md.
#
#   sudo Benchmarks/run.sh [launch|image|health|scheduler|store|failover ...]   (default: all)
#
# Builds release binaries once (scripts/build-release.sh, as packaging does), starts
# the loopback registry fixture of scripts/fixtures, builds the ~50 MB benchmark image, and
# runs pod-bench (Benchmarks/Sources/pod-bench) and Benchmarks/scheduler.sh. Root: the
# benchmarks create namespaces, cgroups and overlay mounts.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
[ "$(id -u)" = 0 ] || { echo "run.sh: needs root (namespaces, cgroups, mounts)" >&2; exit 2; }
# The scheduler benchmark goes first: it creates ~4,000 files and directories in a few
# seconds, and on a journal-less ext4 (these machines) every inode allocation skips the
# inodes freed in the last minutes, which the other benchmarks' clean-ups free by the
# thousand (BENCHMARKS.md, "Why the launch rate varies").
which="${*:-scheduler launch image health store failover}"

./scripts/setup.sh >/dev/null
./scripts/build-release.sh pod-executor pod-scheduler pod-bench
BIN="$ROOT/.build/release"

WORK="$(mktemp -d /tmp/pod-bench.XXXXXX)"
cleanup() {
  [ -f "$WORK/registry/env" ] && "$ROOT/scripts/fixtures/registry-fixture.sh" stop "$WORK/registry" >/dev/null 2>&1 || true
  "$BIN/pod-executor" --cleanup >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "# $(date -u +%Y-%m-%dT%H:%MZ) · $(nproc) cores · $(uname -r) · $(stat -fc %T /sys/fs/cgroup | sed 's/tmpfs/cgroup v1 (hybrid)/;s/cgroup2fs/cgroup v2/')"
echo "# crun $(crun --version | head -1 | awk '{print $3}') · skopeo $(skopeo --version | awk '{print $3}') · umoci $(umoci --version | awk '{print $3}') · curl $(curl --version | head -1 | awk '{print $2}')"

for b in $which; do
  sync  # what earlier steps wrote is on disk before a measurement starts, not during it
  case "$b" in
    launch)
      "$BIN/pod-bench" launch --executor "$BIN/pod-executor" ;;
    image)
      FIXTURE_OWNER_PID=$$ "$ROOT/scripts/fixtures/registry-fixture.sh" start "$WORK/registry" >/dev/null
      # shellcheck disable=SC1091
      . "$WORK/registry/env"
      python3 "$ROOT/Benchmarks/fixtures/make-image.py" "$WORK/image" >/dev/null
      python3 "$ROOT/scripts/fixtures/push-image.py" --registry "$BASIC" --repo public/bench --tag latest \
        "$WORK"/image/layer*.tar >/dev/null
      # The Bearer registry grants anonymous pulls of public/*: a pull as from Docker Hub.
      "$BIN/pod-bench" image --registry "$BEARER" --image public/bench:latest ;;
    health)
      clang -O2 -o "$WORK/tcp-connect" "$ROOT/Benchmarks/fixtures/tcp-connect.c"
      "$BIN/pod-bench" health --tcp-connect "$WORK/tcp-connect" ;;
    scheduler)
      "$ROOT/Benchmarks/scheduler.sh" "$BIN" ;;
    store)
      # A ZooKeeper server on loopback that syncs its log before answering (its default).
      port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
      ZK_FORCE_SYNC=yes "$ROOT/scripts/fixtures/zookeeper-server.sh" "$WORK/zookeeper" "$port" $$ >"$WORK/zookeeper.log" 2>&1 &
      zk_pid=$!
      "$BIN/pod-bench" store --zk "127.0.0.1:$port"
      kill "$zk_pid"; wait "$zk_pid" 2>/dev/null || true ;;
    failover)
      "$ROOT/Benchmarks/failover.sh" "$BIN" ;;
    *) echo "run.sh: unknown benchmark '$b' (launch, image, health, scheduler, store, failover)" >&2; exit 64 ;;
  esac
done
