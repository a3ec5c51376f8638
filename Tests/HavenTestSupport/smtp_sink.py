#!/usr/bin/env python3
"""A real SMTP server on loopback for Haven's tests (aiosmtpd).

Prints "PORT <n>" once listening, then writes each accepted message into --out as one file
(written to a temporary name, then renamed, so readers never see half a message).

  --port N          listen on N (0 = any free port)
  --auth USER:PASS  require AUTH PLAIN/LOGIN with these credentials
  --fail-first N    answer "451 try again later" to the first N messages
  --reject          answer "550 mailbox unavailable" to every recipient
  --max-size N      answer "552 message too large" to messages over N bytes
  --starttls        offer STARTTLS with a throwaway self-signed certificate
"""

import argparse
import asyncio
import os
import ssl
import subprocess
import sys
import tempfile
import time
import uuid

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    def __init__(self, out: str, fail_first: int, reject: bool, max_size: int = 0):
        self.out = out
        self.fail_left = fail_first
        self.reject = reject
        self.max_size = max_size

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.reject:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.fail_left > 0:
            self.fail_left -= 1
            return "451 4.3.0 try again later"
        if self.max_size and len(envelope.original_content or envelope.content) > self.max_size:
            return "552 5.3.4 message too large"
        name = uuid.uuid4().hex
        tmp = os.path.join(self.out, "." + name + ".tmp")
        with open(tmp, "wb") as f:
            f.write(b"X-Sink-Received: " + repr(time.time()).encode() + b"\r\n")
            f.write(b"X-Sink-Mail-From: " + envelope.mail_from.encode() + b"\r\n")
            f.write(b"X-Sink-Rcpt-To: " + ",".join(envelope.rcpt_tos).encode() + b"\r\n")
            f.write(envelope.original_content or envelope.content)
        os.rename(tmp, os.path.join(self.out, name + ".eml"))
        return "250 OK queued"


def authenticator_for(user: str, password: str):
    def authenticate(server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user \
                and auth_data.password.decode() == password:
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)
    return authenticate


def self_signed_context() -> ssl.SSLContext:
    folder = tempfile.mkdtemp(prefix="haven-sink-tls-")
    key, cert = os.path.join(folder, "key.pem"), os.path.join(folder, "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "1", "-subj", "/CN=localhost"], check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--auth")
    parser.add_argument("--fail-first", type=int, default=0)
    parser.add_argument("--reject", action="store_true")
    parser.add_argument("--starttls", action="store_true")
    parser.add_argument("--max-size", type=int, default=0)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    port = args.port
    if port == 0:
        import socket
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]

    kwargs = {}
    if args.auth:
        user, password = args.auth.split(":", 1)
        kwargs.update(authenticator=authenticator_for(user, password), auth_required=True,
                      auth_require_tls=False)
    if args.starttls:
        kwargs.update(tls_context=self_signed_context(), require_starttls=True)
    controller = Controller(Sink(args.out, args.fail_first, args.reject, args.max_size), hostname="127.0.0.1", port=port,
                            **kwargs)
    controller.start()
    print(f"PORT {port}", flush=True)
    try:
        asyncio.get_event_loop().run_until_complete(asyncio.Event().wait())
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    sys.exit(main())
