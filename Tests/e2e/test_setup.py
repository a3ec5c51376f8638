"""`haven setup` as a first run that needs no manual (issue 32): the landlord's details, the first
head of service with their set-up link, SMTP proved by a test e-mail through a real SMTP server,
the exit address and the recovery key; each answer checked. Answered by flags (no terminal), and
at a terminal, where a bad answer is asked again. Then `haven serve --config` uses what it wrote."""

import json
import os
import pty
import re
import select
import subprocess
import time
import urllib.request

from conftest import Haven, haven_binary
from test_crash_restart import start_sink
from test_stolen_server import enrol_and_log_in


def installation(tmp_path):
    haven = Haven(tmp_path / "data")
    haven.env["HAVEN_LOOKUP_KEY_FILE"] = str(tmp_path / "lookup.key")
    return haven


def flags(tmp_path, haven, smtp_port, **changed):
    answers = {
        "--config": str(tmp_path / "haven.conf"), "--landlord-name": "Riverside Homes", "--phone": "0300 555 0100",
        "--out-of-hours-phone": "none", "--exit-url": "www.bbc.co.uk/weather", "--head-name": "Hana Adeyemi",
        "--head-email": "hana@riverside.example", "--public-url": haven.url,
        "--smtp-url": f"smtp://127.0.0.1:{smtp_port}", "--smtp-from": "Haven <haven@riverside.example>",
        "--smtp-starttls": "off", "--recovery-key-out": str(tmp_path / "recovery.txt"),
    }
    answers.update(changed)
    return [part for name, value in answers.items() if value is not None for part in (name, value)]


def setup(haven, *args):
    return subprocess.run([haven_binary(), "setup", *args], env=haven.env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=120)


def test_setup_by_flags_writes_what_serve_uses_and_proves_smtp(tmp_path):
    sink, port = start_sink(tmp_path / "mail")
    haven = installation(tmp_path)
    try:
        done = setup(haven, "--yes", *flags(tmp_path, haven, port))
        assert done.returncode == 0, done.stderr
        assert "test e-mail sent to hana@riverside.example" in done.stdout
        mails = list((tmp_path / "mail").glob("*.eml"))
        assert len(mails) == 1 and "Test alert - no action needed" in mails[0].read_text()
        link = re.search(r"(http://\S+/console/enrol/\S+)", done.stdout).group(1)
        conf = (tmp_path / "haven.conf").read_text()
        for line in [f"HAVEN_SMTP_URL=smtp://127.0.0.1:{port}", "HAVEN_SMTP_FROM='Haven <haven@riverside.example>'",
                     f"HAVEN_LANDLORD_FILE={tmp_path / 'landlord.json'}", "HAVEN_SMTP_STARTTLS=off"]:
            assert line in conf.splitlines(), conf
        assert os.stat(tmp_path / "haven.conf").st_mode & 0o077 == 0
        landlord = json.loads((tmp_path / "landlord.json").read_text())
        assert landlord["name"] == "Riverside Homes" and landlord["phone"] == "0300 555 0100"
        assert landlord["exit_url"] == "https://www.bbc.co.uk/weather" and "out_of_hours_phone" not in landlord
        assert "haven-recovery-" in (tmp_path / "recovery.txt").read_text()

        haven.env["HAVEN_CONFIG"] = str(tmp_path / "haven.conf")
        haven.start(demo=False)
        with urllib.request.urlopen(haven.url + "/", timeout=5) as page:
            home = page.read().decode()
        assert "Riverside Homes" in home and "0300 555 0100" in home
        # The head of service enrols by the link, logs in and sends themselves a test alert.
        head = enrol_and_log_in(haven, link, email="hana@riverside.example")
        staff = head.request("GET", "/console/staff")[2]
        csrf = re.search(r'name="csrf" value="([^"]+)"', staff).group(1)
        sent = head.follow(*head.request("POST", "/console/alerts/test", {"csrf": csrf}))
        assert f"A test alert was sent to hana@riverside.example through SMTP smtp://127.0.0.1:{port}" in sent
        # Sent before the page answered, and the sink stores a message before it says 250.
        assert len(list((tmp_path / "mail").glob("*.eml"))) == 2
        # Run again: nothing asked, nothing made twice.
        again = setup(haven, "--yes")
        assert again.returncode == 0, again.stderr
        assert "made already" in again.stdout and "Hana Adeyemi" in again.stdout
    finally:
        haven.stop()
        sink.kill()


