"""Fixtures: a fresh database per test on SQLite and on the real PostgreSQL.

In CI (CI=true) a missing PostgreSQL, Redis or Chromium is a failure, never a skip.
"""

from __future__ import annotations

import email.policy
import os
import shutil
import socket
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any, TypedDict, Unpack

import psycopg
import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import text, update

from veche.config import Config
from veche.domain.enums import Role
from veche.service.accounts import Accounts
from veche.service.runtime import Runtime
from veche.service.stories import SiteSettings, Stories
from veche.store.database import Database
from veche.store.models import Base, Story, User
from veche.web.app import create_app

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PG_ADMIN_URL = os.environ.get("VECHE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("VECHE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
SEED = Path(__file__).resolve().parents[1].parent / "shared" / "seed" / "astana-protests-page.txt"
ORIGIN = "https://news.example"
PASSWORD = "correct horse battery"


def unavailable(what: str, why: object) -> None:
    """Skip on a developer box without the service; fail in CI, where it must exist."""
    message = f"{what} is not reachable: {why}"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = Database(f"sqlite:///{path}")
    db.upgrade()
    db.dispose()
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    name = f"veche_test_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        unavailable("PostgreSQL", exc)
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    url = f"{base}/{name}"
    db = Database(url)
    db.upgrade()
    db.dispose()
    yield url
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each store and API test runs once per engine, each time on an empty database."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "veche.db"
        shutil.copy(template, path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("pg_database")
    db = Database(url)
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    db.dispose()
    return url


@pytest.fixture
def config(db_url: str) -> Config:
    return Config(
        database_url=db_url,
        base_url="https://veche.test",
        secret_key="test-secret-key",
        rate_limit_writes="1000/minute",
        rate_limit_auth="1000/minute",
        moderation_model=False,  # the slow stage has its own tests (test_screening.py)
        background=False,  # tests run the outbox and followers step by step (run_once)
    )


@pytest.fixture
def rt(config: Config) -> Iterator[Runtime]:
    runtime = Runtime.build(config)
    yield runtime
    runtime.db.dispose()


@pytest.fixture
def client(rt: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(rt.config, rt), base_url="https://veche.test") as c:
        yield c


class NewUser(TypedDict, total=False):
    """The optional fields of Accounts.create_user, for World.user."""

    email: str | None
    display_name: str | None
    role: Role


@dataclass
class World:
    """A site with a story, ready for comments."""

    rt: Runtime
    story: Story
    site_name: str = "news"

    def user(
        self, handle: str, *, verified: bool = False, **kw: Unpack[NewUser]
    ) -> tuple[int, str]:
        """Create an account; returns (user id, bearer token). `verified`: its email
        address is taken as proved, as its link in the mail would."""
        accounts = Accounts(self.rt)
        user = accounts.create_user(handle, PASSWORD, **kw)
        if verified:
            with self.rt.db.session() as s:
                s.execute(
                    update(User).where(User.id == user.id).values(email_verified_at=self.rt.clock())
                )
        _u, token = accounts.sign_in(handle, PASSWORD, ip="127.0.0.1")
        return user.id, token

    def other_story(self, slug: str = "other") -> Story:
        return Stories(self.rt).create(self.site_name, f"{ORIGIN}/{slug}", f"Story {slug}")


@pytest.fixture
def world(rt: Runtime) -> World:
    stories = Stories(rt)
    stories.create_site("news", SiteSettings(allowed_origins=[ORIGIN]))
    story = stories.create(
        "news", f"{ORIGIN}/2026/storm", "Storm cuts the coast road",
        body="The council opened the sports hall as a warming centre.\n\nPower returned on Monday.",
    )  # fmt: skip
    return World(rt, story)


@pytest.fixture
def cli(db_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The real CLI on the test database and with the app's secret; each command closes its
    own pool."""
    monkeypatch.setenv("VECHE_DATABASE_URL", db_url)
    monkeypatch.setenv("VECHE_SECRET_KEY", "test-secret-key")
    return CliRunner()


def error(r: Any, status: int, code: str) -> dict[str, Any]:
    """An API refusal: the status, and a JSON body with a readable message."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    err: dict[str, Any] = r.json()["error"]
    assert err["code"] == code
    assert set(err) == {"code", "message", "field"}
    assert isinstance(err["message"], str) and len(err["message"]) > 5
    return err


class MailBox:
    """A real SMTP server (aiosmtpd) on loopback, keeping what it is sent."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._arrived = threading.Condition()
        self.url = ""

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        parsed = BytesParser(policy=email.policy.default).parsebytes(envelope.content)
        assert isinstance(parsed, EmailMessage)
        with self._arrived:
            self.messages.append(parsed)
            self._arrived.notify_all()
        return "250 OK"

    def wait_for(self, n: int, timeout: float = 10.0) -> list[EmailMessage]:
        """The first `n` messages, once they have arrived."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.messages) >= n, timeout):
                raise AssertionError(f"{len(self.messages)} of {n} mails arrived")
            return self.messages[:n]


@pytest.fixture
def smtp() -> Iterator[MailBox]:
    box = MailBox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        box.url = f"smtp://127.0.0.1:{port}"
        yield box
    finally:
        controller.stop()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def with_config(rt: Runtime, **changes: object) -> Runtime:
    return Runtime(replace(rt.config, **changes), rt.db, rt.limiter)  # type: ignore[arg-type]
