#!/usr/bin/env python3
"""bench/scale: prints one table per engine from the results bench/scale wrote, a column a size.
  bench/scale_table.py WORK_FOLDER SIZES ENGINES"""
import json
import os
import re
import sys


def label(size: int) -> str:
    return f"{size // 1_000_000}M" if size % 1_000_000 == 0 else f"{size // 1000}k" if size % 1000 == 0 else str(size)


def http(name: str, show_bytes: bool = True):
    def cell(r: dict) -> str:
        m = r.get("http", {}).get(name)
        if not m:
            return "-"
        text = f"{m['p50']:.1f} / {m['p99']:.1f} ms"
        return text + (f", {m['bytes'] / 1024:.0f} KB" if show_bytes else "")
    return cell


def command(name: str):
    def cell(r: dict) -> str:
        m = r.get(name)
        return f"{m['ms']:,} ms, {m['mib']} MiB" if m else "-"
    return cell


def shredded(r: dict) -> str:
    found = re.search(r"shredded (\d+)", r.get("retention_run", {}).get("said", ""))
    return f" ({found.group(1)} cases)" if found else ""


ROWS = [
    ("reports (cases) in the database", lambda r: f"{r['shape']['reports']:,} ({r['shape']['cases']:,})"),
    ("open cases (awaiting)", lambda r: f"{r['shape']['open']:,} ({r['shape']['awaiting']:,})"),
    ("sealed copies of each case key", lambda r: f"{r['shape']['readers_per_case']}"),
    ("fill through the store layer", lambda r: r["fill"].split(" in ")[-1]),
    ("queue, first page p50 / p99, size", http("queue_first")),
    ("queue, next page", http("queue_next")),
    ("queue pages walked (at most 5)", lambda r: str(r.get("http", {}).get("queue_pages_walked", "-"))),
    ("queue, one area", http("queue_filtered")),
    ("queue, an officer's", http("queue_officer")),
    ("queue, acknowledged list", http("queue_acknowledged")),
    ("queue, search by reference", http("queue_search")),
    ("case page, 200 random cases", http("case_page")),
    ("case page, read 2,000 times before", http("case_page_much_read")),
    ("monthly report, console", http("monthly_console")),
    ("haven report monthly", command("report_monthly")),
    ("haven status", command("status")),
    ("haven retention run (one day's expiries)", lambda r: command("retention_run")(r) + shredded(r)),
    ("start-up until /livez answers", lambda r: f"{r['startup_ms']} ms"),
    ("server peak memory (VmHWM)", lambda r: f"{r['serve_peak_mib']} MiB"
        if "peak_after_logins_mib" not in r.get("http", {})
        else f"{r['http']['peak_after_logins_mib']} MiB with the logins (scrypt), {r['serve_peak_mib']} MiB serving pages"),
    ("database on disk", lambda r: f"{r['size_mib']:,} MiB"),
    ("haven store copy from SQLite", command("store_copy")),
]


def main() -> None:
    work, sizes, engines = sys.argv[1], [int(s) for s in sys.argv[2].split(",")], sys.argv[3].split(",")
    for engine in engines:
        results = {}
        for size in sizes:
            path = os.path.join(work, f"{engine}-{size}.json")
            results[size] = json.load(open(path)) if os.path.exists(path) else {}
        print(f"\n{engine}")
        header = ["measure"] + [label(s) for s in sizes]
        lines = []
        for name, cell in ROWS:
            row = [name]
            for size in sizes:
                try:
                    row.append(cell(results[size]))
                except (KeyError, TypeError):
                    row.append("-")
            if engine == "sqlite" and name.startswith("haven store copy"):
                continue
            lines.append(row)
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for row in lines:
            print("| " + " | ".join(row) + " |")


main()
