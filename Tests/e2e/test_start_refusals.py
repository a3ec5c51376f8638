"""Haven refuses to start on a broken installation before it touches any data: a missing console
folder stops `haven serve` with an error naming the folder, and no data folder, key file or
database is created."""

import subprocess

from conftest import haven_binary


def test_missing_console_folder_stops_start_up_before_any_data(haven, tmp_path):
    data = tmp_path / "fresh-data"
    env = {**haven.env, "HAVEN_DATA_DIR": str(data), "HAVEN_CONSOLE_DIR": str(tmp_path / "nowhere")}
    result = subprocess.run([haven_binary(), "serve"], env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    assert str(tmp_path / "nowhere") in result.stderr and "HAVEN_CONSOLE_DIR" in result.stderr
    assert not data.exists()
