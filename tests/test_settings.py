"""The hardening settings: read from the environment, refused when malformed, applied."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from tests.conftest import World
from veche import logs
from veche.config import Config
from veche.store.database import Database


def test_the_readme_table_is_generated_from_the_declarations(cli: Any) -> None:
    from veche.cli.main import main

    readme = (Path(__file__).parents[1] / "README.md").read_text()
    table = readme.split("do not edit -->\n", 1)[1].split("<!-- /settings -->", 1)[0]
    out = cli.invoke(main, ["settings"])
    assert out.exit_code == 0 and out.output == table == Config.docs_table()
    documented = {line.split("`")[1] for line in table.splitlines()[2:]}
    assert documented == {f.metadata["env"] for f in Config.settings()}
    assert len(documented) == len(Config.settings()) > 20


def test_every_declared_setting_is_read_from_its_variable() -> None:
    base = Config()
    for f in Config.settings():
        value = getattr(base, f.name)
        raw = {bool: "false" if value else "true", int: "7", float: "7"}.get(type(value), "x7")
        if f.name == "sqlite_synchronous":
            raw = "FULL"
        if f.name == "smtp_url":
            raw = "smtp://127.0.0.1:2525"
        got = getattr(Config.from_env({f.metadata["env"]: raw}), f.name)
        assert got != value, f.name
    with pytest.raises(ValueError, match="VECHE_PAGE_SIZE must be a whole number of 1"):
        Config.from_env({"VECHE_PAGE_SIZE": "0"})
    with pytest.raises(ValueError, match="VECHE_SMTP_URL must be smtp://"):
        Config.from_env({"VECHE_SMTP_URL": "mail.example:25"})


def test_settings_come_from_the_environment() -> None:
    base = Config.from_env({})
    assert (base.hsts_seconds, base.max_body_bytes, base.lock_timeout_ms) == (0, 1048576, 10000)
    assert base.sqlite_synchronous == "NORMAL"
    got = Config.from_env(
        {
            "VECHE_HSTS_SECONDS": "31536000",
            "VECHE_MAX_BODY_BYTES": "2048",
            "VECHE_LOCK_TIMEOUT_MS": "500",
            "VECHE_SQLITE_SYNCHRONOUS": "full",
        }
    )
    assert (got.hsts_seconds, got.max_body_bytes, got.lock_timeout_ms) == (31536000, 2048, 500)
    assert got.sqlite_synchronous == "FULL"
    with pytest.raises(ValueError, match="VECHE_MAX_BODY_BYTES must be a whole number"):
        Config.from_env({"VECHE_MAX_BODY_BYTES": "1MB"})
    with pytest.raises(ValueError, match="NORMAL, FULL"):
        Config.from_env({"VECHE_SQLITE_SYNCHRONOUS": "OFF"})


@pytest.mark.parametrize(("setting", "level"), [("NORMAL", 1), ("FULL", 2)])
def test_sqlite_synchronous_and_busy_timeout_are_applied(
    tmp_path: Path, setting: str, level: int
) -> None:
    db = Database(f"sqlite:///{tmp_path / 'box.db'}", lock_timeout_ms=1234, synchronous=setting)
    try:
        with db.session(write=False) as s:
            assert s.execute(text("PRAGMA synchronous")).scalar() == level
            assert s.execute(text("PRAGMA busy_timeout")).scalar() == 1234
    finally:
        db.dispose()


def test_postgres_connections_carry_the_lock_timeout(world: World) -> None:
    if world.rt.db.is_sqlite:
        return  # covered above; the SQLite half of this test is the busy timeout
    with world.rt.db.session(write=False) as s:
        assert s.execute(text("SHOW lock_timeout")).scalar() == "10s"


def test_serve_logs_name_the_request(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        logs.configure()
        token = logs.REQUEST_ID.set("req-7")
        try:
            logging.getLogger("veche.web").info("hello")
        finally:
            logs.REQUEST_ID.reset(token)
        logging.getLogger("veche.web").info("after")
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    err = capsys.readouterr().err
    assert " INFO veche.web [req-7] hello" in err and " [-] after" in err


def test_docs_moderation_table_is_generated_from_the_declarations() -> None:
    from pathlib import Path

    from veche.domain.moderation import docs_table

    doc = (Path(__file__).resolve().parents[1] / "docs" / "moderation.md").read_text("utf-8")
    start = doc.index("<!-- moderation-settings:")
    start = doc.index("\n", start) + 1
    end = doc.index("<!-- /moderation-settings -->")
    assert doc[start:end] == docs_table()
