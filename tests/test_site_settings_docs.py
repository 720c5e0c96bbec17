"""docs/sites.md's tables and the `veche site` options are made from the one list of
declared settings: a setting added to any group shows up in both, or this fails."""

from __future__ import annotations

from pathlib import Path

import click
from click.testing import CliRunner

from veche.cli.main import main
from veche.domain.site_settings import GROUPS, docs_table

DOC = Path(__file__).resolve().parents[1] / "docs" / "sites.md"


def test_docs_tables_are_generated_from_the_declarations() -> None:
    doc = DOC.read_text("utf-8")
    start = doc.index("\n", doc.index("<!-- site-settings:")) + 1
    end = doc.index("<!-- /site-settings -->")
    assert doc[start:end] == docs_table()
    out = CliRunner().invoke(main, ["site", "settings"])
    assert out.exit_code == 0 and out.output == docs_table()


def test_every_group_and_setting_is_in_the_docs() -> None:
    table = docs_table()
    for group in GROUPS:
        assert f"### {group.title}\n" in table
        for d in group.settings:
            assert f"| `{d.name}` | `{group.flag(d)}" in table


def test_every_declared_setting_is_an_option_of_site_create_and_update() -> None:
    site = main.commands["site"]
    assert isinstance(site, click.Group)
    for command in ("create", "update"):
        flags = {f for p in site.commands[command].params for f in (*p.opts, *p.secondary_opts)}
        for group in GROUPS:
            for d in group.settings:
                assert group.flag(d) in flags, (command, d.name)
