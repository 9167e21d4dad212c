#!/usr/bin/env bash
# Installs the built Debian package with dpkg -i and runs the seed's Quick Start with the
# installed binaries: pod-scheduler as its systemd unit would start it (the options of
# /etc/default/pod-scheduler), the Quick Start's curl commands, and podctl from the package.
# Purges the package at the end. Root; run packaging/build.sh first.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
[ "$(id -u)" = 0 ] || { echo "test-deb.sh: needs root (dpkg -i, and the pod's namespaces)" >&2; exit 2; }
DEB="$(ls "$ROOT"/packaging/out/mesos-pods_*.deb)"
TARBALL="$(ls "$ROOT"/packaging/out/pod-executor-*.tar.gz)"
API=http://127.0.0.1:8080
PID=""
fail() { echo "test-deb: FAIL: $*" >&2; echo "--- pod-scheduler log:" >&2; tail -40 "$LOG" >&2; exit 1; }
finish() {
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  for pid in $(installed_executors); do kill -9 "$pid" 2>/dev/null || true; done
  [ -x /usr/libexec/mesos-pods/pod-executor ] && /usr/libexec/mesos-pods/pod-executor --cleanup >/dev/null 2>&1 || true
  dpkg --purge mesos-pods >/dev/null 2>&1 || true
  rm -f "$LOG"
}
# The check installs, runs and purges the package with its defaults: it must not touch
# a scheduler or state that is already there.
if curl -s -o /dev/null --max-time 2 "$API/ping"; then
  echo "test-deb: something already answers on $API (a running pod-scheduler?); stop it first" >&2; exit 2
fi
if [ -e /var/lib/pod-scheduler ] || dpkg -s mesos-pods >/dev/null 2>&1; then
  echo "test-deb: mesos-pods is installed or /var/lib/pod-scheduler exists; this check would purge them" >&2; exit 2
fi
LOG="$(mktemp)"
trap finish EXIT
# PIDs of processes running the installed executor (the agent starts it as argv[0]
# "pod-executor", so the command line does not show the path; /proc/PID/exe does).
installed_executors() {
  for pid in $(pgrep -x pod-executor); do
    [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = /usr/libexec/mesos-pods/pod-executor ] && echo "$pid"
  done
  return 0
}
# Waits until COMMAND succeeds, up to SECONDS.
await() {
  local seconds="$1"; shift
  local deadline=$(( $(date +%s) + seconds ))
  until "$@"; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

echo "test-deb: $(basename "$DEB")"
dpkg-deb --info "$DEB" | sed -n 's/^ \(Package\|Version\|Depends\|Recommends\):/  \1:/p'
dpkg -i "$DEB"
for f in /usr/bin/pod-scheduler /usr/bin/podctl /usr/libexec/mesos-pods/pod-executor \
         /lib/systemd/system/pod-scheduler.service /etc/default/pod-scheduler \
         /usr/share/bash-completion/completions/podctl /usr/share/doc/mesos-pods/operations.md; do
  [ -e "$f" ] || fail "the package did not install $f"
done
if ldd /usr/bin/pod-scheduler /usr/bin/podctl /usr/libexec/mesos-pods/pod-executor | grep -qE 'libswift|libFoundation|not found'; then
  fail "installed binaries need libraries an agent does not have: $(ldd /usr/libexec/mesos-pods/pod-executor)"
fi
# The fetcher tarball: pod-executor at its top, runnable.
[ "$(tar -tzf "$TARBALL")" = pod-executor ] || fail "the executor tarball holds $(tar -tzf "$TARBALL" | tr '\n' ' ') instead of pod-executor"

# Start pod-scheduler the way the unit does (ExecStart with /etc/default/pod-scheduler).
# shellcheck disable=SC1091
. /etc/default/pod-scheduler
# shellcheck disable=SC2086
/usr/bin/pod-scheduler $POD_SCHEDULER_OPTS >"$LOG" 2>&1 &
PID=$!
await 60 curl -sf "$API/v2/pods" -o /dev/null || fail "pod-scheduler did not answer on $API"

# The Quick Start (seeds/marathon-pods.md).
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Content-type: application/json" "$API/v2/pods" -d '{
  "id": "/simplepod",
  "scaling": { "kind": "fixed", "instances": 1 },
  "containers": [ { "name": "sleep1", "exec": { "command": { "shell": "sleep 1000" } },
                    "resources": { "cpus": 0.1, "mem": 32 } } ],
  "networks": [ {"mode": "host"} ] }')
[ "$code" = 201 ] || fail "POST /v2/pods answered $code"
stable() { [ "$(curl -s "$API/v2/pods/simplepod::status" | jq -r .status)" = STABLE ]; }
await 60 stable || fail "simplepod is not STABLE: $(curl -s "$API/v2/pods/simplepod::status")"
[ "$(curl -s "$API/v2/pods/simplepod::status" | jq -r '.instances[0].containers[0].status')" = TASK_RUNNING ] \
  || fail "the container is not TASK_RUNNING"
[ -n "$(installed_executors)" ] || fail "no installed pod-executor runs the pod"
podctl --url "$API" pod list | grep -q simplepod || fail "podctl pod list does not show simplepod"
code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$API/v2/pods/simplepod")
[ "$code" = 202 ] || fail "DELETE answered $code"
gone() { [ "$(curl -s -o /dev/null -w '%{http_code}' "$API/v2/pods/simplepod::status")" = 404 ] && [ -z "$(installed_executors)" ]; }
await 60 gone || fail "simplepod or its executor is still there after DELETE"
echo "test-deb: OK: installed with dpkg -i, Quick Start passed with the installed binaries"
