#!/usr/bin/env bash
# Builds the release artifacts an operator installs, into packaging/out/:
#   mesos-pods_VERSION_ARCH.deb                  pod-executor, pod-scheduler, podctl, the
#                                                scheduler's systemd unit and defaults,
#                                                podctl completions, docs
#   pod-executor-VERSION-linux-ARCH.tar.gz       pod-executor at its top, for the Mesos
#                                                fetcher (pod-scheduler --executor URI)
# The Swift standard library and Foundation are linked statically: the binaries run on an
# agent with no Swift installed. Needs dpkg-dev and fakeroot (scripts/setup.sh installs them).
#
#   packaging/build.sh [--skip-build]     (--skip-build: reuse .build/release)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
VERSION="$(cat packaging/VERSION)"
DEB_ARCH="$(dpkg --print-architecture)"
ARCH="$(uname -m)"
OUT="$ROOT/packaging/out"
BIN="$ROOT/.build/release"
PRODUCTS=(pod-executor pod-scheduler podctl)

if [ "${1:-}" != "--skip-build" ]; then
  ./scripts/build-release.sh "${PRODUCTS[@]}"
fi
for p in "${PRODUCTS[@]}"; do
  [ -x "$BIN/$p" ] || { echo "build.sh: $BIN/$p is missing (build first, or drop --skip-build)" >&2; exit 1; }
  # No Swift runtime may remain dynamic: the agents have no toolchain.
  if ldd "$BIN/$p" | grep -qE 'libswift|libFoundation|libdispatch|libBlocksRuntime'; then
    echo "build.sh: $p links the Swift runtime dynamically:" >&2; ldd "$BIN/$p" >&2; exit 1
  fi
done
# pod-executor's start-up functions must come first in its .text (packaging/pod-executor.order):
# without that order an idle executor maps ~8 MB more of its binary.
python3 - "$BIN/pod-executor" "$ROOT/packaging/pod-executor.order" <<'PY'
import subprocess, sys
exe, order = sys.argv[1], sys.argv[2]
text = next(l.split() for l in subprocess.check_output(["readelf", "-SW", exe], text=True).splitlines() if " .text " in l)
start = int(text[text.index(".text") + 2], 16)
addresses = {}
for line in subprocess.check_output(["nm", "--defined-only", exe], text=True, errors="replace").splitlines():
    fields = line.split()
    if len(fields) == 3: addresses.setdefault(fields[2], int(fields[0], 16))
listed = [addresses[name] for name in open(order).read().split() if name in addresses]
if len(listed) < 1000 or sorted(listed)[len(listed) // 2] - start > 6 << 20:
    sys.exit(f"build.sh: {exe} is not laid out in the order of {order} "
             f"({len(listed)} of its functions found there)")
PY

rm -rf "$OUT"; mkdir -p "$OUT"
STAGE="$(mktemp -d)"; trap 'rm -rf "$STAGE"' EXIT
PKG="$STAGE/mesos-pods"

# Files.
install -D -m 0755 "$BIN/pod-executor"  "$PKG/usr/libexec/mesos-pods/pod-executor"
install -D -m 0755 "$BIN/pod-scheduler" "$PKG/usr/bin/pod-scheduler"
install -D -m 0755 "$BIN/podctl"        "$PKG/usr/bin/podctl"
strip --strip-debug "$PKG"/usr/bin/* "$PKG"/usr/libexec/mesos-pods/pod-executor
install -D -m 0644 packaging/systemd/pod-scheduler.service "$PKG/lib/systemd/system/pod-scheduler.service"
install -D -m 0644 packaging/default/pod-scheduler "$PKG/etc/default/pod-scheduler"
install -d -m 0755 "$PKG/etc/mesos-pods/cni"
install -D -m 0644 docs/operations.md "$PKG/usr/share/doc/mesos-pods/operations.md"
install -D -m 0644 docs/podctl-agent.md "$PKG/usr/share/doc/mesos-pods/podctl-agent.md"
install -D -m 0644 packaging/debian/copyright "$PKG/usr/share/doc/mesos-pods/copyright"
"$PKG/usr/bin/podctl" --generate-completion-script bash | install -D -m 0644 /dev/stdin "$PKG/usr/share/bash-completion/completions/podctl"
"$PKG/usr/bin/podctl" --generate-completion-script zsh  | install -D -m 0644 /dev/stdin "$PKG/usr/share/zsh/vendor-completions/_podctl"
"$PKG/usr/bin/podctl" --generate-completion-script fish | install -D -m 0644 /dev/stdin "$PKG/usr/share/fish/vendor_completions.d/podctl.fish"

# Control: Depends from the libraries the binaries really load (dpkg-shlibdeps).
mkdir -p "$STAGE/debian" "$PKG/DEBIAN"
printf 'Source: mesos-pods\n\nPackage: mesos-pods\nArchitecture: any\n' > "$STAGE/debian/control"
DEPENDS="$(cd "$STAGE" && dpkg-shlibdeps -O "${PKG#"$STAGE"/}"/usr/bin/* "${PKG#"$STAGE"/}"/usr/libexec/mesos-pods/pod-executor 2>/dev/null | sed -n 's/^shlibs:Depends=//p')"
[ -n "$DEPENDS" ] || { echo "build.sh: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
SIZE="$(du -sk "$PKG" --exclude=DEBIAN | cut -f1)"
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$DEB_ARCH/" -e "s/@DEPENDS@/$DEPENDS/" -e "s/@SIZE@/$SIZE/" \
  packaging/debian/control.in > "$PKG/DEBIAN/control"
install -m 0644 packaging/debian/conffiles "$PKG/DEBIAN/conffiles"
for script in postinst prerm postrm; do install -m 0755 "packaging/debian/$script" "$PKG/DEBIAN/$script"; done
fakeroot dpkg-deb --build -Zxz "$PKG" "$OUT/mesos-pods_${VERSION}_${DEB_ARCH}.deb" >/dev/null

# The executor tarball for the Mesos fetcher: pod-executor at the top of the archive.
mkdir -p "$STAGE/tar"
install -m 0755 "$PKG/usr/libexec/mesos-pods/pod-executor" "$STAGE/tar/pod-executor"
tar -C "$STAGE/tar" --owner=0 --group=0 -czf "$OUT/pod-executor-$VERSION-linux-$ARCH.tar.gz" pod-executor
(cd "$OUT" && sha256sum ./*.deb ./*.tar.gz > SHA256SUMS)
ls -l "$OUT"
