#!/usr/bin/env bash
# Sets everything up and runs the main job: starts the embedded web server on loopback and makes
# browser-process requests through browser-host fetch, for people and as JSON lines.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
swift build --product browser-host
swift build --product test-web-server
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
