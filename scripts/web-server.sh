# Sourced by the scripts that need the embedded web server.
# start_test_web_server BIN_DIR: starts BIN_DIR/test-web-server on an ephemeral loopback port,
# sets $url to its base URL, and stops it when the calling script exits.
start_test_web_server() {
    local log
    log=$(mktemp)
    "$1/test-web-server" >"$log" &
    local server=$!
    trap "kill $server 2>/dev/null || true; rm -f '$log'" EXIT
    for _ in $(seq 200); do grep -q listening "$log" && break; sleep 0.05; done
    url=$(sed -n 's/^listening url=\([^ ]*\).*/\1/p' "$log")
    [ -n "$url" ] || { echo "test-web-server did not start" >&2; return 1; }
}
