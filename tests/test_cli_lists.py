"""`veche site/story/user list`, origins added and removed one at a time, and every
database command on a database nobody migrated: it works, or says in one line what to run."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from tests import isso_sample
from tests.conftest import SEED
from veche.cli.main import main
from veche.domain.enums import Role
from veche.service.accounts import Accounts
from veche.service.comments import Comments, Draft
from veche.service.runtime import Runtime, Viewer
from veche.service.stories import SiteSettings, Stories

PASSWORD = "correct horse battery"


def run(cli: CliRunner, *args: str) -> Result:
    return cli.invoke(main, list(args))


def ok(cli: CliRunner, *args: str) -> str:
    r = run(cli, *args)
    assert r.exit_code == 0, r.output
    return r.output


def refused(cli: CliRunner, *args: str) -> str:
    """A one-line error, exit status 1, no traceback."""
    r = run(cli, *args)
    assert r.exit_code == 1, r.output
    assert isinstance(r.exception, SystemExit), r.exception
    assert "Traceback" not in r.output
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), r.output
    return lines[0]


def _world(rt: Runtime) -> None:
    stories = Stories(rt)
    stories.create_site("coast", SiteSettings(allowed_origins=["https://coast.example"]))
    stories.create_site("valley", SiteSettings(allowed_origins=["https://valley.example"]))
    stories.create("coast", "https://coast.example/2026/storm", "Storm cuts the coast road")
    ferry = stories.create("coast", "https://coast.example/2026/ferry", "Ferry 50% off_peak")
    stories.create("valley", "https://valley.example/fair", "The valley fair opens")
    accounts = Accounts(rt)
    ann = accounts.create_user("ann", PASSWORD, email="ann@example.com", display_name="Ann Lee")
    accounts.create_user("bob", PASSWORD, role=Role.moderator)
    accounts.create_user("cat_admin", PASSWORD, role=Role.admin)
    accounts.sign_in("ann", PASSWORD, ip="127.0.0.1")
    Comments(rt).create(ferry.id, Draft("Cheaper at last."), Viewer(ann, "127.0.0.1"))
    stories.update_content(ferry.id, is_open=False)


def test_site_list(cli: CliRunner, rt: Runtime) -> None:
    assert ok(cli, "site", "list").startswith("No sites yet")
    _world(rt)
    out = ok(cli, "site", "list").splitlines()
    assert out[0].split() == ["name", "stories", "comments", "title", "suffix", "origins"]
    assert out[1].split() == ["coast", "2", "1", "-", "https://coast.example"]
    assert out[2].split() == ["valley", "1", "0", "-", "https://valley.example"]
    rows = json.loads(ok(cli, "site", "list", "--json"))
    assert [(r["name"], r["stories"], r["comments"]) for r in rows] == [
        ("coast", 2, 1),
        ("valley", 1, 0),
    ]


def test_story_list(cli: CliRunner, rt: Runtime) -> None:
    assert ok(cli, "story", "list").strip() == "No stories yet."
    _world(rt)
    out = ok(cli, "story", "list").splitlines()
    assert out[0].split() == ["id", "site", "comments", "state", "created", "title", "url"]
    assert [line.split()[0] for line in out[1:]] == ["3", "2", "1"]  # newest first
    ferry = next(line for line in out if "Ferry" in line).split()
    assert ferry[1:4] == ["coast", "1", "closed"]
    rows = json.loads(ok(cli, "story", "list", "--site", "coast", "--json"))
    assert [(r["title"], r["is_open"], r["comments"]) for r in rows] == [
        ("Ferry 50% off_peak", False, 1),
        ("Storm cuts the coast road", True, 0),
    ]
    # The title or the URL, without case; % and _ are letters, not wildcards.
    found = json.loads(ok(cli, "story", "list", "--search", "STORM", "--json"))
    assert [r["id"] for r in found] == [1]
    found = json.loads(ok(cli, "story", "list", "--search", "valley.example/", "--json"))
    assert [r["id"] for r in found] == [3]
    assert [r["id"] for r in json.loads(ok(cli, "story", "list", "--search", "%", "--json"))] == [2]
    assert json.loads(ok(cli, "story", "list", "--search", "storm_cuts", "--json")) == []
    assert ok(cli, "story", "list", "--search", "nothing").strip() == "No stories match."
    limited = ok(cli, "story", "list", "--limit", "1").splitlines()
    assert len(limited) == 3 and "raise --limit" in limited[2]
    assert refused(cli, "story", "list", "--site", "nope") == (
        "Error: There is no site named “nope”."
    )
    assert "Traceback" not in run(cli, "story", "list", "--limit", "0").output


def test_user_list(cli: CliRunner, rt: Runtime) -> None:
    _world(rt)
    out = ok(cli, "user", "list")
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["id", "handle", "name", "role"]
    assert [line.split()[1] for line in lines[1:]] == ["cat_admin", "bob", "ann"]
    assert "ann@example.com" not in out and "$argon2" not in out and "email" not in lines[0]
    ann = next(line for line in lines if " ann " in line)
    assert ann.split()[1:8] == ["ann", "Ann", "Lee", "reader", "active", "1", ann.split()[7]]
    shown = ok(cli, "user", "list", "--show-email", "--search", "EXAMPLE.com")
    assert "ann@example.com" in shown and len(shown.splitlines()) == 2
    rows = json.loads(ok(cli, "user", "list", "--role", "moderator", "--json"))
    assert [(r["handle"], r["role"], r["email"]) for r in rows] == [("bob", "moderator", None)]
    assert "password" not in json.dumps(json.loads(ok(cli, "user", "list", "--json")))
    found = json.loads(ok(cli, "user", "list", "--search", "lee", "--json"))
    assert [r["handle"] for r in found] == ["ann"]
    assert ok(cli, "user", "list", "--search", "zed").strip() == "No users match."


def test_origins_added_removed_and_replaced(cli: CliRunner, rt: Runtime) -> None:
    ok(cli, "site", "create", "coast", "--origin", "https://coast.example")
    ok(cli, "site", "update", "coast", "--origin", "https://WWW.coast.example:443/")
    assert Stories(rt).site("coast").allowed_origins == [
        "https://coast.example",
        "https://www.coast.example",
    ]
    ok(cli, "site", "update", "coast", "--remove-origin", "https://coast.example")
    assert Stories(rt).site("coast").allowed_origins == ["https://www.coast.example"]
    ok(cli, "site", "update", "coast", "--set-origins", "https://a.example, http://b.example:8080")
    assert Stories(rt).site("coast").allowed_origins == [
        "http://b.example:8080",
        "https://a.example",
    ]
    ok(cli, "site", "update", "coast", "--set-origins", "")
    assert Stories(rt).site("coast").allowed_origins == []
    assert refused(cli, "site", "update", "coast", "--origin", "https://x.example/news") == (
        "Error: 'https://x.example/news': An origin has no path: use https://example.com."
    )
    assert "must be an http or https URL" in refused(
        cli, "site", "update", "coast", "--set-origins", "https://a.example,coast.example"
    )
    assert refused(cli, "site", "update", "coast", "--remove-origin", "https://a.example") == (
        "Error: Site coast does not allow https://a.example."
    )
    assert Stories(rt).site("coast").allowed_origins == []  # nothing half-stored


IMPORTS = Path(__file__).parent / "data" / "importers"

# Every command, and how to run it against a database nobody migrated; `serve` runs a
# server (its migration is tested in test_cli.py), the rest of NO_DATABASE touch none.
NO_DATABASE = {"serve", "settings", "moderation eval", "moderation settings", "site settings"}


def _commands(tmp: Path) -> dict[str, list[str]]:
    """Each command's arguments; `tmp` holds the files they name."""
    labelled = tmp / "labelled.jsonl"
    return {
        "db upgrade": [],
        "user create": ["ann", "--password", PASSWORD],
        "user revoke-sessions": ["ann"],
        "user list": [],
        "site create": ["coast", "--origin", "https://coast.example"],
        "site update": ["coast", "--origin", "https://coast.example"],
        "site title-key": ["coast"],
        "site list": [],
        "story close": ["1"],
        "story open": ["1"],
        "story title": ["1", "A title"],
        "story list": [],
        "import page-text": [str(SEED)],
        "import disqus": [str(IMPORTS / "disqus" / "coast-gazette.xml")],
        "import wordpress": [str(IMPORTS / "wordpress" / "coast-gazette.wxr.xml")],
        "import isso": [str(tmp / "coast-isso.db"), "--url", "https://news.example"],
        "import remark42": [str(IMPORTS / "remark42" / "coast-remark42-backup.json")],
        "import veche": [str(tmp / "export.json")],
        "export": ["--site", "coast", "--out", str(tmp / "coast.json")],
        "moderation train": [str(labelled), "--out", str(tmp / "model.bin")],
        "webhook add": ["coast", "https://hooks.example/x"],
        "webhook list": ["coast"],
        "webhook remove": ["1"],
        "webhook disable": ["1"],
        "webhook enable": ["1"],
        "webhook deliveries": ["coast"],
    }


