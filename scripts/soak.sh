#!/usr/bin/env bash
# A bounded soak of the browser process: many renderers at once, each running thousands of
# mixed requests (GET, HEAD, POST, redirects, 404s, 503s, 256 KiB bodies, cancels, a server that
# lies about Content-Length, one that dies mid-headers, attachments routed to downloads), with
# some renderers SIGKILLed at random. Every renderer runs in the renderer sandbox (--sandbox), so
# the whole mix also shows that nothing a renderer does needs what the kernel then refuses it.
# It checks, and prints:
#   - every renderer not killed completed each of its requests exactly once, as it had to, with
#     no callback after a completion (`render-client soak` checks each and says so);
#   - the server saw exactly the hits those renderers expected (counted by a per-renderer tag);
#   - afterwards the browser has nothing in flight and no renderer, no `.partial` file is left,
#     and its descriptors and RSS are back near where they were before the renderers came.
#
#   scripts/soak.sh [--short] [--release] [--bin DIR] [--renderers N] [--requests N] [--kills N] [--seed N]
#
# The default is 32 renderers x 2000 requests with 6 killed; `--short` (what CI runs) is
# 8 x 300 with 2 killed. `--bin DIR` runs the browser-host, render-client and test-web-server
# in DIR instead of building them (to compare two builds with the same seed). Exits 1 with the
# reason when a check fails.
set -euo pipefail
cd "$(dirname "$0")/.."

renderers=32 requests=2000 kills=6 seed=$RANDOM configuration=debug bin=
while [ $# -gt 0 ]; do
    case "$1" in
        --short) renderers=8 requests=300 kills=2 ;;
        --release) configuration=release ;;
        --bin)
            [ -d "${2:-}" ] || { echo "soak: --bin needs a directory of executables" >&2; exit 2; }
            bin=$(cd "$2" && pwd) configuration=$2; shift ;;
        --renderers) renderers=$2; shift ;;
        --requests) requests=$2; shift ;;
        --kills) kills=$2; shift ;;
        --seed) seed=$2; shift ;;
        *) echo "soak: unknown argument '$1'" >&2; echo "usage: scripts/soak.sh [--short] [--release] [--bin DIR] [--renderers N] [--requests N] [--kills N] [--seed N]" >&2; exit 2 ;;
    esac
    shift
done
[ "$kills" -lt "$renderers" ] || { echo "soak: --kills must be below --renderers" >&2; exit 2; }
RANDOM=$seed

# A renderer that crashes leaves a core in its directory (the sandbox stops it from running Swift's
# backtracer, and the kernel writes cores past seccomp), so that the failure can show its stack.
ulimit -c unlimited 2>/dev/null || true

if [ -z "$bin" ]; then
    for product in browser-host render-client test-web-server; do
        swift build -c "$configuration" --product "$product" >/dev/null
    done
    bin=$(swift build -c "$configuration" --show-bin-path)
fi
for product in browser-host render-client test-web-server; do
    [ -x "$bin/$product" ] || { echo "soak: no $product in $bin" >&2; exit 2; }
done
work=$(mktemp -d)

source scripts/ready.sh
source scripts/web-server.sh
start_test_web_server "$bin"
"$bin/browser-host" serve --socket "$work/browser.sock" --downloads "$work/downloads" >"$work/serve.log" 2>&1 &
browser=$!
trap 'kill $browser 2>/dev/null || true; stop_test_web_server; rm -rf "$work"' EXIT
wait_browser_ready "$browser" "$work/serve.log"

field() { sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"; }
status() { "$bin/browser-host" status --socket "$work/browser.sock" --json; }
descriptors() { ls "/proc/$browser/fd" | wc -l; }
# Descriptors that are TCP sockets: libcurl's pool of idle connections to the server, bounded by
# libcurl (CURLMOPT_MAXCONNECTS), kept for reuse rather than leaked.
pooled() {
    local inodes
    inodes=$(awk 'NR > 1 { print $10 }' /proc/net/tcp /proc/net/tcp6 2>/dev/null | sort -u)
    ls -l "/proc/$browser/fd" 2>/dev/null | sed -n 's/.*socket:\[\([0-9]*\)\]$/\1/p' | grep -cxF -f <(echo "$inodes") || true
}
rss() { awk '/^VmRSS/ { print int($2 / 1024) }' "/proc/$browser/status"; }
fail() { echo "soak: FAILED: $*" >&2; exit 1; }
# The stack of every thread of renderer process $1, dead of a signal, from its core (where
# /proc/sys/kernel/core_pattern puts it), when gdb is here.
crash_report() {
    local pattern directory=. core
    pattern=$(cat /proc/sys/kernel/core_pattern)
    [[ "$pattern" != /* ]] || directory=$(dirname "$pattern")
    core=$(ls -t "$directory"/core* 2>/dev/null | grep -E "/core$|[^0-9]$1([^0-9]|$)" | head -n 1 || true)
    if [ -z "$core" ]; then
        echo "(no core of pid $1; core_pattern: $pattern)"
    elif command -v gdb >/dev/null; then
        gdb -batch -ex "thread apply all bt 30" "$bin/render-client" "$core" 2>&1 | grep -E "^(Core was|Program terminated|Thread|#[0-9])" | head -n 200
        rm -f "$core"
    else
        echo "(a core at $core; no gdb to read it)"
    fi
}

# One renderer first, so what the browser allocates once (threads, pools, the first connections)
# is in the baseline rather than counted as growth.
"$bin/render-client" --socket "$work/browser.sock" --sandbox soak "$url" --requests 200 --tag warmup --seed "$seed" >"$work/warmup.json" 2>&1 \
    || fail "the warm-up renderer did not run clean: $(cat "$work/warmup.json")"
sleep 0.5
fds_before=$(descriptors) pooled_before=$(pooled) rss_before=$(rss)

echo "soak: $renderers renderers x $requests mixed requests, $kills killed at random, seed $seed ($configuration build)"
start=$(date +%s.%N)
declare -a pids
for i in $(seq 1 "$renderers"); do
    "$bin/render-client" --socket "$work/browser.sock" --sandbox soak "$url" --requests "$requests" --concurrency 8 \
        --seed $((seed * 1000 + i)) --tag "r$i" >"$work/r$i.json" 2>"$work/r$i.err" &
    pids[$i]=$!
done
( peak=0; while :; do n=$(status | field renderers); [ "${n:-0}" -gt "$peak" ] && peak=$n && echo "$peak" >"$work/peak"; sleep 0.1; done ) &
sampler=$!

declare -A victims=()
chosen=0
while [ "$chosen" -lt "$kills" ]; do
    i=$((RANDOM % renderers + 1))
    [ -n "${victims[$i]:-}" ] || { victims[$i]=1; chosen=$((chosen + 1)); }
done
killers=()
for i in "${!victims[@]}"; do
    # Some time into the run: up to about a tenth of a renderer's requests at debug speed.
    ( sleep "$((RANDOM % (requests / 100 + 1))).$((RANDOM % 10))"; kill -KILL "${pids[$i]}" 2>/dev/null || true ) &
    killers+=($!)
done

killed=0 survivors=0 total_requests=0 total_hits=0
for i in $(seq 1 "$renderers"); do
    code=0
    wait "${pids[$i]}" 2>/dev/null || code=$?
    if [ "$code" -eq 137 ] && [ -n "${victims[$i]:-}" ]; then
        killed=$((killed + 1))
        continue
    fi
    [ "$code" -lt 128 ] || [ "$code" -eq 137 ] || fail "renderer r$i died of signal $((code - 128)): $(cat "$work/r$i.json" "$work/r$i.err")
$(crash_report "${pids[$i]}")"
    [ "$code" -eq 0 ] || fail "renderer r$i exited $code: $(cat "$work/r$i.json" "$work/r$i.err")"
    line=$(cat "$work/r$i.json")
    for zero in duplicate_completions callbacks_after_completion unexpected; do
        [ "$(field "$zero" <<<"$line")" = 0 ] || fail "renderer r$i: $zero is not 0: $line"
    done
    [ "$(field completed <<<"$line")" = "$requests" ] || fail "renderer r$i completed $(field completed <<<"$line") of $requests"
    expected=$(field expected_hits <<<"$line")
    hits=$(curl -s "$url/hits?tag=r$i" 2>/dev/null || "$bin/browser-host" fetch "$url/hits?tag=r$i" --output /dev/stdout 2>/dev/null)
    hits=${hits//[^0-9]/}
    [ "$hits" = "$expected" ] || fail "renderer r$i expected $expected server hits, the server counted $hits"
    survivors=$((survivors + 1))
    total_requests=$((total_requests + requests))
    total_hits=$((total_hits + hits))
done
wait "${killers[@]}"
end=$(date +%s.%N)
kill "$sampler" 2>/dev/null || true
peak_renderers=$(cat "$work/peak" 2>/dev/null || echo 0)

for _ in $(seq 250); do
    now=$(status)
    [ "$(field in_flight <<<"$now")" = 0 ] && [ "$(field renderers <<<"$now")" = 0 ] && break
    sleep 0.02
done
[ "$(field in_flight <<<"$now")" = 0 ] || fail "the browser still has requests in flight: $now"
[ "$(field renderers <<<"$now")" = 0 ] || fail "the browser still counts renderers: $now"
[ "$(field bad_messages <<<"$now")" = 0 ] || fail "a well-behaved renderer was called a bad one: $now"
partials=$(find "$work/downloads" -name '*.partial' | wc -l)
[ "$partials" = 0 ] || fail "$partials .partial files left behind"
own_before=$((fds_before - pooled_before))
fds_after=$(descriptors) pooled_after=$(pooled)
for _ in $(seq 100); do
    [ $((fds_after - pooled_after)) -le "$own_before" ] && break
    sleep 0.05
    fds_after=$(descriptors) pooled_after=$(pooled)
done
rss_after=$(rss)
rss_peak=$(awk '/^VmHWM/ { print int($2 / 1024) }' "/proc/$browser/status")
downloads=$(find "$work/downloads" -type f | wc -l)

seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')
printf 'soak: %d renderers (%d killed, %d checked), peak %s connected at once\n' "$renderers" "$killed" "$survivors" "$peak_renderers"
printf 'soak: %d requests checked, each completed exactly once; %d server hits matched; %d downloads saved\n' \
    "$total_requests" "$total_hits" "$downloads"
printf 'soak: %.1f s, %.0f checked requests/s\n' "$seconds" "$(awk -v n="$total_requests" -v s="$seconds" 'BEGIN { print n / s }')"
printf 'soak: browser descriptors %d before, %d after (of which pooled server connections: %d, %d)\n' \
    "$fds_before" "$fds_after" "$pooled_before" "$pooled_after"
printf 'soak: browser RSS %d MiB before, %d MiB after, %d MiB peak\n' "$rss_before" "$rss_after" "$rss_peak"
printf 'soak: browser status after: %s\n' "$now"

[ $((fds_after - pooled_after)) -le "$own_before" ] \
    || fail "the browser holds $((fds_after - pooled_after - own_before)) more descriptors (not pooled connections) than before"
[ "$rss_after" -le $((rss_before * 2 + 64)) ] || fail "the browser's RSS grew from $rss_before MiB to $rss_after MiB"
echo "soak: passed"
