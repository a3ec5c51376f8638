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
