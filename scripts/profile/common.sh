# Sourced by profile.sh and compare.sh, from the package's root: `source scripts/profile/common.sh
# NAME`. Makes $work (in memory when it can), removed at exit together with the browser ($browser)
# and nginx ($nginx) still running then; starts nginx on loopback (scripts/nginx.sh: sets
# $small_url and the other URLs). ticks PID prints a process's user + system clock ticks so far.
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
