#!/usr/bin/env bash
# The README's run command as a new user runs it, checked: ./scripts/run.sh, the Quick Start
# against it (scripts/quick-start.sh), then Ctrl-C. It must answer on :8080, run the pod,
# stop on SIGINT, and leave no executor behind. .ci/run calls it before the test command,
# on the same machine, so the two README commands are checked in the README's order.
set -euo pipefail
cd "$(dirname "$0")/.."
API=http://127.0.0.1:8080
LOG="$(mktemp)"
# Its own state directory: the machine's /var/lib/pod-scheduler may hold pods of earlier
# runs (a Quick Start left up would answer 409 to the POST below).
WORK="$(mktemp -d /tmp/check-run.XXXXXX)"
PID=""
executors() {
  for pid in $(pgrep -x pod-executor); do
    [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$(realpath .build/release/pod-executor)" ] && echo "$pid"
  done
  return 0
}
fail() {
  echo "check-run: FAIL: $*" >&2; echo "--- scripts/run.sh log:" >&2; tail -40 "$LOG" >&2
  # The job's whole process group: run.sh may still be building, before its exec.
  [ -n "$PID" ] && kill -TERM -- "-$PID" 2>/dev/null
  exit 1
}
await() {
  local seconds="$1"; shift
  local deadline=$(( $(date +%s) + seconds ))
  until "$@"; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}
if curl -s -o /dev/null --max-time 2 "$API/ping"; then
  echo "check-run: something already answers on $API; stop it first" >&2; exit 2
fi
# run.sh builds the release binaries first; build them here so the wait below times the
# start alone (the build is shared with packaging/build.sh, which test.sh runs later).
./scripts/setup.sh >/dev/null
./scripts/build-release.sh pod-executor pod-scheduler
# Job control on: the background job gets its own process group and SIGINT reaches it as
# Ctrl-C would (a non-interactive shell otherwise starts background jobs ignoring SIGINT).
set -m
./scripts/run.sh --work-dir "$WORK" >"$LOG" 2>&1 &
PID=$!
set +m
alive() { kill -0 "$PID" 2>/dev/null; }
answers() { alive || fail "scripts/run.sh exited"; curl -sf -o /dev/null "$API/ping"; }
await 120 answers || fail "scripts/run.sh does not answer on $API"
./scripts/quick-start.sh up "$API" || fail "the Quick Start did not come up"
[ -n "$(executors)" ] || fail "no pod-executor of this build runs the pod"
./scripts/quick-start.sh down "$API" || fail "the Quick Start did not go down"
await 60 test -z "$(executors)" || fail "the executor of simplepod is still there after DELETE"
kill -INT "$PID"
stopped() { ! alive; }
await 30 stopped || fail "pod-scheduler did not stop on SIGINT within 30 s"
wait "$PID" 2>/dev/null || true
PID=""
rm -rf "$LOG" "$WORK"
echo "check-run: OK: scripts/run.sh served the Quick Start and stopped on Ctrl-C"
