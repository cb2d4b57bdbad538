#!/usr/bin/env bash
# Builds in turns, same nginx: for each round and each build, one large download through a
# renderer (A: render-client fetch against browser-host serve, with --trace) and in the browser
# process (B: browser-host fetch), to /dev/null. Prints each run's wall time, CPU (A: renderer +
# browser), and A's flow-control pauses and paused time from the trace; then each build's medians.
# A build is a directory of release products (browser-host, render-client), as for compare.sh.
# Usage: scripts/profile/download.sh [--mib N] [--rounds R] NAME=DIR NAME=DIR...
set -euo pipefail
cd "$(dirname "$0")/../.."

usage="usage: scripts/profile/download.sh [--mib N] [--rounds R] NAME=DIR NAME=DIR..."
mib=1024 rounds=5
source scripts/profile/builds.sh download "$usage" mib rounds -- "$@"
command -v nginx >/dev/null || { echo "download: needs nginx (scripts/setup.sh installs it)" >&2; exit 2; }

work=$(mktemp -d "$([ -d /dev/shm ] && echo /dev/shm || echo /tmp)/download.XXXXXX")
browser=""
cleanup() { [ -z "$browser" ] || kill "$browser" 2>/dev/null || true; [ -z "${nginx:-}" ] || kill "$nginx" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
source scripts/nginx.sh
source scripts/ready.sh
start_nginx "$work" $((mib << 20)) >/dev/null 2>&1
sleep 0.3
ticks=$(getconf CLK_TCK)
results="$work/results"

for round in $(seq "$rounds"); do
    for build in "${builds[@]}"; do
        name=${build%%=*} bin=${build#*=}
        rm -f "$work/browser.sock" "$work/trace.jsonl"
        "$bin/browser-host" serve --socket "$work/browser.sock" --downloads "$work/downloads" --trace "$work/trace.jsonl" >"$work/serve.log" 2>&1 &
        browser=$!
        wait_browser_ready "$browser" "$work/serve.log"
        before=$(awk '{ print $14 + $15 }' "/proc/$browser/stat")
        started=$(date +%s.%N)
        /usr/bin/time -o "$work/time" -f "%U %S" "$bin/render-client" --socket "$work/browser.sock" fetch "$big_url" --output /dev/null 2>/dev/null
        ended=$(date +%s.%N)
        after=$(awk '{ print $14 + $15 }' "/proc/$browser/stat")
        kill "$browser"; wait "$browser" 2>/dev/null || true; browser=""
        pauses=$(python3 - "$work/trace.jsonl" <<'PY'
import json, sys
events = [json.loads(line) for line in open(sys.argv[1])]
marks = [(float(e["t_ms"]), e["event"]) for e in events if e["event"] in ("flow_paused", "flow_resumed", "response", "request_ended")]
paused, count, last, state = 0.0, 0, None, None
for at, event in marks:
    if state == "paused":
        paused += at - last
    last, state = at, "paused" if event == "flow_paused" else "running"
    count += event == "flow_paused"
print(count, round(paused))
PY
)
        read -r pause_count paused_ms <<<"$pauses"
        read -r user system <"$work/time"
        awk -v n="$name" -v a="$started" -v b="$ended" -v u="$user" -v s="$system" -v x="$before" -v y="$after" -v t="$ticks" -v p="$pause_count" -v q="$paused_ms" \
            'BEGIN { printf "%s A wall_s=%.3f renderer_cpu_s=%.2f browser_cpu_s=%.2f pauses=%d paused_ms=%d\n", n, b - a, u + s, (y - x) / t, p, q }' | tee -a "$results"
        started=$(date +%s.%N)
        /usr/bin/time -o "$work/time" -f "%U %S" "$bin/browser-host" fetch "$big_url" --output /dev/null >/dev/null 2>&1
        ended=$(date +%s.%N)
        read -r user system <"$work/time"
        awk -v n="$name" -v a="$started" -v b="$ended" -v u="$user" -v s="$system" \
            'BEGIN { printf "%s B wall_s=%.3f cpu_s=%.2f\n", n, b - a, u + s }' | tee -a "$results"
    done
done

echo "medians of $rounds rounds:"
python3 - "$results" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, client, *fields = line.split()
    for field in fields:
        key, value = field.split("=")
        rows.setdefault((name, client), {}).setdefault(key, []).append(float(value))
for (name, client), fields in rows.items():
    print(name, client, " ".join(f"{key}={statistics.median(values):g}" for key, values in fields.items()))
PY
