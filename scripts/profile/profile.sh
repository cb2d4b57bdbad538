#!/usr/bin/env bash
# Where one small request's time and allocations go, process by process: 1 KiB GETs from nginx
# on loopback, 16 in flight, through one renderer (A: render-client and browser-host serve), in
# the browser process (B: browser-host bench) and through bare libcurl (C: curl-multi-bench).
#   CPU: each process's user+system time over N requests (from /proc and /usr/bin/time), in
#        microseconds per request; the median of --rounds rounds, A, B and C in turns.
#   allocations: malloc-family calls per request in each process (malloc-count.c, preloaded),
#        from two runs of different lengths, so start-up and shutdown cancel out.
#   profile: with --perf, perf record -g of the browser and the renderer during one A round and
#        of one B run, reported by shared object and by symbol (linux-perf from Debian), with the
#        share spent in the Swift runtime's generic metadata lookups (unspecialized generics).
# Usage: scripts/profile/profile.sh [--requests N] [--rounds R] [--perf] [--out DIR]
# Release builds. The machine is shared and noisy: compare the rows of one run with each other.
set -euo pipefail
cd "$(dirname "$0")/../.."

requests=20000 rounds=3 perf=0 out=.build/profile
while [ $# -gt 0 ]; do
    case "$1" in
        --requests) requests=$2; shift ;;
        --rounds) rounds=$2; shift ;;
        --perf) perf=1 ;;
        --out) out=$2; shift ;;
        *) echo "profile: unknown argument '$1'; usage: scripts/profile/profile.sh [--requests N] [--rounds R] [--perf] [--out DIR]" >&2; exit 2 ;;
    esac
    shift
done
[[ $requests =~ ^[0-9]+$ && $requests -ge 100 ]] || { echo "profile: --requests takes a number of at least 100" >&2; exit 2; }
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "profile: --rounds takes a positive number" >&2; exit 2; }

