"""Shared fixtures for end-to-end tests: the real `haven` binary on a loopback port."""

import json
import os
import pathlib
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request

import pytest
import shutil

ROOT = pathlib.Path(__file__).resolve().parents[2]


def haven_binary() -> str:
    path = os.environ.get("HAVEN_BIN", str(ROOT / ".build" / "debug" / "haven"))
    if not os.path.exists(path):
        pytest.fail(f"haven binary not found at {path}: build it first (swift build --product haven)")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


METRICS_TOKEN = "e2e-metrics-token-0123456789"


class PostgresCluster:
    """A private PostgreSQL cluster (Debian's binaries) in a temporary folder on loopback, started
    on first use as the `postgres` user when running as root, stopped when the tests end. Never
    the system's service. If it cannot start, the tests fail with its output."""

    def __init__(self):
        self.directory = None
        self.port = None
        self.count = 0

    @staticmethod
    def _bin(name: str) -> str:
        versions = sorted((p for p in pathlib.Path("/usr/lib/postgresql").glob("*/bin/initdb")),
                          key=lambda p: float(p.parent.parent.name))
        if not versions:
            pytest.fail("no PostgreSQL server binaries under /usr/lib/postgresql: run scripts/install-test-tools.sh")
        return str(versions[-1].parent / name)

    def _run(self, *args: str) -> None:
        command = (["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []) + list(args)
        result = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        if result.returncode != 0:
            pytest.fail(f"{' '.join(args[:2])} failed: {result.stdout}{result.stderr}")

    def start(self) -> None:
        if self.directory:
            return
        import tempfile
        self.directory = pathlib.Path(tempfile.mkdtemp(prefix="haven-e2e-pg-"))
        os.chmod(self.directory, 0o777)
        if os.getuid() == 0:
            shutil.chown(self.directory, "postgres")
        self.port = free_port()
        data = self.directory / "data"
        self._run(self._bin("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "--no-sync")
        # fsync stays on here: these tests kill Haven, not the machine, but the settings are the real ones.
        options = f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.directory}"
        self._run(self._bin("pg_ctl"), "start", "-D", str(data), "-w", "-t", "60", "-l",
                  str(self.directory / "log"), "-o", options)

    def create_database(self) -> str:
        self.start()
        self.count += 1
        name = f"haven_e2e_{self.count}"
        self._run(self._bin("psql"), "-X", "-q", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                  "-c", f"CREATE DATABASE {name}")
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}?sslmode=disable"

    def stop(self) -> None:
        if self.directory:
            self._run(self._bin("pg_ctl"), "stop", "-D", str(self.directory / "data"), "-m", "fast", "-w")
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None


CLUSTER = PostgresCluster()
# The engine these tests run Haven on: TEST_ENGINE=postgresql gives every Haven a database of
# its own on the private cluster; scripts/test.sh runs the suite once on each engine.
ENGINE = os.environ.get("TEST_ENGINE", "sqlite")


@pytest.fixture(scope="session", autouse=True)
def postgres_cluster():
    yield CLUSTER
    CLUSTER.stop()


class Haven:
    """One data folder; start/kill/restart the server on it."""

    def __init__(self, data_dir: pathlib.Path, env: dict | None = None):
        self.data_dir = data_dir
        self.port = free_port()
        # The server refuses HAVEN_* names it does not know, so the tests' own (HAVEN_BIN…) stay out.
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("HAVEN_")}
        # The tests read /healthz and /metrics as an operator does, with the metrics token; the
        # console's pages come from this checkout wherever pytest runs.
        self.env = {**inherited, "HAVEN_DATA_DIR": str(data_dir), "HAVEN_PORT": str(self.port),
                    "HAVEN_CONSOLE_DIR": str(ROOT / "ConsoleTemplates"),
                    "HAVEN_LOG_LEVEL": "warning", "HAVEN_METRICS_TOKEN": METRICS_TOKEN, **(env or {})}
        if ENGINE == "postgresql" and "HAVEN_DATABASE_URL" not in self.env:
            self.env["HAVEN_DATABASE_URL"] = CLUSTER.create_database()
        self.process: subprocess.Popen | None = None
        self.log = open(data_dir.parent / f"{data_dir.name}-server.log", "ab")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cli(self, *args: str) -> str:
        return subprocess.run([haven_binary(), *args], env=self.env, check=True, capture_output=True,
                              text=True).stdout

    def query(self, sql: str) -> list[tuple[str, ...]]:
        """A read-only query on this Haven's database, whichever the engine; every value as text."""
        if "HAVEN_DATABASE_URL" in self.env:
            out = subprocess.run([CLUSTER._bin("psql"), "-X", "-A", "-t", "-F", "\t", self.env["HAVEN_DATABASE_URL"],
                                  "-c", sql], check=True, capture_output=True, text=True).stdout
            return [tuple(line.split("\t")) for line in out.splitlines()]
        db = sqlite3.connect(self.data_dir / "haven.sqlite")
        try:
            return [tuple(str(v) for v in row) for row in db.execute(sql)]
        finally:
            db.close()

    def start(self, demo: bool = True, timeout: float = 60, binary: str | None = None, cwd=None) -> None:
        args = [binary or haven_binary(), "serve"] + (["--demo"] if demo else [])
        self.process = subprocess.Popen(args, env=self.env, stdout=self.log, stderr=self.log, cwd=cwd)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"haven exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(self.url + "/livez", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("haven did not start")

    def kill9(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill9()

    def post_report(self, body: dict, key: str | None = None, timeout: float = 5):
        data = json.dumps(body).encode()
        request = urllib.request.Request(self.url + "/api/v1/reports", data=data, method="POST",
                                         headers={"Content-Type": "application/json"})
        if key:
            request.add_header("Idempotency-Key", key)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")

    def get_json(self, path: str):
        request = urllib.request.Request(self.url + path, headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        try:
            with urllib.request.urlopen(request, timeout=5) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")


@pytest.fixture
def haven(tmp_path):
    server = Haven(tmp_path / "data")
    yield server
    server.stop()
