"""Real servers for the notify tests: an SMTP server (aiosmtpd) that can refuse for a while
or bounce a recipient, an HTTP server that keeps what it received, and helpers to point the
runtime's notify settings at them."""

from __future__ import annotations

import email
import json
import socket
import threading
from dataclasses import replace
from email.message import Message
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

from runtime.notify.settings import SmtpSettings
from runtime.notify.tracking import Tokens

BASE = "http://trellis.test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """An SMTP handler: accepts and keeps messages; ``refuse`` answers 451 to that many
    deliveries first; addresses in ``bounce`` are refused with 550."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.refuse = 0
        self.bounce: set[str] = set()
        self.port = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.bounce:
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refuse > 0:
            self.refuse -= 1
            return "451 4.3.0 try again later"
        self.messages.append(email.message_from_bytes(envelope.content, policy=default))
        return "250 Message accepted for delivery"


def start_smtp() -> tuple[Inbox, Controller]:
    inbox = Inbox()
    inbox.port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    return inbox, controller


def use_smtp(runtime, inbox: Inbox | None, **settings) -> None:
    """Point the runtime at ``inbox`` (None: no SMTP configured), tracked links at BASE."""
    notify = runtime.notify
    smtp = SmtpSettings(host="127.0.0.1", port=inbox.port, security="none",
                        sender="Trellis <crm@trellis.test>", timeout=5) if inbox else \
        SmtpSettings()
    notify.settings = replace(notify.settings, smtp=smtp, **settings)
    notify.tokens = Tokens(notify.settings.secret_key, BASE)


def body_of(message: Message, subtype: str = "plain") -> str:
    for part in message.walk():
        if part.get_content_type() == f"text/{subtype}":
            return part.get_content().replace("\r\n", "\n")
    return ""


class Received(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's name)
        length = int(self.headers.get("Content-Length") or 0)
        self.server.received.append({"path": self.path, "headers": dict(self.headers),
                                     "body": self.rfile.read(length)})
        status = self.server.answers.pop(0) if self.server.answers else 200
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_PUT = do_POST  # noqa: N815

    def log_message(self, *args):
        pass


class HttpServer:
    """A local HTTP server keeping what it received (``answers``: statuses to give first)."""

    def __init__(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Received)
        self.server.received = []
        self.server.answers = []
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def received(self) -> list[dict]:
        return self.server.received

    def json(self, i: int = 0) -> dict:
        return json.loads(self.received[i]["body"])

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
