#!/usr/bin/env bash
# The main job a newcomer runs: installs what is missing, builds, and runs `browser-demo`,
# which starts the embedded web server, a browser process and four renderer processes (three
# running scenarios, one compromised), draws them live, and ends with a checked summary.
# Arguments go to the demo: --plain for one line per event, --directory DIR to keep its files.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
for product in browser-demo browser-host render-client; do
    swift build --product "$product"
done
bin=$(swift build --show-bin-path)
exec "$bin/browser-demo" "$@"
