#!/usr/bin/env python3
"""Enrols members of staff through a running Haven's console, as a person would: `haven officer
enrol ID` gives the set-up link, the page gives the TOTP secret, the form sets the password (and
so makes their key pair). With --logins, then logs the first one in twice and prints each
login's time. With --secrets FILE, writes each one's TOTP secret there as JSON ({"ID": secret}),
for logging in later. Used by bench/staff-sealing and bench/scale.
  bench/enrol_staff.py PORT ID [ID...] [--logins] [--secrets FILE]"""
import base64
import hashlib
import hmac
import http.client
import json
import re
import struct
import subprocess
import sys
import time
import urllib.parse

PASSWORD = "a long passphrase for the benchmark"


def totp(secret: str, at: float) -> str:
    digest = hmac.new(secret.encode(), struct.pack(">Q", int(at // 30)), hashlib.sha1).digest()
    o = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[o:o + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def call(port: int, method: str, path: str, form=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Origin": f"http://127.0.0.1:{port}"}
    body = None
    if form is not None:
        body, headers["Content-Type"] = urllib.parse.urlencode(form), "application/x-www-form-urlencoded"
    c.request(method, path, body=body, headers=headers)
    r = c.getresponse()
    return r.status, r.read().decode(errors="replace")


def enrol(port: int, officer_id: str) -> tuple[str, float]:
    out = subprocess.run([".build/release/haven", "officer", "enrol", officer_id], capture_output=True, text=True,
                         check=True).stdout
    path = urllib.parse.urlsplit(re.search(r"(http\S+/console/enrol/\S+)", out).group(1)).path
    shown = re.search(r'<code id="totp-secret">([A-Z2-7= ]+)</code>', call(port, "GET", path)[1]).group(1)
    secret = base64.b32decode(shown.replace(" ", "")).decode()
    start = time.perf_counter()
    status, page = call(port, "POST", path, {"password": PASSWORD, "confirmation": PASSWORD,
                                             "code": totp(secret, time.time() - 30)})
    assert status == 303 or "Your login is ready" in page, (status, page[:300])
    return secret, time.perf_counter() - start


def main() -> None:
    args = sys.argv[1:]
    logins = "--logins" in args
    args = [a for a in args if a != "--logins"]
    secrets = None
    if "--secrets" in args:
        at = args.index("--secrets")
        secrets, args = args[at + 1], args[:at] + args[at + 2:]
    port, ids = int(args[0]), args[1:]
    enrolled = [enrol(port, officer_id) for officer_id in ids]
    if secrets:
        with open(secrets, "w") as out:
            json.dump({officer_id: secret for officer_id, (secret, _) in zip(ids, enrolled)}, out)
    if not logins:
        return
    secret, took = enrolled[0]
    listing = subprocess.run([".build/release/haven", "officer", "list"], capture_output=True, text=True,
                             check=True).stdout
    address = next(line.split("\t")[2] for line in listing.splitlines() if line.split("\t")[0] == ids[0])
    times = []
    now = time.time()
    for step in (0, 30):  # a code works once: this time step's, then the next one's (one step ahead is allowed)
        start = time.perf_counter()
        status, _ = call(port, "POST", "/console/login", {"email": address, "password": PASSWORD,
                                                          "code": totp(secret, now + step)})
        times.append(time.perf_counter() - start)
        assert status == 303, status
    print(f"console enrolment (bcrypt 12, new key pair, scrypt): {took * 1000:.0f} ms")
    print("console login (bcrypt 12, then scrypt opens the key): " + ", ".join(f"{t * 1000:.0f} ms" for t in times))


main()
