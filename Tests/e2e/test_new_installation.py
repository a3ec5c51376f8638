"""A brand-new installation is sealed to staff from its first report (issue 30).

Haven starts on an empty folder with no set-up command: it makes the recovery key and writes it
beside the data folder (never in it), and the lookup key beside it too. After a report, a copy of
the data folder (database, WAL, key file) holds none of the report's words, and Haven's own tools
on the copy open nothing: without the lookup key they refuse to start, and even with it the key
file opens no case. The recovery key opens it. `haven setup` does the same with the installer.
"""

import json
import os
import secrets
import shutil
import subprocess
import urllib.request

from conftest import ENGINE, METRICS_TOKEN, Haven, haven_binary


def run(env: dict, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([haven_binary(), *args], env=env, input=stdin, capture_output=True, text=True, timeout=60)


def test_a_copy_of_a_new_installation_opens_nothing(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    haven = Haven(site / "data")
    haven.start(demo=False)
    recovery = site / "haven-recovery-key.txt"
    lookup = site / "haven-lookup.key"
    assert recovery.exists() and recovery.stat().st_mode & 0o077 == 0
    assert lookup.exists() and lookup.stat().st_mode & 0o077 == 0
    request = urllib.request.Request(haven.url + "/healthz", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    health = json.loads(urllib.request.urlopen(request, timeout=10).read())
    assert health["sealing"] == "staff keys" and health["lookups"] == "kept apart"
    assert any("recovery key is still in a file" in problem for problem in health["problems"])

    canary = "CANARY" + secrets.token_hex(4).upper()
    status, body = haven.post_report({
        "message": f"{canary} he took my keys",
        "safety": {"methods": ["call"], "phone": "07700 900321", "code_word": f"{canary}word"},
    })
    assert status == 201
    reference = body["reference"]
    haven.stop()

    stolen = tmp_path / "stolen" / "data"
    shutil.copytree(site / "data", stolen)
    if ENGINE == "sqlite":
        for path in stolen.rglob("*"):
            if path.is_file():
                assert canary.encode() not in path.read_bytes(), path
    thief = Haven(stolen, env=haven_env_for_copy(haven))
    refused = run(thief.env, "case", "show", reference, "--actor", "thief@example.org")
    assert refused.returncode != 0 and "lookup key" in refused.stderr and canary not in refused.stdout

    with_lookup = {**thief.env, "HAVEN_LOOKUP_KEY_FILE": str(lookup)}
    sealed = run(with_lookup, "case", "show", reference, "--actor", "thief@example.org")
    assert sealed.returncode != 0 and canary not in sealed.stdout + sealed.stderr

    opened = run(with_lookup, "case", "show", reference, "--actor", "landlord@example.org", "--recovery-key", str(recovery))
    assert opened.returncode == 0, opened.stderr
    assert canary in opened.stdout


def haven_env_for_copy(haven: Haven) -> dict:
    """The copy's settings: on PostgreSQL the same database (what a thief with its dump has)."""
    return {name: value for name, value in haven.env.items() if name == "HAVEN_DATABASE_URL"}


def setup_interactively(env: dict, typed: list[str]) -> tuple[int, str, str]:
    """Runs `haven setup` as an installer at a terminal would: reads to each prompt, then types.
    Each entry of `typed` is a function of the recovery key line shown, or None to end the input."""
    process = subprocess.Popen([haven_binary(), "setup"], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, bufsize=0)
    shown = ""
    key_line = ""
    for answer in typed:
        while not shown.endswith("to show it is saved:\n"):
            char = process.stdout.read(1)
            assert char, f"setup ended early: {shown}{process.stderr.read()}"
            shown += char
        key_line = key_line or next(l.strip() for l in shown.splitlines() if l.strip().startswith("haven-recovery-"))
        if answer is None:
            process.stdin.close()
            break
        process.stdin.write(answer(key_line) + "\n")
        process.stdin.flush()
        shown += "\n"
    else:
        process.stdin.close()
    out, err = process.stdout.read(), process.stderr.read()
    return process.wait(timeout=60), shown + out, err


def test_setup_shows_the_recovery_key_once_and_waits_until_it_is_saved(tmp_path):
    (tmp_path / "site").mkdir()
    haven = Haven(tmp_path / "site" / "data")
    # Ended without typing it back: nothing is made.
    code, out, err = setup_interactively(haven.env, [None])
    assert code != 0 and "nothing was changed" in err
    # A wrong answer is asked again; the right one saves it.
    code, out, err = setup_interactively(haven.env, [lambda key: "nope", lambda key: key[-6:]])
    assert code == 0, err
    assert "does not match" in out and "saved" in out
    again = run(haven.env, "setup")
    assert again.returncode == 0 and "made already" in again.stdout
    assert not (tmp_path / "site" / "haven-recovery-key.txt").exists()
    # Or written to a new file outside the data folder, never inside it.
    (tmp_path / "other").mkdir()
    other = Haven(tmp_path / "other" / "data")
    inside = run(other.env, "setup", "--recovery-key-out", str(other.data_dir / "recovery.txt"))
    assert inside.returncode != 0 and "outside the data folder" in inside.stderr
    out_file = tmp_path / "other" / "recovery.txt"
    written = run(other.env, "setup", "--recovery-key-out", str(out_file))
    assert written.returncode == 0, written.stderr
    assert out_file.stat().st_mode & 0o077 == 0 and "haven-recovery-" in out_file.read_text()
