"""Runs from where it is installed (issue 32): `scripts/install.sh PREFIX` puts the binary, the
console's pages and the website under PREFIX; `haven serve` started from another folder serves both.
A binary with neither beside it stops with where it looked."""

import shutil
import subprocess
import urllib.request

from conftest import ROOT, Haven, haven_binary


def installed(tmp_path):
    prefix = tmp_path / "prefix"
    result = subprocess.run([str(ROOT / "scripts" / "install.sh"), str(prefix), haven_binary()], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return prefix


def serving(tmp_path) -> tuple[Haven, object]:
    """A Haven whose console and website are named by no setting, and a folder to start it from."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    haven = Haven(tmp_path / "data")
    del haven.env["HAVEN_CONSOLE_DIR"]  # found beside the binary, not named
    haven.env["HAVEN_LOOKUP_KEY_FILE"] = str(tmp_path / "lookup.key")
    return haven, elsewhere


def test_installed_binary_serves_the_site_and_console_from_another_folder(tmp_path):
    prefix = installed(tmp_path)
    assert (prefix / "share/haven/ConsoleTemplates/layout.mustache").exists()
    assert (prefix / "share/haven/StaticSite/landlord.json").exists()
    haven, elsewhere = serving(tmp_path)
    try:
        haven.start(demo=False, binary=str(prefix / "bin" / "haven"), cwd=elsewhere)
        for path, words in [("/", "Tenant services"), ("/console/login", "Log in")]:
            with urllib.request.urlopen(haven.url + path, timeout=5) as response:
                assert response.status == 200, path
                assert words in response.read().decode(), path
    finally:
        haven.stop()


def test_a_binary_without_its_files_says_where_it_looked(tmp_path):
    bare = tmp_path / "bare" / "bin"
    bare.mkdir(parents=True)
    shutil.copy(haven_binary(), bare / "haven")
    haven, elsewhere = serving(tmp_path)
    result = subprocess.run([str(bare / "haven"), "serve"], env=haven.env, cwd=elsewhere, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode != 0
    # One line says what is missing, every place it looked, and what to do.
    line = next((line for line in result.stderr.splitlines() if "looked in" in line), result.stderr)
    for place in [tmp_path / "bare/share/haven/ConsoleTemplates", bare / "ConsoleTemplates", elsewhere / "ConsoleTemplates"]:
        assert str(place) in line, line
    assert "scripts/install.sh" in line and "HAVEN_CONSOLE_DIR" in line
