"""What `serve` writes to its log (stderr: journald under systemd): one line per run, problems as warnings.

Lines carry a UTC timestamp, the level and the logger, so that `journalctl -u amzorders` alone says what
ran, when, and what it did. Third-party libraries speak only from WARNING: httpx would log every Amazon
and PrestaShop request at INFO. Every line goes through `RedactingFormatter`, which replaces the
configured secrets by `[secret]` wherever they appear (a message, an exception, a traceback): a refresh
token or a shop key quoted by an error message must not reach a log that support staff read.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterable
from typing import Any, TextIO

from amzorders.sync.reconcile import ReconciliationReport
from amzorders.sync.summary import RunSummary

LEVELS = ("debug", "info", "warning", "error")
REDACTED = "[secret]"
# Loggers of libraries that are chatty at INFO (each HTTP request, each scheduled job started).
QUIET = ("httpx", "httpcore", "apscheduler", "uvicorn", "uvicorn.error", "alembic")
# Shorter values are not redacted: they would blank ordinary words (and are not credentials we issue).
_MIN_SECRET_LENGTH = 8

log = logging.getLogger("amzorders.runs")


class RedactingFormatter(logging.Formatter):
    """`logging.Formatter` that replaces each secret's value by `[secret]` in the formatted line."""

    converter = time.gmtime  # UTC, whatever the host's time zone

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%SZ")
        # longest first: a secret containing another is replaced whole
        self.secrets = sorted({s for s in secrets if len(s) >= _MIN_SECRET_LENGTH}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        for secret in self.secrets:
            line = line.replace(secret, REDACTED)
        return line


def secret_values(secrets: Any) -> list[str]:
    """Every secret value of a configuration's `Secrets` (SecretStr fields and mappings of them)."""
    values = []
    for name in type(secrets).model_fields:
        value = getattr(secrets, name)
        for item in value.values() if isinstance(value, dict) else [value]:
            if item is not None:
                values.append(item.get_secret_value())
    return values


class _Stderr(logging.StreamHandler):
    """A handler on whatever `sys.stderr` is when a line is written (a test or a daemoniser may swap it)."""

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def configure_logging(
    level: str, *, secrets: Iterable[str] = (), stream: TextIO | None = None
) -> logging.Handler:
    """Send the log to `stream` (stderr) at `level` for amzorders, WARNING for the libraries; replaces a
    handler installed by an earlier call. Returns the handler."""
    if level not in LEVELS:
        raise ValueError(f"log level {level!r}: expected one of {', '.join(LEVELS)}")
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "amzorders", False)]:
        root.removeHandler(old)
    handler = _Stderr() if stream is None else logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter(secrets))
    handler.amzorders = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    logging.getLogger("amzorders").setLevel(level.upper())
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    return handler


def configure_from(config: Any) -> logging.Handler:
    """`configure_logging` as an `AppConfig` says: its `log.level`, every one of its secrets redacted."""
    return configure_logging(config.log.level, secrets=secret_values(config.secrets))


def log_run(summary: RunSummary) -> None:
    """One line for a finished run: INFO when all went well (DEBUG when it had nothing to do), WARNING
    when it failed or left orders failed or parked."""
    s = summary
    trouble = s.outcome not in ("ok", "busy") or s.failed or s.parked or s.problems
    did = s.outcome == "busy" or s.orders_seen or s.api_calls or s.created or s.updated or s.cancelled
    level = logging.WARNING if trouble else logging.INFO if did else logging.DEBUG
    if log.isEnabledFor(level):  # the line is built only when written
        log.log(level, "%s", summary.log_line())


def log_reconciliation(report: ReconciliationReport) -> None:
    """One line for a reconciliation: WARNING when something is left to fix by hand or it failed."""
    log.log(logging.INFO if report.ok else logging.WARNING, "%s", report.log_line())
