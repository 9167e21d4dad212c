#!/usr/bin/env bash
# Regenerates Sources/MesosProtocol/Generated from proto/ with protoc + protoc-gen-swift.
# protoc comes from Debian's protobuf-compiler; protoc-gen-swift is built from the
# swift-protobuf version Package.swift names (or given as $PROTOC_GEN_SWIFT).
set -euo pipefail
cd "$(dirname "$0")/.."
plugin=${PROTOC_GEN_SWIFT:-$(command -v protoc-gen-swift || true)}
if [ -z "$plugin" ]; then
  tmp=$(mktemp -d)
  git clone -q https://github.com/apple/swift-protobuf.git "$tmp/swift-protobuf"
  git -C "$tmp/swift-protobuf" checkout -q 1.39.0
  (cd "$tmp/swift-protobuf" && swift build -c release --product protoc-gen-swift >/dev/null)
  plugin="$tmp/swift-protobuf/.build/release/protoc-gen-swift"
fi
out=Sources/MesosProtocol/Generated
find "$out" -name '*.pb.swift' -delete
protoc --plugin=protoc-gen-swift="$plugin" \
  --swift_opt=Visibility=Public --swift_opt=FileNaming=PathToUnderscores \
  --swift_out="$out" -I proto \
  proto/mesos/v1/mesos.proto proto/mesos/v1/executor/executor.proto proto/mesos/v1/scheduler/scheduler.proto
echo "generated: $(ls "$out"/*.pb.swift | tr '\n' ' ')"
