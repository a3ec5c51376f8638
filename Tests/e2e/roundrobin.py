"""A small round-robin TCP proxy for the several-instances tests: each new connection goes to the
next backend; one that refuses the connection (killed, restarting) is passed over for the next,
as nginx's `proxy_next_upstream error` does. Bytes are copied both ways until either side closes."""

import itertools
import socket
import threading


class RoundRobinProxy:
    def __init__(self, backends: list[int]):
        self.backends = backends
        self._next = itertools.cycle(range(len(backends)))
        self._lock = threading.Lock()
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(256)
        self.port = self.listener.getsockname()[1]
        self.connections = [0] * len(backends)
        self._stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self._stopped = True
        self.listener.close()

    def _accept(self) -> None:
        while not self._stopped:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with self._lock:
            first = next(self._next)
        upstream = None
        for offset in range(len(self.backends)):
            index = (first + offset) % len(self.backends)
            try:
                upstream = socket.create_connection(("127.0.0.1", self.backends[index]), timeout=2)
                upstream.settimeout(None)
                with self._lock:
                    self.connections[index] += 1
                break
            except OSError:
                continue
        if upstream is None:
            client.close()  # every backend down: the client sees the connection closed
            return
        threading.Thread(target=self._pipe, args=(upstream, client), daemon=True).start()
        self._pipe(client, upstream)

    @staticmethod
    def _pipe(source: socket.socket, target: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                target.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, target):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
