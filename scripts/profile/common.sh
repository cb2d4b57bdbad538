# Sourced by profile.sh, compare.sh and start.sh, from the package's root: `source scripts/profile/common.sh
# NAME`. Makes $work (in memory when it can), removed at exit together with the browser ($browser)
# and nginx ($nginx) still running then; starts nginx on loopback (scripts/nginx.sh: sets
# $small_url and the other URLs). ticks PID prints a process's user + system clock ticks so far;
# place CPUS PID... lets every thread of each PID run on CPUS only (taskset); nginx_processes
# prints nginx's master and workers.
work=$(mktemp -d "$([ -d /dev/shm ] && echo /dev/shm || echo /tmp)/$1.XXXXXX")
browser="" nginx=""
cleanup() {
    [ -z "$browser" ] || kill "$browser" 2>/dev/null || true
    [ -z "$nginx" ] || kill "$nginx" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
source scripts/nginx.sh
source scripts/ready.sh
start_nginx "$work" 1024
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
place() { local cpus=$1 pid; shift; for pid in "$@"; do taskset -a -p -c "$cpus" "$pid" >/dev/null; done; }
nginx_processes() { echo "$nginx" $(pgrep -P "$nginx"); }
# serve_with DIR [OPTION...]: starts DIR's `browser-host serve` on $work/browser.sock, its pid in
# $browser, and waits until it listens.
serve_with() {
    rm -f "$work/browser.sock"
    "$1/browser-host" serve --socket "$work/browser.sock" --downloads "$work/downloads" "${@:2}" >"$work/serve.log" 2>&1 &
    browser=$!
    wait_browser_ready "$browser" "$work/serve.log"
}
