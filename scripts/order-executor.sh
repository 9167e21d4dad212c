#!/usr/bin/env bash
# Regenerates packaging/pod-executor.order: the functions pod-executor runs from its start to
# an idle running pod, which its release link (Package.swift, lld --symbol-ordering-file)
# lays out first and together.
#
# Why: the kernel maps a binary's pages 64 KiB around each page fault. An executor touches a
# few hundred functions spread over a 27 MB .text, so without an order it maps ~12 MB of
# code (a third of its RSS) for well under 1 MB that it runs.
#
# The list comes from two workloads: `pod-bench launch` (executors started by the embedded
# agent, two LAUNCH_GROUPs of three containers each, idle, then killed), and a Marathon pod
# of three containers and two instances through pod-scheduler (the task groups Marathon
# builds), started, idle, then deleted. In two passes:
#   1. perf samples with call chains: every function on a sampled stack;
#   2. rounds of relinking with the list so far and recording code page faults: each
#      function that still faults outside the list joins it, until a round adds almost none.
# A run starts from the functions of the last one that the binary still has, so running it
# again refines the order. Run it when the executor's start-up path changes; until then,
# names the code no longer has are only ignored by the link.
#
#   sudo scripts/order-executor.sh        (needs perf: apt-get install linux-perf)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
[ "$(id -u)" = 0 ] || { echo "order-executor.sh: needs root (pod-bench makes namespaces and cgroups)" >&2; exit 2; }
command -v perf >/dev/null || { echo "order-executor.sh: needs perf (apt-get install linux-perf)" >&2; exit 2; }
ROUNDS="${ROUNDS:-12}"
ORDER="$ROOT/packaging/pod-executor.order"
BIN="$ROOT/.build/release"

# A Marathon pod through pod-scheduler and its embedded Mesos: started, idle, deleted.
scheduler_pod() {
  local port="${ORDER_PORT:-18093}" dir scheduler
  local api="http://127.0.0.1:$port"
  dir="$(mktemp -d /tmp/order-executor-scheduler.XXXXXX)"
  "$BIN/pod-scheduler" --http-port "$port" --work-dir "$dir/state" --executor "$BIN/pod-executor" \
    --log-level warning > "$dir/log" 2>&1 &
  scheduler=$!
  for _ in $(seq 100); do curl -sf "$api/ping" > /dev/null && break; sleep 0.1; done
  curl -sf "$api/ping" > /dev/null || {
    echo "order-executor: pod-scheduler did not start (its embedded Mesos takes ports 5050 and 5051):" >&2
    cat "$dir/log" >&2; kill "$scheduler" 2> /dev/null; exit 1; }
  curl -sf -X POST "$api/v2/pods" -H 'Content-Type: application/json' -d '{
    "id": "/order", "labels": {"team": "order"}, "scaling": {"kind": "fixed", "instances": 2},
    "environment": {"MODE": "idle"},
    "containers": [
      {"name": "a", "resources": {"cpus": 0.01, "mem": 16}, "exec": {"command": {"shell": "sleep 100000"}}},
      {"name": "b", "resources": {"cpus": 0.01, "mem": 16}, "exec": {"command": {"shell": "sleep 100000"}}},
      {"name": "c", "resources": {"cpus": 0.01, "mem": 16}, "exec": {"command": {"shell": "sleep 100000"}}}]}' > /dev/null
  for _ in $(seq 300); do [ "$(curl -sf "$api/v2/deployments")" = "[]" ] && break; sleep 0.1; done
  sleep 2   # idle, as the memory benchmark measures an executor
  curl -sf -X DELETE "$api/v2/pods/order" > /dev/null
  for _ in $(seq 300); do pgrep -P "$scheduler" -x pod-executor > /dev/null || break; sleep 0.1; done
  kill "$scheduler"; wait "$scheduler" || true
  rm -rf "$dir"
}

workload() {  # RUNS of pod-bench launch, then the Marathon pod
  "$BIN/pod-bench" launch --executor "$BIN/pod-executor" --runs "$1" > /dev/null 2>&1
  scheduler_pod
}
if [ "${1:-}" = "--workload" ]; then workload "$2"; exit 0; fi

WORK="$(mktemp -d /tmp/order-executor.XXXXXX)"
trap 'rm -rf "$WORK"; "$BIN/pod-executor" --cleanup >/dev/null 2>&1 || true' EXIT

relink() {
  rm -f "$BIN/pod-executor"   # SwiftPM relinks a missing product; the order file is not an input it tracks
  ./scripts/build-release.sh pod-executor pod-bench pod-scheduler >/dev/null
}

