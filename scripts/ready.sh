# Sourced by the scripts that start a server in the background and go on once it says it is up.
# wait_ready NAME PID LOG PATTERN: waits until a line of LOG matches the grep PATTERN (browser-host
# serve prints "^ready", test-web-server "^listening"). Fails, printing LOG, if PID exits first or
# if $WAIT_READY_SECONDS (default 120) pass. A loaded CI machine once took more than the four
# seconds the scripts used to give a browser, and the next command failed on a missing socket
# instead of saying the browser was slow.
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
