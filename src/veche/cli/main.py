"""`veche` with no subcommand serves; the rest administer the database, users and sites."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from veche.cli.common import Fail as _Fail
from veche.cli.common import Main
from veche.cli.common import config as _config
from veche.cli.common import database as _database
from veche.cli.common import guard as _guard
from veche.cli.common import runtime as _runtime  # noqa: F401  (its older name, kept)
from veche.cli.site_auth import auth_changes as _auth_changes
from veche.cli.site_auth import auth_options as _auth_options
from veche.cli.site_auth import auth_shown as _auth_shown
from veche.config import Config
from veche.domain.enums import Role
from veche.domain.language import SETTINGS as LANGUAGE_SETTINGS
from veche.domain.moderation import SETTINGS as MODERATION_SETTINGS
from veche.service.accounts import Accounts
from veche.service.runtime import Runtime
from veche.service.stories import SiteSettings, Stories


def _setting_options(fn: Any) -> Any:
    """Every setting is also an option of `veche serve`, which sets its variable for this
    process and its workers: one declaration, one meaning, whichever way it is given."""
    for f in reversed(Config.settings()):
        env = f.metadata["env"]
        fn = click.option(
            "--" + f.name.replace("_", "-"), f.name, default=None, metavar="VALUE",
            help=f"{f.metadata['help']} (env {env})".replace("`", ""),
        )(fn)  # fmt: skip
    return fn


@click.group(cls=Main, invoke_without_command=True)
@click.pass_context
def main(ctx: click.Context) -> None:
    """veche: threaded discussions for news sites."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(serve)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--demo", is_flag=True, help="Seed a demo site and story first.")
@click.option(
    "--workers", default=1, show_default=True, type=click.IntRange(1, 64),
    help="Server processes on this port; more than 1 needs VECHE_REDIS_URL.",
)  # fmt: skip
@click.option(
    "--access-log/--no-access-log", default=True, show_default=True,
    help="A log line per request.",
)  # fmt: skip
@_setting_options
def serve(
    host: str, port: int, demo: bool, workers: int, access_log: bool, **given: str | None
) -> None:
    """Serve the site, API and embed (migrating the database first)."""
    import os

    import uvicorn

    from veche.logs import configure, lean_records
    from veche.web.app import create_app
    from veche.web.live import tune_gc

    for f in Config.settings():
        if given.get(f.name) is not None:
            os.environ[f.metadata["env"]] = str(given[f.name])
    if workers > 1 and not _config().redis_url:
        # Each worker is a node of its own: its streams, caches and rate limits hear the
        # others only through Redis.
        raise _Fail("--workers above 1 needs VECHE_REDIS_URL (the workers share nothing else).")
    configure()
    lean_records()
    tune_gc()
    rt = _database()
    if demo:
        from veche.demo.seed import seed_demo

        path = _guard(seed_demo, rt)
        click.echo(f"Demo story: {rt.config.base_url}{path}")
    # log_config=None: uvicorn's own lines go through our handler, request id included.
    options: dict[str, Any] = {
        "host": host, "port": port, "log_level": "info", "log_config": None,
        "access_log": access_log,
    }  # fmt: skip
    if workers > 1:
        rt.db.dispose()
        uvicorn.run("veche.web.app:worker_app", factory=True, workers=workers, **options)
        return
    uvicorn.run(create_app(rt.config, rt), **options)


