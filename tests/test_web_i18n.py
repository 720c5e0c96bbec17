"""The request's language on the web: the site's default, the browser's, the reader's own;
caches keyed by it; the API's codes stable while its messages are translated; mails."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from tests.conftest import World, bearer, error
from veche.domain.errors import InvalidInput
from veche.domain.notifications import NotificationKind
from veche.service import notify_mail
from veche.service.stories import SiteSettings, Stories
from veche.store.models import Comment
from veche.store.reader_models import Notification


def lang_of(html: str) -> str:
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


def test_the_sites_default_applies_when_the_browser_asks_for_none_of_ours(
    client: TestClient, world: World
) -> None:
    Stories(world.rt).update_site("news", SiteSettings(language="kk"))
    page = f"/stories/{world.story.id}"
    r = client.get(page, headers={"Accept-Language": "de-DE, fr;q=0.5"})
    assert lang_of(r.text) == "kk" and "Талқылау" in r.text
    assert "Accept-Language" in r.headers["vary"]
    r = client.get(page, headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    assert lang_of(r.text) == "ru" and "Обсуждение" in r.text
    r = client.get(page, headers={"Accept-Language": "en-GB"})
    assert lang_of(r.text) == "en" and "Discussion" in r.text
    # The same target again, now answered from the caches: still each in its own language.
    for header, word in (("ru", "Обсуждение"), ("de", "Талқылау"), ("en", "Discussion")):
        again = client.get(page, headers={"Accept-Language": header})
        assert word in again.text, header


def test_a_site_language_must_be_one_of_ours(world: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        Stories(world.rt).update_site("news", SiteSettings(language="de"))
    assert refused.value.field == "language"


def test_the_readers_setting_wins_and_messages_follow_it(client: TestClient, world: World) -> None:
    _uid, token = world.user("aigerim")
    r = client.patch(
        "/api/v1/me",
        json={"language": "kk", "time_zone": "Asia/Almaty"},
        headers={**bearer(token), "Accept-Language": "ru"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["language"] == "kk" and r.json()["time_zone"] == "Asia/Almaty"
    # An empty comment: the code stays "invalid_input", the message is in Kazakh.
    r = client.post(
        f"/api/v1/stories/{world.story.id}/comments",
        json={"body": "   ", "idempotency_key": "k-0000000001"},
        headers={**bearer(token), "Accept-Language": "ru"},
    )
    err = error(r, 422, "invalid_input")
    assert err["message"] == "Пікір бос."
    bad = client.patch("/api/v1/me", json={"time_zone": "Mars/Olympus"}, headers=bearer(token))
    assert error(bad, 422, "invalid_input")["field"] == "time_zone"
    cleared = client.patch("/api/v1/me", json={"language": ""}, headers=bearer(token))
    assert cleared.json()["language"] is None


def test_anonymous_refusals_speak_the_browsers_language(client: TestClient, world: World) -> None:
    r = client.get("/api/v1/stories/999999/comments", headers={"Accept-Language": "ru"})
    err = error(r, 404, "not_found")
    assert err["message"] == "Такого материала нет."
    r = client.get("/api/v1/stories/999999/comments")
    assert error(r, 404, "not_found")["message"] == "There is no such story."


def test_the_scripts_catalog_route(client: TestClient) -> None:
    r = client.get("/i18n/ru.json")
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "*"
    assert "max-age" in r.headers["cache-control"]
    body = r.json()
    assert body["plurals"]["%(num)s comment"] == {
        "one": "%(num)s комментарий", "few": "%(num)s комментария", "many": "%(num)s комментариев",
    }  # fmt: skip
    assert body["messages"]["Posted."] == "Опубликовано."
    assert client.get("/i18n/xx.json").status_code == 404


def test_a_notification_mail_is_in_the_readers_language(world: World) -> None:
    comment = Comment(
        id=7, story_id=world.story.id, body_text="Согласен.", body_html="<p>Согласен.</p>"
    )
    mail = notify_mail.one(
        "a@example.org", NotificationKind.reply, "Mara", comment, world.story,
        base="https://veche.test", unsubscribe="https://veche.test/u", language="ru",
    )  # fmt: skip
    assert mail.subject == "Mara ответил(а) на ваш комментарий: «Storm cuts the coast road»"
    assert "Прочитать и ответить" in mail.text and "Отписаться" in (mail.html or "")
    rows = [(Notification(kind=NotificationKind.mention, actor="Oleg"), comment, world.story)]
    digest = notify_mail.digest(
        "a@example.org", dt.date(2026, 12, 4), rows, base="https://veche.test",
        unsubscribe="https://veche.test/u", language="kk",
    )  # fmt: skip
    assert digest.subject == "veche жиынтығыңыз: 1 жаңа (2026-12-04)"
