#!/usr/bin/env python3
"""Alert latency (optionally only for cases opened between SINCE and UNTIL, unix seconds): from a
case's commit (opened_at, when the 201 is sent) to the local SMTP server accepting its alert.
The accepting time is the X-Sink-Received header of Tests/HavenTestSupport/smtp_sink.py, or else
the file's modification time (Postfix's smtp-sink, bench/smtp-sink.sh, writes one file a message
and closes it when the message ends). A digest counts once for each case it names. Prints count,
p50, p99 in milliseconds. The database is the SQLite file or a postgres:// URL."""
import email
import glob
import pathlib
import re
import sqlite3
import subprocess
import sys


def percentile(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    k = min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))
    return values[k]


def opened_cases(database, since, until):
    """Reference → opened_at, from the SQLite file or (a postgres:// URL) through psql."""
    if not database.startswith(("postgres://", "postgresql://")):
        return dict(sqlite3.connect(database).execute(
            "SELECT reference, opened_at FROM cases WHERE opened_at BETWEEN ? AND ?", (since, until)))
    psql = sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"), key=lambda p: int(p.split("/")[4]))[-1:] or ["psql"]
    out = subprocess.run([psql[0], "-X", "-A", "-t", "-F", " ", database, "-c",
                          f"SELECT reference, opened_at FROM cases WHERE opened_at BETWEEN {float(since)} AND {float(until)}"],
                         check=True, capture_output=True, text=True).stdout
    return {reference: float(at) for reference, at in (line.split() for line in out.splitlines() if line.strip())}


def main(db_path, mail_dir, since=0.0, until=1e12):
    opened = opened_cases(db_path, since, until)
    latencies = []
    for path in pathlib.Path(mail_dir).iterdir():
        if not path.is_file() or path.name.startswith("."):
            continue
        message = email.message_from_string(path.read_text(errors="replace"))
        received = message.get("X-Sink-Received")
        at = float(received) if received else path.stat().st_mtime_ns / 1e9
        # One alert, or several due together for one officer (a digest): each console link is one.
        body = message.get_payload(decode=True).decode("utf-8", errors="replace")
        for reference in set(re.findall(r"/console/cases/(HV-[A-Z0-9]{4}-[A-Z0-9]{4})", body)):
            if reference in opened:
                latencies.append((at - opened[reference]) * 1000)
    print(f"{len(latencies)} {percentile(latencies, 50):.1f} {percentile(latencies, 99):.1f}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], *(float(a) for a in sys.argv[3:5]))