@main.command("settings")
def settings() -> None:
    """Print every setting, its variable, default and meaning (README's table)."""
    from veche.config import Config

    click.echo(Config.docs_table(), nl=False)


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration (SQLite or PostgreSQL, from VECHE_DATABASE_URL)."""
    _database()
    click.echo("Database is up to date.")


@main.group()
def user() -> None:
    """Accounts."""


@user.command("create")
@click.argument("handle")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--email", default=None)
@click.option("--display-name", default=None, help="The real name shown in brackets.")
@click.option("--role", type=click.Choice([r.value for r in Role]), default="reader")
def user_create(
    handle: str, password: str, email: str | None, display_name: str | None, role: str
) -> None:
    """Create an account, e.g. the first admin: veche user create ann --role admin."""
    rt = _database()
    u = _guard(
        Accounts(rt).create_user, handle, password,
        email=email, display_name=display_name, role=Role(role), email_proved=True,
    )  # fmt: skip
    click.echo(f"Created {u.role.value} {u.handle} (id {u.id}).")


@user.command("revoke-sessions")
@click.argument("handle")
def user_revoke_sessions(handle: str) -> None:
    """Sign a user out everywhere (a stolen device, a banned account)."""
    from veche.domain.validation import handle_key
    from veche.store.accounts import user_by_handle_key

    rt = _database()
    with rt.db.session(write=False) as s:
        found = user_by_handle_key(s, handle_key(handle))
    if found is None:
        raise _Fail(f"There is no user “{handle}”.")
    count = Accounts(rt).revoke_all(found.id)
    click.echo(f"Revoked {count} session(s) of {found.handle}.")


def _site_options(fn: Any) -> Any:
    fn = _auth_options(fn)
    # Moderation settings: one option each, generated from their declarations.
    for d in reversed(MODERATION_SETTINGS):
        fn = click.option(
            "--" + d.name.replace("_", "-"), "mod_" + d.name, default=None, metavar="VALUE",
            help=f"{d.help} (default: {_shown(d.default)})".replace("`", ""),
        )(fn)  # fmt: skip
    for d in LANGUAGE_SETTINGS:
        fn = click.option(
            "--" + d.name, default=None, metavar="LANG", help=f"{d.help} (default: {d.default})"
        )(fn)
    fn = click.option(
        "--title-suffix", default=None, metavar="TEXT",
        help='What page titles end with, e.g. "The Coast Gazette": dropped from story titles '
        '("" forgets it).',
    )(fn)  # fmt: skip
    fn = click.option(
        "--set-origins", default=None, metavar="URL,URL",
        help='Replace the allowed origins with this comma-separated list ("" empties it).',
    )(fn)  # fmt: skip
    fn = click.option(
        "--remove-origin", "remove_origins", multiple=True, metavar="URL",
        help="Stop allowing an origin; repeatable.",
    )(fn)  # fmt: skip
    fn = click.option(
        "--origin", "origins", multiple=True, metavar="URL",
        help="Allow an origin (https://host[:port], no path) besides those allowed; repeatable.",
    )(fn)  # fmt: skip
    fn = click.option("--require-sign-in/--no-require-sign-in", default=None)(fn)
    fn = click.option("--allow-guests/--no-allow-guests", default=None)(fn)
    fn = click.option("--edit-window", type=int, default=None, help="Minutes.")(fn)
    fn = click.option("--max-length", type=int, default=None, help="Characters.")(fn)
    return fn


def _shown(value: Any) -> str:
    if isinstance(value, tuple):
        return ", ".join(value) or "none"
    return str(value)


def _settings(
    origins: tuple[str, ...], remove_origins: tuple[str, ...], set_origins: str | None,
    title_suffix: str | None, require_sign_in: bool | None, allow_guests: bool | None,
    edit_window: int | None, max_length: int | None, language: str | None = None,
    **moderation: Any,
) -> SiteSettings:  # fmt: skip
    auth = _auth_changes(moderation)
    replaced = None
    if set_origins is not None:
        replaced = [o.strip() for o in set_origins.split(",") if o.strip()]
    return SiteSettings(
        auth=auth or None,
        moderation={k[4:]: v for k, v in moderation.items() if v is not None} or None,
        allowed_origins=replaced,
        add_origins=list(origins) or None,
        remove_origins=list(remove_origins) or None,
        title_suffix=title_suffix,
        language=language,
        require_sign_in=require_sign_in,
        allow_guests=allow_guests,
        edit_window_seconds=edit_window * 60 if edit_window is not None else None,
        max_comment_length=max_length,
    )


def _describe(site: Any) -> str:
    return (
        f"site {site.name}: origins={','.join(site.allowed_origins) or '-'} "
        f"require_sign_in={site.require_sign_in} allow_guests={site.allow_guests} "
        f"edit_window={site.edit_window_seconds // 60}min max_length={site.max_comment_length}\n"
        "  moderation: "
        + " ".join(f"{k}={_shown(v)}" for k, v in _moderation_of(site).items())
        + "\n  sign-in: "
        + _auth_shown(site)
        + (f"\n  title suffix: {site.title_suffix}" if site.title_suffix else "")
        + f"\n  language: {site.language}"
    )


def _moderation_of(site: Any) -> dict[str, Any]:
    from veche.domain.moderation import ModerationSettings

    settings = ModerationSettings.from_stored(site.moderation)
    return {d.name: getattr(settings, d.name) for d in MODERATION_SETTINGS}


@main.group()
def site() -> None:
    """Publishers' sites and their settings."""


