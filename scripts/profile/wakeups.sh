#!/usr/bin/env bash
# Where one small request's latency goes between threads: for each round and each build, 1 KiB
# GETs at 1 in flight through a renderer (A: render-client bench against browser-host serve) and
# in the browser process (B: browser-host bench), each spread over the machine's CPUs as the
# scheduler places them and then with every process on CPU 0 (taskset), in turns. Prints each
# run's p50, and, from the kernel's sched_waking and sched_switch events over half a second of the
# run (perf, system-wide), each frequent hop between their threads: how many, the share whose
# wakee ran on another CPU than its waker, and the median time from waking to running there and
# on the same CPU (scripts/profile/wakeups.py). Then each build's medians of the p50s and of
# each round's difference between A and B.
# A build is a directory of release products (browser-host, render-client), as for compare.sh.
# Usage: scripts/profile/wakeups.sh [--requests N] [--rounds R] NAME=DIR NAME=DIR...
set -euo pipefail
cd "$(dirname "$0")/../.."

usage="usage: scripts/profile/wakeups.sh [--requests N] [--rounds R] NAME=DIR NAME=DIR..."
requests=30000 rounds=3
source scripts/profile/builds.sh wakeups "$usage" requests rounds -- "$@"
((requests >= 5000)) || { echo "wakeups: --requests takes a number of at least 5000" >&2; exit 2; }

PATH=$PATH:/usr/sbin
command -v nginx >/dev/null && command -v perf >/dev/null && command -v taskset >/dev/null ||
    { echo "wakeups: needs nginx, perf and taskset (scripts/profile/profile.sh installs perf)" >&2; exit 2; }
perf record -q -o /dev/null -e sched:sched_waking -a -- true >/dev/null 2>&1 ||
    { echo "wakeups: perf cannot record the scheduler's events system-wide here (run as root)" >&2; exit 2; }
source scripts/profile/common.sh wakeups

all_cpus=0-$(($(nproc) - 1))

for round in $(seq "$rounds"); do
    for build in "${builds[@]}"; do
        name=${build%%=*} bin=${build#*=}
        for placement in spread cpu0; do
            cpus=$([ "$placement" = cpu0 ] && echo 0 || echo "$all_cpus")
            serve_with "$bin"
            place "$cpus" "$browser" $(nginx_processes)
            for path in A B; do
                if [ "$path" = A ]; then
                    taskset -c "$cpus" "$bin/render-client" --socket "$work/browser.sock" bench "$small_url" \
                        --requests "$requests" --concurrency 1 >"$work/out" 2>&1 &
                else
                    taskset -c "$cpus" "$bin/browser-host" bench "$small_url" --requests "$requests" --concurrency 1 >"$work/out" 2>&1 &
                fi
                client=$!
                sleep 0.3  # past the client's start
                perf record -q -o "$work/sched.data" -e sched:sched_waking,sched:sched_switch -a -- sleep 0.5 >/dev/null 2>&1
                wait "$client" || { echo "wakeups: $path failed: $(cat "$work/out")" >&2; exit 1; }
                grep -q 'failures=0' "$work/out" || { echo "wakeups: requests failed: $(cat "$work/out")" >&2; exit 1; }
                p50=$(sed -n 's/.*p50_us=\([0-9]*\).*/\1/p' "$work/out") rate=$(sed -n 's/.*requests_per_second=\([0-9]*\).*/\1/p' "$work/out")
                echo "$path $name $placement $p50" >>"$work/rows"
                [ "$path" = A ] && a_p50=$p50 || echo "A-B $name $placement $((a_p50 - p50))" >>"$work/rows"
                perf script -i "$work/sched.data" -F comm,pid,tid,cpu,time,event,trace 2>/dev/null |
                    python3 scripts/profile/wakeups.py --label "$path $name $placement p50_us=$p50 requests_per_second=$rate" \
                        --pids "browser:$browser,$([ "$path" = A ] && echo renderer || echo bench):$client,$(nginx_processes | sed 's/\([0-9]*\)/nginx:\1/g; s/ /,/g')"
            done
            kill "$browser"; wait "$browser" 2>/dev/null || true; browser=""
        done
    done
done

# median PATH NAME PLACEMENT: the median of that row's figures over the rounds.
median() {
    awk -v p="$1" -v n="$2" -v c="$3" '$1 == p && $2 == n && $3 == c { print $4 }' "$work/rows" |
        sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
echo "medians of $rounds rounds of $requests requests at 1 in flight (A_minus_B_us: of each round's difference):"
for build in "${builds[@]}"; do
    name=${build%%=*}
    for placement in spread cpu0; do
        echo "$name $placement A_p50_us=$(median A "$name" $placement) B_p50_us=$(median B "$name" $placement) A_minus_B_us=$(median A-B "$name" $placement)"
    done
done
