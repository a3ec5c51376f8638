#!/usr/bin/env python3
"""bench/scale: times what staff wait on against a running Haven, as a browser would ask for it,
one request after another on one kept-alive connection: the console queue (first page, the
next page when the page links one with rel="next", a filtered page, an officer's own), case
pages on random references, a case with a long audit trail, and the monthly report.
  bench/scale_measure.py PORT STAFF_JSON REFERENCES_FILE MONTH REQUESTS OUT_JSON"""
import base64
import hashlib
import hmac
import html
import http.client
import json
import random
import re
import struct
import sys
import time
import urllib.parse


def totp(secret: str, at: float) -> str:
    digest = hmac.new(secret.encode(), struct.pack(">Q", int(at // 30)), hashlib.sha1).digest()
    o = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[o:o + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


class Browser:
    def __init__(self, port: int):
        self.port, self.cookie = port, None
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def get(self, path: str) -> tuple[int, bytes, float]:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        try:
            start = time.perf_counter()
            self.connection.request("GET", path, headers=headers)
            response = self.connection.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # The server closed the kept-alive connection while it was idle: a browser opens another.
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            start = time.perf_counter()
            self.connection.request("GET", path, headers=headers)
            response = self.connection.getresponse()
        body = response.read()
        return response.status, body, time.perf_counter() - start

    def log_in(self, email: str, password: str, secret: str) -> None:
        form = urllib.parse.urlencode({"email": email, "password": password, "code": totp(secret, time.time())})
        self.connection.request("POST", "/console/login", body=form, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Origin": f"http://127.0.0.1:{self.port}"})
        response = self.connection.getresponse()
        response.read()
        assert response.status == 303, f"login as {email}: {response.status}"
        self.cookie = response.getheader("Set-Cookie").split(";")[0]


def next_link(page: bytes) -> str | None:
    for tag in re.findall(rb"<(?:a|link)\b[^>]*>", page):
        if re.search(rb'rel="[^"]*\bnext\b', tag) and (href := re.search(rb'href="([^"]+)"', tag)):
            return html.unescape(href.group(1).decode())
    return None


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def measure(browser: Browser, paths: list[str], expect: int = 200) -> dict:
    times, sizes = [], []
    for path in paths:
        status, body, took = browser.get(path)
        assert status == expect, f"GET {path}: {status}"
        times.append(took * 1000)
        sizes.append(len(body))
    return {"n": len(times), "p50": percentile(times, 50), "p99": percentile(times, 99), "max": max(times),
            "bytes": int(sum(sizes) / len(sizes))}


def main() -> None:
    port, staff_file, references_file, month, requests, out = sys.argv[1:7]
    server_pid = sys.argv[7] if len(sys.argv) > 7 else None
    port, requests = int(port), int(requests)
    staff = json.load(open(staff_file))
    lines = [line.split() for line in open(references_file).read().splitlines() if line.strip()]
    references, much_read = [r for kind, r in lines if kind == "case"], [r for kind, r in lines if kind == "read"]
    results = {}
    manager = Browser(port)
    manager.log_in(staff["manager"]["email"], staff["password"], staff["manager"]["secret"])
    officer = Browser(port)
    officer.log_in(staff["officer"]["email"], staff["password"], staff["officer"]["secret"])
    if server_pid:
        # A login unseals the officer's key with scrypt, 32 MiB by design (PasswordKDF.standard):
        # the peak so far is the logins'; then the peak is reset, so what the server reaches
        # afterwards is what serving the pages takes (clear_refs 5 resets VmHWM).
        status = open(f"/proc/{server_pid}/status").read()
        results["peak_after_logins_mib"] = int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) // 1024
        with open(f"/proc/{server_pid}/clear_refs", "w") as reset:
            reset.write("5")

    results["queue_first"] = measure(manager, ["/console"] * requests)
    # The next page, when the queue has pages; how many pages a walk of at most 5 found.
    path, pages = "/console", 1
    _, page, _ = manager.get(path)
    second = next_link(page)
    while (link := next_link(page)) and pages < 5:
        _, page, _ = manager.get(urllib.parse.urljoin("/console", link))
        pages += 1
    results["queue_pages_walked"] = pages
    if second:
        results["queue_next"] = measure(manager, [urllib.parse.urljoin("/console", second)] * requests)
    results["queue_filtered"] = measure(manager, [f"/console?area={staff['filter_area']}"] * requests)
    results["queue_officer"] = measure(officer, ["/console"] * requests)
    results["queue_acknowledged"] = measure(manager, ["/console?status=acknowledged"] * requests)
    random.seed(33)
    # A search by whole reference answers with a redirect to the case.
    results["queue_search"] = measure(
        manager, [f"/console?ref={r}" for r in random.sample(references, min(requests, len(references)))], expect=303)
    results["case_page"] = measure(manager, [f"/console/cases/{r}" for r in random.sample(references, min(200, len(references)))])
    if much_read:
        results["case_page_much_read"] = measure(manager, [f"/console/cases/{much_read[0]}"] * 50)
    results["monthly_console"] = measure(manager, [f"/console/reports/monthly?month={month}"] * 5)
    json.dump(results, open(out, "w"), indent=1)


main()
