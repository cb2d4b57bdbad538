#!/usr/bin/env python3
"""Reads one or more runs of scripts/bench.sh (their --json files), prints issue 17's targets
against them, and with --plot FILE.svg draws the runs: one bar chart per workload, the clients
side by side, the targets marked.

With several runs each row is the median of its runs, and each target's ratio the median of the
ratios within each run (a ratio within one run is what this shared machine can measure).
A target that is missed is printed with how far it is off; the exit status is 0 all the same:
the numbers are for the closing note, not for failing CI.

    scripts/bench-report.py .build/bench-1.json .build/bench-2.json .build/bench-3.json --plot docs/bench.svg
"""
import argparse
import json
import statistics
import sys


def load(paths):
    runs = []
    for path in paths:
        with open(path) as file:
            data = json.load(file)
        runs.append({(row["workload"], row["client"]): row for row in data["rows"]})
    return runs


def value(run, workload, client, field):
    row = run.get((workload, client))
    return None if row is None else row.get(field)


def first_workload(runs, prefix):
    for run in runs:
        for workload, _ in run:
            if workload.startswith(prefix):
                return workload
    return None


class Target:
    """One line of the issue's table: a measured figure per run, against what it should be."""

    def __init__(self, name, higher_is_better, measure):
        self.name = name
        self.higher_is_better = higher_is_better
        self.measure = measure  # run -> (measured, needed) or None

    def evaluate(self, runs):
        pairs = [pair for pair in (self.measure(run) for run in runs) if pair is not None and None not in pair]
        if not pairs:
            return None
        measured = statistics.median(pair[0] for pair in pairs)
        needed = statistics.median(pair[1] for pair in pairs)
        met = measured >= needed if self.higher_is_better else measured <= needed
        return measured, needed, met, len(pairs)


def ratio(run, a, b, field="rate"):
    x, y = a(run, field), b(run, field)
    return None if x is None or not y else x / y


def targets(runs):
    download = first_workload(runs, "download-")
    upload = first_workload(runs, "upload-")

    def at(workload, client):
        return lambda run, field: value(run, workload, client, field) if workload else None

    c64 = "get-1KiB-c64"
    return [
        Target("get-1KiB-c64: B / C >= 0.6", True, lambda r: (ratio(r, at(c64, "B"), at(c64, "C")), 0.6)),
        Target("get-1KiB-c64: A / B >= 0.85", True, lambda r: (ratio(r, at(c64, "A"), at(c64, "B")), 0.85)),
        Target("get-1KiB-c64: A / C >= 0.5", True, lambda r: (ratio(r, at(c64, "A"), at(c64, "C")), 0.5)),
        Target("get-1KiB-c1: A p50 <= B p50 + 40 us", False,
               lambda r: (value(r, "get-1KiB-c1", "A", "p50_us"),
                          None if value(r, "get-1KiB-c1", "B", "p50_us") is None else value(r, "get-1KiB-c1", "B", "p50_us") + 40)),
        Target("get-1KiB-c64: A CPU / B CPU <= 1.5", False,
               lambda r: (ratio(r, at(c64, "A"), at(c64, "B"), "cpu_ms_per_op"), 1.5)),
        Target(f"{upload}: A / B >= 0.9", True, lambda r: (ratio(r, at(upload, "A"), at(upload, "B")), 0.9)),
        Target("scale: 128 renderers / 8 >= 0.95", True,
               lambda r: (ratio(r, at("scale-128-renderers", "A"), at("scale-8-renderers", "A")), 0.95)),
        Target("scale: browser threads at 128 <= at 8", False,
               lambda r: (value(r, "scale-128-renderers", "A", "browser_threads"), value(r, "scale-8-renderers", "A", "browser_threads"))),
        Target(f"{download}: A / B >= 0.9", True, lambda r: (ratio(r, at(download, "A"), at(download, "B")), 0.9)),
        Target(f"{download}: A CPU / B CPU <= 1.5", False,
               lambda r: (ratio(r, at(download, "A"), at(download, "B"), "cpu_ms_per_op"), 1.5)),
        Target(f"{download}: renderer RSS <= 64 MiB", False, lambda r: (value(r, download, "A", "client_rss_mib"), 64)),
        Target(f"{download}: browser RSS <= 64 MiB", False, lambda r: (value(r, download, "A", "browser_rss_mib"), 64)),
    ]


