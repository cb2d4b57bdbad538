#!/usr/bin/env bash
# Fails when the committed generated protobuf code differs from what proto/ generates.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/generate-protos.sh >/dev/null
generated=(Sources/WebRequestIPC/Generated Sources/CWebRequest/generated)
if ! git diff --exit-code -- "${generated[@]}"; then
    echo "check-generated-code: the generated code is stale; run scripts/generate-protos.sh" >&2
    exit 1
fi
untracked=$(git ls-files --others --exclude-standard -- "${generated[@]}")
[ -z "$untracked" ] || { echo "check-generated-code: untracked generated files: $untracked" >&2; exit 1; }
echo "check-generated-code: up to date"
