#!/usr/bin/env bash
# Builds the DocC documentation of the public API (the WebRequestKit module, with its getting-started
# article) into .build/docs, as a static site. Any DocC warning (a broken symbol link, say) fails it.
set -euo pipefail
cd "$(dirname "$0")/.."
swift package --allow-writing-to-directory .build/docs \
    generate-documentation --target WebRequestKit --output-path .build/docs \
    --warnings-as-errors --disable-indexing --transform-for-static-hosting
echo "docs: .build/docs/documentation/webrequestkit/index.html"
