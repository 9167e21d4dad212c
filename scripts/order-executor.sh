#!/usr/bin/env bash
# Regenerates packaging/pod-executor.order: the functions pod-executor runs from its start to
# an idle running pod, which its release link (Package.swift, lld --symbol-ordering-file)
# lays out first and together.
#
# Why: the kernel maps a binary's pages 64 KiB around each page fault. An executor touches a
# few hundred functions spread over a 27 MB .text, so without an order it maps ~12 MB of
# code (a third of its RSS) for well under 1 MB that it runs.
#
# The list comes from `pod-bench launch` (executors started by the embedded agent, two
# LAUNCH_GROUPs of three containers each, idle, then killed), in two passes:
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
WORK="$(mktemp -d /tmp/order-executor.XXXXXX)"
trap 'rm -rf "$WORK"; "$BIN/pod-executor" --cleanup >/dev/null 2>&1 || true' EXIT

relink() {
  rm -f "$BIN/pod-executor"   # SwiftPM relinks a missing product; the order file is not an input it tracks
  ./scripts/build-release.sh pod-executor pod-bench >/dev/null
}

# The list without names defined more than once (local helpers such as value witnesses and
# merged thunks, one copy per object file): an entry orders every copy, and would drag whole
# sections of prebuilt libraries that are not split per function (_RegexParser, ...) forward.
write_order() {
  nm --defined-only "$BIN/pod-executor" | awk '{print $3}' | sort | uniq -d > "$WORK/duplicates"
  grep -vxF -f "$WORK/duplicates" "$WORK/list" > "$ORDER" || true
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
  perf record -q -e page-faults -c 1 -d -o "$WORK/faults.data" -- \
    "$BIN/pod-bench" launch --executor "$BIN/pod-executor" --runs "$1" >/dev/null 2>&1
  perf script -i "$WORK/faults.data" --no-demangle -F comm,pid,tid,addr,ip,sym,dso 2>/dev/null | faulting_symbols
}

count_faults() {  # RUNS -> code page faults per executor process
  perf record -q -e page-faults -c 1 -d -o "$WORK/count.data" -- \
    "$BIN/pod-bench" launch --executor "$BIN/pod-executor" --runs "$1" >/dev/null 2>&1
  perf script -i "$WORK/count.data" --no-demangle -F comm,pid,tid,addr,ip,sym,dso 2>/dev/null | python3 -c '
import re, sys
faults, pids = 0, set()
for line in sys.stdin:
    m = re.search(r"\s(\d+)/\d+\s+([0-9a-f]+) \S+ \(([^()]*)\)\s+([0-9a-f]+) \S+ \([^()]*\)\s*$", line)
    if m and m.group(2) == m.group(4) and m.group(3).endswith("/pod-executor"):
        faults += 1; pids.add(m.group(1))
print(f"{faults / max(len(pids), 1):.0f} code page faults per process ({len(pids)} executors and monitors)")
'
}

echo "order-executor: building" >&2
relink
echo "order-executor: before: $(count_faults 3)" >&2

echo "order-executor: sampling 30 launches" >&2
perf record -q -F 10000 -g -o "$WORK/samples.data" -- \
  "$BIN/pod-bench" launch --executor "$BIN/pod-executor" --runs 30 >/dev/null 2>&1
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
echo "order-executor: after: $(count_faults 3); $(wc -l < "$ORDER") functions in $ORDER" >&2
