"""`haven backup` while reports keep arriving; `haven restore` into a fresh folder (or, on PostgreSQL,
an empty database: pg_dump and pg_restore) reads every case."""

import shutil
import subprocess
import threading
import time
import uuid

from conftest import Haven, haven_binary


def test_online_backup_and_restore(tmp_path):
    haven = Haven(tmp_path / "data", env={"HAVEN_RATE_LIMIT_REPORTS_PER_MINUTE": "0"})
    haven.start(demo=True)
    stop = threading.Event()
    accepted = []

    def client():
        while not stop.is_set():
            status, body = haven.post_report({"message": f"backup test {uuid.uuid4()}"})
            if status == 201:
                accepted.append(body["reference"])

    workers = [threading.Thread(target=client) for _ in range(3)]
    for w in workers:
        w.start()
    try:
        deadline = time.time() + 30  # some reports stored before the backup begins, however slow the machine
        while len(accepted) < 3 and time.time() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
        before = list(accepted)
        assert before, "no report was accepted before the backup"
        backup = tmp_path / "backup.sqlite"
        out = subprocess.run([haven_binary(), "backup", "--to", str(backup)], env=haven.env, capture_output=True,
                             text=True, check=True).stdout
        assert "integrity: ok" in out
        assert backup.stat().st_mode & 0o077 == 0  # sealed, but still only the owner's to read
        during = len(accepted)
        time.sleep(0.5)
    finally:
        stop.set()
        for w in workers:
            w.join()
        haven.stop()
    assert len(accepted) > during > 0  # intake kept going while the backup ran

    restored = tmp_path / "restored"
    (restored / "keys").mkdir(parents=True)
    shutil.copy(tmp_path / "data" / "keys" / "haven.keys", restored / "keys" / "haven.keys")
    (restored / "keys" / "haven.keys").chmod(0o600)
    after = Haven(restored, env={"HAVEN_RATE_LIMIT_REPORTS_PER_MINUTE": "0"})  # on PostgreSQL, a new database
    result = subprocess.run([haven_binary(), "restore", "--from", str(backup)], env=after.env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "integrity ok" in result.stdout and "failed 0" in result.stdout
    # A report made before the backup began opens on the copy, message and all.
    # Sealed to staff from the first report: the recovery key (the demo's, beside its logins) opens it.
    shown = subprocess.run([haven_binary(), "case", "show", before[0], "--actor", "test@example.org",
                            "--recovery-key", str(tmp_path / "data" / "demo-recovery-key.txt")],
                           env=after.env, capture_output=True, text=True)
    assert shown.returncode == 0 and "backup test" in shown.stdout, shown.stderr
    # A second restore over the first is refused: the folder or database is no longer empty.
    again = subprocess.run([haven_binary(), "restore", "--from", str(backup)], env=after.env,
                           capture_output=True, text=True)
    assert again.returncode != 0 and ("exists" in again.stderr or "not empty" in again.stderr), again.stderr

    # The copy has forgotten the cases sent after it was made; their references are not given again.
    after.start(demo=False)
    try:
        new = []
        for _ in range(20):
            status, body = after.post_report({"message": f"after restore {uuid.uuid4()}"})
            assert status == 201
            new.append(body["reference"])
    finally:
        after.stop()
    assert len(set(new)) == 20 and not set(new) & set(accepted)

    # Without the key file the restore refuses rather than pretending.
    bare = Haven(tmp_path / "no-keys")
    result = subprocess.run([haven_binary(), "restore", "--from", str(backup)], env=bare.env,
                            capture_output=True, text=True)
    assert result.returncode != 0
    assert "key file" in result.stderr
