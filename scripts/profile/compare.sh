#!/usr/bin/env bash
# Two builds in turns, same nginx, same run: for each round and each build, 1 KiB GETs at 16 (or
# --concurrency) in flight through one renderer (A: render-client bench against browser-host serve) and in the
# browser process (B: browser-host bench); prints each run's rate, CPU per request (renderer,
# browser; B's process), voluntary context switches per request and TCP connections opened (to
# nginx: more than the requests in flight means keep-alive connections were closed) and the
# machine's idle share of A's wall time (both cores, /proc/stat: idle with work in flight means
# one process held the rest back), then each build's medians. --renderers K runs K renderers at once, each with its own --requests at
# --concurrency (bench.sh's scale row), and A only: the rate is all requests over the wall time.
# A build is a directory of release products (browser-host, render-client), for instance
#   git worktree add /tmp/base REV && (cd /tmp/base && swift build -c release)
#   scripts/profile/compare.sh base=/tmp/base/.build/release new=.build/release
# Usage: scripts/profile/compare.sh [--requests N] [--rounds R] [--concurrency C] [--renderers K] NAME=DIR NAME=DIR...
set -euo pipefail
cd "$(dirname "$0")/../.."

usage="usage: scripts/profile/compare.sh [--requests N] [--rounds R] [--concurrency C] [--renderers K] NAME=DIR NAME=DIR..."
requests=20000 rounds=3 concurrency=16 renderers=1
source scripts/profile/builds.sh compare "$usage" requests rounds concurrency renderers -- "$@"
((requests >= 100)) || { echo "compare: --requests takes a number of at least 100" >&2; exit 2; }
((concurrency <= 64)) || { echo "compare: --concurrency takes a number from 1 to 64" >&2; exit 2; }
((renderers <= 256)) || { echo "compare: --renderers takes a number from 1 to 256" >&2; exit 2; }

PATH=$PATH:/usr/sbin
command -v nginx >/dev/null && [ -x /usr/bin/time ] || { echo "compare: needs nginx and /usr/bin/time (scripts/profile/profile.sh installs them)" >&2; exit 2; }
source scripts/profile/common.sh compare

hz=$(getconf CLK_TCK)
# TCP connections opened in this network namespace so far (on loopback: the clients' to nginx).
opens() { awk '/^Tcp:/ && ++n == 2 { print $6 }' /proc/net/snmp; }
# "busy idle" clock ticks of every CPU so far (idle counts iowait).
cpu_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $5 + $6 }' /proc/stat; }
switches() { cat /proc/"$1"/task/*/status | awk '/^voluntary_ctxt_switches/ { s += $2 } END { print s }'; }
# timed COMMAND...: its output in $work/out, "user system switches" in $work/time.
timed() {
    /usr/bin/time -o "$work/time" -f "%U %S %w" "$@" >"$work/out" 2>&1 || { echo "compare: failed: $* $(cat "$work/out")" >&2; exit 1; }
    grep -q 'failures=0' "$work/out" || { echo "compare: requests failed: $* $(cat "$work/out")" >&2; exit 1; }
}
rate() { sed -n 's/.*requests_per_second=\([0-9]*\).*/\1/p' "$work/out"; }

for round in $(seq "$rounds"); do
    for build in "${builds[@]}"; do
        name=${build%%=*} bin=${build#*=}
        serve_with "$bin"
        before=$(ticks "$browser") opened=$(opens) machine_before=$(cpu_ticks)
        if [ "$renderers" = 1 ]; then
            timed "$bin/render-client" --socket "$work/browser.sock" bench "$small_url" --requests "$requests" --concurrency "$concurrency"
            read -r user system renderer_switches <"$work/time"
            total=$requests rate=$(rate)
        else
            # bench.sh's scale row: K renderers at once, each its own requests; rate over the wall.
            started=$(date +%s.%N) running=()
            for r in $(seq "$renderers"); do
                /usr/bin/time -o "$work/time.$r" -f "%U %S %w" "$bin/render-client" --socket "$work/browser.sock" bench "$small_url" \
                    --requests "$requests" --concurrency "$concurrency" >"$work/out.$r" 2>&1 &
                running+=($!)
            done
            for pid in "${running[@]}"; do wait "$pid" || { echo "compare: a renderer failed: $(cat "$work"/out.*)" >&2; exit 1; }; done
            ended=$(date +%s.%N)
            for out in "$work"/out.*; do
                grep -q 'failures=0' "$out" || { echo "compare: requests failed: $(cat "$out")" >&2; exit 1; }
            done
            read -r user system renderer_switches < <(cat "$work"/time.* | awk '{ u += $1; s += $2; w += $3 } END { print u, s, w }')
            total=$((renderers * requests))
            rate=$(awk -v n="$total" -v a="$started" -v b="$ended" 'BEGIN { printf "%d", n / (b - a) }')
            rm -f "$work"/time.* "$work"/out.*
        fi
        browser_seconds=$(awk -v a="$before" -v b="$(ticks "$browser")" -v hz="$hz" 'BEGIN { print (b - a) / hz }')
        idle=$(echo "$machine_before $(cpu_ticks)" | awk '{ busy = $3 - $1; idle = $4 - $2; printf "%.2f", idle / (busy + idle) }')
        browser_switches=$(switches "$browser") connects=$(($(opens) - opened))
        kill "$browser"; wait "$browser" 2>/dev/null || true; browser=""
        awk -v n="$name" -v r="$rate" -v q="$total" -v u="$user" -v s="$system" -v b="$browser_seconds" -v rs="$renderer_switches" -v bs="$browser_switches" -v c="$connects" -v i="$idle" \
            'BEGIN { printf "A %s rate=%d renderer_us=%.1f browser_us=%.1f both_us=%.1f renderer_switches=%.2f browser_switches=%.2f connects=%d idle=%.2f\n", n, r, (u + s) * 1e6 / q, b * 1e6 / q, (u + s + b) * 1e6 / q, rs / q, bs / q, c, i }' |
            tee -a "$work/rows"
        [ "$renderers" = 1 ] || continue  # B has no renderers to spread over: A only
        opened=$(opens)
        timed "$bin/browser-host" bench "$small_url" --requests "$requests" --concurrency "$concurrency"
        read -r user system switched <"$work/time"
        awk -v n="$name" -v r="$(rate)" -v q="$requests" -v u="$user" -v s="$system" -v w="$switched" -v c="$(($(opens) - opened))" \
            'BEGIN { printf "B %s rate=%d cpu_us=%.1f switches=%.2f connects=%d\n", n, r, (u + s) * 1e6 / q, w / q, c }' | tee -a "$work/rows"
    done
done

echo "medians of $rounds rounds of $requests requests$([ "$renderers" = 1 ] || echo " from each of $renderers renderers"):"
for build in "${builds[@]}"; do
    name=${build%%=*}
    for path in A B; do
        awk -v p="$path" -v n="$name" '$1 == p && $2 == n' "$work/rows" | python3 -c '
import statistics, sys
rows = [dict(f.split("=") for f in line.split()[2:]) for line in sys.stdin]
if rows: print(" ".join([sys.argv[1], sys.argv[2]] + ["%s=%s" % (k, statistics.median(float(r[k]) for r in rows)) for k in rows[0]]))' "$path" "$name"
    done
done
