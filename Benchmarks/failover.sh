#!/usr/bin/env bash
# Failover of highly available pod-scheduler (--zk): the leader is killed (SIGKILL, as a
# machine dies) and the follower takes over. Measured from the kill: the follower elected
# (its /v2/info says so), serving the whole state itself (GET /v2/pods/::status with every
# instance, answered by it as the leader), and subscribed to Mesos (its log says so), with
# 1,000 and 10,000 instances stored. A killed leader's ZooKeeper session ends only after its
# timeout (the server cannot tell a dead client from a slow one): that wait is part of every
# failover, and is printed beside the figures (Marathon's default is 10 s; here 2 s).
#
#   Benchmarks/failover.sh BIN [instances ...]     (run.sh passes BIN=.build/release)
#
# Real processes: a ZooKeeper server on loopback (scripts/fixtures), `pod-scheduler
# local-cluster`, two pod-scheduler instances. The stored instances are written into
# ZooKeeper directly (`pod-bench seed-store`: the scheduler's own records) with the
# framework id of a first run; their tasks do not exist, and the local cluster has too
# little CPU to relaunch them, so the figures are the scheduler's alone.
set -euo pipefail
BIN="$(cd "${1:?usage: failover.sh BIN [instances ...]}" && pwd)"; shift
SIZES="${*:-1000 10000}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SESSION_MS=2000
WORK="$(mktemp -d /tmp/failover.XXXXXX)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "failover: FAIL: $*" >&2; for f in "$WORK"/*.log; do echo "--- $f" >&2; tail -15 "$f" >&2; done; exit 1; }
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
# Waits until COMMAND succeeds, polling every 10 ms, up to SECONDS.
await() {
  local seconds="$1"; shift
  local deadline=$(( $(date +%s) + seconds ))
  until "$@"; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.01
  done
}

ZK_PORT=$(port); MASTER_PORT=$(port); AGENT_PORT=$(port)
ZK_FORCE_SYNC=yes "$ROOT/scripts/fixtures/zookeeper-server.sh" "$WORK/zookeeper" "$ZK_PORT" $$ >"$WORK/zookeeper.log" 2>&1 &
PIDS+=($!)
"$BIN/pod-scheduler" local-cluster --work-dir "$WORK/cluster" --master-port "$MASTER_PORT" --agent-port "$AGENT_PORT" \
  --executor "$BIN/pod-executor" --cpus 0.1 --mem 64 --cni-config-dir "$WORK/cni" >"$WORK/cluster.log" 2>&1 &
PIDS+=($!)
master_up() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MASTER_PORT/api/v1/scheduler")" != 000 ]; }
await 60 master_up || fail "the local cluster does not answer"

# scheduler NAME PORT ZK: starts an instance, its log in $WORK/NAME.log; its pid in $SCHEDULER.
scheduler() {
  "$BIN/pod-scheduler" --zk "$3" --zk-session-timeout "$SESSION_MS" --master "http://127.0.0.1:$MASTER_PORT" \
    --http-port "$2" --work-dir "$WORK/$1" --executor "$BIN/pod-executor" --log-level info >>"$WORK/$1.log" 2>&1 &
  SCHEDULER=$!
  PIDS+=("$SCHEDULER")
}
info() { curl -s --max-time 5 "http://127.0.0.1:$1/v2/info"; }
elected() { [ "$(info "$1" | jq -r .elected 2>/dev/null)" = true ]; }
has_framework() { [ "$(info "$1" | jq -r '.frameworkId // empty' 2>/dev/null)" != "" ]; }
subscribed() { grep -q "subscribed to the master" "$WORK/$1.log"; }
# serving PORT N: GET /v2/pods/::status answered by this instance as the leader, with N instances.
serving() {
  local headers body
  headers="$WORK/headers"; body=$(curl -s --max-time 10 -D "$headers" "http://127.0.0.1:$1/v2/pods/::status") || return 1
  grep -qi "^x-marathon-leader: .*:$1" "$headers" || return 1
  [ "$(jq '[.[].instances | length] | add // 0' <<<"$body" 2>/dev/null)" = "$2" ]
}

echo "## HA failover: leader killed (SIGKILL) → the follower leading; ZooKeeper session timeout ${SESSION_MS} ms"
echo
echo "| instances stored | elected | serving the whole state | subscribed to Mesos | of which the session timeout |"
echo "|---|---|---|---|---|"
for size in $SIZES; do
  zk="zk://127.0.0.1:$ZK_PORT/pod-scheduler-$size"
  A=$(port); B=$(port)
  # A first run makes the framework id; the state is seeded while no instance runs.
  scheduler "a-$size" "$A" "$zk"; first=$SCHEDULER
  await 60 has_framework "$A" || fail "the first instance did not register"
  kill -TERM "$first"; wait "$first" 2>/dev/null || true
  "$BIN/pod-bench" seed-store --zk "$zk" --instances "$size" >/dev/null
  scheduler "a-$size" "$A" "$zk"; leader=$SCHEDULER
  await 120 serving "$A" "$size" || fail "the leader does not serve $size instances"
  : >"$WORK/b-$size.log"
  scheduler "b-$size" "$B" "$zk"; follower=$SCHEDULER
  follows() { [ "$(curl -s --max-time 5 "http://127.0.0.1:$B/v2/leader" | jq -r .leader 2>/dev/null)" = "127.0.0.1:$A" ]; }
  await 60 follows || fail "the second instance does not follow"
  start=$(now_ms)
  kill -KILL "$leader"; wait "$leader" 2>/dev/null || true
  # The three moments, each noted the first time it is seen.
  t_elected=""; t_serving=""; t_subscribed=""
  deadline=$(( $(date +%s) + 180 ))
  while [ -z "$t_elected" ] || [ -z "$t_serving" ] || [ -z "$t_subscribed" ]; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "no complete takeover within 180 s (elected: ${t_elected:-no}, serving: ${t_serving:-no}, subscribed: ${t_subscribed:-no})"
    [ -z "$t_subscribed" ] && subscribed "b-$size" && t_subscribed=$(( $(now_ms) - start ))
    [ -z "$t_elected" ] && elected "$B" && t_elected=$(( $(now_ms) - start ))
    [ -n "$t_elected" ] && [ -z "$t_serving" ] && serving "$B" "$size" && t_serving=$(( $(now_ms) - start ))
    sleep 0.01
  done
  echo "| $size | $t_elected ms | $t_serving ms | $t_subscribed ms | $SESSION_MS ms |"
  kill -TERM "$follower"; wait "$follower" 2>/dev/null || true
done
