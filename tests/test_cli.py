"""The administration CLI against the real databases."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, inspect, select

from veche.cli.main import main
from veche.domain.enums import Role
from veche.domain.errors import Conflict
from veche.security.passwords import verify_password
from veche.service.accounts import Accounts
from veche.service.runtime import Runtime
from veche.service.stories import Stories
from veche.store.models import Base, User


def run(cli: CliRunner, *args: str) -> Result:
    return cli.invoke(main, list(args))


def test_site_create_and_update(cli: CliRunner, rt: Runtime) -> None:
    r = run(
        cli, "site", "create", "news", "--origin", "https://News.Example/",
        "--origin", "http://localhost:8000", "--allow-guests", "--edit-window", "30",
        "--max-length", "2000",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[0] == (
        "Created site news: origins=http://localhost:8000,https://news.example "
        "require_sign_in=True allow_guests=True edit_window=30min max_length=2000"
    )
    assert r.output.splitlines()[1].startswith("  moderation: premoderation=off ")
    site = Stories(rt).site("news")
    assert site.allowed_origins == ["http://localhost:8000", "https://news.example"]
    assert (site.allow_guests, site.edit_window_seconds, site.max_comment_length) == (
        True,
        1800,
        2000,
    )
    r = run(
        cli,
        "site",
        "update",
        "news",
        "--no-allow-guests",
        "--edit-window",
        "5",
        "--no-require-sign-in",
    )
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[0] == (
        "Updated site news: origins=http://localhost:8000,https://news.example "
        "require_sign_in=False allow_guests=False edit_window=5min max_length=2000"
    )
    r = run(cli, "site", "update", "news", "--set-origins", "https://other.example")
    assert "origins=https://other.example " in r.output
    site = Stories(rt).site("news")
    assert (site.allowed_origins, site.edit_window_seconds, site.require_sign_in) == (
        ["https://other.example"], 300, False,
    )  # fmt: skip


def test_site_refusals(cli: CliRunner, rt: Runtime) -> None:
    assert run(cli, "site", "create", "news").exit_code == 0
    cases = [
        (("site", "create", "news"), "A site named “news” exists already."),
        (("site", "update", "nope", "--allow-guests"), "There is no site named “nope”."),
        (("site", "create", "b", "--origin", "https://b.example/path"), "An origin has no path"),
        (("site", "create", "c", "--origin", "ftp://c.example"), "must be an http or https URL"),
        (
            ("site", "update", "news", "--max-length", "0"),
            "The maximum comment length is 1 to 100000.",
        ),
        (
            ("site", "update", "news", "--edit-window", "-1"),
            "The edit window is 0 seconds to 7 days.",
        ),
    ]
    for args, message in cases:
        r = run(cli, *args)
        assert r.exit_code == 1, (args, r.output)
        assert message in r.output, (args, r.output)
    site = Stories(rt).site("news")
    assert (site.max_comment_length, site.edit_window_seconds, site.allowed_origins) == (
        5000,
        900,
        [],
    )
    assert run(cli, "site", "update", "news", "--edit-window", "abc").exit_code == 2


def test_user_create_admin_and_weak_password(cli: CliRunner, rt: Runtime) -> None:
    r = run(
        cli, "user", "create", "Ann", "--role", "admin", "--password", "plum tree at dawn 42",
        "--email", "ann@example.com", "--display-name", "Ann Editor",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert r.output.startswith("Created admin Ann (id ")
    with rt.db.session(write=False) as s:
        user = s.scalars(select(User).where(User.handle == "Ann")).one()
    assert (user.role, user.email, user.display_name) == (
        Role.admin,
        "ann@example.com",
        "Ann Editor",
    )
    assert verify_password(user.password_hash, "plum tree at dawn 42")
    signed_in, _token = Accounts(rt).sign_in(
        "ann@example.com", "plum tree at dawn 42", ip="127.0.0.1"
    )
    assert signed_in.id == user.id
    weak = run(cli, "user", "create", "bob", "--password", "password1")
    assert weak.exit_code == 1
    assert "The password is too weak" in weak.output
    taken = run(cli, "user", "create", "ANN", "--password", "plum tree at dawn 42")
    assert taken.exit_code == 1 and "is taken" in taken.output
    bad_role = run(cli, "user", "create", "carl", "--role", "god", "--password", "x")
    assert bad_role.exit_code == 2
    prompted = cli.invoke(
        main, ["user", "create", "dora"], input="plum tree at dawn 42\nplum tree at dawn 42\n"
    )
    assert prompted.exit_code == 0, prompted.output
    with rt.db.session(write=False) as s:
        assert sorted(s.scalars(select(User.handle))) == ["Ann", "dora"]


def test_db_upgrade(cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    r = run(cli, "db", "upgrade")  # the test database is migrated already: a no-op
    assert (r.exit_code, r.output) == (0, "Database is up to date.\n")
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    monkeypatch.setenv("VECHE_DATABASE_URL", url)
    r = run(cli, "db", "upgrade")
    assert (r.exit_code, r.output) == (0, "Database is up to date.\n")
    engine = create_engine(url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert tables >= {t.name for t in Base.metadata.sorted_tables} | {"alembic_version"}


def test_user_revoke_sessions(cli: CliRunner, rt: Runtime) -> None:
    from veche.service.accounts import Accounts

    accounts = Accounts(rt)
    accounts.create_user("Ieva", "correct horse battery")
    tokens = [
        accounts.sign_in("Ieva", "correct horse battery", ip="127.0.0.1")[1] for _ in range(2)
    ]
    assert all(accounts.resolve(t) is not None for t in tokens)
    result = run(cli, "user", "revoke-sessions", "ieva")
    assert result.exit_code == 0, result.output
    assert "Revoked 2 session(s) of Ieva." in result.output
    assert all(accounts.resolve(t) is None for t in tokens)
    missing = run(cli, "user", "revoke-sessions", "nobody")
    assert missing.exit_code != 0 and "There is no user" in missing.output


def test_story_close_and_open(cli: CliRunner, rt: Runtime) -> None:
    from veche.service.comments import Comments, Draft
    from veche.service.runtime import Viewer
    from veche.service.stories import SiteSettings

    stories = Stories(rt)
    stories.create_site("news", SiteSettings(allowed_origins=["https://news.example"]))
    made = stories.create("news", "https://news.example/a", "A story")
    closed = run(cli, "story", "close", str(made.id))
    assert closed.exit_code == 0 and "Closed the discussion of “A story”." in closed.output
    admin = Accounts(rt).create_user("Ed", "correct horse battery")
    with pytest.raises(Conflict, match="closed to new comments"):
        Comments(rt).create(made.id, Draft("Too late"), Viewer(admin, "127.0.0.1"))
    opened = run(cli, "story", "open", str(made.id))
    assert opened.exit_code == 0
    comment, created = Comments(rt).create(made.id, Draft("Open again"), Viewer(admin, "1.2.3.4"))
    assert created and comment.body_src == "Open again"
    assert run(cli, "story", "close", "999").exit_code != 0


def test_serve_refuses_several_workers_without_redis(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VECHE_REDIS_URL", raising=False)
    r = run(cli, "serve", "--workers", "2")
    assert r.exit_code == 1
    assert r.output.strip().splitlines() == [
        "Error: --workers above 1 needs VECHE_REDIS_URL (the workers share nothing else)."
    ]


def test_serve_takes_every_setting_as_an_option(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    from veche.cli.main import main
    from veche.config import Config

    shown = cli.invoke(main, ["serve", "--help"])
    assert shown.exit_code == 0
    for f in Config.settings():
        assert f"--{f.name.replace('_', '-')}" in shown.output
        assert f.metadata["env"] in shown.output.replace("\n", " ").replace("  ", "")
    monkeypatch.setenv("VECHE_PAGE_SIZE", "20")  # restored after: the option sets it
    bad = cli.invoke(main, ["serve", "--page-size", "0"])
    assert bad.exit_code == 1 and isinstance(bad.exception, SystemExit)
    assert "VECHE_PAGE_SIZE must be a whole number of 1 or more" in bad.output
    assert "Traceback" not in bad.output


def test_every_import_command_migrates_a_fresh_database(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each source's command, on a database nobody has migrated: it imports, no traceback."""
    from veche.importers.sources import SOURCES

    data = Path(__file__).parent / "data" / "importers"
    samples = {
        "page-text": data / "page-text" / "foreign-handles.txt",
        "disqus": data / "disqus" / "coast-gazette.xml",
    }
    assert set(SOURCES) >= set(samples)
    for name in SOURCES:
        sample = samples.get(name)
        if sample is None:  # another source's own test file covers it
            continue
        monkeypatch.setenv("VECHE_DATABASE_URL", f"sqlite:///{tmp_path / f'{name}.db'}")
        r = run(cli, "import", name, str(sample))
        assert r.exit_code == 0, (name, r.output)
        assert "Traceback" not in r.output and re.search(r"^/stories/\d+$", r.output, re.M)
