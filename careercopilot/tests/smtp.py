"""A real SMTP server (aiosmtpd) for tests that check the mail we send, and the `smtp_server`
fixture (registered in the root conftest) that points Django's SMTP backend at it."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message

import pytest
from careercopilot.ports import free_port

# This checkout's share of the machine's ports (see the README's test notes).
SMTP_PORTS = range(24025, 24100)


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: Message

    @property
    def body(self) -> str:
        return self.message.get_payload(decode=True).decode()


@dataclass
class SMTPServer:
    port: int
    received: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd handler hook
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 Message accepted"

    def wait(self, count: int = 1, timeout: float = 10.0) -> list[Received]:
        """The messages, once `count` have arrived (the browser test's mail comes from another thread)."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.received) >= count, f"expected {count} message(s), got {len(self.received)}"
        return self.received




@pytest.fixture
def smtp_server(settings):
    """A real SMTP server (aiosmtpd) on a local port, and Django's SMTP backend pointed at it
    (what EMAIL_URL=smtp://127.0.0.1:PORT sets, see careercopilot/env.py)."""
    from aiosmtpd.controller import Controller

    server = SMTPServer(port=free_port(SMTP_PORTS))
    controller = Controller(server, hostname="127.0.0.1", port=server.port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield server
    controller.stop()


