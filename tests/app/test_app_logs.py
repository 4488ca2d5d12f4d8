"""The service's log: a line per run at the right level, UTC stamps, libraries quiet, secrets redacted."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from app_support import CRON_TOKEN, PASSWORD

from amzorders.app.logs import QUIET, configure_logging, log_run, secret_values
from amzorders.sync.summary import RunSummary

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


@pytest.fixture
def written() -> Iterator[io.StringIO]:
    """What the log writes, at INFO, with the secrets of a configuration that has them all."""
    buffer = io.StringIO()
    levels = {name: logging.getLogger(name).level for name in ("amzorders", *QUIET)}
    configure_logging("info", secrets=[CRON_TOKEN, PASSWORD, "Atzr|refresh-0123456789"], stream=buffer)
    yield buffer
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "amzorders", False)]:
        root.removeHandler(handler)
    for name, level in levels.items():  # as the other tests expect them
        logging.getLogger(name).setLevel(level)


def run(**fields) -> RunSummary:
    return RunSummary("push", "eu", T0, T0 + timedelta(seconds=2), **fields)


def test_secrets_are_redacted_in_messages_exceptions_and_library_lines(written):
    logging.getLogger("amzorders.sync.engine").warning("token %s refused", "Atzr|refresh-0123456789")
    try:
        raise RuntimeError(f"GET /cron/import?token={CRON_TOKEN} failed")
    except RuntimeError:
        logging.getLogger("amzorders.app.operations").exception("import for eu failed")
    logging.getLogger("httpx").error("login with %s refused", PASSWORD)
    text = written.getvalue()
    for secret in (CRON_TOKEN, PASSWORD, "Atzr|refresh-0123456789"):
        assert secret not in text
    assert text.count("[secret]") == 3
    assert "Traceback" in text and "RuntimeError: GET /cron/import?token=[secret] failed" in text


def test_the_secrets_of_a_configuration_are_all_redacted(config):
    values = secret_values(config.secrets)
    assert CRON_TOKEN in values and PASSWORD in values
    assert config.secrets.refresh_tokens["eu"].get_secret_value() in values


def test_a_run_is_one_utc_stamped_line_and_an_idle_one_is_debug(written):
    log_run(run(created=3))
    log_run(RunSummary("incremental", "eu", T0, T0, orders_seen=7, api_calls=1))
    log_run(run())  # an idle push, every 5 minutes: not worth a line at INFO
    logging.getLogger("httpx").info("HTTP Request: POST https://sellingpartnerapi-eu.amazon.com/...")
    lines = written.getvalue().splitlines()
    assert len(lines) == 2
    stamp, level, logger, rest = lines[0].split(" ", 3)
    assert datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ") and (level, logger) == ("INFO", "amzorders.runs:")
    assert rest == "push eu: ok; 3 created; 0 API calls; 2.0 s"
    assert lines[1].endswith("incremental eu: ok; 7 seen; 1 API calls; 0.0 s")


def test_a_run_that_failed_or_left_orders_failed_is_a_warning_with_its_reasons(written):
    configure_logging("warning", stream=written)
    log_run(run(created=2))
    problems = [f"order 40{n}-1: ShopUnavailable: shop answered 503 (attempt 1)" for n in range(5)]
    log_run(run(failed=5, problems=problems))
    log_run(RunSummary("incremental", "eu", T0, T0, outcome="unavailable", error="Amazon answered 503"))
    lines = written.getvalue().splitlines()
    assert [line.split(" ")[1] for line in lines] == ["WARNING", "WARNING"]
    assert lines[0].endswith(
        f"push eu: ok; 5 failed; 0 API calls; 2.0 s; {'; '.join(problems[:3])} (and 2 more)"
    )
    assert lines[1].endswith(
        "incremental eu: unavailable; nothing new; 0 API calls; 0.0 s; error: Amazon answered 503"
    )


def test_a_level_that_does_not_exist_is_refused():
    with pytest.raises(ValueError, match="log level 'loud': expected one of debug, info, warning, error"):
        configure_logging("loud")
