"""Shared fixtures for end-to-end tests: the real `haven` binary on a loopback port."""

import json
import os
import pathlib
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest

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
        self.process: subprocess.Popen | None = None
        self.log = open(data_dir.parent / f"{data_dir.name}-server.log", "ab")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cli(self, *args: str) -> str:
        return subprocess.run([haven_binary(), *args], env=self.env, check=True, capture_output=True,
                              text=True).stdout

    def start(self, demo: bool = True, timeout: float = 20) -> None:
        args = [haven_binary(), "serve"] + (["--demo"] if demo else [])
        self.process = subprocess.Popen(args, env=self.env, stdout=self.log, stderr=self.log)
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