def report(runs):
    print(f"targets ({len(runs)} run{'s' if len(runs) != 1 else ''}; medians of the runs' figures):")
    print(f"  {'target':44} {'measured':>10} {'needed':>10}  result")
    for target in targets(runs):
        result = target.evaluate(runs)
        if result is None:
            print(f"  {target.name:44} {'-':>10} {'-':>10}  not measured in these runs")
            continue
        measured, needed, met, count = result
        if met:
            verdict = "met"
        elif needed:
            off = (needed - measured) / needed if target.higher_is_better else (measured - needed) / needed
            verdict = f"MISSED by {off * 100:.0f}%"
        else:
            verdict = "MISSED"
        print(f"  {target.name:44} {measured:10.2f} {needed:10.2f}  {verdict}")


def median_rows(runs):
    keys = []
    for run in runs:
        for key in run:
            if key not in keys:
                keys.append(key)
    rows = {}
    for key in keys:
        present = [run[key] for run in runs if key in run]
        row = dict(present[0])
        for field in ("rate", "cpu_ms_per_op", "p50_us", "p99_us"):
            figures = [row_[field] for row_ in present if row_.get(field) is not None]
            row[field] = statistics.median(figures) if figures else None
        rows[key] = row
    return rows


def plot(runs, path):
    import matplotlib

    matplotlib.use("svg")
    import matplotlib.pyplot as plt

    rows = median_rows(runs)
    workloads = []
    for workload, _ in rows:
        if workload not in workloads and not workload.startswith(("scale-", "spawn-", "renderer-start", "get-1KiB-c16-")):
            workloads.append(workload)
    scale = [w for w, _ in rows if w.startswith("scale-")]
    panels = workloads + (["scale"] if scale else [])
    columns = 3
    lines = (len(panels) + columns - 1) // columns
    figure, axes = plt.subplots(lines, columns, figsize=(5 * columns, 3.6 * lines), squeeze=False)
    colors = {"A": "#c0392b", "B": "#2980b9", "C": "#7f8c8d", "D": "#8e44ad", "E": "#16a085", "P": "#c0392b", "R": "#2980b9", "X": "#16a085"}
    for index, panel in enumerate(panels):
        axis = axes[index // columns][index % columns]
        marks = []
        if panel == "scale":
            names = [w.split("-")[1] for w in scale]
            figures = [rows[(w, "A")]["rate"] for w in scale]
            axis.bar(names, figures, color=colors["A"])
            axis.set_xlabel("renderers (8 in flight each)")
            axis.set_ylabel("req/s")
            axis.set_title("A: renderers at scale")
            eight = rows.get(("scale-8-renderers", "A"))
            if eight:
                marks.append((0.95 * eight["rate"], "target for 128: 0.95 x the rate of 8"))
        else:
            clients = [client for workload, client in rows if workload == panel]
            latency = panel == "get-1KiB-c1"
            field = "p50_us" if latency else "rate"
            figures = [rows[(panel, client)][field] or 0 for client in clients]
            axis.bar(clients, figures, color=[colors.get(client, "#999") for client in clients])
            unit = rows[(panel, clients[0])]["unit"]
            axis.set_ylabel("p50 us (lower is better)" if latency else unit)
            axis.set_title(panel)
            figure_of = lambda client: (rows.get((panel, client)) or {}).get(field)
            if panel == "get-1KiB-c64" and figure_of("B"):
                marks.append((0.85 * figure_of("B"), "A target: 0.85 x B"))
                if figure_of("C"):
                    marks.append((0.5 * figure_of("C"), "A target: 0.5 x C"))
                    marks.append((0.6 * figure_of("C"), "B target: 0.6 x C"))
            elif latency and figure_of("B"):
                marks.append((figure_of("B") + 40, "A target: B + 40 us"))
            elif panel.startswith(("download-", "upload-")) and figure_of("B"):
                marks.append((0.9 * figure_of("B"), "A target: 0.9 x B"))
        for height, label in marks:
            axis.axhline(height, linestyle="--", linewidth=1, color="black")
            axis.annotate(label, (0, height), xytext=(2, 2), textcoords="offset points", fontsize=7)
    for index in range(len(panels), lines * columns):
        axes[index // columns][index % columns].axis("off")
    figure.suptitle(f"scripts/bench.sh, {'median of ' + str(len(runs)) + ' runs' if len(runs) > 1 else 'one run'}"
                    " (A renderers, B in-process, C bare libcurl, D URLSession, E AsyncHTTPClient;"
                    " P Python renderer, R requests, X httpx)", fontsize=10)
    figure.tight_layout()
    figure.savefig(path)
    print(f"bench: chart written to {path}", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", help="JSON files written by scripts/bench.sh --json")
    parser.add_argument("--plot", metavar="FILE.svg", help="draw the runs into an SVG file")
    arguments = parser.parse_args()
    try:
        runs = load(arguments.runs)
    except (OSError, ValueError, KeyError) as error:
        print(f"bench-report: cannot read the runs: {error}", file=sys.stderr)
        return 2
    report(runs)
    if arguments.plot:
        plot(runs, arguments.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
