#!/usr/bin/env bash
# Fails when the committed generated code differs from its source: the protobuf code from proto/,
# CEF's error table (Swift, C and Python) from scripts/net-error-list.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/generate-protos.sh >/dev/null
scripts/generate-error-table.py >/dev/null
generated=(
    Sources/WebRequestIPC/Generated Sources/CWebRequest/generated
    Sources/WebRequestKit/NetworkError+Table.swift Sources/CWebRequest/error_names.c
    python/webrequestkit/ipc python/webrequestkit/errors.py
)
if ! git diff --exit-code -- "${generated[@]}"; then
    echo "check-generated-code: the generated code is stale; run scripts/generate-protos.sh and scripts/generate-error-table.py" >&2
    exit 1
fi
untracked=$(git ls-files --others --exclude-standard -- "${generated[@]}")
[ -z "$untracked" ] || { echo "check-generated-code: untracked generated files: $untracked" >&2; exit 1; }
echo "check-generated-code: up to date"
