"""A stolen or ransomed server opens no report (issue 18).

Reports go in by the website (real Chromium), the API and a text (the gammu script), a canary in
every field. An officer enrols, logs in and works a case. Haven stops, and the whole data folder
(database, WAL, key file) is copied, as ransomware gangs copy before they encrypt. On the copy,
Haven's own commands and a script trying the key file on every sealed row open nothing; the
officer's password opens their case, and the recovery key every case.
"""

import base64
import http.client
import json
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import time
import urllib.parse

import pytest

from conftest import ENGINE, ROOT, Haven, haven_binary
from test_console_browser import totp

AESGCM = pytest.importorskip("cryptography.hazmat.primitives.ciphers.aead").AESGCM
site_browser = pytest.importorskip("test_site_browser")
By = site_browser.By

CANARY = "CANARY" + secrets.token_hex(4).upper()
PASSWORD = "a long passphrase for Olu Officer"
SEALED_TABLES = {
    "cases": ("uid", "key_id", "wrapped_key"),
    "reports": ("uid", "key_id", "wrapped_key"),
    "case_events": ("uid", "key_id", "wrapped_key"),
    "outbound_texts": ("uid", "key_id", "wrapped_key"),
    "risk_assessments": ("uid", "key_id", "wrapped_key"),
    "referrals": ("uid", "key_id", "wrapped_key"),
}


class Client:
    """HTTP to Haven without following redirects (the console's cookie is set on a 303)."""

    def __init__(self, haven: Haven):
        self.haven = haven
        self.cookie: str | None = None

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, dict, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.haven.port, timeout=20)
        headers = {"Origin": self.haven.url}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookie:
            headers["Cookie"] = self.cookie
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode(errors="replace")
        answer = {k.lower(): v for k, v in response.getheaders()}
        connection.close()
        return response.status, answer, text

    def follow(self, status: int, headers: dict, text: str) -> str:
        """A console post's page: fetched from the one-time view it redirects to."""
        if status == 303 and headers.get("location", "").startswith("/console/view/"):
            return self.request("GET", headers["location"])[2]
        return text


def enrol_and_log_in(haven: Haven, link: str, email: str = "olu@landlord.example") -> Client:
    client = Client(haven)
    path = urllib.parse.urlsplit(link).path
    page = client.request("GET", path)[2]
    shown = re.search(r'<code id="totp-secret">([A-Z2-7= ]+)</code>', page).group(1)
    secret = base64.b32decode(shown.replace(" ", "")).decode()
    done = client.follow(*client.request(
        "POST", path, {"password": PASSWORD, "confirmation": PASSWORD, "code": totp(secret)}))
    assert "Your login is ready" in done
    status, headers, _ = client.request(
        "POST", "/console/login",
        {"email": email, "password": PASSWORD, "code": totp(secret, time.time() + 30)})
    assert status == 303 and "set-cookie" in headers, status
    client.cookie = headers["set-cookie"].split(";")[0]
    return client


def report_on_the_website(haven: Haven) -> str:
    driver = site_browser.make_browser()
    try:
        driver.get(haven.url + "/contact")
        site_browser.wait_for(driver, lambda d: d.find_elements(By.ID, "message"))
        driver.find_element(By.CSS_SELECTOR, "[name=danger][value=no]").click()
        driver.find_element(By.ID, "message").send_keys(f"{CANARY}-WEB-MESSAGE he reads my texts")
        driver.find_element(By.ID, "phone").send_keys("07700 900456")
        driver.find_element(By.ID, "codeword").send_keys(f"{CANARY}-WEB-CODEWORD")
        driver.find_element(By.ID, "name").send_keys(f"{CANARY}-WEB-NAME")
        driver.find_element(By.ID, "address").send_keys(f"{CANARY}-WEB-ADDRESS")
        driver.find_element(By.ID, "tenancy").send_keys(f"{CANARY}-WEB-TENANCY")
        driver.find_element(By.ID, "show-reference").click()
        driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        site_browser.wait_for(driver, lambda d: "We have your message" in d.page_source)
        return driver.find_element(By.CSS_SELECTOR, ".ref strong").text
    finally:
        driver.quit()


def report_by_text(haven: Haven) -> None:
    script = ROOT / "SMSAdapters" / "gammu" / "haven-gammu-post"
    env = {**os.environ, "HAVEN_URL": haven.url, "HAVEN_MODEM_SECRET": "modem-secret",
           "SMS_1_NUMBER": "+447700900777", "SMS_1_TEXT": f"{CANARY}-SMS-TEXT tonight again", "SMS_MESSAGES": "1"}
    subprocess.run([str(script)], env=env, check=True)