def _leaves(group: click.Group, prefix: str = "") -> list[str]:
    names = []
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            names += _leaves(command, f"{prefix}{name} ")
        else:
            names.append(prefix + name)
    return names


def test_every_database_command_is_listed(tmp_path: Path) -> None:
    """A new command must say here how it meets a fresh database."""
    assert set(_leaves(main)) == set(_commands(tmp_path)) | NO_DATABASE


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The CLI on a SQLite file nobody migrated (it does not exist yet)."""
    monkeypatch.setenv("VECHE_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    monkeypatch.setenv("VECHE_SECRET_KEY", "test-secret-key")
    return CliRunner()


@pytest.mark.parametrize("command", sorted(_commands(Path("unused"))))
def test_fresh_database(command: str, fresh: CliRunner, tmp_path: Path) -> None:
    """On a never-migrated SQLite file each command migrates it first and then works, or
    refuses in one line, without a traceback."""
    (tmp_path / "labelled.jsonl").write_text(
        '{"text": "hi", "lang": "en", "label": "ok"}\n', encoding="utf-8"
    )
    isso_sample.coast(tmp_path)
    (tmp_path / "export.json").write_text(
        '{"format": "veche-export", "version": 1, "site": {"name": "x"}, "stories": []}',
        encoding="utf-8",
    )
    r = run(fresh, *command.split(), *_commands(tmp_path)[command])
    assert "Traceback" not in r.output
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    if r.exit_code:
        assert r.exit_code == 1
        assert len(r.output.strip().splitlines()) == 1, r.output
        assert "sqlalchemy" not in r.output.lower() and "no such table" not in r.output
    if (
        command.startswith("import ") and command != "import veche"
    ):  # the summary, then the stories written
        assert r.exit_code == 0 and "\n/stories/1\n" in r.output, r.output


def test_unreachable_database_names_the_fix(
    fresh: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VECHE_DATABASE_URL", f"sqlite:///{tmp_path / 'missing' / 'x.db'}")
    for args in (["site", "list"], ["import", "page-text", str(SEED)], ["webhook", "list", "a"]):
        line = refused(fresh, *args)
        assert "veche db upgrade" in line and "VECHE_DATABASE_URL" in line
