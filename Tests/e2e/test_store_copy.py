"""`haven store copy`: an installation on SQLite moves to PostgreSQL with every case, reference and
audit line; `haven status --verify-sealed` passes there, and Haven runs on it with the old
references still naming their cases."""

import json
import subprocess
import urllib.request

from conftest import CLUSTER, Haven, haven_binary


def test_sqlite_installation_moves_to_postgresql(tmp_path):
    source = Haven(tmp_path / "data", env={"HAVEN_DATABASE_URL": ""})
    source.env.pop("HAVEN_DATABASE_URL")
    source.start(demo=True)
    references = []
    for i in range(5):
        status, body = source.post_report({"message": f"copy canary {i}", "immediate_danger": i == 0})
        assert status == 201
        references.append(body["reference"])
    source.stop()

    url = CLUSTER.create_database()
    copied = subprocess.run([haven_binary(), "store", "copy", "--to", url], env=source.env, capture_output=True,
                            text=True, timeout=120)
    assert copied.returncode == 0, copied.stderr
    assert "failed 0" in copied.stdout and "integrity: ok" in copied.stdout
    assert "copy canary" not in copied.stdout + copied.stderr

    moved_env = {**source.env, "HAVEN_DATABASE_URL": url}
    status = subprocess.run([haven_binary(), "status", "--verify-sealed"], env=moved_env, capture_output=True,
                            text=True, timeout=60)
    assert status.returncode == 0, status.stderr
    assert "cases: 5" in status.stdout and "failed 0" in status.stdout
    # A second copy onto the now-used database is refused.
    again = subprocess.run([haven_binary(), "store", "copy", "--to", url], env=source.env, capture_output=True,
                           text=True, timeout=120)
    assert again.returncode != 0 and "not empty" in again.stderr

    moved = Haven(tmp_path / "data", env={"HAVEN_DATABASE_URL": url})
    moved.port = source.port
    moved.env["HAVEN_PORT"] = str(moved.port)
    moved.start(demo=True)
    try:
        token = (tmp_path / "data" / "demo-tokens.txt").read_text().splitlines()[1].split("\t")[2]
        for reference in references:
            request = urllib.request.Request(f"{moved.url}/api/v1/cases/{reference}/ack", method="POST",
                                             headers={"Authorization": f"Bearer {token}"})
            with urllib.request.urlopen(request, timeout=5) as response:
                assert response.status == 200
                assert json.loads(response.read())["reference"] == reference
        status, body = moved.post_report({"message": "after the move"})
        assert status == 201 and body["reference"] not in references
    finally:
        moved.stop()
