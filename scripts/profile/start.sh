#!/usr/bin/env bash
# What a renderer's start costs, builds in turns, same nginx: for each round and each build, N
# starts of `render-client fetch URL --output /dev/null` (a 1 KiB GET) against that build's
# `browser-host serve`, under `perf stat -r N -e task-clock`: the renderer's CPU per start (the
# whole process, exec to exit) and its wall time, as bench.sh's renderer-start row times a start;
# then each build's medians over the rounds.
# A build is a directory of release products (browser-host, render-client), as for compare.sh.
# Usage: scripts/profile/start.sh [--starts N] [--rounds R] NAME=DIR NAME=DIR...
set -euo pipefail
cd "$(dirname "$0")/../.."

usage="usage: scripts/profile/start.sh [--starts N] [--rounds R] NAME=DIR NAME=DIR..."
starts=5 rounds=20
source scripts/profile/builds.sh start "$usage" starts rounds -- "$@"
PATH=$PATH:/usr/sbin
command -v nginx >/dev/null && command -v perf >/dev/null ||
    { echo "start: needs nginx and perf (scripts/profile/profile.sh --perf installs them)" >&2; exit 2; }
source scripts/profile/common.sh start

for round in $(seq "$rounds"); do
    for build in "${builds[@]}"; do
        name=${build%%=*} bin=${build#*=}
        serve_with "$bin"
        perf stat -r "$starts" -x, -e task-clock -o "$work/stat" \
            "$bin/render-client" --socket "$work/browser.sock" fetch "$small_url" --output /dev/null >/dev/null 2>&1 ||
            { echo "start: render-client fetch failed with $bin" >&2; exit 1; }
        kill "$browser"; wait "$browser" 2>/dev/null || true; browser=""
        # task-clock is in milliseconds; perf's own wall clock is not in -x output, so the
        # ratio task-clock / CPUs-utilized gives it back.
        awk -F, -v n="$name" '$3 == "task-clock" { printf "%s cpu_ms=%.2f wall_ms=%.2f\n", n, $1, $1 / $(NF - 1) }' "$work/stat" | tee -a "$work/rows"
    done
done

echo "medians of $rounds rounds of $starts starts:"
for build in "${builds[@]}"; do
    name=${build%%=*}
    awk -v n="$name" '$1 == n' "$work/rows" | python3 -c '
import statistics, sys
rows = [dict(f.split("=") for f in line.split()[1:]) for line in sys.stdin]
print(sys.argv[1], " ".join("%s=%.2f" % (k, statistics.median(float(r[k]) for r in rows)) for k in rows[0]))' "$name"
done
