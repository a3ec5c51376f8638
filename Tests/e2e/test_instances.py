"""Two `haven serve` instances on one private PostgreSQL, behind a round-robin proxy (issue 17).

Under steady load through both: one instance is killed with -9 at random moments, five times, and
restarted; overdue cases escalate meanwhile; then PostgreSQL itself is stopped and started again.
Afterwards every report answered 201 has its case and its alert, each case escalated exactly once
per level, and alerts sent twice are only those that were in flight at a kill."""

import collections
import json
import os
import random
import re
import threading
import time
import urllib.error
import urllib.request
import uuid

import pytest

from conftest import CLUSTER, ENGINE, METRICS_TOKEN, ROOT, Haven, free_port, haven_binary
from roundrobin import RoundRobinProxy
from test_crash_restart import alert_references, start_sink

pytestmark = pytest.mark.skipif(ENGINE != "postgresql", reason="several instances share a PostgreSQL database only")


def post(url: str, body: dict, key: str | None = None, timeout: float = 5):
    """(status, JSON body, Retry-After) of one report posted on a new connection."""
    request = urllib.request.Request(url + "/api/v1/reports", data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    if key:
        request.add_header("Idempotency-Key", key)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            return r.status, json.loads(r.read()), r.headers.get("Retry-After")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}"), e.headers.get("Retry-After")


def pg_ctl(*args: str) -> None:
    CLUSTER._run(CLUSTER._bin("pg_ctl"), *args, "-D", str(CLUSTER.directory / "data"), "-w", "-t", "60")


class Pair:
    """Two instances, `a` and `b`, on one database and one key file, alerting one SMTP server."""

    def __init__(self, tmp_path, smtp_port: int, extra: dict | None = None):
        url = CLUSTER.create_database()
        common = {"HAVEN_DATABASE_URL": url, "HAVEN_KEY_FILE": str(tmp_path / "keys" / "haven.keys"),
                  "HAVEN_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}", "HAVEN_SMTP_STARTTLS": "off",
                  "HAVEN_RATE_LIMIT_REPORTS_PER_MINUTE": "0", "HAVEN_ESCALATION_INTERVAL_SECONDS": "1",
                  **(extra or {})}
        self.a = Haven(tmp_path / "a", env={**common, "HAVEN_INSTANCE": "a"})
        self.b = Haven(tmp_path / "b", env={**common, "HAVEN_INSTANCE": "b"})
        self.a.start(demo=True)  # makes the key file and the demo staff, once
        self.b.start(demo=False)
        self.proxy = RoundRobinProxy([self.a.port, self.b.port])

    def stop(self) -> None:
        self.proxy.stop()
        self.a.stop()
        self.b.stop()

    def wait_for_outbox(self, seconds: float = 60) -> None:
        deadline = time.time() + seconds
        while time.time() < deadline:
            _, health = self.a.get_json("/healthz")
            if health.get("outbox_pending") == 0:
                return
            time.sleep(0.2)
        raise AssertionError(f"alerts still waiting: {health}")


