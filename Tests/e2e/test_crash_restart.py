"""kill -9 under load: every report that got a 201 is stored, readable and alerted after restart."""

import email
import os
import pathlib
import random
import re
import threading
import time
import uuid

from conftest import Haven, haven_binary


def alert_references(raw: str) -> set[str]:
    """The cases one alert e-mail is about (one, or several in a digest): its console links."""
    body = email.message_from_string(raw).get_payload(decode=True).decode("utf-8", errors="replace")
    return set(re.findall(r"/console/cases/(HV-[A-Z0-9]{4}-[A-Z0-9]{4})", body))


def maildir_references(maildir) -> set[str]:
    """References named in delivered alerts (new/ and cur/)."""
    found = set()
    for sub in ("new", "cur"):
        folder = maildir / sub
        if not folder.exists():
            continue
        for name in os.listdir(folder):
            found |= alert_references((folder / name).read_text(errors="replace"))
    return found


def test_kill9_under_load_loses_nothing(tmp_path):
    rounds = int(os.environ.get("HAVEN_CRASH_ROUNDS", "5"))
    haven = Haven(tmp_path / "data", env={"HAVEN_RATE_LIMIT_REPORTS_PER_MINUTE": "0"})
    acknowledged: set[str] = set()
    lock = threading.Lock()
    stop = threading.Event()

    def client():
        while not stop.is_set():
            try:
                status, body = haven.post_report({"message": f"report {uuid.uuid4()}"}, timeout=2)
            except OSError:
                time.sleep(0.01)  # server down between kill and restart
                continue
            if status == 201:
                with lock:
                    acknowledged.add(body["reference"])

    haven.start(demo=True)
    workers = [threading.Thread(target=client) for _ in range(4)]
    for w in workers:
        w.start()
    try:
        for _ in range(rounds):
            time.sleep(random.uniform(0.3, 1.2))
            haven.kill9()
            time.sleep(0.1)
            haven.start(demo=False)
        time.sleep(0.5)
    finally:
        stop.set()
        for w in workers:
            w.join()

    # Everything acknowledged is stored, readable and (eventually) alerted.
    deadline = time.time() + 30
    while time.time() < deadline:
        status, health = haven.get_json("/healthz")
        if health.get("outbox_pending") == 0:
            break
        time.sleep(0.2)
    haven.stop()

    stored = {row[0] for row in haven.query("SELECT reference FROM cases")}
    pending = int(haven.query("SELECT COUNT(*) FROM alerts WHERE status != 'sent'")[0][0])
    verify = haven.cli("status", "--integrity", "--verify-sealed")  # the engine's integrity check, and every sealed row opened
    alerted = maildir_references(tmp_path / "data" / "mail")

    stored_ack = acknowledged & stored
    alerted_ack = acknowledged & alerted
    print(f"acknowledged {len(acknowledged)}, stored {len(stored_ack)}, alerted {len(alerted_ack)}")
    assert len(acknowledged) > 0
    assert "integrity: ok" in verify
    assert stored_ack == acknowledged
    assert pending == 0
    assert alerted_ack == acknowledged
    assert "failed 0" in verify


def start_sink(out, port=0):
    import subprocess
    import sys
    script = pathlib.Path(__file__).resolve().parents[1] / "HavenTestSupport" / "smtp_sink.py"
    process = subprocess.Popen([sys.executable, str(script), "--out", str(out), "--port", str(port)],
                               stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    return process, int(line.split()[1])


def test_crash_between_commit_and_delivery_still_delivers_over_smtp(tmp_path):
    """SMTP is down, reports are committed, the server is killed; after restart (SMTP up) every
    alert arrives exactly once and names its reference."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        smtp_port = s.getsockname()[1]  # nothing listens here yet
    env = {"HAVEN_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}", "HAVEN_SMTP_STARTTLS": "off"}
    haven = Haven(tmp_path / "data", env=env)
    haven.start(demo=True)
    references = set()
    for i in range(5):
        status, body = haven.post_report({"message": f"crash test {i}"})
        assert status == 201
        references.add(body["reference"])
    time.sleep(0.5)  # the dispatcher tries and fails (connection refused) at least once
    haven.kill9()

    out = tmp_path / "mail"
    sink, _ = start_sink(out, smtp_port)
    try:
        haven.start(demo=False)
        deadline = time.time() + 60
        def named():
            return [r for p in out.glob("*.eml") for r in alert_references(p.read_text(errors="replace"))]
        while time.time() < deadline and len(set(named())) < 5:
            time.sleep(0.1)
        time.sleep(1)
        messages = [p.read_text(errors="replace") for p in out.glob("*.eml")]
        # Due together, the five may share one e-mail; each is in exactly one.
        assert sorted(named()) == sorted(references)
        for m in messages:
            assert "crash test" not in m
    finally:
        haven.stop()
        sink.kill()


def test_gammu_script_posts_a_signed_text(tmp_path):
    """The gammu-smsd RunOnReceive script, run as gammu would, opens a case; a wrong secret is refused."""
    import subprocess
    script = pathlib.Path(__file__).resolve().parents[2] / "SMSAdapters" / "gammu" / "haven-gammu-post"
    haven = Haven(tmp_path / "data", env={"HAVEN_MODEM_SECRET": "modem-secret"})
    haven.start(demo=True)
    try:
        env = {**os.environ, "HAVEN_URL": haven.url, "HAVEN_MODEM_SECRET": "modem-secret",
               "SMS_1_NUMBER": "+447700900777", "SMS_1_TEXT": 'He said "tonight" \\ again', "SMS_MESSAGES": "1"}
        subprocess.run([str(script)], env=env, check=True)
        subprocess.run([str(script)], env=env, check=True)  # gammu re-running it: stored once
        wrong = subprocess.run([str(script)], env={**env, "HAVEN_MODEM_SECRET": "nope"}, capture_output=True)
        assert wrong.returncode != 0
        assert haven.query("SELECT COUNT(*) FROM reports WHERE channel = 'sms'") == [("1",)]
        assert haven.query("SELECT priority FROM cases") == [("high",)]
    finally:
        haven.stop()


def test_text_command_refuses_with_a_reason(tmp_path):
    """`haven text` applies the same safety checks as the API and says why it sent nothing."""
    import subprocess
    haven = Haven(tmp_path / "data")
    haven.start(demo=True)
    try:
        status, body = haven.post_report({"message": "please do not text", "safety": {"methods": ["call"],
                                                                                    "phone": "07700900123"}})
        assert status == 201
    finally:
        haven.stop()
    # Cases are sealed to staff: the officer's password (the demo's, from its logins) opens theirs.
    logins = (haven.data_dir / "demo-tokens.txt").read_text().splitlines()
    password = next(line.split("\t")[1] for line in logins if line.startswith("officer@demo.haven.invalid\t"))
    result = subprocess.run([haven_binary(), "text", body["reference"], "--officer", "1", "--message", "hello"],
                            env=haven.env, input=password + "\n", capture_output=True, text=True)
    assert result.returncode != 0
    assert "the survivor has not agreed to texts" in result.stderr