def test_setup_refuses_a_bad_answer_in_one_line_and_writes_nothing(tmp_path):
    sink, port = start_sink(tmp_path / "mail")
    try:
        for index, (change, says) in enumerate([
            ({"--phone": "12345"}, "--phone: not a UK phone number"),
            ({"--exit-url": "http://news.example"}, "--exit-url: must be an https:// address"),
            ({"--exit-url": "news.example"}, "--exit-url: give the full https:// address"),
            ({"--head-email": "hana at riverside"}, "--head-email: not an e-mail address"),
            ({"--smtp-url": "http://mail.example"}, "--smtp-url: must be smtp://"),
            ({"--smtp-url": "smtp://127.0.0.1:1"}, "SMTP: the test e-mail to hana@riverside.example was not sent: "),
        ]):
            folder = tmp_path / f"try{index}"
            folder.mkdir()
            haven = installation(folder)
            refused = setup(haven, "--yes", *flags(folder, haven, port, **change))
            assert refused.returncode != 0, change
            errors = [line for line in refused.stderr.splitlines() if line.startswith("Error:")]
            assert len(errors) == 1 and says in errors[0], refused.stderr
            assert not (folder / "haven.conf").exists() and not (folder / "landlord.json").exists()
            assert not (folder / "recovery.txt").exists()
    finally:
        sink.kill()


class Terminal:
    """`haven setup` at a terminal: reads to each prompt, then types the answer."""

    def __init__(self, haven, *args):
        self.fd, child = pty.openpty()
        self.process = subprocess.Popen([haven_binary(), "setup", *args], env=haven.env, stdin=child, stdout=child,
                                        stderr=child, close_fds=True)
        os.close(child)
        self.shown = ""

    def read_until(self, text: str, timeout: float = 60) -> str:
        deadline = time.time() + timeout
        while text not in self.shown:
            assert time.time() < deadline, f"never shown {text!r}: {self.shown}"
            ready, _, _ = select.select([self.fd], [], [], 1)
            if ready:
                try:
                    self.shown += os.read(self.fd, 4096).decode(errors="replace")
                except OSError:
                    assert False, f"setup ended before {text!r}: {self.shown}"
        return self.shown

    def answer(self, prompt: str, typed: str) -> None:
        self.read_until(prompt)
        self.shown = self.shown[self.shown.index(prompt) + len(prompt):]
        os.write(self.fd, (typed + "\n").encode())

    def finish(self) -> tuple[int, str]:
        code = self.process.wait(timeout=120)
        try:
            while True:
                chunk = os.read(self.fd, 4096)
                if not chunk:
                    break
                self.shown += chunk.decode(errors="replace")
        except OSError:
            pass
        return code, self.shown


def test_setup_at_a_terminal_asks_again_until_each_answer_will_do(tmp_path):
    sink, port = start_sink(tmp_path / "mail")
    haven = installation(tmp_path)
    try:
        terminal = Terminal(haven, "--config", str(tmp_path / "haven.conf"))
        terminal.answer("Landlord's name", "Riverside Homes")
        terminal.answer("Phone number for tenants", "999")
        terminal.answer("Try again.", "0300 555 0100")
        terminal.answer("Out-of-hours number", "none")
        terminal.answer("Exit button's address", "http://news.example")
        terminal.answer("Try again.", "https://www.bbc.co.uk/weather")
        terminal.answer("Haven's address", "")
        terminal.answer("Their work e-mail", "hana@riverside.example")
        terminal.answer("Their full name", "Hana Adeyemi")
        terminal.answer("SMTP server", "smtp://127.0.0.1:1")
        terminal.answer("From address of alerts", "haven@riverside.example")
        terminal.answer("SMTP user name", "none")
        terminal.answer("STARTTLS", "off")
        terminal.answer("Send the test e-mail to", "")
        # Not sent (nothing listens there): the SMTP questions again, the last answers offered.
        terminal.answer("SMTP server (smtp://HOST:587 or smtps://HOST:465, or none) [smtp://127.0.0.1:1]",
                        f"smtp://127.0.0.1:{port}")
        terminal.answer("From address of alerts", "")
        terminal.answer("SMTP user name", "")
        terminal.answer("STARTTLS", "")
        terminal.answer("Send the test e-mail to", "")
        shown = terminal.read_until("to show it is saved:")
        assert "test e-mail sent to hana@riverside.example" in shown
        key = next(line.strip() for line in shown.splitlines() if line.strip().startswith("haven-recovery-"))
        terminal.answer("to show it is saved:", key[-6:])
        code, shown = terminal.finish()
        assert code == 0, shown
        assert "/console/enrol/" in shown and "settings written to" in shown
        assert len(list((tmp_path / "mail").glob("*.eml"))) == 1
        assert json.loads((tmp_path / "landlord.json").read_text())["phone"] == "0300 555 0100"
    finally:
        sink.kill()
