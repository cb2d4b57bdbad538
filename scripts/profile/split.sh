#!/usr/bin/env bash
# Where one small request's microseconds go, thread by thread: for each round and each build, 1 KiB
# GETs at 1 in flight through a renderer (A: render-client bench against browser-host serve) and
# in the browser process (B: browser-host bench), in turns, with nginx, the browser and the client
# all on CPU 0 (taskset), so that CPU runs the whole request and no time goes to waking another.
# One second of CPU 0 is recorded (perf record -C 0 --call-graph dwarf) mid-run, and
# scripts/profile/split.py turns its samples into microseconds per request: per thread (the
# browser's network thread, the renderer's or the client's loop, nginx, idle) and per stage: for
# the network thread libcurl's turn and, within it, the header and body callbacks; send and poll
# system calls; reading renderers, starting transfers, flushing events, finished hops; for the
# renderer's or the client's loop waiting, reading frames, delivering events to the client's
# callbacks, sending requests. Stages nest and overlap, so they do not add up to the thread.
# Then each build's medians.
# A build is a directory of release products (browser-host, render-client), as for compare.sh.
# Usage: scripts/profile/split.sh [--requests N] [--rounds R] NAME=DIR NAME=DIR...
set -euo pipefail
cd "$(dirname "$0")/../.."

usage="usage: scripts/profile/split.sh [--requests N] [--rounds R] NAME=DIR NAME=DIR..."
requests=30000 rounds=3
source scripts/profile/builds.sh split "$usage" requests rounds -- "$@"
((requests >= 10000)) || { echo "split: --requests takes a number of at least 10000" >&2; exit 2; }

PATH=$PATH:/usr/sbin
command -v nginx >/dev/null && command -v perf >/dev/null && command -v taskset >/dev/null ||
    { echo "split: needs nginx, perf and taskset (scripts/profile/profile.sh installs perf)" >&2; exit 2; }
perf record -q -o /dev/null -C 0 -- true >/dev/null 2>&1 ||
    { echo "split: perf cannot record CPU 0 here (run as root)" >&2; exit 2; }
source scripts/profile/common.sh split

frequency=4999

for round in $(seq "$rounds"); do
    for build in "${builds[@]}"; do
        name=${build%%=*} bin=${build#*=}
        serve_with "$bin"
        place 0 "$browser" $(nginx_processes)
        for path in A B; do
            if [ "$path" = A ]; then
                taskset -c 0 "$bin/render-client" --socket "$work/browser.sock" bench "$small_url" \
                    --requests "$requests" --concurrency 1 >"$work/out" 2>&1 &
            else
                taskset -c 0 "$bin/browser-host" bench "$small_url" --requests "$requests" --concurrency 1 >"$work/out" 2>&1 &
            fi
            client=$!
            sleep 0.5  # past the client's start
            perf record -q -C 0 -F "$frequency" --call-graph dwarf,8192 -o "$work/cpu0.data" -- sleep 1 >/dev/null 2>&1
            # The figures are per request at the run's rate: the run must span the recorded second.
            kill -0 "$client" 2>/dev/null ||
                { echo "split: $path's run ended within the recorded second; raise --requests" >&2; exit 1; }
            wait "$client" || { echo "split: $path failed: $(cat "$work/out")" >&2; exit 1; }
            grep -q 'failures=0' "$work/out" || { echo "split: requests failed: $(cat "$work/out")" >&2; exit 1; }
            rate=$(sed -n 's/.*requests_per_second=\([0-9]*\).*/\1/p' "$work/out")
            # The second recorded ran at the run's rate (its start is past, and it ended before the run).
            perf script -i "$work/cpu0.data" 2>/dev/null |
                python3 scripts/profile/split.py --label "$path $name" --requests "$rate" --period-us "$(awk -v f=$frequency 'BEGIN { print 1e6 / f }')" |
                tee -a "$work/rows"
            echo "$path $name rate=$rate" | tee -a "$work/rows"
        done
        kill "$browser"; wait "$browser" 2>/dev/null || true; browser=""
    done
done

echo "medians of $rounds rounds, microseconds per request:"
python3 - "$work/rows" <<'PY'
import statistics, sys
from collections import defaultdict
rows = defaultdict(list)  # (path, build, what) -> one figure per round, in first-seen order
for line in open(sys.argv[1]):
    path, name, *fields = line.split()
    what = fields[0] if len(fields) == 2 else "rate"
    rows[(path, name, what)].append(float(fields[-1].split("=")[1]))
for (path, name, what), values in rows.items():
    print(f"{path} {name} {what} {statistics.median(values):.1f}")
PY
