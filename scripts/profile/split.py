#!/usr/bin/env python3
"""Microseconds per request, thread by thread and stage by stage, from `perf script` output of a
`perf record -C CPU --call-graph dwarf` taken while one CPU ran every process of a benchmark
(scripts/profile/split.sh). Each sample stands for one sampling period of that CPU's time, so a
thread's samples times the period over the requests served in the recording is its time per
request; a stage's figure counts the samples whose stack holds the stage's function (inclusive).

Usage: perf script -i DATA | split.py --label TEXT --requests N --period-us P
Prints `TEXT thread=NAME us=X` and `TEXT stage=THREAD.STAGE us=X` lines, one per thread and
stage. Stages nest and overlap: they do not add up to their thread."""
import argparse
import re
import sys
from collections import Counter

# Each thread's stages: a name, and substrings of the functions whose stack time it is (any one).
STAGES = {
    "wrk-network": [
        ("libcurl_turn", ("curl_multi_perform",)),
        ("header_callback", ("headerCallback",)),
        ("body_callback", ("writeCallback",)),
        ("send", ("__x64_sys_sendto",)),  # to the server and, in A, to renderers
        ("poll", ("__x64_sys_poll",)),
        ("read_renderers", ("RendererConnectionC5ready",)),
        ("start_transfers", ("LoopC5apply",)),
        ("flush_events", ("LoopC13flushReported",)),
        ("finish_hops", ("TransferC11hopFinished",)),
    ],
    # The renderer's channel loop (A) or the in-process client's loop (B).
    "client": [
        ("wait", ("__x64_sys_epoll_wait",)),
        ("read_frames", ("BaseSocketChannelC9readable",)),  # A: from the read to the last callback
        ("deliver_events", ("EventSinkV8dispatch", "EventSinkV4send")),  # the client's callbacks
        ("send_requests", ("IPCOutboxC5drain", "InboxC4post")),  # A: encode and write; B: post
    ],
}


def stages_of(thread):
    """The stages counted for `thread` (a name from thread_name)."""
    return STAGES.get("client" if thread.endswith("_loop") else thread, [])


def thread_name(comm):
    """Groups the threads a run names: SwiftNIO's loop threads by kind, the rest as they are."""
    if comm.startswith("NIO-SGLTN"):
        return "renderer_loop"
    if comm.startswith("NIO-ELT"):
        return "client_loop"
    if comm == "swapper":
        return "idle"
    return comm


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", required=True)
    parser.add_argument("--requests", type=float, required=True)
    parser.add_argument("--period-us", type=float, required=True)
    args = parser.parse_args()
    threads, stages = Counter(), Counter()  # stages by (thread, stage)
    comm, stack = None, []

    def take():
        if comm is None:
            return
        name = thread_name(comm)
        threads[name] += 1
        for stage, functions in stages_of(name):
            if any(function in frame for frame in stack for function in functions):
                stages[(name, stage)] += 1

    for line in sys.stdin:
        if not line.strip():
            continue
        if line[0] not in " \t":
            take()
            comm, stack = re.split(r"\s+\d+", line.strip(), maxsplit=1)[0], []
        else:
            stack.append(line)
    take()
    per_request = args.period_us / args.requests
    for name, count in threads.most_common():
        if count * per_request < 0.05:
            continue
        print(f"{args.label} thread={name} us={count * per_request:.1f}")
    for name in threads:
        for stage, _ in stages_of(name):
            print(f"{args.label} stage={name}.{stage} us={stages[(name, stage)] * per_request:.1f}")


if __name__ == "__main__":
    main()
