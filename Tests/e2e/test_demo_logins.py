"""`serve --demo` gives a newcomer a ready console login for every role (issue 19, part 3; the head
of service and the administrator since issue 32): passwords and TOTP secrets of that data folder's
own, in data/demo-tokens.txt, and each login works in the real console. Without --demo, or on a folder that has staff, no login is
ever made."""

import base64
import os
import stat
import time

from conftest import Haven
from test_console_browser import totp
from test_stolen_server import Client


def demo_logins(path) -> dict[str, tuple[str, str]]:
    """email -> (password, raw TOTP secret) from the demo file's login lines."""
    logins = {}
    for line in path.read_text().splitlines():
        fields = line.split("\t")
        if len(fields) == 4 and "@" in fields[0] and not line.startswith("#"):
            secret = base64.b32decode(fields[2] + "=" * (-len(fields[2]) % 8)).decode()
            assert fields[3].startswith("otpauth://totp/")
            logins[fields[0]] = (fields[1], secret)
    return logins


def log_in(haven: Haven, email: str, password: str, code: str) -> Client | None:
    client = Client(haven)
    status, headers, _ = client.request("POST", "/console/login", {"email": email, "password": password, "code": code})
    if status != 303 or "set-cookie" not in headers:
        return None
    client.cookie = headers["set-cookie"].split(";")[0]
    return client


DEMO_LOGINS = {
    "officer@demo.haven.invalid": "/console",
    "duty@demo.haven.invalid": "/console",
    "head@demo.haven.invalid": "/console/staff",
    "admin@demo.haven.invalid": "/console/staff",
}


def test_demo_prints_working_console_logins_for_every_role(haven):
    haven.env["HAVEN_PUBLIC_URL"] = haven.url
    # Eight attempts from one client in a few seconds: more than the per-client burst of five.
    haven.env["HAVEN_RATE_LIMIT_LOGINS_PER_MINUTE"] = "0"
    haven.start(demo=True)
    path = haven.data_dir / "demo-tokens.txt"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    text = path.read_text()
    # The API tokens stay where scripts read them: the line after the heading is the officer's,
    # and the heading's one-liner finds it.
    assert text.splitlines()[1].split("\t")[1] == "officer"
    assert "$2==\"officer\"" in text.splitlines()[0]
    roles = [line.split("\t")[1] for line in text.splitlines()[1:4]]
    assert roles == ["officer", "duty_manager", "head"]  # the administrator works no cases: no token
    assert f"{haven.url}/console/login" in text
    logins = demo_logins(path)
    assert set(logins) == set(DEMO_LOGINS)
    assert len({password for password, _ in logins.values()}) == 4

    for email, (password, secret) in logins.items():
        assert log_in(haven, email, password + "x", totp(secret)) is None  # a wrong password is refused
        client = log_in(haven, email, password, totp(secret, time.time() + 30))
        assert client is not None, email
        status, _, page = client.request("GET", DEMO_LOGINS[email])
        assert status == 200, (email, status)
        assert "log out" in page.lower()

    rows = haven.query("SELECT o.email FROM staff_credentials c JOIN officers o ON o.id = c.officer_id ORDER BY o.email")
    assert [r[0] for r in rows] == sorted(DEMO_LOGINS)

    # Started again, nothing is added or rewritten: the logins are the same.
    haven.stop()
    haven.start(demo=True)
    assert path.read_text() == text


def test_no_login_without_demo(haven):
    haven.start(demo=False)
    assert not (haven.data_dir / "demo-tokens.txt").exists()
    assert haven.query("SELECT COUNT(*) FROM staff_credentials") == [("0",)]
    assert haven.query("SELECT COUNT(*) FROM officers") == [("0",)]
