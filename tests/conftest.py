"""Fixtures shared by the whole suite: databases (real SQLite and PostgreSQL) and clocks."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from hypothesis import settings

from amzorders.clock import SimClock

# `HYPOTHESIS_PROFILE=deep make test` (or pytest -k on the property tests) hunts further than the default
# 100 examples per property: a rounding bug of the promotions' spread showed on an example the default
# runs had not drawn. CI keeps the default, deterministic per example database.
settings.register_profile("deep", max_examples=3000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

SHARED = os.path.join(os.path.dirname(__file__), "..", "..", "shared")
PG_ADMIN_URL = os.environ.get("AMZORDERS_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def shared_path(*parts: str) -> str:
    """A file of `../shared` (the domain facts beside the project's root, in CI too)."""
    path = os.path.normpath(os.path.join(SHARED, *parts))
    if not os.path.exists(path):
        pytest.fail(f"{path} is missing: the shared/ folder must sit beside the project's root")
    return path


@pytest.fixture
def clock() -> SimClock:
    return SimClock(datetime(2026, 11, 1, tzinfo=UTC))


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'ledger.sqlite3'}"


def _pg_admin_engine():
    from sqlalchemy import create_engine

    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    try:
        with engine.connect():
            pass
    except Exception as exc:  # any connection failure means the service is down
        pytest.fail(
            f"PostgreSQL is not reachable at {PG_ADMIN_URL} ({exc.__class__.__name__}). "
            "Start it (scripts/ensure-services) or set AMZORDERS_TEST_PG; PostgreSQL tests never skip."
        )
    return engine


@contextlib.contextmanager
def fresh_pg_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped afterwards; yields its SQLAlchemy URL."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    admin = _pg_admin_engine()
    name = f"amzorders_t_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test."""
    with fresh_pg_database() as url:
        yield url


@pytest.fixture
def short_pool_timeout(monkeypatch) -> float:
    """PostgreSQL ledgers opened in the test wait 1 s for a pooled connection instead of 30: a pool too
    small for what the test holds then fails it at once."""
    from sqlalchemy import create_engine

    from amzorders.ledger import db

    def create(url, **kwargs):
        if "pool_size" in kwargs:  # PostgreSQL's pool (SQLite's engines are left as they are)
            kwargs.setdefault("pool_timeout", 1)
        return create_engine(url, **kwargs)

    monkeypatch.setattr(db, "create_engine", create)
    return 1.0


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> Iterator[str]:
    """Runs a test once on SQLite and once on PostgreSQL: the ledger must behave the same on both."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    else:
        with fresh_pg_database() as url:
            yield url