@site.command("create")
@click.argument("name")
@_site_options
def site_create(name: str, **opts: Any) -> None:
    """Add a publisher's site; --origin names the pages allowed to embed it."""
    rt = _database()
    created = _guard(Stories(rt).create_site, name, _settings(**opts))
    click.echo("Created " + _describe(created))


@site.command("update")
@click.argument("name")
@_site_options
def site_update(name: str, **opts: Any) -> None:
    """Change a site's settings: only those given; --origin adds, --remove-origin takes away,
    --set-origins replaces the list."""
    rt = _database()
    updated = _guard(Stories(rt).update_site, name, _settings(**opts))
    click.echo("Updated " + _describe(updated))


@site.command("title-key")
@click.argument("name")
def site_title_key(name: str) -> None:
    """Print the key this site's pages sign their story titles with.

    The page's embed tag then carries data-title-signature, the hex HMAC-SHA256 of
    data-story-url, a newline and data-story-title; a signed title is confirmed."""
    rt = _database()
    click.echo(_guard(Stories(rt).title_key, name))


@main.group()
def story() -> None:
    """Stories: close a discussion to new comments, or open it again; confirm titles."""


def _set_open(story_id: int, is_open: bool) -> None:
    rt = _database()
    done = _guard(Stories(rt).update_content, story_id, is_open=is_open)
    verb = "Opened" if is_open else "Closed"
    click.echo(f"{verb} the discussion of “{done.title}”.")


@story.command("close")
@click.argument("story_id", type=int)
def story_close(story_id: int) -> None:
    _set_open(story_id, False)


@story.command("open")
@click.argument("story_id", type=int)
def story_open(story_id: int) -> None:
    _set_open(story_id, True)


@story.command("title")
@click.argument("story_id", type=int)
@click.argument("title", required=False)
@click.option("--confirm", is_flag=True, help="Confirm the current (provisional) title.")
def story_title(story_id: int, title: str | None, confirm: bool) -> None:
    """Set a story's title (it is then confirmed), or confirm the one a browser sent."""
    if title is None and not confirm:
        raise click.UsageError("Give a new title, or --confirm the current one.")
    rt = _database()
    done = _guard(Stories(rt).update_content, story_id, title=title, confirm_title=confirm)
    click.echo(f"The title of story {done.id} is “{done.title}”, confirmed.")


@main.group("import")
def import_() -> None:
    """Bring discussions in from elsewhere."""


@import_.command("page-text")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--site", "site_name", default="default", show_default=True)
@click.option("--url", default=None, help="The story's canonical URL.")
def import_page_text(file: Path, site_name: str, url: str | None) -> None:
    """Import a scraped page (story and numbered thread); prints its hosted page path."""
    from veche.importers.load import import_page
    from veche.importers.page_text import PageTextError, parse_page_text

    rt = _database()
    try:
        parsed = parse_page_text(file.read_text(encoding="utf-8"))
    except (PageTextError, UnicodeDecodeError) as exc:
        raise _Fail(f"{file}: {exc}") from exc
    if site_name == "default":
        _ensure_default_site(rt)
    story = _guard(import_page, rt, parsed, site_name=site_name, url=url)
    click.echo(f"/stories/{story.id}")


def _ensure_default_site(rt: Runtime) -> None:
    from veche.store import stories as store_stories

    with rt.db.session(write=False) as s:
        exists = store_stories.site_by_name(s, "default") is not None
    if not exists:
        Stories(rt).create_site("default", SiteSettings(allowed_origins=[rt.config.base_url]))


from veche.cli.moderation import moderation  # noqa: E402  (a group of its own module)

main.add_command(moderation)

from veche.cli.webhooks import webhook  # noqa: E402  (a group of its own module)

main.add_command(webhook)

from veche.cli.lists import site_list, story_list, user_list  # noqa: E402  (their own module)

site.add_command(site_list)
story.add_command(story_list)
user.add_command(user_list)
