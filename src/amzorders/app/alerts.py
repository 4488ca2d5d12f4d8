"""Telling a human at once when an order is stuck, e-mail (SMTP) and webhook (JSON POST).

Four causes: an order failed past its retries, a reconciliation left something unrepaired, Amazon refused
the credentials, the import fell behind (orders reach the shop late). Each cause (per account) is sent at
most once per `min_interval` on the injected clock: a broken shop that fails every five minutes must not
send 288 mails a day. The last-sent instants can live in a small JSON file so that cron-started processes
share them. A channel that fails is logged and the others still go: alerting never breaks an import.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import smtplib
import threading
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Protocol

import httpx

from amzorders.clock import Clock, format_instant, format_span, parse_instant

log = logging.getLogger(__name__)

ORDER_FAILED = "order_failed"
RECONCILIATION_UNREPAIRED = "reconciliation_unrepaired"
CREDENTIALS_REFUSED = "credentials_refused"
IMPORT_BEHIND = "import_behind"


@dataclass(frozen=True, slots=True)
class Alert:
    kind: str  # one of the four causes above
    account: str
    subject: str
    body: str
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def cause(self) -> str:
        """What deduplication is keyed on: the kind of problem for one account."""
        return f"{self.kind}:{self.account}"


class AlertChannel(Protocol):
    name: str

    def send(self, alert: Alert, at: datetime) -> None: ...


class EmailChannel:
    """Plain-text mail through an SMTP relay (STARTTLS and login when configured)."""

    name = "email"

    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        recipients: Sequence[str],
        starttls: bool = False,
        user: str | None = None,
        password: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.recipients = list(recipients)
        self.starttls, self.user, self._password, self.timeout = starttls, user, password, timeout

    def send(self, alert: Alert, at: datetime) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = ", ".join(self.recipients)
        message["Subject"] = f"[amzorders] {alert.subject}"
        message.set_content(f"{alert.body}\n\nAccount: {alert.account}\nAt: {format_instant(at)}\n")
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.user and self._password:
                smtp.login(self.user, self._password)
            smtp.send_message(message)


class WebhookChannel:
    """A JSON POST (Slack/Teams-style relays, an incident tool, a custom endpoint)."""

    name = "webhook"

    def __init__(self, url: str, *, timeout: float = 10.0, transport: httpx.BaseTransport | None = None):
        self.url = url
        self._client = httpx.Client(timeout=timeout, transport=transport)

    def send(self, alert: Alert, at: datetime) -> None:
        payload = {"text": f"[amzorders] {alert.subject}", **asdict(alert), "at": format_instant(at)}
        self._client.post(self.url, json=payload).raise_for_status()


class SentLog(Protocol):
    """When each cause was last alerted."""

    def last_sent(self, cause: str) -> datetime | None: ...

    def record(self, cause: str, at: datetime) -> None: ...

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]: ...


class MemorySentLog:
    def __init__(self) -> None:
        self._sent: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def last_sent(self, cause: str) -> datetime | None:
        return self._sent.get(cause)

    def record(self, cause: str, at: datetime) -> None:
        self._sent[cause] = at

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        with self._lock:
            yield


class FileSentLog:
    """The sent log in a JSON file, shared by processes (an flock around read-decide-write)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._thread_lock = threading.Lock()

    def _read(self) -> dict[str, str]:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return {}

    def last_sent(self, cause: str) -> datetime | None:
        value = self._read().get(cause)
        return parse_instant(value) if value else None

    def record(self, cause: str, at: datetime) -> None:
        data = self._read()
        data[cause] = format_instant(at)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.path)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._thread_lock, open(self.path.with_suffix(".lock"), "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


class Alerter:
    """Sends an alert on every channel unless the same cause was alerted within `min_interval`."""

    def __init__(
        self,
        channels: Sequence[AlertChannel],
        clock: Clock,
        *,
        min_interval: timedelta = timedelta(hours=1),
        sent_log: SentLog | None = None,
    ) -> None:
        self.channels = list(channels)
        self.clock = clock
        self.min_interval = min_interval
        self.sent_log: SentLog = sent_log or MemorySentLog()
        self.sent: list[Alert] = []  # what this process sent (dashboard, tests)
        self.suppressed = 0

    def notify(self, alert: Alert) -> bool:
        """True when sent now, False when suppressed (same cause within the interval) or no channel."""
        if not self.channels:
            return False
        now = self.clock.now()
        with self.sent_log.locked():
            last = self.sent_log.last_sent(alert.cause)
            if last is not None and now - last < self.min_interval:
                self.suppressed += 1
                return False
            self.sent_log.record(alert.cause, now)
        for channel in self.channels:
            try:
                channel.send(alert, now)
            except Exception as exc:  # a dead relay must not stop the import; the log says why
                log.warning("alert %s via %s failed: %s", alert.cause, channel.name, exc)
        self.sent.append(alert)
        return True

    def order_failed(self, account: str, orders: Sequence[tuple[str, str]]) -> bool:
        """`orders`: (Amazon order id, last error) of orders that failed past their retries."""
        lines = "\n".join(f"- {oid}: {error}" for oid, error in orders[:20])
        more = f"\n... and {len(orders) - 20} more" if len(orders) > 20 else ""
        return self.notify(
            Alert(
                ORDER_FAILED,
                account,
                f"{len(orders)} order(s) could not be created in the shop ({account})",
                f"These orders failed past their retries; fix the cause, then retry them from the "
                f"dashboard or with `amzorders orders retry ID`:\n{lines}{more}",
                {"orders": [oid for oid, _ in orders]},
            )
        )

    def reconciliation_unrepaired(self, account: str, day: str, unrepaired: Sequence[str]) -> bool:
        return self.notify(
            Alert(
                RECONCILIATION_UNREPAIRED,
                account,
                f"reconciliation of {day} left {len(unrepaired)} problem(s) unrepaired ({account})",
                "Unrepaired: " + ", ".join(unrepaired[:50]) + f"\nSee `amzorders reconcile --day {day}`.",
                {"day": day, "unrepaired": list(unrepaired)},
            )
        )

    def credentials_refused(self, account: str, message: str) -> bool:
        return self.notify(
            Alert(
                CREDENTIALS_REFUSED,
                account,
                f"Amazon refused the credentials of {account}",
                f"Amazon refused the credentials: {message}\nRenew the refresh token (Seller Central -> "
                "Apps) and update the secret file; imports of this account are stopped until then.",
                {"message": message},
            )
        )

    def import_behind(
        self, account: str, cursor: datetime, behind: timedelta, threshold: timedelta, notes: Sequence[str]
    ) -> bool:
        """The incremental import has read Amazon's changes only up to `cursor`, `behind` ago."""
        late = format_span(behind)
        said = "".join(f"\n- {note}" for note in notes[:5])
        return self.notify(
            Alert(
                IMPORT_BEHIND,
                account,
                f"Amazon orders reach the shop {late} late ({account})",
                f"The import has read Amazon's order changes up to {format_instant(cursor)}, {late} ago "
                f"(alerts.behind_after_minutes: {format_span(threshold)}). Nothing is lost: it goes on from "
                "there as the quota allows. Usual causes: Amazon unreachable or refusing calls (the runs' "
                "errors on the dashboard), or more orders than the usage plan sustains (about 20,000 a day "
                "per seller on the default plan, measured in BENCHMARKS.md)."
                + (f"\nThe last import run said:{said}" if said else ""),
                {
                    "cursor": format_instant(cursor),
                    "behind_s": round(behind.total_seconds()),
                    "notes": list(notes),
                },
            )
        )
