"""One person's data (GDPR access): `veche export --user` and the member's own download are
one function; every table that keeps something about people is in it or says why not; no
secret is ever in it, and nobody gets anyone else's."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from tests.conftest import World, bearer, error
from tests.export_helpers import Archive, build_archive
from veche.cli.main import main
from veche.domain.enums import ReportReason
from veche.service.moderation import Moderation
from veche.service.notifications import Notifications
from veche.service.reactions import Reactions
from veche.service.runtime import Viewer
from veche.store.models import AuthSession, Comment, User
from veche.store.personal import KEPT_ABOUT_A_USER, columns_naming_users
from veche.store.reader_models import AccountToken, Identity


def viewer(world: World, user_id: int) -> Viewer:
    with world.rt.db.session(write=False) as s:
        user = s.get(User, user_id)
        assert user is not None
        s.expunge(user)
    return Viewer(user, "127.0.0.1")


def lived_in(world: World) -> Archive:
    """The archive, and ann's traces elsewhere: a reaction, a report, a notification (bob
    replied to her), an identity at the publisher's SSO."""
    made = build_archive(world)
    ann = viewer(world, made.members["ann"])
    Reactions(world.rt).react(made.ids["edited"], ann, True)
    Moderation(world.rt).report(made.ids["edited"], ann, ReportReason.spam, "Looks like spam")
    Notifications(world.rt).follower().run_once()
    with world.rt.db.session() as s:
        site_id = world.story.site_id
        s.add(
            Identity(
                user_id=made.members["ann"], site_id=site_id, provider="sso",
                subject="gazette-7781", created_at=world.rt.clock(),
            )
        )  # fmt: skip
    return made


def test_cli_user_export_has_every_part_and_no_secret(
    cli: CliRunner, world: World, tmp_path: Path
) -> None:
    made = lived_in(world)
    target = tmp_path / "ann.json"
    r = cli.invoke(main, ["export", "--user", "ANN", "--out", str(target)])
    assert r.exit_code == 0, r.output
    assert f"Wrote the data of ann to {target}." in r.output
    assert stat.S_IMODE(target.stat().st_mode) == 0o600  # personal data: its owner's alone
    text = target.read_text()
    data = json.loads(text)
    assert (data["format"], data["version"]) == ("veche-personal-data", 1)
    profile = data["profile"]
    assert (profile["handle"], profile["display_name"], profile["email"]) == (
        "ann", "Ann Kask", "ann@example.org",
    )  # fmt: skip
    assert profile["role"] == "reader" and profile["notification_mail"] == "immediate"
    assert profile["has_password"] is True and profile["email_verified"] is False
    ann_ids = {made.ids[k] for k in ("root", "under_deleted", "removed")}
    assert {c["id"] for c in data["comments"]} == ann_ids
    removed = next(c for c in data["comments"] if c["id"] == made.ids["removed"])
    assert (removed["status"], removed["moderator_reason"]) == ("removed", "Spam")
    root = next(c for c in data["comments"] if c["id"] == made.ids["root"])
    assert root["moderator_reason"] is None
    assert root["story"]["url"] == world.story.url and root["quote"]["source"] == "story"
    assert [r["comment_id"] for r in data["reactions"]] == [made.ids["edited"]]
    [report] = data["reports"]
    assert (report["comment_id"], report["reason"], report["note"]) == (
        made.ids["edited"], "spam", "Looks like spam",
    )  # fmt: skip
    kinds = {(n["kind"], n["comment_id"], n["actor"]) for n in data["notifications"]}
    assert ("reply", made.ids["reply"], "bob") in kinds
    [identity] = data["identities"]
    assert (identity["site"], identity["provider"], identity["subject"]) == (
        "news", "sso", "gazette-7781",
    )  # fmt: skip
    assert len(data["sessions"]) == 1 and data["sessions"][0]["current"] is False
    with world.rt.db.session(write=False) as s:
        secrets = [
            *(h for h in s.scalars(select(User.password_hash)) if h),
            *s.scalars(select(AuthSession.token_hash)),
            *s.scalars(select(AccountToken.token_hash)),
        ]
    assert secrets and not any(x in text for x in secrets)
    assert made.tokens["ann"] not in text and "bob@example.org" not in text


def test_the_edits_of_their_comments_are_theirs(world: World) -> None:
    from veche.service.personal_data import PersonalData

    made = build_archive(world)
    data = PersonalData(world.rt).of(made.members["bob"])
    [revision] = data["revisions"]
    assert (revision["comment_id"], revision["body_markdown"]) == (
        made.ids["edited"],
        "First words.",
    )


def test_a_shadow_ban_is_not_told(world: World) -> None:
    from veche.service.personal_data import PersonalData

    made = build_archive(world)
    with world.rt.db.session() as s:
        s.execute(update(Comment).where(Comment.id == made.ids["edited"]).values(status="shadowed"))
        s.execute(update(User).where(User.id == made.members["bob"]).values(shadow_banned=True))
    data = PersonalData(world.rt).of(made.members["bob"])
    assert "shadow" not in json.dumps(data)
    edited = next(c for c in data["comments"] if c["id"] == made.ids["edited"])
    assert edited["status"] == "visible"


def test_every_table_that_names_a_user_is_accounted_for() -> None:
    """A new table pointing at users must be added to the download or say why it is not."""
    assert set(KEPT_ABOUT_A_USER) == {"users", *columns_naming_users()}


def _ids(data: dict[str, Any]) -> set[int]:
    return {c["id"] for c in data["comments"]}


def test_the_download_is_the_signed_in_members_own_and_nobody_elses(
    client: TestClient, world: World
) -> None:
    made = lived_in(world)
    ann, bob = made.tokens["ann"], made.tokens["bob"]
    error(client.get("/api/v1/me/export"), 401, "auth_required")
    mine = client.get("/api/v1/me/export", headers=bearer(ann))
    assert mine.status_code == 200
    assert mine.headers["content-disposition"] == (
        f'attachment; filename="veche-{made.members["ann"]}.json"'
    )
    assert mine.headers["cache-control"] == "no-store"
    data = mine.json()
    assert data["profile"]["id"] == made.members["ann"]
    assert data["sessions"][0]["current"] is True
    # Whatever a caller adds, it is the signed-in member's data, never another's.
    for query in (
        f"?user_id={made.members['bob']}",
        "?handle=bob",
        f"?id={made.members['bob']}",
    ):
        other = client.get(f"/api/v1/me/export{query}", headers=bearer(ann)).json()
        assert other["profile"]["handle"] == "ann" and _ids(other) == _ids(data)
    theirs = client.get("/api/v1/me/export", headers=bearer(bob)).json()
    assert theirs["profile"]["handle"] == "bob"
    assert not _ids(theirs) & _ids(data)
    assert "ann@example.org" not in json.dumps(theirs) and "bob@example.org" not in mine.text
    assert theirs["reactions"] == [] and theirs["reports"] == [] and theirs["identities"] == []
    # The account page's link gives the same document.
    page = client.get("/account/export", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/signin")
