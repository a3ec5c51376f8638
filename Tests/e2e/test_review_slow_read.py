"""Issue 20, finding 6 (found on review): a client that sends whole requests but never reads the answers
holds its connections for ever. The request deadline ends at the request's end, and Hummingbird's
idle timer does nothing while a response is in progress, so a response stuck on a full socket
keeps the connection; three addresses at their share take HAVEN_MAX_CONNECTIONS and /livez stops."""

import socket
import time
import urllib.request

from conftest import Haven


def slow_reader(port: int, source: str) -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    # Whole requests, pipelined; the answers (8.8 kB each) are never read.
    s.sendall(b"GET /contact HTTP/1.1\r\nHost: x\r\n\r\n" * 2000)
    return s


def livez_answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/livez", timeout=3) as r:
            return r.status == 200
    except OSError:
        return False


def test_clients_that_never_read_cannot_hold_the_connections(tmp_path):
    haven = Haven(tmp_path / "data", env={
        "HAVEN_BODY_TIMEOUT_SECONDS": "2", "HAVEN_MAX_CONNECTIONS": "20", "HAVEN_MAX_CONNECTIONS_PER_CLIENT": "8",
    })
    haven.start(demo=True)
    sockets = []
    try:
        for source in ["127.0.0.2", "127.0.0.3", "127.0.0.4"]:
            for _ in range(8):
                try:
                    sockets.append(slow_reader(haven.port, source))
                except OSError:
                    pass
        # Well past the idle timeout (30 s) and the request deadline (2 s + 5 s).
        time.sleep(45)
        assert livez_answers(haven.port), "/livez does not answer: connections held by clients that never read"
    finally:
        for s in sockets:
            s.close()
        haven.stop()
