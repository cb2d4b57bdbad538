#!/usr/bin/env bash
# Regenerates the code for proto/: Swift with protoc and the protoc-gen-swift of the swift-protobuf
# version Package.swift names, C with Debian's protoc-c (protobuf-c-compiler), and Python (with its
# type stubs) with protoc's own generator, for the protobuf runtime from PyPI. The output is
# committed (the Swift build plugin is far too slow on small machines);
# scripts/check-generated-code.sh verifies it matches.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v protoc >/dev/null && command -v protoc-c >/dev/null || {
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq protobuf-compiler protobuf-c-compiler >/dev/null
}

swift build -c release --product protoc-gen-swift >/dev/null
plugin="$(swift build -c release --show-bin-path)/protoc-gen-swift"

out=Sources/WebRequestIPC/Generated
rm -f "$out"/*.pb.swift
protoc \
    --plugin=protoc-gen-swift="$plugin" \
    --swift_out="$out" \
    --swift_opt=Visibility=Package \
    --swift_opt=FileNaming=PathToUnderscores \
    --proto_path=proto \
    $(cd proto && find . -name '*.proto' | sed 's|^\./||' | sort)
echo "generated: $(ls "$out")"

c_out=Sources/CWebRequest/generated
rm -rf "$c_out"
mkdir -p "$c_out"
protoc --c_out="$c_out" --proto_path=proto $(cd proto && find . -name '*.proto' | sed 's|^\./||' | sort)
echo "generated: $(cd "$c_out" && find . -type f | sed 's|^\./||' | sort | tr '\n' ' ')"

py_out=python/webrequestkit/ipc/v1
rm -f "$py_out"/ipc_pb2.py "$py_out"/ipc_pb2.pyi
protoc --python_out=python --pyi_out=python --proto_path=proto $(cd proto && find . -name '*.proto' | sed 's|^\./||' | sort)
echo "generated: $(cd python && find webrequestkit/ipc -name '*_pb2.py*' | sort | tr '\n' ' ')"
