#!/usr/bin/env bash
# Installs what building, running and testing mesos-pods need on Debian 12 (run as root;
# the Swift toolchain itself is expected on PATH). Safe to run repeatedly.
set -euo pipefail
packages=(
  # build (libzookeeper-mt-dev: Apache ZooKeeper's C client; it brings the runtime library
  # libzookeeper-mt2)
  libseccomp-dev libsqlite3-dev zlib1g-dev libzstd-dev pkg-config libzookeeper-mt-dev
  # runtime: CNI plugins for pod networks, iproute2 for operators, curl for the fetcher and
  # bzip2/xz-utils/zstd to decompress .tar.bz2/.tar.xz (and zstd) artifacts (tar for the
  # embedded agent's own fetcher)
  containernetworking-plugins iproute2 iptables curl ca-certificates tar bzip2 xz-utils zstd
  # tests: a real registry, offline image building, TLS material, python for small helpers
  docker-registry apache2-utils skopeo umoci busybox-static openssl python3 jq
  # tests: a real ZooKeeper server (the package brings a Java runtime; no service is started,
  # the tests run it on 127.0.0.1 with a temporary data directory)
  zookeeper default-jre-headless
  # benchmarks: the tools a user would otherwise run, side by side with ours
  crun wrk hyperfine
  # packaging
  dpkg-dev fakeroot
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: these packages are missing and installing them needs root: ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The image tests need Debian's registry binary but not its system service.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet docker-registry 2>/dev/null; then
  systemctl stop docker-registry || true
fi
echo "setup: all packages present"
