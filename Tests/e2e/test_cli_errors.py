"""Issue 32, input never silently wrong: the command line refuses what it cannot read exactly, says
what was wrong and what to do in one line (with the command's own usage when the input was wrong),
never makes a new installation for a command that reads, and prints a case in words."""

import json
import pathlib
import socket
import subprocess

import pytest

from conftest import ENGINE, Haven, haven_binary


def run(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([haven_binary(), *args], env=env, capture_output=True, text=True, timeout=60)


def error_line(result: subprocess.CompletedProcess) -> str:
    """The one `Error:` line, checked to be one line."""
    assert result.returncode != 0, result.stdout
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_a_shift_it_cannot_read_exactly_is_refused_before_anything_is_made(haven):
    for shift, said in [("weekdays 9-5", '"9" is not a time'), ("9-5", '"9" is not a time'),
                        ("mon-fri 9:00-17:00", '"9:00" is not a time'), ("25:00-26:00", '"25:00" is not a time'),
                        ("mon-fri 09:00-17:00 x", "expected days and 24-hour times"),
                        ("mon-fri 09:00-17:00\r\n", "line break")]:
        refused = run(haven.env, "officer", "add", "--name", "Sam", "--email", "sam@landlord.example", "--shift", shift)
        line = error_line(refused)
        assert said in line and "--shift" in line, line
        assert "Usage: haven officer add" in refused.stderr
        assert "Usage: haven <subcommand>" not in refused.stderr
    # Refused from the arguments alone: no installation was made for it.
    assert not haven.data_dir.exists()
    haven.cli("officer", "add", "--name", "Sam", "--email", "sam@landlord.example", "--shift", "mon-fri 09:00-17:00")
    assert "mon,tue,wed,thu,fri 09:00-17:00" in haven.cli("officer", "list")


def test_an_unknown_area_is_refused_naming_the_areas(haven):
    haven.cli("area", "set", "NORTH", "--name", "North estate", "--district", "OX14")
    refused = run(haven.env, "officer", "add", "--name", "Sam", "--email", "sam@landlord.example", "--area", "NOWHERE")
    line = error_line(refused)
    assert "NOWHERE is not an area" in line and "NORTH" in line and "haven area set" in line, line
    assert "Usage: haven officer add" in refused.stderr
    assert "sam@" not in haven.cli("officer", "list")
    # The area's own spelling is stored, whatever the case typed.
    haven.cli("officer", "add", "--name", "Sam", "--email", "sam@landlord.example", "--area", "north")
    assert "\tNORTH\t" in haven.cli("officer", "list")
    refused = run(haven.env, "officer", "update", "1", "--area", "SOUTH")
    assert "SOUTH is not an area" in error_line(refused)
    assert "Usage: haven officer update" in refused.stderr
    assert "SOUTH is not an area" in error_line(run(haven.env, "area", "remove", "SOUTH"))


def test_a_taken_email_says_who_has_it(haven):
    haven.cli("officer", "add", "--name", "Asha Khan", "--email", "asha@landlord.example")
    refused = run(haven.env, "officer", "add", "--name", "Other", "--email", "Asha@Landlord.example")
    line = error_line(refused)
    assert "an officer with that e-mail already exists: asha@landlord.example is officer 1, Asha Khan" in line, line
    assert "constraint" not in refused.stderr
    haven.cli("officer", "add", "--name", "Ben", "--email", "ben@landlord.example")
    assert "already exists" in error_line(run(haven.env, "officer", "update", "2", "--email", "asha@landlord.example"))


def test_errors_found_while_running_show_that_commands_usage(haven):
    haven.cli("officer", "add", "--name", "Asha", "--email", "asha@landlord.example")
    refused = run(haven.env, "officer", "update", "99", "--name", "Nobody")
    assert "there is no officer 99" in error_line(refused) and "haven officer list" in refused.stderr
    assert "Usage: haven officer update" in refused.stderr and "See 'haven officer update --help'" in refused.stderr
    refused = run(haven.env, "officer", "add", "--name", "X", "--email", "x@landlord.example", "--role", "boss")
    assert "is not a role" in error_line(refused) and "duty_manager" in refused.stderr
    assert "Usage: haven officer add" in refused.stderr


def test_the_integrity_check_runs_only_when_asked_for(tmp_path):
    # It reads the whole database (tens of seconds at a million reports): `status` and `migrate`
    # say what they know without it, and run it with --integrity.
    haven = Haven(tmp_path / "data")
    assert "integrity:" not in haven.cli("migrate")
    assert "integrity: ok" in haven.cli("migrate", "--integrity")
    plain = haven.cli("status")
    assert "integrity:" not in plain and "cases: 0" in plain
    assert "integrity: ok" in haven.cli("status", "--integrity")


READING = [
    ("status",), ("officer", "list"), ("area", "list"), ("report", "monthly", "--month", "2026-01"),
    ("case", "show", "HV-7K3M-Q9TD", "--actor", "me"), ("ack", "HV-7K3M-Q9TD", "--officer", "1"),
    ("retention", "run", "--dry-run"), ("officer", "update", "1", "--name", "X"), ("keys", "rotate"),
]


@pytest.mark.skipif(ENGINE != "sqlite", reason="the data folder alone is the installation on SQLite")
def test_a_mistyped_data_dir_is_refused_and_nothing_is_made(tmp_path):
    real = Haven(tmp_path / "data")
    real.cli("migrate")
    typo = tmp_path / "dta"
    env = {**real.env, "HAVEN_DATA_DIR": str(typo)}
    for command in READING:
        line = error_line(run(env, *command))
        assert f"there is no Haven installation at {typo} (no database there)" in line, (command, line)
        assert f"Did you mean --data-dir {tmp_path / 'data'}?" in line and "haven setup" in line, line
        assert not typo.exists(), command
    backup = run(env, "backup", "--to", str(tmp_path / "copy.sqlite"))
    assert "no Haven installation" in error_line(backup) and not typo.exists()


@pytest.mark.skipif(ENGINE != "postgresql", reason="a database without Haven's tables")
def test_a_database_without_havens_tables_is_refused_not_migrated(tmp_path):
    made = Haven(tmp_path / "data")
    made.cli("keys", "init")
    empty = Haven(tmp_path / "data", env={"HAVEN_DATABASE_URL": made.env["HAVEN_DATABASE_URL"]})
    line = error_line(run(empty.env, "status"))
    assert "has no Haven tables" in line and "haven setup" in line, line
    assert empty.query("SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'") == [("0",)]


def test_a_taken_port_is_said_in_one_line(haven):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", haven.port))
        holder.listen()
        refused = run(haven.env, "serve")
    line = error_line(refused)
    assert f"port {haven.port} on 127.0.0.1 is already in use" in line and "HAVEN_PORT" in line, line
    assert "bind(descriptor" not in refused.stderr and "errno" not in refused.stderr


def test_case_show_prints_words_and_json_on_request(haven):
    haven.start(demo=True)
    try:
        status, body = haven.post_report({
            # Words anyone can send, with a terminal's escape sequences in them (set the clipboard,
            # rewrite the line): shown as "?", never passed to the officer's terminal.
            "message": "He took my phone and keys\x1b]52;c;ZXZpbA==\x07\rSafe times: any\u202e",
            "safety": {"methods": ["call", "text"], "phone": "07700 900123", "safe_times": ["mon-fri 10:00-12:00"]},
        })
        assert status == 201, body
        reference = body["reference"]
    finally:
        haven.stop()
    key = str(haven.data_dir / "demo-recovery-key.txt")
    words = haven.cli("case", "show", reference, "--actor", "e2e", "--recovery-key", key)
    assert f"Case {reference}" in words
    assert "Safe times:" in words and "Mon–Fri 10:00–12:00" in words
    assert "Contact by:" in words and "phone call, text message" in words
    assert "Acknowledge by:" in words and "He took my phone and keys" in words
    assert "startMinute" not in words and "{" not in words
    assert "\x1b" not in words and "\x07" not in words and "\r" not in words and "\u202e" not in words
    assert "He took my phone and keys?]52;c;ZXZpbA==??Safe times: any?" in words
    shown = json.loads(haven.cli("case", "show", reference, "--json", "--actor", "e2e", "--recovery-key", key))
    assert shown["reference"] == reference
    assert shown["profile"]["safety"]["safeTimes"] == [{"days": [1, 2, 3, 4, 5], "startMinute": 600, "endMinute": 720}]
    assert shown["reports"][0]["message"].startswith("He took my phone and keys")


def test_a_case_reference_that_is_not_one_is_refused_with_usage(haven):
    refused = run(haven.env, "case", "show", "HV-NOPE", "--actor", "me")
    assert "is not a case reference" in error_line(refused) and "HV-7K3M-Q9TD" in refused.stderr
    assert "Usage: haven case show" in refused.stderr
    assert not pathlib.Path(haven.data_dir).exists()
