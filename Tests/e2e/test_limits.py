"""Request limits on the real server: a trickled body times out, oversized headers are refused."""

import socket
import time

from conftest import Haven


def raw_request(port: int, data: bytes, then_wait: float = 0.0, timeout: float = 10.0) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        if then_wait:
            time.sleep(then_wait)
        chunks = b""
        try:
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                chunks += chunk
                if b"\r\n\r\n" in chunks:
                    break
        except socket.timeout:
            pass
        return chunks


def test_slow_body_and_huge_headers_are_refused(tmp_path):
    haven = Haven(tmp_path / "data", env={"HAVEN_BODY_TIMEOUT_SECONDS": "1"})
    haven.start(demo=True)
    try:
        # Headers promise 100 bytes; 10 arrive; the rest never do.
        head = (b"POST /api/v1/reports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: 100\r\n\r\n{\"message\"")
        started = time.time()
        answer = raw_request(haven.port, head)
        assert answer.startswith(b"HTTP/1.1 408"), answer[:60]
        assert time.time() - started < 5
        # 200 headers: refused before any handler runs.
        many = b"GET /livez HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(200)) + b"\r\n"
        answer = raw_request(haven.port, many)
        assert not answer.startswith(b"HTTP/1.1 200"), answer[:60]
        status, _ = haven.get_json("/healthz")
        assert status == 200
    finally:
        haven.stop()


def trickler(port: int, path: bytes, source: str) -> socket.socket:
    """A connection from `source` that sends a request head promising a body, then one byte."""
    s = socket.create_connection(("127.0.0.1", port), timeout=30, source_address=(source, 0))
    s.sendall(b"POST " + path + b" HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
              b"Content-Length: 1000\r\n\r\ne")
    return s


def closed(s: socket.socket) -> bool:
    """Whether the server has closed the connection (anything it answered first is read and dropped)."""
    s.setblocking(False)
    try:
        while True:
            data = s.recv(4096)
            if not data:
                return True
    except BlockingIOError:
        return False
    except OSError:
        return True
    finally:
        s.setblocking(True)


def test_slow_bodies_on_every_route_cannot_take_the_connections(tmp_path):
    """Issue 20, finding 6: 20 sockets from one address trickling bodies to the login, a text
    webhook, a console form and a route that reads no body, at HAVEN_MAX_CONNECTIONS=20, must not
    stop /healthz: past its share (8) the address's connections close at once, and each trickled
    request ends at its deadline (a byte a second keeps none alive)."""
    haven = Haven(tmp_path / "data", env={
        "HAVEN_BODY_TIMEOUT_SECONDS": "2", "HAVEN_MAX_CONNECTIONS": "20", "HAVEN_MAX_CONNECTIONS_PER_CLIENT": "8",
        "HAVEN_MODEM_SECRET": "modem-secret-for-the-test",
    })
    haven.start(demo=True)
    sockets = []
    try:
        paths = [b"/console/login", b"/sms/modem", b"/console/logout", b"/livez"]
        for i in range(20):
            sockets.append(trickler(haven.port, paths[i % len(paths)], "127.0.0.2"))
        time.sleep(0.5)
        still_open = [s for s in sockets if not closed(s)]
        assert len(still_open) == 8, len(still_open)
        # Another client is served at once, while they trickle.
        started = time.time()
        status, _ = haven.get_json("/healthz")
        assert status == 200 and time.time() - started < 2
        # A byte a second keeps none alive: all have ended by the deadline and its 5 s backstop.
        ended = set()
        deadline = time.time() + 12
        while time.time() < deadline and len(ended) < len(still_open):
            for n, s in enumerate(still_open):
                if n in ended:
                    continue
                if closed(s):
                    ended.add(n)
                    continue
                try:
                    s.sendall(b"x")
                except OSError:
                    ended.add(n)
            time.sleep(1)
        assert len(ended) == len(still_open), f"{len(still_open) - len(ended)} trickled connections still open"
    finally:
        for s in sockets:
            s.close()
        haven.stop()
