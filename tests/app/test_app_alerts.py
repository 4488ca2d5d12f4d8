"""Alerts reach real SMTP and webhook receivers on loopback, at most once per cause per hour."""

from __future__ import annotations

import multiprocessing
from datetime import timedelta

import pytest
from app_loopback import SmtpSink, WebhookReceiver

from amzorders.app.alerts import Alerter, EmailChannel, FileSentLog, WebhookChannel


@pytest.fixture
def smtp():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def hook():
    receiver = WebhookReceiver().start()
    yield receiver
    receiver.stop()


def _email(smtp: SmtpSink) -> EmailChannel:
    return EmailChannel(
        host="127.0.0.1", port=smtp.port, sender="amz@shop.test", recipients=["ops@shop.test"]
    )


def test_failed_order_alert_goes_by_mail_and_webhook(clock, smtp, hook):
    alerter = Alerter([_email(smtp), WebhookChannel(hook.url)], clock)
    assert alerter.order_failed("eu", [("405-1111111-1111111", "shop unavailable (503)")])
    assert len(smtp.messages) == 1
    mail = smtp.messages[0]
    assert "1 order(s) could not be created" in mail["Subject"]
    assert "405-1111111-1111111: shop unavailable (503)" in mail.get_payload()
    assert smtp.envelopes[0] == ("amz@shop.test", ["ops@shop.test"])
    assert hook.payloads[0]["kind"] == "order_failed"
    assert hook.payloads[0]["details"]["orders"] == ["405-1111111-1111111"]


def test_same_cause_is_sent_once_per_hour_on_the_clock(clock, smtp):
    alerter = Alerter([_email(smtp)], clock)
    assert alerter.credentials_refused("eu", "invalid_grant")
    clock.advance(timedelta(minutes=59))
    assert not alerter.credentials_refused("eu", "invalid_grant")
    assert alerter.credentials_refused("us", "invalid_grant")  # another account is another cause
    assert alerter.reconciliation_unrepaired("eu", "2026-10-31", ["405-1"])  # another kind too
    clock.advance(timedelta(minutes=1))
    assert alerter.credentials_refused("eu", "invalid_grant")
    assert [m["Subject"].split("] ")[1][:30] for m in smtp.messages] == [
        "Amazon refused the credentials",
        "Amazon refused the credentials",
        "reconciliation of 2026-10-31 l",
        "Amazon refused the credentials",
    ]
    assert alerter.suppressed == 1


def test_a_dead_channel_does_not_stop_the_others(clock, hook):
    dead = EmailChannel(host="127.0.0.1", port=1, sender="a@b", recipients=["c@d"], timeout=1)
    alerter = Alerter([dead, WebhookChannel(hook.url)], clock)
    assert alerter.order_failed("eu", [("405-2", "boom")])
    assert len(hook.payloads) == 1


def _notify_in_child(path, start_iso, result) -> None:
    from amzorders.clock import SimClock, parse_instant

    alerter = Alerter([_Counting()], SimClock(parse_instant(start_iso)), sent_log=FileSentLog(path))
    result.put(alerter.credentials_refused("eu", "refused"))


class _Counting:
    name = "counting"

    def send(self, alert, at) -> None:
        pass


def test_file_log_deduplicates_across_processes(tmp_path, clock):
    path = tmp_path / "alerts.json"
    ctx = multiprocessing.get_context("fork")
    result = ctx.Queue()
    procs = [
        ctx.Process(target=_notify_in_child, args=(path, "2026-11-01T00:00:00Z", result)) for _ in range(3)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(10)
    sent = sorted(result.get(timeout=5) for _ in procs)
    assert sent == [False, False, True]
    assert FileSentLog(path).last_sent("credentials_refused:eu") == clock.now()
