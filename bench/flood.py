#!/usr/bin/env python3
"""Flood test (issue 6): while one source floods the intake (wrk, X-Forwarded-For 203.0.113.9, through
a trusted proxy on loopback), 100 other sources each send one report; their latency is compared with
the same 100 sent before the flood. Prints: flood_requests flood_refused others_ok base_p50 base_p99
flood_p50 flood_p99 (milliseconds).

    flood.py BASE_URL SECONDS
"""
import json
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

base, seconds = sys.argv[1], float(sys.argv[2])


def report(i: int, address: str) -> tuple[int, float]:
    body = json.dumps({"message": f"flood-test report {i} {time.time()}: he follows me home",
                       "safety": {"methods": ["email"], "email": "x@example.org"}}).encode()
    request = urllib.request.Request(base + "/api/v1/reports", data=body, method="POST", headers={
        "Content-Type": "application/json", "X-Forwarded-For": address})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, (time.perf_counter() - started) * 1000


def others(tag: int) -> list[tuple[int, float]]:
    results = []
    for i in range(100):
        results.append(report(i, f"198.51.{tag}.{i + 1}"))
        time.sleep(seconds / 150)
    return results


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


baseline = others(100)
lua = """
request = function()
  return wrk.format("POST", "/api/v1/reports", {["Content-Type"] = "application/json",
    ["X-Forwarded-For"] = "203.0.113.9"}, '{"message":"flood"}')
end
"""
with open("/tmp/haven-flood.lua", "w") as f:
    f.write(lua)
flood = subprocess.Popen(["wrk", "-t1", "-c32", f"-d{int(seconds)}s", "-s", "/tmp/haven-flood.lua", base + "/api/v1/reports"],
                         stdout=subprocess.PIPE, text=True)
time.sleep(0.3)
during = others(101)
out = flood.communicate()[0]
total = int(re.search(r"(\d+) requests in", out).group(1))
refused = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
ok = sum(1 for status, _ in during if status == 201)
base_ms = [ms for _, ms in baseline]
flood_ms = [ms for status, ms in during if status == 201]
print(total, refused.group(1) if refused else 0, ok, f"{pct(base_ms, 50):.1f}", f"{pct(base_ms, 99):.1f}",
      f"{pct(flood_ms, 50):.1f}" if flood_ms else "nan", f"{pct(flood_ms, 99):.1f}" if flood_ms else "nan")
