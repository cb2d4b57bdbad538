#!/usr/bin/env python3
"""Reads `perf script -F comm,pid,tid,cpu,time,event,trace` of sched_waking and sched_switch events
(scripts/profile/wakeups.sh) and prints, for each frequent hop between two threads of the named
processes (at least a tenth as frequent as the most frequent), how often it happened, the share
whose wakee ran on another CPU than its waker's, and the median time from waking to running on
another CPU and on the same one (a dash where fewer than 5 % of the hops went there)."""

import argparse
import collections
import re
import statistics
import sys

EVENT = re.compile(r"\s*(.+?)\s+(\d+)/(\d+)\s+\[(\d+)\]\s+([\d.]+):\s+sched:(sched_\w+):\s+(.*)")
WAKING = re.compile(r"comm=(.+?) pid=(\d+) prio=\d+ target_cpu=(\d+)")
SWITCH_IN = re.compile(r"next_comm=(.+?) next_pid=(\d+)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--label", required=True)
    parser.add_argument("--pids", required=True, help="NAME:PID,... the processes to follow")
    args = parser.parse_args()
    names = {}
    for pair in args.pids.split(","):
        name, pid = pair.split(":")
        names[int(pid)] = name
    events = [match.groups() for match in map(EVENT.match, sys.stdin) if match]
    # Each thread's process, from the events it was running for (a wakee runs, so it has some).
    process = {int(tid): int(pid) for _, pid, tid, *_ in events}

    def owner(tid):
        return names.get(process.get(tid))

    woken = {}  # wakee tid -> (time, waker, waker cpu)
    hops = collections.defaultdict(lambda: {"same": [], "other": []})
    first = last = None
    for comm, _, tid, cpu, time, event, rest in events:
        tid, cpu, time = int(tid), int(cpu), float(time)
        first = time if first is None else first
        last = time
        if event == "sched_waking":
            wakee = WAKING.search(rest)
            if wakee and owner(tid) and owner(int(wakee.group(2))):
                woken[int(wakee.group(2))] = (time, f"{owner(tid)}/{comm}", cpu)
        elif event == "sched_switch":
            wakee = SWITCH_IN.search(rest)
            if wakee and int(wakee.group(2)) in woken:
                waked_at, waker, waker_cpu = woken.pop(int(wakee.group(2)))
                pair = (waker, f"{owner(int(wakee.group(2)))}/{wakee.group(1)}")
                hops[pair]["same" if cpu == waker_cpu else "other"].append((time - waked_at) * 1e6)
    print(args.label)
    seconds = last - first if events else 0
    most = max((len(p["same"]) + len(p["other"]) for p in hops.values()), default=0)
    for (waker, wakee), placed in sorted(hops.items(), key=lambda item: -sum(map(len, item[1].values()))):
        count = len(placed["same"]) + len(placed["other"])
        if count < most / 10:
            continue

        def median(times):
            return f"{statistics.median(times):.0f} us" if len(times) * 20 >= count else "-"

        print(f"  {waker} -> {wakee}: {count} in {seconds:.1f} s, "
              f"{100 * len(placed['other']) / count:.0f}% to another CPU; waking to running "
              f"{median(placed['other'])} there, {median(placed['same'])} on the same CPU")


if __name__ == "__main__":
    sys.exit(main())