# Functions the toolchain's static libraries keep in an object's one shared .text section
# (the rest of them have a section each).
TOOLCHAIN_LIBS="$(dirname "$(readlink -f "$(command -v swiftc)")")/../lib/swift_static/linux"
python3 - "$TOOLCHAIN_LIBS" > "$WORK/shared-text" <<'PY'
import glob, re, subprocess, sys
names = set()
for lib in glob.glob(sys.argv[1] + "/*.a"):
    listing = subprocess.run(["readelf", "-SsW", lib], capture_output=True, text=True, errors="replace").stdout
    text = None
    for line in listing.splitlines():
        if line.startswith("File: "):
            text = None
            continue
        m = re.match(r"\s*\[\s*(\d+)\] (\S+)", line)
        if m and m.group(2) == ".text":
            text = m.group(1)
            continue
        f = line.split()
        if text and len(f) == 8 and f[0].endswith(":") and f[3] == "FUNC" and f[6] == text:
            names.add(f[7])
print("\n".join(sorted(names)))
PY

# The list without the names that are defined more than once (local helpers such as value
# witnesses and merged thunks, a copy per object file) where one copy sits in such a shared
# .text: an entry orders every copy, and would drag whole sections of libraries the executor
# hardly uses (_RegexParser's is 476 KB) forward.
write_order() {
  nm --defined-only "$BIN/pod-executor" | awk '{print $3}' | sort | uniq -d | grep -xF -f "$WORK/shared-text" > "$WORK/avoid" || true
  grep -vxF -f "$WORK/avoid" "$WORK/list" > "$ORDER" || true
}

# Symbols of pod-executor in `perf script` lines "... ADDR SYMBOL (DSO)" (call-chain lines too).
executor_symbols() {
  python3 -c '
import re, sys, collections
counts = collections.Counter()
for line in sys.stdin:
    m = re.search(r"\s[0-9a-f]+ (\S+) \(([^()]*)\)\s*$", line)
    if m and m.group(2).endswith("/pod-executor") and m.group(1) != "[unknown]":
        counts[m.group(1)] += 1
for name, n in counts.most_common():
    print(name)
'
}

# Functions whose code faulted: samples of the page-faults event where the faulting address
# is the instruction pointer, inside pod-executor.
faulting_symbols() {
  python3 -c '
import re, sys
seen = []
for line in sys.stdin:
    m = re.search(r"\s([0-9a-f]+) (\S+) \(([^()]*)\)\s+([0-9a-f]+) \S+ \([^()]*\)\s*$", line)
    if m and m.group(1) == m.group(4) and m.group(3).endswith("/pod-executor") and m.group(2) != "[unknown]":
        if m.group(2) not in seen:
            seen.append(m.group(2))
print("\n".join(seen))
'
}

code_faults() {  # RUNS -> prints the faulting symbols of that many launches
  perf record -q -e page-faults -c 1 -d -o "$WORK/faults.data" -- "$0" --workload "$1" > /dev/null
  perf script -i "$WORK/faults.data" --no-demangle -F comm,pid,tid,addr,ip,sym,dso 2>/dev/null | faulting_symbols
}

idle_rss() {  # what pod-bench launch measures: an idle executor with a running 3-container pod
  "$BIN/pod-bench" launch --executor "$BIN/pod-executor" --runs 11 2> /dev/null |
    awk -F'|' '/^\| RSS /{gsub(/ /, "", $3); print "idle executor RSS " $3 " MiB (median)"}'
}

echo "order-executor: building" >&2
relink
echo "order-executor: before: $(idle_rss)" >&2

echo "order-executor: sampling 30 launches and a Marathon pod" >&2
perf record -q -F 10000 -g -o "$WORK/samples.data" -- "$0" --workload 30 > /dev/null
perf script -i "$WORK/samples.data" --no-demangle -F comm,ip,sym,dso 2>/dev/null | executor_symbols > "$WORK/list"
echo "order-executor: $(wc -l < "$WORK/list") functions on sampled stacks" >&2
# Keep what earlier runs found and the binary still has: a run refines the last one.
nm --defined-only "$BIN/pod-executor" | awk '{print $3}' | sort -u > "$WORK/defined"
grep -xF -f "$WORK/defined" "$ORDER" | grep -vxF -f "$WORK/list" >> "$WORK/list" || true
echo "order-executor: $(wc -l < "$WORK/list") with those of $ORDER" >&2

for round in $(seq 1 "$ROUNDS"); do
  write_order
  relink
  code_faults 2 | grep -vxF -f "$WORK/list" > "$WORK/new" || true
  echo "order-executor: round $round: $(wc -l < "$WORK/new") more functions fault" >&2
  cat "$WORK/new" >> "$WORK/list"
  [ "$(wc -l < "$WORK/new")" -ge 3 ] || break
done
write_order
relink
echo "order-executor: after: $(idle_rss); $(wc -l < "$ORDER") functions in $ORDER" >&2
