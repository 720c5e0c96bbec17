"""Per-site themes: every value parsed as CSS and written back from the parse, so a hostile
value is refused (by the CLI, with a one-line error) and the stylesheet holds values only."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from tests.conftest import World
from veche.cli.main import main
from veche.domain import theme
from veche.domain.errors import InvalidInput
from veche.service.runtime import Runtime
from veche.service.stories import SiteSettings, Stories

HOSTILE = "red;}</style><script>alert(1)</script>"


@pytest.mark.parametrize(
    ("name", "raw", "stored"),
    [
        ("accent", "#0B57A4", "#0B57A4"),
        ("accent", "rgb(11 87 164)", "rgb(11 87 164)"),
        ("accent", " navy /* the masthead's */ ", "navy"),
        ("dark_background", "hsl(210 20% 10%)", "hsl(210 20% 10%)"),
        ("radius", "6PX", "6px"),
        ("radius", "0", "0"),
        ("spacing", "1.25rem", "1.25rem"),
        ("font", 'Georgia,"Times New Roman" ,  serif', 'Georgia, "Times New Roman", serif'),
        ("font", "Noto Sans, sans-serif", "Noto Sans, sans-serif"),
        ("font", "Geor\\67 ia", "Georgia"),  # written back as read, not as given
    ],
)
def test_values_are_stored_as_parsed(name: str, raw: str, stored: str) -> None:
    assert theme.updated({}, {name: raw}) == {name: stored}


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("accent", HOSTILE),
        ("accent", "red; background: url(https://evil.example/x)"),
        ("accent", "url(https://evil.example/x)"),
        ("accent", "expression(alert(1))"),
        ("accent", "notacolour"),
        ("accent", "#12"),
        ("text", "red}"),
        ("radius", "6"),
        ("radius", "1e3px"),
        ("radius", "calc(100vh)"),
        ("radius", "-2px"),
        ("spacing", "10vw"),
        ("font", '"Georgia</style><script>"'),
        ("font", "Georgia; color: red"),
        ("font", "inherit"),
        ("font", "x\\3c /style\\3e"),  # escapes are read: "x</style>"
        ("font", ", serif"),
        ("font", ", ".join(["serif"] * 11)),
        ("font", "x" * 300),
    ],
)
def test_hostile_or_malformed_values_are_refused(name: str, raw: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        theme.updated({}, {name: raw})
    assert refused.value.field == name


def test_unknown_names_are_refused_and_empty_values_clear() -> None:
    with pytest.raises(InvalidInput, match="no theme setting"):
        theme.updated({}, {"colour": "red"})
    assert theme.updated({"accent": "red", "radius": "2px"}, {"accent": ""}) == {"radius": "2px"}
    assert theme.updated({"accent": "red"}, {"accent": None}) == {}


def test_the_stylesheet_sets_light_and_dark_where_vechecss_does() -> None:
    stored = theme.updated(
        {}, {"accent": "#7a1f5c", "dark_accent": "#f2a7d8", "font": "Georgia, serif"}
    )
    css = theme.ThemeSettings.from_stored(stored).css()
    assert ":root, :host { --veche-font: Georgia, serif; --veche-accent: #7a1f5c; }" in css
    assert ":host { font-family: var(--veche-font); }" in css  # the embed: the site's font
    assert "@media (prefers-color-scheme: dark)" in css
    assert ':host([data-theme="dark"]) { --veche-accent: #f2a7d8; }' in css
    assert "#f2a7d8" not in css.split("@media")[0]  # dark values only in dark blocks
    plain = theme.ThemeSettings().css()
    assert "--veche" not in plain and "font-family" not in plain


def test_theme_css_route(client: TestClient, world: World) -> None:
    Stories(world.rt).update_site("news", SiteSettings(theme={"surface": "#f4efe6"}))
    r = client.get("/sites/news/theme.css")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/css")
    assert "--veche-surface: #f4efe6;" in r.text
    assert client.get("/sites/nope/theme.css").status_code == 404
    # The story page links it (a stylesheet: the CSP allows no inline style).
    page = client.get(f"/stories/{world.story.id}").text
    assert '<link rel="stylesheet" href="/sites/news/theme.css">' in page
    assert "style=" not in page
    with pytest.raises(InvalidInput):
        Stories(world.rt).update_site("news", SiteSettings(theme={"surface": HOSTILE}))
    assert "--veche-surface: #f4efe6;" in client.get("/sites/news/theme.css").text


def test_a_stored_value_is_parsed_again_on_the_way_out(client: TestClient, world: World) -> None:
    """A row written past the service (by hand, by an old version) cannot inject either."""
    from sqlalchemy import update

    from veche.store.models import Site

    with world.rt.db.session() as s:
        s.execute(
            update(Site)
            .where(Site.name == "news")
            .values(theme={"accent": HOSTILE, "radius": "3px", "newer": "x"})
        )
    r = client.get("/sites/news/theme.css")
    assert r.status_code == 200 and "<" not in r.text and "alert" not in r.text
    assert "--veche-radius: 3px;" in r.text


def test_cli_sets_clears_and_refuses(cli: CliRunner, rt: Runtime) -> None:
    made = cli.invoke(main, ["site", "create", "news", "--theme-accent", "#7a1f5c"])
    assert made.exit_code == 0, made.output
    assert "theme: accent=#7a1f5c" in made.output
    bad = cli.invoke(main, ["site", "update", "news", "--theme-border", HOSTILE])
    assert bad.exit_code == 1
    assert bad.output.startswith("Error: border: ") and "not one CSS value" in bad.output
    assert "Traceback" not in bad.output
    cleared = cli.invoke(main, ["site", "update", "news", "--clear-theme", "accent"])
    assert cleared.exit_code == 0 and "theme: veche's default" in cleared.output
    assert Stories(rt).site("news").theme == {}


def test_docs_theming_table_is_generated_from_the_declarations() -> None:
    doc = (Path(__file__).resolve().parents[1] / "docs" / "theming.md").read_text("utf-8")
    start = doc.index("<!-- theme-settings:")
    start = doc.index("\n", start) + 1
    end = doc.index("<!-- /theme-settings -->")
    assert doc[start:end] == theme.docs_table()


def test_every_setting_is_a_property_vechecss_reads() -> None:
    css = (Path(theme.__file__).parents[1] / "web" / "static" / "veche.css").read_text()
    for d in theme.SETTINGS:
        prop = "--veche-" + d.name.removeprefix("dark_").replace("_", "-")
        assert f"var({prop})" in css, prop
