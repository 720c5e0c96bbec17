"""`veche webhook`: a site's webhook endpoints and their delivery log, from the server.

Each command migrates the database first (as `veche serve` does), so a fresh upgrade of
veche never meets a missing table with a traceback.
"""

from __future__ import annotations

import datetime as dt

import click

from veche.cli.common import Fail as _Fail
from veche.cli.common import database
from veche.domain.errors import VecheError
from veche.service.webhooks import CONSOLE, Webhooks
from veche.webhooks.payloads import TYPES


def _webhooks() -> Webhooks:
    return Webhooks(database())


def _when(at: dt.datetime | None) -> str:
    return "-" if at is None else at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


@click.group("webhook")
def webhook() -> None:
    """Signed HTTP POSTs to a publisher's server when comments change (README: Webhooks)."""


@webhook.command("add")
@click.argument("site")
@click.argument("url")
@click.option(
    "--event", "events", multiple=True, type=click.Choice(TYPES),
    help="An event to send; repeatable. Default: all of them.",
)  # fmt: skip
def webhook_add(site: str, url: str, events: tuple[str, ...]) -> None:
    """Send SITE's comment events to URL; prints the signing secret, once."""
    svc = _webhooks()
    try:
        added = svc.add(site, url, CONSOLE, events=list(events))
    except VecheError as exc:
        raise _Fail(exc.message) from exc
    click.echo(f"Added webhook {added.id} of {added.site}: {added.url}")
    click.echo(f"  events: {', '.join(added.events)}")
    click.echo(f"  secret: {added.secret}")
    click.echo("Keep the secret now: it signs every delivery and is not shown again.")


@webhook.command("list")
@click.argument("site")
def webhook_list(site: str) -> None:
    """SITE's webhooks (without their secrets)."""
    svc = _webhooks()
    try:
        found = svc.endpoints(site, CONSOLE)
    except VecheError as exc:
        raise _Fail(exc.message) from exc
    if not found:
        click.echo(f"Site {site} has no webhooks.")
    for e in found:
        state = "active" if e.active else "inactive"
        click.echo(f"{e.id}\t{state}\t{e.url}\t{','.join(e.events)}\t{_when(e.created_at)}")


@webhook.command("remove")
@click.argument("webhook_id", type=int)
def webhook_remove(webhook_id: int) -> None:
    """Delete a webhook; deliveries still waiting are marked failed."""
    svc = _webhooks()
    try:
        dropped = svc.remove(webhook_id, CONSOLE)
    except VecheError as exc:
        raise _Fail(exc.message) from exc
    click.echo(f"Removed webhook {webhook_id} ({dropped} waiting deliveries dropped).")


def _set_active(webhook_id: int, active: bool) -> None:
    svc = _webhooks()
    try:
        e = svc.set_active(webhook_id, active, CONSOLE)
    except VecheError as exc:
        raise _Fail(exc.message) from exc
    click.echo(f"Webhook {e.id} of {e.site} is {'active' if e.active else 'paused'}: {e.url}")


@webhook.command("disable")
@click.argument("webhook_id", type=int)
def webhook_disable(webhook_id: int) -> None:
    """Pause a webhook: nothing new is queued, and waiting deliveries fail."""
    _set_active(webhook_id, False)


@webhook.command("enable")
@click.argument("webhook_id", type=int)
def webhook_enable(webhook_id: int) -> None:
    """Resume a paused webhook (later events only)."""
    _set_active(webhook_id, True)


@webhook.command("deliveries")
@click.argument("site")
@click.option("--webhook", "endpoint_id", type=int, default=None, help="Only this webhook's.")
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
def webhook_deliveries(site: str, endpoint_id: int | None, limit: int) -> None:
    """SITE's delivery log, newest first: status, attempts, last HTTP status and error."""
    svc = _webhooks()
    try:
        rows = svc.deliveries(site, CONSOLE, endpoint_id=endpoint_id, limit=limit)
    except VecheError as exc:
        raise _Fail(exc.message) from exc
    if not rows:
        click.echo(f"No webhook deliveries for {site} yet.")
        return
    click.echo("id\twebhook\tevent\tstatus\tattempts\thttp\tcreated\terror")
    for d in rows:
        status = d.status
        if d.status == "pending" and d.attempts:
            status += f" (next {_when(d.next_attempt_at)})"
        click.echo(
            f"{d.id}\t{d.endpoint_id or '-'}\t{d.event or '-'}\t{status}\t{d.attempts}\t"
            f"{d.last_status or '-'}\t{_when(d.created_at)}\t{d.last_error or ''}"
        )