def sealed_rows(haven: Haven) -> list[tuple[str, str, str, bytes]]:
    """(table, uid, key_id, wrapped key) of every sealed row, read straight from the database."""
    rows = []
    for table, (uid, key_id, wrapped) in SEALED_TABLES.items():
        query = f"SELECT {uid}, {key_id}, encode({wrapped}, 'hex') FROM {table} WHERE {key_id} IS NOT NULL"
        if ENGINE != "postgresql":
            db = sqlite3.connect(haven.data_dir / "haven.sqlite")
            try:
                for u, k, w in db.execute(f"SELECT {uid}, {key_id}, {wrapped} FROM {table} WHERE {key_id} IS NOT NULL"):
                    rows.append((table, u, k, bytes(w)))
            finally:
                db.close()
            continue
        for u, k, w in haven.query(query):
            rows.append((table, u, k, bytes.fromhex(w)))
    return rows


def show(haven: Haven, reference: str, *extra: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([haven_binary(), "case", "show", reference, "--actor", "thief", *extra], env=haven.env,
                          input=stdin, capture_output=True, text=True)


def test_a_copied_server_opens_no_report(tmp_path):
    data = tmp_path / "data"
    haven = Haven(data, env={"HAVEN_SITE_DIR": str(ROOT / "StaticSite"), "HAVEN_MODEM_SECRET": "modem-secret"})
    haven.env["HAVEN_PUBLIC_URL"] = haven.url
    # The recovery key is made once and kept away from the server (here: a folder beside it).
    printed = haven.cli("keys", "recovery", "init")
    offline = tmp_path / "offline"
    offline.mkdir()
    (offline / "recovery.txt").write_text(printed)
    out = haven.cli("officer", "add", "--name", "Olu Officer", "--email", "olu@landlord.example")
    link = re.search(r"set-up link .*?: (\S+)", out).group(1)
    haven.start(demo=False)
    try:
        officer = enrol_and_log_in(haven, link)
        web = report_on_the_website(haven)
        status, body = haven.post_report({
            "message": f"{CANARY}-API-MESSAGE",
            "safety": {"methods": ["text"], "phone": "07700900123", "code_word": f"{CANARY}-API-CODEWORD",
                       "third_party_contact": f"{CANARY}-API-THIRDPARTY"},
            "survivor": {"name": f"{CANARY}-API-NAME", "address": f"{CANARY}-API-ADDRESS"},
        })
        assert status == 201, body
        api = body["reference"]
        report_by_text(haven)
        sms = haven.query("SELECT reference FROM cases WHERE channel = 'sms'")[0][0]
        # The officer works the API case: opens it and writes a note.
        status, _, page = officer.request("GET", f"/console/cases/{api}")
        assert status == 200 and f"{CANARY}-API-MESSAGE" in page
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        noted = officer.follow(*officer.request(
            "POST", f"/console/cases/{api}/note", {"csrf": csrf, "note": f"{CANARY}-OFFICER-NOTE"}))
        assert "Not recorded" not in noted
    finally:
        haven.stop()

    # The thief's copy: the whole data folder, key file and all (and, on PostgreSQL, the database).
    stolen = tmp_path / "stolen"
    shutil.copytree(data, stolen)
    thief = Haven(stolen, env={"HAVEN_DATABASE_URL": haven.env["HAVEN_DATABASE_URL"]}
                  if "HAVEN_DATABASE_URL" in haven.env else None)

    # Haven's own command prints nothing of any case, and says what is missing.
    for reference in (web, api, sms):
        result = show(thief, reference)
        assert result.returncode != 0
        assert "--recovery-key" in result.stderr and "--officer" in result.stderr
        assert CANARY not in result.stdout + result.stderr

    # The key file, tried on every sealed row by hand: no data key unwraps.
    keys = json.loads((stolen / "keys" / "haven.keys").read_text())
    keks = {kid: base64.b64decode(value) for kid, value in keys["keks"].items()}
    rows = sealed_rows(thief)
    assert len(rows) >= 7  # 3 cases, 3 reports, a note
    opened = 0
    for table, uid, key_id, wrapped in rows:
        for kid, kek in keks.items():
            try:
                AESGCM(kek).decrypt(wrapped[:12], wrapped[12:], f"haven-dek\0{kid}\0{uid}".encode())
                opened += 1
            except Exception:
                pass
    assert opened == 0
    assert {key_id for _, _, key_id, _ in rows} == {"case"}
    if ENGINE != "postgresql":
        for path in stolen.glob("haven.sqlite*"):
            assert CANARY.encode() not in path.read_bytes()

    # The officer's password opens their cases; the recovery key opens every case.
    theirs = show(thief, api, "--officer", "olu@landlord.example", stdin=PASSWORD + "\n")
    assert theirs.returncode == 0, theirs.stderr
    assert f"{CANARY}-API-MESSAGE" in theirs.stdout and f"{CANARY}-API-CODEWORD" in theirs.stdout
    wrong = show(thief, api, "--officer", "olu@landlord.example", stdin="not the password\n")
    assert wrong.returncode != 0 and CANARY not in wrong.stdout + wrong.stderr
    for reference, canary in ((web, "-WEB-NAME"), (api, "-API-ADDRESS"), (sms, "-SMS-TEXT")):
        recovered = show(thief, reference, "--recovery-key", str(offline / "recovery.txt"))
        assert recovered.returncode == 0, recovered.stderr
        assert CANARY + canary in recovered.stdout


def test_seal_to_staff_rotation_backup_and_restore_keep_sealed_cases(tmp_path):
    """An installation from before staff sealing: `keys seal-to-staff` moves its case off the key
    file; `keys rotate`, `backup` and `restore` then keep every sealed case to its readers."""
    data = tmp_path / "data"
    # Its key file is as one made before issue 30 was: no lookup key kept apart, so Haven treats it
    # as an existing installation (no recovery key made at start; its cases under the key file).
    (data / "keys").mkdir(parents=True)
    data.chmod(0o700)
    legacy = data / "keys" / "haven.keys"
    legacy.write_text(json.dumps({"version": 1, "active": "k1", "keks": {"k1": base64.b64encode(os.urandom(32)).decode()},
                                  "lookup": base64.b64encode(os.urandom(32)).decode()}))
    legacy.chmod(0o600)
    haven = Haven(data, env={"HAVEN_SITE_DIR": str(ROOT / "StaticSite")})
    haven.env["HAVEN_PUBLIC_URL"] = haven.url
    out = haven.cli("officer", "add", "--name", "Olu Officer", "--email", "olu@landlord.example")
    link = re.search(r"set-up link .*?: (\S+)", out).group(1)
    haven.start(demo=False)
    try:
        enrol_and_log_in(haven, link)
        status, body = haven.post_report({"message": f"{CANARY}-BEFORE he took my phone"})
        assert status == 201, body
        before = body["reference"]
    finally:
        haven.stop()
    # Before the recovery key the key file opens the case, as it always did.
    assert f"{CANARY}-BEFORE" in show(haven, before).stdout

    offline = tmp_path / "offline"
    offline.mkdir()
    (offline / "recovery.txt").write_text(haven.cli("keys", "recovery", "init"))
    # A second recovery key needs the first.
    refused = subprocess.run([haven_binary(), "keys", "recovery", "init", "--another"], env=haven.env,
                             capture_output=True, text=True)
    assert refused.returncode != 0 and "--recovery-key" in refused.stderr
    sealed = haven.cli("keys", "seal-to-staff")
    assert "sealed 1 cases" in sealed, sealed
    refused = show(haven, before)
    assert refused.returncode != 0 and CANARY not in refused.stdout + refused.stderr

    haven.start(demo=False)
    try:
        status, body = haven.post_report({"message": f"{CANARY}-AFTER he is outside"})
        assert status == 201, body
        after = body["reference"]
    finally:
        haven.stop()
    rotated = haven.cli("keys", "rotate")
    assert "re-wrapped" in rotated, rotated

    backup = tmp_path / "backup.sqlite"
    subprocess.run([haven_binary(), "backup", "--to", str(backup)], env=haven.env, capture_output=True, text=True,
                   check=True)
    restored = tmp_path / "restored"
    (restored / "keys").mkdir(parents=True)
    shutil.copy(data / "keys" / "haven.keys", restored / "keys" / "haven.keys")
    (restored / "keys" / "haven.keys").chmod(0o600)
    copy = Haven(restored)  # on PostgreSQL, a new database
    result = subprocess.run([haven_binary(), "restore", "--from", str(backup)], env=copy.env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "which the key file does not open" in result.stdout, result.stdout
    checked = subprocess.run([haven_binary(), "status", "--verify-sealed", "--recovery-key", str(offline / "recovery.txt")],
                             env=copy.env, capture_output=True, text=True)
    assert checked.returncode == 0 and "opened" in checked.stdout and "with the recovery key, failed 0" in checked.stdout, \
        checked.stdout + checked.stderr
    # On the copy, as on the original: the key file opens neither case, their readers both.
    for reference, canary in ((before, "-BEFORE"), (after, "-AFTER")):
        assert CANARY not in show(copy, reference).stdout
        recovered = show(copy, reference, "--recovery-key", str(offline / "recovery.txt"))
        assert recovered.returncode == 0 and CANARY + canary in recovered.stdout, recovered.stderr
        theirs = show(copy, reference, "--officer", "olu@landlord.example", stdin=PASSWORD + "\n")
        assert theirs.returncode == 0 and CANARY + canary in theirs.stdout, theirs.stderr
