#!/usr/bin/env python3
"""Alert latency (optionally only for cases opened between SINCE and UNTIL, unix seconds): from a
case's commit (opened_at, when the 201 is sent) to the local SMTP server accepting its alert.
The accepting time is the X-Sink-Received header of Tests/HavenTestSupport/smtp_sink.py, or else
the file's modification time (Postfix's smtp-sink, bench/smtp-sink.sh, writes one file a message
and closes it when the message ends). Prints count, p50, p99 in milliseconds."""
import pathlib
import re
import sqlite3
import sys


def percentile(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    k = min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))
    return values[k]


def main(db_path, mail_dir, since=0.0, until=1e12):
    opened = dict(sqlite3.connect(db_path).execute(
        "SELECT reference, opened_at FROM cases WHERE opened_at BETWEEN ? AND ?", (since, until)))
    latencies = []
    for path in pathlib.Path(mail_dir).iterdir():
        if not path.is_file() or path.name.startswith("."):
            continue
        head = path.read_text(errors="replace").replace("\r\n", "\n").split("\n\n", 1)[0]
        received = re.search(r"^X-Sink-Received: ([0-9.]+)", head, re.M)
        at = float(received.group(1)) if received else path.stat().st_mtime_ns / 1e9
        reference = re.search(r"^Subject: .*?(HV-[A-Z0-9]{4}-[A-Z0-9]{4})", head, re.M)
        if reference and reference.group(1) in opened:
            latencies.append((at - opened[reference.group(1)]) * 1000)
    print(f"{len(latencies)} {percentile(latencies, 50):.1f} {percentile(latencies, 99):.1f}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], *(float(a) for a in sys.argv[3:5]))
