# Sourced by the scripts that need the embedded web server, after scripts/ready.sh.
# start_test_web_server BIN_DIR: starts BIN_DIR/test-web-server on an ephemeral loopback port and
# sets $url to its base URL. It sets no trap of its own (one would replace the caller's, or be
# replaced by it): the caller's EXIT trap calls stop_test_web_server.
start_test_web_server() {
    test_web_server_log=$(mktemp)
    "$1/test-web-server" >"$test_web_server_log" &
    test_web_server=$!
    wait_ready test-web-server "$test_web_server" "$test_web_server_log" "^listening" || return 1
    url=$(sed -n 's/^listening url=\([^ ]*\).*/\1/p' "$test_web_server_log")
    [ -n "$url" ] || { echo "test-web-server did not start" >&2; return 1; }
}

stop_test_web_server() {
    [ -z "${test_web_server:-}" ] || kill "$test_web_server" 2>/dev/null || true
    [ -z "${test_web_server_log:-}" ] || rm -f "$test_web_server_log"
}
