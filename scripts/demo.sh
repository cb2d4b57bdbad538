#!/usr/bin/env bash
# Sets everything up and runs the main job: starts the embedded web server on loopback, makes
# browser-process requests through browser-host fetch, then runs a browser process that spawns
# render processes whose requests go through it (one of them becomes a download).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
for product in browser-host render-client test-web-server; do
    swift build --product "$product"
done
bin=$(swift build --show-bin-path)

source scripts/web-server.sh
start_test_web_server "$bin"
echo "test web server at $url"

run() {
    echo
    echo "\$ browser-host fetch $*"
    "$bin/browser-host" fetch "$@" || echo "(exit status $?)"
}

run "$url/hello"
run "$url/echo" --data "name=value" --json
run "$url/redirect/302?to=/hello" --flag stop-on-redirect --json
run "$url/auth/basic?user=ann&pass=secret" --flag allow-stored-credentials --auth ann:secret --json
run "$url/bytes/104857600" --output /dev/null
run "foo://not-http" --json
run "$url/" -X PATCH --json

work=$(mktemp -d)
echo
echo "\$ browser-host serve --json --exit-when-idle --context work --browser tab=work --spawn 'render-client …' ×3"
"$bin/browser-host" serve --socket "$work/browser.sock" --downloads "$work/downloads" --json --exit-when-idle \
    --context work --browser tab=work \
    --spawn "$bin/render-client --browser tab fetch $url/hello --json" \
    --spawn "$bin/render-client fetch '$url/content?type=application/pdf&size=4096&disposition=attachment;%20filename=report.pdf' --json" \
    --spawn "$bin/render-client fetch $url/echo --upload-file /etc/hostname --json" \
    || echo "(exit status $?: a renderer's request was refused, as it should be)"
echo
echo "downloads saved by the browser: $(ls "$work/downloads")"
rm -rf "$work"
