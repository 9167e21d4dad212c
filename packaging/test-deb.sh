#!/usr/bin/env bash
# Installs the built Debian package with dpkg -i and runs the seed's Quick Start with the
# installed binaries: pod-scheduler as its systemd unit would start it (the options of
# /etc/default/pod-scheduler), the Quick Start's curl commands, and podctl from the package.
# Purges the package at the end. Root; run packaging/build.sh first.
#
# The check runs in a mount and network namespace of its own: /usr, /etc and /var are
# overlays whose changes vanish with the namespace, /var/lib/pod-scheduler starts empty in
# it, and its loopback is its own. So it neither sees nor touches what the machine already
# has (a scheduler on :8080 started by scripts/run.sh, its state, an installed package),
# and installing and purging the package leaves no trace outside.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
[ "$(id -u)" = 0 ] || { echo "test-deb.sh: needs root (dpkg -i, and the pod's namespaces)" >&2; exit 2; }
if [ -z "${TEST_DEB_ISOLATED:-}" ]; then
  exec env TEST_DEB_ISOLATED=1 unshare --mount --net --propagation private "$0" "$@"
fi
ip link set lo up
LAYERS="$(mktemp -d /tmp/test-deb-layers.XXXXXX)"
# The layers' directory is removed when the namespace's last process is gone (the
# overlays go with it); the EXIT trap below removes it.
for d in /usr /etc /var; do
  mkdir -p "$LAYERS/upper$d" "$LAYERS/work$d"
  mount -t overlay overlay -o "lowerdir=$d,upperdir=$LAYERS/upper$d,workdir=$LAYERS/work$d" "$d"
done
rm -rf /var/lib/pod-scheduler
if dpkg -s mesos-pods >/dev/null 2>&1; then
  # An installed package (on the machine, not in this namespace's overlay) is replaced in
  # the overlay only: remove it there first so that dpkg -i installs this build afresh.
  dpkg --purge mesos-pods >/dev/null
fi
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
  for d in /var /etc /usr; do umount -l "$d" 2>/dev/null || true; done
  rm -rf "$LAYERS"
}
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
"$ROOT/scripts/quick-start.sh" up "$API" || fail "the Quick Start did not come up"
[ -n "$(installed_executors)" ] || fail "no installed pod-executor runs the pod"
podctl --url "$API" pod list | grep -q simplepod || fail "podctl pod list does not show simplepod"
"$ROOT/scripts/quick-start.sh" down "$API" || fail "the Quick Start did not go down"
await 60 test -z "$(installed_executors)" || fail "the executor of simplepod is still there after DELETE"
echo "test-deb: OK: installed with dpkg -i, Quick Start passed with the installed binaries"
