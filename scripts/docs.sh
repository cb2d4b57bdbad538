#!/usr/bin/env bash
# Builds the DocC documentation of the public API into .build/docs, as one static site: the shared
# API (WebRequestKit, with its getting-started article), the browser's network stack
# (BrowserNetwork), the browser host (BrowserHostCore) and the renderer side (RendererCore). Any
# DocC warning (a broken symbol link, an undocumented parameter) fails it.
set -euo pipefail
cd "$(dirname "$0")/.."
swift package --allow-writing-to-directory .build/docs \
    generate-documentation --enable-experimental-combined-documentation \
    --target WebRequestKit --target BrowserNetwork --target BrowserHostCore --target RendererCore \
    --output-path .build/docs --warnings-as-errors --disable-indexing --transform-for-static-hosting
echo "docs: .build/docs/documentation/ (webrequestkit, browsernetwork, browserhostcore, renderercore)"
