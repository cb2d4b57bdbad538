# Sourced by the scripts that start a server in the background and go on once it says it is up.
# wait_ready NAME PID LOG PATTERN: waits until a line of LOG matches the grep PATTERN
# (test-web-server prints "^listening"). Fails, printing LOG, if PID exits first or if
# $WAIT_READY_SECONDS (default 120) pass.
# wait_browser_ready PID LOG: the same for browser-host serve, whose first line (cli.md) is
# "ready socket=PATH pid=PID": only the line of this PID counts. The scripts start one browser
# after another with the same log, and the shell that forks one can grep the log before the
# child has truncated it: "^ready" then matched the last browser's line, and the next command
# failed on a missing socket (a CI run's bench smoke, a compare.sh round).
wait_ready() {
    local name=$1 pid=$2 log=$3 pattern=$4 limit=${WAIT_READY_SECONDS:-120}
    local deadline=$((SECONDS + limit)) state
    until grep -q "$pattern" "$log" 2>/dev/null; do
        # An exited child stays a zombie (state Z) until it is waited for: kill -0 still finds it.
        state=$(sed 's/^.*) \(.\).*/\1/' "/proc/$pid/stat" 2>/dev/null || true)
        if [ -z "$state" ] || [ "$state" = Z ]; then
            echo "$name exited before it was ready; its output:" >&2
            cat "$log" >&2
            return 1
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            echo "$name was not ready after $limit s; its output so far:" >&2
            cat "$log" >&2
            return 1
        fi
        sleep 0.02
    done
}

wait_browser_ready() {
    wait_ready "browser-host serve" "$1" "$2" "^ready .*pid=$1\$"
}
