"""Loopback receivers for alert tests: a tiny SMTP sink and a webhook receiver, both on 127.0.0.1:0."""

from __future__ import annotations

import asyncio
import json
import threading
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class SmtpSink:
    """Enough SMTP (RFC 5321 happy path) for smtplib: greets, accepts MAIL/RCPT/DATA, keeps the messages."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.port = 0

    def start(self) -> SmtpSink:
        self._thread.start()
        self._ready.wait(5)
        return self

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._session, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._server = server
        self._ready.set()
        self._loop.run_forever()
        server.close()
        self._loop.run_until_complete(server.wait_closed())
        self._loop.close()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        def reply(line: str) -> None:
            writer.write((line + "\r\n").encode())

        reply("220 sink ready")
        sender, rcpts = "", []
        while line := await reader.readline():
            verb = line.decode(errors="replace").strip()
            upper = verb.upper()
            if upper.startswith(("EHLO", "HELO")):
                reply("250 sink")
            elif upper.startswith("MAIL FROM:"):
                sender, rcpts = verb[10:].strip(" <>"), []
                reply("250 ok")
            elif upper.startswith("RCPT TO:"):
                rcpts.append(verb[8:].strip(" <>"))
                reply("250 ok")
            elif upper == "DATA":
                reply("354 end with <CRLF>.<CRLF>")
                await writer.drain()
                body = bytearray()
                while (chunk := await reader.readline()) not in (b".\r\n", b""):
                    body += chunk[1:] if chunk.startswith(b"..") else chunk
                self.messages.append(message_from_bytes(bytes(body)))
                self.envelopes.append((sender, rcpts))
                reply("250 queued")
            elif upper in ("RSET", "NOOP"):
                reply("250 ok")
            elif upper == "QUIT":
                reply("221 bye")
                await writer.drain()
                break
            else:
                reply("502 not implemented")
            await writer.drain()
        writer.close()

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


class WebhookReceiver:
    """Collects JSON POST bodies; answers `status` (200 by default)."""

    def __init__(self, status: int = 200) -> None:
        self.payloads: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                receiver.payloads.append(json.loads(self.rfile.read(length)))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.status = status
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
