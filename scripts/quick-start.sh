#!/usr/bin/env bash
# The seed's Quick Start (README "Five-minute tour") against a running pod-scheduler, with
# checks: one implementation for the checks that run it (.ci/run through
# scripts/check-run.sh, and packaging/test-deb.sh).
#
#   scripts/quick-start.sh up   [API]   POST /simplepod, wait for STABLE and TASK_RUNNING
#   scripts/quick-start.sh down [API]   DELETE it, wait for 404
#
# API defaults to http://127.0.0.1:8080. Exits non-zero with a line saying what failed.
set -euo pipefail
phase="${1:?usage: quick-start.sh up|down [API]}"
API="${2:-http://127.0.0.1:8080}"
fail() { echo "quick-start: FAIL: $*" >&2; exit 1; }
# Waits until COMMAND succeeds, up to SECONDS.
await() {
  local seconds="$1"; shift
  local deadline=$(( $(date +%s) + seconds ))
  until "$@"; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}
status() { curl -s "$API/v2/pods/simplepod::status"; }
case "$phase" in
  up)
    code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Content-type: application/json" "$API/v2/pods" -d '{
      "id": "/simplepod",
      "scaling": { "kind": "fixed", "instances": 1 },
      "containers": [ { "name": "sleep1", "exec": { "command": { "shell": "sleep 1000" } },
                        "resources": { "cpus": 0.1, "mem": 32 } } ],
      "networks": [ {"mode": "host"} ] }')
    [ "$code" = 201 ] || fail "POST /v2/pods answered $code"
    stable() { [ "$(status | jq -r .status)" = STABLE ]; }
    await 60 stable || fail "simplepod is not STABLE: $(status)"
    [ "$(status | jq -r '.instances[0].containers[0].status')" = TASK_RUNNING ] \
      || fail "the container is not TASK_RUNNING: $(status)"
    ;;
  down)
    code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$API/v2/pods/simplepod")
    [ "$code" = 202 ] || fail "DELETE answered $code"
    gone() { [ "$(curl -s -o /dev/null -w '%{http_code}' "$API/v2/pods/simplepod::status")" = 404 ]; }
    await 60 gone || fail "simplepod is still there after DELETE: $(status)"
    ;;
  *) fail "unknown phase '$phase' (up or down)" ;;
esac
