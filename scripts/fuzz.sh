#!/usr/bin/env bash
# Fuzzes what the browser decodes from a renderer (framing, protobuf, the connection state
# machine) with libFuzzer and AddressSanitizer, starting from the committed seed corpus.
#   scripts/fuzz.sh [SECONDS]   (default 60)
# New inputs go to .build-fuzz/corpus; a crash leaves crash-* in .build-fuzz and fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
scripts/setup.sh >/dev/null
export WEBREQUESTKIT_FUZZ=1 SWIFT_BACKTRACE=enable=no
swift build --scratch-path .build-fuzz --product ipc-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library >/dev/null
binary="$(swift build --scratch-path .build-fuzz --show-bin-path)/ipc-fuzz"
mkdir -p .build-fuzz/corpus
cd .build-fuzz
"$binary" -max_total_time="$seconds" -max_len=65536 -print_final_stats=1 corpus ../Fuzz/corpus 2>&1 | tail -n 15