scripts/setup.sh >/dev/null
PATH=$PATH:/usr/sbin
missing=()
command -v nginx >/dev/null || missing+=(nginx-light)
command -v openssl >/dev/null || missing+=(openssl)
[ -x /usr/bin/time ] || missing+=(time)
[ "$perf" = 0 ] || command -v perf >/dev/null || missing+=(linux-perf)
if ((${#missing[@]})); then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

echo "profile: building release products" >&2
swift build -c release --product browser-host >/dev/null
swift build -c release --product render-client >/dev/null
(cd Benchmarks && swift build -c release --product curl-multi-bench >/dev/null)
bin=$(swift build -c release --show-bin-path)
bench_bin=$(cd Benchmarks && swift build -c release --show-bin-path)

mkdir -p "$out"
source scripts/profile/common.sh profile
concurrency=16

# start_browser [WRAPPER...]: browser-host serve on $work/browser.sock, run by WRAPPER if given.
start_browser() {
    rm -f "$work/browser.sock"
    "$@" "$bin/browser-host" serve --socket "$work/browser.sock" --downloads "$work/downloads" >"$work/serve.log" 2>&1 &
    browser=$!
    wait_browser_ready "$browser" "$work/serve.log"
}
stop_browser() { kill -TERM "$browser" 2>/dev/null; wait "$browser" 2>/dev/null || true; browser=""; }
# timed COMMAND...: runs it under /usr/bin/time; prints its user+system seconds.
timed() {
    /usr/bin/time -o "$work/time" -f "%U %S" "$@" >"$work/out" 2>"$work/err" || { echo "profile: failed: $* $(cat "$work/err")" >&2; exit 1; }
    grep -q 'failures=0' "$work/out" || { echo "profile: requests failed: $* $(cat "$work/out")" >&2; exit 1; }
    awk '{ print $1 + $2 }' "$work/time"
}
per_request() { awk -v s="$1" -v n="$requests" 'BEGIN { printf "%.1f\n", s * 1e6 / n }'; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
renderer_bench() { "$@" "$bin/render-client" --socket "$work/browser.sock" bench "$small_url" --requests "$n" --concurrency "$concurrency"; }

# MARK: CPU per request

hz=$(getconf CLK_TCK)
: >"$work/a-renderer"; : >"$work/a-browser"; : >"$work/b"; : >"$work/c"
for round in $(seq "$rounds"); do
    start_browser
    before=$(ticks "$browser")
    per_request "$(timed "$bin/render-client" --socket "$work/browser.sock" bench "$small_url" --requests "$requests" --concurrency "$concurrency")" >>"$work/a-renderer"
    per_request "$(awk -v a="$before" -v b="$(ticks "$browser")" -v hz="$hz" 'BEGIN { print (b - a) / hz }')" >>"$work/a-browser"
    stop_browser
    per_request "$(timed "$bin/browser-host" bench "$small_url" --requests "$requests" --concurrency "$concurrency")" >>"$work/b"
    per_request "$(timed "$bench_bin/curl-multi-bench" small "$small_url" "$requests" "$concurrency")" >>"$work/c"
    echo "profile: round $round of $rounds done" >&2
done
a_renderer=$(median <"$work/a-renderer") a_browser=$(median <"$work/a-browser")
echo "CPU per small GET, microseconds (median of $rounds rounds of $requests requests, $concurrency in flight):"
printf '  %-34s %8s\n' "A renderer (render-client)" "$a_renderer" "A browser (browser-host serve)" "$a_browser" \
    "A both" "$(awk -v a="$a_renderer" -v b="$a_browser" 'BEGIN { printf "%.1f", a + b }')" \
    "B browser-host bench" "$(median <"$work/b")" "C curl-multi-bench" "$(median <"$work/c")"

# MARK: allocations per request

cc -shared -fPIC -O2 -Wall -o "$work/malloc-count.so" scripts/profile/malloc-count.c
# counted FILE COMMAND...: runs COMMAND with its allocations counted into FILE. Through env, not
# a function: start_browser needs the pid of browser-host itself, not of a subshell.
counted() { env "MALLOC_COUNT_FILE=$1" "LD_PRELOAD=$work/malloc-count.so" "${@:2}"; }
allocations_in() { sed -n 's/^allocations=\([0-9]*\).*/\1/p' "$1"; }
small=2000 large=$((2000 + requests))
declare -A allocations=()
for n in $small $large; do
    start_browser env "MALLOC_COUNT_FILE=$work/browser-$n" "LD_PRELOAD=$work/malloc-count.so"
    renderer_bench counted "$work/renderer-$n" >/dev/null
    stop_browser
    counted "$work/b-$n" "$bin/browser-host" bench "$small_url" --requests "$n" --concurrency "$concurrency" >/dev/null
    counted "$work/c-$n" "$bench_bin/curl-multi-bench" small "$small_url" "$n" "$concurrency" >/dev/null
    for process in renderer browser b c; do allocations[$process-$n]=$(allocations_in "$work/$process-$n"); done
done
per_run() { awk -v a="${allocations[$1-$small]}" -v b="${allocations[$1-$large]}" -v n=$((large - small)) 'BEGIN { printf "%.1f", (b - a) / n }'; }
echo "Allocations per small GET (malloc-family calls: runs of $large and $small requests, the difference over $((large - small))):"
printf '  %-34s %8s\n' "A renderer (render-client)" "$(per_run renderer)" "A browser (browser-host serve)" "$(per_run browser)" \
    "B browser-host bench" "$(per_run b)" "C curl-multi-bench" "$(per_run c)"

# MARK: perf

if [ "$perf" = 1 ]; then
    start_browser
    perf record -F 1999 -g -o "$out/browser.perf" -p "$browser" >/dev/null 2>&1 &
    recorder=$!
    n=$requests
    renderer_bench perf record -F 1999 -g -o "$out/renderer.perf" >/dev/null 2>&1
    kill -INT "$recorder"; wait "$recorder" || true
    stop_browser
    perf record -F 1999 -g -o "$out/in-process.perf" "$bin/browser-host" bench "$small_url" --requests "$requests" --concurrency "$concurrency" >/dev/null 2>&1
    for process in browser renderer in-process; do
        echo "perf, $process: share of samples by shared object, then the top symbols"
        # awk, not head: head would end the pipe early, and pipefail would end the script.
        perf report -i "$out/$process.perf" --no-children --sort dso --stdio 2>/dev/null | awk '/^ +[0-9]/ && ++n <= 8'
        perf report -i "$out/$process.perf" --no-children --sort symbol --stdio -g none 2>/dev/null |
            awk '/^ +[0-9]/ && ++n <= 20 { print substr($0, 1, 110) }'
        # The Swift runtime finding generic metadata and witness tables: a generic called across a
        # module boundary without @inlinable runs unspecialized and pays this on every call (a
        # header trimmer did, 8bab3ba: 7% of the browser's samples, +11 us per request).
        perf report -i "$out/$process.perf" --no-children --sort symbol --stdio -g none 2>/dev/null | awk '
            /^ +[0-9]/ && /getGenericMetadata|AssociatedTypeWitness|AssociatedConformanceWitness|getCache|TupleCacheEntry|GenericCacheEntry|MetadataCacheKey|checkMetadataState|getWitnessTable|conformsToProtocol|instantiateConcreteType|getTupleTypeMetadata/ {
                sub("%", "", $1); share += $1
            }
            END {
                warning = (share > 5) ? " (over 5%: look for a generic called across modules, and make it @inlinable)" : ""
                printf "  runtime generic lookups: %.1f%% of samples%s\n", share, warning
            }'
    done
    echo "  (perf's files are in $out: perf report -i $out/browser.perf)"
fi
