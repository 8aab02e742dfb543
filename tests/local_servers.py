"""Real local servers for the reminder channels: a group robot over HTTP and an SMTP server.

``RobotServer`` is ``http.server`` in a thread on a free port of 127.0.0.1. It records every
POST (path, query, headers, JSON body) and answers from a script of answers, one a request,
then the robot's "ok" for its kind: so a test can make a robot fail twice and then take the
message, or fail always. ``MailServer`` is aiosmtpd's controller, recording each message
as the server received it.
"""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer  # noqa: N811  (aiosmtpd names its class SMTP)
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

OK_ANSWERS = {
    "wecom": {"errcode": 0, "errmsg": "ok"},
    "dingtalk": {"errcode": 0, "errmsg": "ok"},
    "feishu": {"code": 0, "msg": "success", "data": {}},
}


@dataclass
class Answer:
    """One scripted answer: an HTTP status and a body (JSON when not bytes), after a delay."""

    status: int = 200
    body: Any = None
    delay: float = 0.0


@dataclass
class Post:
    """One request the robot received."""

    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    raw: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.raw.decode("utf-8"))


@dataclass
class RobotServer:
    kind: str = "wecom"
    posts: list[Post] = field(default_factory=list)
    script: list[Answer] = field(default_factory=list)
    always: Answer | None = None
    port: int = 0

    def url(self, path: str = "/cgi-bin/webhook/send?key=0f7c2b1e-robot-key-4d5e6f") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def answer(self) -> Answer:
        if self.script:
            return self.script.pop(0)
        if self.always is not None:
            return self.always
        return Answer(200, OK_ANSWERS[self.kind])


def _handler(robot: RobotServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            parts = urlsplit(self.path)
            robot.posts.append(
                Post(parts.path, parse_qs(parts.query), dict(self.headers.items()), raw)
            )
            answer = robot.answer()
            if answer.delay:
                time.sleep(answer.delay)
            body = answer.body if isinstance(answer.body, bytes) else json.dumps(answer.body)
            data = body if isinstance(body, bytes) else body.encode()
            try:
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:  # the client gave up waiting (a timeout test)
                pass

        def log_message(self, *_args: object) -> None:  # keep the test output quiet
            pass

    return Handler


@contextmanager
def robot_server(kind: str = "wecom") -> Iterator[RobotServer]:
    """A recording robot of ``kind`` on a free local port, for the length of the block."""
    robot = RobotServer(kind=kind)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(robot))
    server.daemon_threads = True
    robot.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield robot
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# SMTP


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Received:
    """A message as the server got it: the envelope and the parsed message."""

    sender: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class MailHandler:
    received: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    logins: list[str] = field(default_factory=list)

    async def handle_RCPT(  # noqa: N802  (aiosmtpd's name)
        self,
        server: SMTPServer,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address in self.refuse:
            return "550 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802
        self, server: SMTPServer, session: Session, envelope: Envelope
    ) -> str:
        content = envelope.original_content or b""
        message = email.message_from_bytes(content, policy=email.policy.default)
        self.received.append(
            Received(
                str(envelope.mail_from),
                list(envelope.rcpt_tos),
                message,  # type: ignore[arg-type]
            )
        )
        return "250 Message accepted"


@dataclass
class MailServer:
    handler: MailHandler
    port: int
    user: str = ""
    password: str = ""


@contextmanager
def mail_server(*, user: str = "", password: str = "") -> Iterator[MailServer]:
    """aiosmtpd on a free local port; with ``user``, it asks for AUTH LOGIN/PLAIN (allowed
    without TLS here: the test server is on the loopback).
    """
    handler = MailHandler()

    def authenticate(
        server: SMTPServer, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode(),
            auth_data.password.decode(),
        ) == (user, password)
        if ok:
            handler.logins.append(user)
        return AuthResult(success=ok)

    port = free_port()
    options: dict[str, Any] = {}
    if user:
        options = {"authenticator": authenticate, "auth_require_tls": False}
    controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield MailServer(handler, port, user, password)
    finally:
        controller.stop()
