"""Small GETs from Python, for scripts/bench.sh's Python rows: one WebRequestKit renderer
(webrequestkit.aio, through browser-host) against what a Python programmer would otherwise
reach for, requests and httpx, on the same URL. Prints the line the other bench tools print:
``requests_per_second=… p50_us=… p99_us=… failures=…``.

    python bench.py webrequestkit URL REQUESTS CONCURRENCY --socket PATH
    python bench.py requests URL REQUESTS CONCURRENCY
    python bench.py httpx URL REQUESTS CONCURRENCY
"""

import argparse
import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor


def report(latencies, failures, elapsed):
    latencies.sort()

    def percentile(p):
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1e6 if latencies else 0

    print(f"requests_per_second={len(latencies) / elapsed:.0f} p50_us={percentile(0.5):.0f} "
          f"p99_us={percentile(0.99):.0f} failures={failures}")


async def run_async(issue, requests, concurrency):
    latencies, failures = [], 0
    remaining = requests

    async def worker():
        nonlocal remaining, failures
        while remaining > 0:
            remaining -= 1
            started = time.perf_counter()
            ok = await issue()
            latencies.append(time.perf_counter() - started)
            failures += 0 if ok else 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, failures, time.perf_counter() - started


def bench_webrequestkit(url, requests, concurrency, socket):
    from webrequestkit import Renderer, Status

    async def main():
        async with await Renderer.connect(socket) as renderer:
            async def issue():
                result = await renderer.fetch(url)
                return result.status == Status.SUCCESS and result.response is not None and result.response.status == 200
            return await run_async(issue, requests, concurrency)

    return asyncio.run(main())


def bench_httpx(url, requests, concurrency):
    import httpx

    async def main():
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with httpx.AsyncClient(limits=limits) as client:
            async def issue():
                response = await client.get(url)
                return response.status_code == 200
            return await run_async(issue, requests, concurrency)

    return asyncio.run(main())


def bench_requests(url, requests, concurrency):
    import requests as http

    local = threading.local()
    latencies, failures, lock = [], [0], threading.Lock()

    def issue(_):
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = http.Session()
        started = time.perf_counter()
        ok = session.get(url).status_code == 200
        elapsed = time.perf_counter() - started
        with lock:
            latencies.append(elapsed)
            failures[0] += 0 if ok else 1

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(issue, range(requests)))
    return latencies, failures[0], time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("client", choices=["webrequestkit", "requests", "httpx"])
    parser.add_argument("url")
    parser.add_argument("requests", type=int)
    parser.add_argument("concurrency", type=int)
    parser.add_argument("--socket")
    options = parser.parse_args()
    if options.client == "webrequestkit":
        result = bench_webrequestkit(options.url, options.requests, options.concurrency, options.socket)
    elif options.client == "httpx":
        result = bench_httpx(options.url, options.requests, options.concurrency)
    else:
        result = bench_requests(options.url, options.requests, options.concurrency)
    report(*result)


if __name__ == "__main__":
    main()
