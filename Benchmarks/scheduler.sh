#!/usr/bin/env bash
# Scheduler benchmarks (called by Benchmarks/run.sh with the release bin directory):
#  1. 200 instances of a single-container pod: POST /v2/pods (instances: 200) → all 200
#     instances STABLE in /v2/pods/ID::status, through the embedded master and agent with the
#     real pod-executor. Marathon's default launch rate is 100 per 30 s (launch_tokens).
#     RUNS times (default 3), each with a fresh pod-scheduler and work directory, the pod
#     deleted and the directory removed between runs as an operator would: the row gives the
#     median run and every run's rate, because one run on these machines can be 15 % off the
#     next (BENCHMARKS.md, "Why the launch rate varies").
#  2. API latency with 1,000 pods stored (plus the last run's 200 running instances): wrk on
#     GET /v2/pods/::status, p50 and p99.
# TMPDIR=DIR puts the work directories (the agent's sandboxes and checkpoints) on another
# file system; PERF_OUT=FILE records a system-wide perf profile of the first launch.
set -euo pipefail
BIN="${1:?usage: scheduler.sh RELEASE_BIN_DIR}"
INSTANCES="${INSTANCES:-200}"
STORED="${STORED:-1000}"
RUNS="${RUNS:-3}"
SCHED_PID=""
WORK=""
API=""
stop_scheduler() {
  # Tear the instances down as a user would (DELETE), so that the agent removes their
  # executors' cgroups; executors killed behind a stopped agent's back leave theirs (the
  # next agent start removes those older than 30 s), and every cgroup left over makes each
  # later CFS quota write on the machine slower.
  if [ -n "$SCHED_PID" ] && kill -0 "$SCHED_PID" 2>/dev/null; then
    curl -s -o /dev/null -X DELETE "$API/v2/pods/bench/many?force=true" || true
    for _ in $(seq 600); do
      mine=0
      for pid in $(pgrep -x pod-executor); do
        [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$(readlink -f "$BIN/pod-executor")" ] && mine=1 && break
      done
      [ "$mine" = 0 ] && break
      sleep 0.1
    done
  fi
  if [ -n "$SCHED_PID" ]; then
    kill "$SCHED_PID" 2>/dev/null && wait "$SCHED_PID" 2>/dev/null || true
  fi
  # The executors outlive a scheduler that is stopped (as on a real agent): end them.
  for pid in $(pgrep -x pod-executor); do
    [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$(readlink -f "$BIN/pod-executor")" ] && kill -9 "$pid" 2>/dev/null || true
  done
  "$BIN/pod-executor" --cleanup >/dev/null 2>&1 || true
  [ -n "$WORK" ] && rm -rf "$WORK"
  SCHED_PID=""
  WORK=""
}
trap 'stop_scheduler; rmdir "$BASE" 2>/dev/null || true' EXIT

# Each run's work directory goes below a parent marked as the top of unrelated directory
# trees (chattr +T, as for /home): ext4's Orlov allocator then puts each run in the block
# group with the fewest directories instead of next to the previous run's removed one. On a
# journal-less ext4 (these machines) every inode allocation skips, one by one, the inodes
# freed in that group in the last minutes, and back-to-back runs measured the clean-up of
# the run before (BENCHMARKS.md, "Why the launch rate varies"). Elsewhere chattr fails and
# nothing changes.
BASE="${TMPDIR:-/tmp}/pod-bench-sched"
mkdir -p "$BASE"
chattr +T "$BASE" 2>/dev/null || true

start_scheduler() {
  WORK="$(mktemp -d "$BASE/run.XXXXXX")"
  local port
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  API="http://127.0.0.1:$port"
  "$BIN/pod-scheduler" --http-address 127.0.0.1 --http-port "$port" --work-dir "$WORK/state" \
    --executor "$BIN/pod-executor" --local-cpus 64 --local-mem 65536 --log-level warning \
    >"$WORK/scheduler.log" 2>&1 &
  SCHED_PID=$!
  local deadline=$(( $(date +%s) + 60 ))
  until curl -sf "$API/v2/pods" >/dev/null; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "pod-scheduler did not start:"; cat "$WORK/scheduler.log"; exit 1; }
    kill -0 "$SCHED_PID" || { cat "$WORK/scheduler.log"; exit 1; }
    sleep 0.1
  done
}

pod() {  # pod ID INSTANCES
  printf '{"id":"%s","scaling":{"kind":"fixed","instances":%d},"containers":[{"name":"sleep","resources":{"cpus":0.01,"mem":16},"exec":{"command":{"shell":"sleep 100000"}}}]}' "$1" "$2"
}

# 1. POST → all STABLE, in one Python process with one keep-alive connection: it waits as
# a Marathon client does, for the deployment to end (a small answer polled 10 times a
# second), then checks that all instances are STABLE in ::status (rendering and parsing 200
# instances 5 times a second would take CPU from the launch it measures). A curl, a `date`
# and a `sleep` process per poll, as before, took ~7 % of the machine's CPU during the run.
# Each run prints one line: seconds, machine CPU seconds, busy share, pod-scheduler's CPU
# seconds, and the share of the machine's time the hypervisor gave to other guests (steal:
# on these shared VMs it has reached 10 %, which slows a run without showing as busy).
measure() {  # PERF_OUT
python3 - "$API" "$INSTANCES" "$(pod /bench/many "$INSTANCES")" "$WORK/scheduler.log" "$SCHED_PID" "$1" <<'PY'
import http.client, json, os, signal, subprocess, sys, time, urllib.parse
api, n, body, log, scheduler_pid, perf_out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
url = urllib.parse.urlparse(api)
conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
def call(method, path, payload=None):
    headers = {"Content-Type": "application/json"} if payload else {}
    conn.request(method, path, body=payload, headers=headers)
    r = conn.getresponse()
    return r.status, r.read()
def cpu():  # (busy, stolen, total) jiffies of the whole machine
    user, nice, system, idle, iowait, irq, softirq, steal = (int(x) for x in open("/proc/stat").readline().split()[1:9])
    return user + nice + system + irq + softirq, steal, user + nice + system + idle + iowait + irq + softirq + steal
def scheduler_cpu():  # nanoseconds run by pod-scheduler's threads (framework, master, agent)
    tasks = f"/proc/{scheduler_pid}/task"
    return sum(int(open(f"{tasks}/{t}/schedstat").read().split()[0]) for t in os.listdir(tasks))
# A system-wide `perf record` of exactly the launch, for profiling.
perf = None
if perf_out:
    perf = subprocess.Popen(["perf", "record", "-a", "-g", "-F", "499", "-o", perf_out],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)  # perf is recording once it has opened its events
cpu0, sched0 = cpu(), scheduler_cpu()
start = time.monotonic()
status, answer = call("POST", "/v2/pods", body)
if status != 201:
    sys.exit(f"POST /v2/pods answered {status}: {answer[:500]!r}")
deadline = start + 300
stable = 0
while True:
    status, answer = call("GET", "/v2/deployments")
    if status == 200 and json.loads(answer) == []:
        status, answer = call("GET", "/v2/pods/bench/many::status")
        stable = sum(1 for i in json.loads(answer).get("instances", []) if i.get("status") == "STABLE")
        if stable >= n:
            break
    if time.monotonic() > deadline:
        print(f"only {stable} of {n} STABLE after 300 s", file=sys.stderr)
        print("".join(open(log).readlines()[-20:]), file=sys.stderr)
        sys.exit(1)
    time.sleep(0.1)
took = time.monotonic() - start
cpu1, sched1 = cpu(), scheduler_cpu()
if perf:
    perf.send_signal(signal.SIGINT)
    perf.wait(timeout=60)
hz = os.sysconf("SC_CLK_TCK")
total = max(1, cpu1[2] - cpu0[2])
print(took, (cpu1[0] - cpu0[0]) / hz, (cpu1[0] - cpu0[0]) / total, (sched1 - sched0) / 1e9, (cpu1[1] - cpu0[1]) / total)
PY
}

results=""
for run in $(seq 1 "$RUNS"); do
  stop_scheduler  # the previous run's, as an operator would: DELETE, stop, remove
  sync
  start_scheduler
  perf_out=""
  [ "$run" = 1 ] && perf_out="${PERF_OUT:-}"
  results+="$(measure "$perf_out")"$'\n'
done
python3 - "$INSTANCES" "$results" <<'PY'
import sys
n = int(sys.argv[1])
runs = [tuple(map(float, line.split())) for line in sys.argv[2].splitlines() if line.strip()]
rates = [n / run[0] for run in runs]
median_run = sorted(runs, key=lambda r: r[0])[len(runs) // 2]
took, busy, share, sched, stolen = median_run
spread = ", ".join(f"{rate:.0f}" for rate in rates)
print(f"| {n} pod instances, POST → all STABLE (embedded cluster, real pod-executor), median of {len(runs)} runs | {took:.2f} s = **{n / took:.0f} instances/s** (runs in order: {spread}/s); machine CPU {busy:.2f} s ({share:.0%} busy, {stolen:.0%} stolen by the host) = {1000 * busy / n:.1f} ms per instance, of which pod-scheduler (framework, embedded master and agent) {1000 * sched / n:.1f} ms | Marathon default launch rate: 100 per 30 s = 3.3 instances/s (`--launch_tokens`) |")
PY

# 2. 1,000 pods stored; wrk on ::status (STORED=0: the launch only).
[ "$STORED" -gt 0 ] || exit 0
for i in $(seq 1 "$STORED"); do pod "/bench/stored/p$i" 0; echo; done > "$WORK/pods.jsonl"
python3 - "$API" "$WORK/pods.jsonl" <<'PY'
import sys, urllib.request
api, path = sys.argv[1], sys.argv[2]
for line in open(path):
    req = urllib.request.Request(api + "/v2/pods", data=line.strip().encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        assert r.status == 201, r.status
PY
count=$(curl -s "$API/v2/pods" | jq length)
bytes=$(curl -s "$API/v2/pods/::status" | wc -c)
wrk -t2 -c16 -d15s --latency "$API/v2/pods/::status" > "$WORK/wrk.txt"
python3 - "$WORK/wrk.txt" "$count" "$bytes" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def pct(p):
    m = re.search(r"^\s+%s%%\s+([\d.]+)(us|ms|s)\s*$" % p, text, re.M)
    v, unit = float(m.group(1)), m.group(2)
    return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
rps = re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
print(f"| GET /v2/pods/::status, {sys.argv[2]} pods stored ({int(sys.argv[3]) // 1024} KiB answer), wrk 2 threads × 16 connections, 15 s | p50 **{pct(50):.1f} ms**, p99 **{pct(99):.1f} ms**, {float(rps):.0f} req/s{', %s errors' % errors.group(1) if errors else ''} | — |")
PY