def test_two_instances_lose_nothing_through_kills_and_a_database_restart(tmp_path):
    sink, smtp_port = start_sink(tmp_path / "mail")
    pair = Pair(tmp_path, smtp_port)
    acknowledged: set[str] = set()
    refusals = collections.Counter()
    lock = threading.Lock()
    stop = threading.Event()

    def client():
        while not stop.is_set():
            try:
                # While the database is down an answer takes up to its connection wait (5 s).
                status, body, retry_after = post(pair.proxy.url, {"message": f"report {uuid.uuid4()}"}, timeout=15)
            except OSError:
                time.sleep(0.01)  # the proxy found no instance for a moment
                continue
            with lock:
                if status == 201:
                    acknowledged.add(body["reference"])
                else:
                    refusals[(status, retry_after is not None)] += 1

    try:
        # Overdue cases: opened as emergencies, their deadlines then moved into the past (the SLA's
        # shortest setting is a minute).
        urgent = []
        for n in range(10):
            status, body, _ = post(pair.proxy.url, {"message": f"urgent {n}", "immediate_danger": True})
            assert status == 201
            urgent.append(body["reference"])
        listed = ",".join(f"'{r}'" for r in urgent)

        def make_overdue():
            pair.a.query(f"UPDATE cases SET next_escalation_at = 0 WHERE reference IN ({listed}) "
                         "AND next_escalation_at IS NOT NULL RETURNING id")

        workers = [threading.Thread(target=client) for _ in range(4)]
        for w in workers:
            w.start()
        make_overdue()
        kills = 0
        for _ in range(5):
            time.sleep(random.uniform(0.4, 1.5))
            victim = random.choice([pair.a, pair.b])
            victim.kill9()
            kills += 1
            make_overdue()  # the next level falls due while an instance is down
            time.sleep(random.uniform(0.05, 0.5))
            victim.start(demo=False)
        time.sleep(1)

        # PostgreSQL itself goes away under load and comes back: 503 with Retry-After meanwhile.
        pg_ctl("stop", "-m", "fast")
        deadline = time.time() + 15
        status, health = None, {}
        while time.time() < deadline:
            try:
                status, health = pair.b.get_json("/healthz")
            except OSError:
                continue  # it waits up to 5 s for a connection that cannot come
            if status == 503:
                break
            time.sleep(0.2)
        assert status == 503 and health["store"] == "unavailable"
        time.sleep(5)  # longer than intake's wait for a connection: every client meets a 503
        pg_ctl("start", "-l", str(CLUSTER.directory / "log"), "-o",
               f"-c listen_addresses=127.0.0.1 -c port={CLUSTER.port} -c unix_socket_directories={CLUSTER.directory}")
        before = len(acknowledged)
        deadline = time.time() + 30
        while time.time() < deadline and len(acknowledged) <= before + 20:
            time.sleep(0.2)
        assert len(acknowledged) > before + 20, "intake did not resume by itself after the database restart"
    finally:
        stop.set()
        for w in workers:
            w.join()

    try:
        pair.wait_for_outbox()
        # After the database restart each instance holds its name again: a second "b" is refused.
        assert_name_taken(pair.b, tmp_path)
        time.sleep(1.5)  # a last escalation sweep on each instance finds nothing more to do
        _, health = pair.a.get_json("/healthz")
        assert health["instance"] == "a" and health["database"] == "postgresql"
        request = urllib.request.Request(pair.b.url + "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        with urllib.request.urlopen(request, timeout=5) as r:
            metrics = r.read().decode()
        assert re.search(r'haven_instance_info\{[^}]*haven_instance="b"[^}]*\} 1', metrics), metrics[:2000]

        stored = {row[0] for row in pair.a.query("SELECT reference FROM cases")}
        unsent = pair.a.query("SELECT COUNT(*) FROM alerts WHERE status != 'sent'")[0][0]
        escalations = pair.a.query(
            "SELECT c.reference, d.reasons FROM decisions d JOIN cases c ON c.id = d.case_id WHERE d.kind = 'escalation'")
    finally:
        pair.stop()
        sink.kill()

    delivered = [alert_references(p.read_text(errors="replace")) for p in (tmp_path / "mail").glob("*.eml")]
    times_alerted = collections.Counter(r for refs in delivered for r in refs if r in acknowledged)
    twice = sum(1 for n in times_alerted.values() if n > 1)
    print(f"acknowledged {len(acknowledged)}, refused {dict(refusals)}, kills {kills}, "
          f"alerted twice {twice}, connections {pair.proxy.connections}")

    assert len(acknowledged) > 100
    assert acknowledged <= stored, f"{len(acknowledged - stored)} acknowledged reports were lost"
    assert unsent == "0"
    assert set(times_alerted) == acknowledged, f"{len(acknowledged - set(times_alerted))} never alerted"
    # Sent twice only when in flight at a kill: at most one claimed batch (64) per kill.
    assert twice <= 64 * kills
    # What the load met: 201, or 503 with Retry-After while PostgreSQL was down; nothing else.
    assert set(refusals) <= {(503, True)}, refusals
    assert refusals[(503, True)] > 0
    # Each overdue case escalated exactly once per level, whichever instance was alive.
    per_case = collections.Counter(reference for reference, _ in escalations)
    assert per_case == {reference: 2 for reference in urgent}, per_case
    levels = collections.Counter((reference, "level 1" in reasons) for reference, reasons in escalations)
    assert all(n == 1 for n in levels.values())
    assert min(pair.proxy.connections) > 0


def test_a_retry_on_the_other_instance_is_stored_once_and_a_form_redirect_finds_its_page(tmp_path):
    sink, smtp_port = start_sink(tmp_path / "mail")
    pair = Pair(tmp_path, smtp_port, extra={"HAVEN_POW": "off", "HAVEN_SITE_DIR": str(ROOT / "StaticSite")})
    try:
        key = f"retry-{uuid.uuid4()}"
        first = post(pair.a.url, {"message": "sent once, retried elsewhere"}, key=key)
        again = post(pair.b.url, {"message": "sent once, retried elsewhere"}, key=key)
        # The retry gets the first answer: the same status and reference, nothing stored again.
        assert first[0] == 201 and again[0] == 201
        assert again[1]["reference"] == first[1]["reference"]
        assert pair.a.query("SELECT COUNT(*) FROM reports") == [("1",)]
        # Pressed Send twice, each press reaching another instance: stored once (the second
        # sender gets a reference of their own for the same case).
        twice = [post(server.url, {"message": "pressed twice"}) for server in (pair.a, pair.b)]
        assert [status for status, _, _ in twice] == [201, 201]
        assert twice[0][1]["reference"] != twice[1][1]["reference"]
        assert pair.a.query("SELECT COUNT(*) FROM reports") == [("2",)]
        assert pair.a.query("SELECT COUNT(*) FROM cases") == [("2",)]

        # A second process under a name already running refuses to start, and says why.
        assert_name_taken(pair.a, tmp_path)

        # The website's Post/Redirect/Get: the post on one instance, the page on the other.
        form = urllib.parse.urlencode({"message": "a form through two instances", "immediate_danger": "no"}).encode()
        opener = urllib.request.build_opener(NoRedirect)
        try:
            opener.open(urllib.request.Request(pair.a.url + "/contact", data=form, method="POST"), timeout=5)
            raise AssertionError("the post was not redirected")
        except urllib.error.HTTPError as e:
            assert e.code == 303
            location = e.headers["Location"]
        assert re.search(r"/contact/[0-9a-f]{52}$", location), location
        with urllib.request.urlopen(pair.b.url + location, timeout=5) as r:
            assert "We have your message" in r.read().decode()
        assert pair.a.query("SELECT COUNT(*) FROM reports WHERE channel = 'web'") == [("1",)]
        # Good once: the page is gone from both, and either says, from the address alone, that the
        # report reached us (both derive the mark's key from the one key ring).
        for server in (pair.a, pair.b):
            try:
                with urllib.request.urlopen(server.url + location, timeout=5) as r:
                    page = r.read().decode()
            except urllib.error.HTTPError as e:
                page = e.read().decode()
            assert "Your message reached us" in page and "HV-" not in page
    finally:
        pair.stop()
        sink.kill()


def assert_name_taken(running: Haven, tmp_path) -> None:
    import subprocess
    clash = {**running.env, "HAVEN_DATA_DIR": str(tmp_path / "clash"), "HAVEN_PORT": str(free_port())}
    refused = subprocess.run([haven_binary(), "serve"], env=clash, capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0
    name = running.env["HAVEN_INSTANCE"]
    assert f"another running instance is named {name}" in refused.stdout + refused.stderr


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


import urllib.parse  # noqa: E402
