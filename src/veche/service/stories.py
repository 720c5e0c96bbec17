"""Publishers' sites and their stories; a story is created on first sight of its URL."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from sqlalchemy.exc import IntegrityError

from veche.domain import article, titles, validation
from veche.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from veche.domain.language import LanguageSettings
from veche.domain.markup import clean_text, html_to_text, render_markdown
from veche.domain.site_settings import GROUPS, snapshot
from veche.i18n import gettext as _
from veche.live.broker import Notice
from veche.security import signing
from veche.security.ratelimit import client_bucket
from veche.service import policy
from veche.service.runtime import Runtime
from veche.service.site_changes import SiteSettings as SiteSettings  # where callers find it
from veche.service.site_changes import apply
from veche.service.titles import known_names, page_title
from veche.store import comments as store_comments
from veche.store import stories as store
from veche.store.models import Site, Story
from veche.store.moderation import Actor, audit


class Stories:
    ORIGINS_TTL = 10.0

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self._origins: tuple[float, frozenset[str]] = (0.0, frozenset())

    def create_site(self, name: str, settings: SiteSettings, *, by: Actor | None = None) -> Site:
        """`by`: an admin's change, written to the audit log with the site."""
        name = clean_text(validation.reject_nul(name, "site name", field="name"))
        if not name or len(name) > 64:
            raise InvalidInput(_("A site name is 1 to 64 characters."), field="name")
        site = Site(
            name=name,
            allowed_origins=[],
            require_sign_in=True,
            allow_guests=False,
            edit_window_seconds=15 * 60,
            max_comment_length=5000,
            moderation={},
            auth={},
            theme={},
            language=LanguageSettings().language,
            created_at=self.rt.clock(),
        )
        apply(site, settings)
        try:
            with self.rt.db.session() as s:
                if store.site_by_name(s, name):
                    raise Conflict(
                        _("A site named “%(name)s” exists already.") % {"name": name}, field="name"
                    )
                s.add(site)
                if by is not None:
                    s.flush()
                    audit(s, by, "site_create", "site", site.id, now=self.rt.clock(),
                          after={"name": site.name, **snapshot(site, settings.changes())})  # fmt: skip
        except IntegrityError as exc:
            raise Conflict(
                _("A site named “%(name)s” exists already.") % {"name": name}, field="name"
            ) from exc
        self.sites_changed()
        return site

    def update_site(
        self, name: str | int, settings: SiteSettings, *, by: Actor | None = None
    ) -> Site:
        """By name, or by id; `by`: an admin's change, audited with the values before and
        after. A refusal changes nothing."""
        with self.rt.db.session() as s:
            site = store.site_by_name(s, name) if isinstance(name, str) else s.get(Site, name)
            if site is None:
                raise NotFound(_("There is no site named “%(name)s”.") % {"name": name} if isinstance(name, str)
                               else _("There is no such site."))  # fmt: skip
            changes = settings.changes()
            if settings.add_origins or settings.remove_origins:
                changes = {**changes, "basics": {**changes.get("basics", {}), "origins": ()}}
            before = snapshot(site, changes)
            apply(site, settings)
            after = snapshot(site, changes)
            # A secret replaced by another reads "set" before and after: still a change.
            replaced = {
                f"{g.key}.{d.name}" for g in GROUPS for d in g.settings
                if d.secret and changes.get(g.key, {}).get(d.name) is not None
            }  # fmt: skip
            if by is not None and (before != after or replaced):
                changed = [k for k in after if before.get(k) != after[k] or k in replaced]
                audit(
                    s, by, "site_update", "site", site.id, now=self.rt.clock(),
                    before={k: before.get(k) for k in changed}, after={k: after[k] for k in changed},
                )  # fmt: skip
        self.sites_changed()
        return site

    def sites_changed(self) -> None:
        """Forget the origins here, and tell every other node to forget theirs."""
        self._origins = (0.0, frozenset())
        self.rt.broker.publish(Notice("sites"))

    def on_notice(self, notice: Notice) -> None:
        if notice.kind == "sites":
            self._origins = (0.0, frozenset())

    def site(self, name: str) -> Site:
        with self.rt.db.session(write=False) as s:
            site = store.site_by_name(s, name)
        if site is None:
            raise NotFound(_("There is no site named “%(name)s”.") % {"name": name})
        return site

    def cached_origins(self) -> frozenset[str] | None:
        """The cached origins while fresh, else None: the caller then queries off the loop."""
        stamp, origins = self._origins
        return origins if time.monotonic() - stamp <= self.ORIGINS_TTL else None

    def allowed_origins(self) -> frozenset[str]:
        """All sites' origins, for CORS; cached briefly so preflights cost no query."""
        stamp, origins = self._origins
        if time.monotonic() - stamp > self.ORIGINS_TTL:
            with self.rt.db.session(write=False) as s:
                origins = frozenset(o for site in store.all_sites(s) for o in site.allowed_origins)
            self._origins = (time.monotonic(), origins)
        return origins

    def check_origin(self, story: Story, origin: str | None) -> None:
        """A publisher's page shows a story's discussion only from an origin its site lists
        (or from veche's own pages): refused with the reason, which the embed shows."""
        parts = urlsplit(self.rt.config.base_url)
        own = f"{parts.scheme}://{parts.netloc}"
        refusal = policy.origin_refusal({*story.site.allowed_origins, own}, origin)
        if refusal is not None:
            raise refusal.exception()

    def get(self, story_id: int) -> Story:
        with self.rt.db.session(write=False) as s:
            story = s.get(Story, story_id)
        if story is None:
            raise NotFound(_("There is no such story."))
        return story

    def by_url(
        self,
        url: str,
        *,
        title: str | None = None,
        create: bool = True,
        ip: str | None = None,
        confirmed: bool = False,
    ) -> Story:
        """Find a story by URL; an embed's first load creates it (a POST, for allowed origins
        only), rate-limited like any other writer. A browser's title is provisional unless
        the publisher signed it (`confirmed`), and an existing story's title is never changed
        here, confirmed or not."""
        url = validation.http_url(url, "story URL", field="url")
        with self.rt.db.session(write=False) as s:
            story = store.story_by_url(s, url)
        if story is not None or not create:
            if story is None:
                raise NotFound(_("There is no discussion for that page yet."))
            return story
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        retitled: list[tuple[int, int]] = []
        try:
            with self.rt.db.session() as s:
                site = next((x for x in store.all_sites(s) if origin in x.allowed_origins), None)
                if site is None:
                    raise NotFound(
                        _("No site here allows pages from %(origin)s.") % {"origin": origin}
                    )
                existing = store.story_by_url(s, url)
                if existing is not None:
                    return existing
                if ip is not None:
                    self.rt.limiter.hit(
                        self.rt.config.rate_limit_writes, "story", client_bucket(ip)
                    )
                shown = url[:300]
                if title and title.strip():
                    shown, retitled = page_title(s, site, title, now=self.rt.clock())
                story = Story(
                    site=site,
                    url=url,
                    title=shown,
                    # A browser said so: shown as provisional until the publisher confirms.
                    title_confirmed=confirmed,
                    created_at=self.rt.clock(),
                )
                s.add(story)
        except IntegrityError:
            # Readers who open a new page together race to create its story; share the winner's.
            with self.rt.db.session(write=False) as s:
                story = store.story_by_url(s, url)
            if story is None:
                raise
            return story
        for story_id, seq in retitled:
            self.rt.publish(story_id, seq)
        return story

    def title_key(self, site_name: str) -> str:
        """The key a site's pages sign their titles with (see security/signing.py)."""
        return signing.site_key(self.rt.secret, self.site(site_name).name)

    def open_thread(
        self,
        url: str,
        title: str | None,
        *,
        origin: str | None,
        ip: str,
        signature: str | None = None,
        article_text: str | None = None,
    ) -> tuple[Story, bool]:
        """An embed asks for its page's discussion: the page (Origin) must be an allowed
        origin of the site the story URL belongs to. Returns the story and whether it is new.
        A title signed with the site's key is the publisher's: it is set and confirmed.
        The page's article text is taken as titles are (see `take_article`)."""
        raw_url = url
        url = validation.http_url(url, "story URL", field="url")
        text = None  # checked before anything is made
        if article_text is not None:
            text = article.normalise(
                validation.reject_nul(article_text, "article text", field="article_text")
            )
        parts = urlsplit(url)
        with self.rt.db.session(write=False) as s:
            site = next(
                (
                    x
                    for x in store.all_sites(s)
                    if f"{parts.scheme}://{parts.netloc}" in x.allowed_origins
                ),
                None,
            )
            existing = store.story_by_url(s, url)
        if site is None:
            raise NotFound(
                _("No site here allows pages from %(scheme)s://%(netloc)s.")
                % {"scheme": parts.scheme, "netloc": parts.netloc}
            )
        if origin is None:
            raise Forbidden(_("Only the publisher's own pages may open a discussion here."))
        refusal = policy.origin_refusal(site.allowed_origins, origin)
        if refusal is not None:
            raise refusal.exception()
        signed = signature is not None
        if signed and not (
            title is not None
            and signing.title_signed(
                signing.site_key(self.rt.secret, site.name), raw_url, title, signature or ""
            )
        ):
            raise Forbidden(
                _(
                    "The title's signature does not match this page's URL and title; "
                    "sign exactly the data-story-url and data-story-title with the site's key."
                )
            )
        story = existing or self.by_url(url, title=title, ip=ip, confirmed=signed)
        if (  # a story that was there, or that another reader made a moment before
            signed
            and title is not None
            and not (
                story.title_confirmed
                and story.title == titles.without_suffix(validation.title(title), known_names(site))
            )
        ):
            story = self.update_content(story.id, title=title, from_page=True)
        if text:
            story = self.take_article(story, text, signed=signed)
        return story, existing is None

    def take_article(self, story: Story, text: str, *, signed: bool) -> Story:
        """The article's text as its page shows it, for checking quotes of the article. The
        rule is the title's: a browser's word is taken while the story has no text yet (its
        first opening, or pages from before the publisher named the article); after that,
        only a page whose title the publisher signed replaces it. A story whose body the
        publisher set (`veche story`, the API: veche hosts it) keeps that body. The text
        is never published: it fills `body_text` only, so the story is not hosted. `text`
        is normalised (domain/article.py)."""
        if not text or story.body_html is not None or story.body_text == text:
            return story
        if story.body_text is not None and not signed:
            return story
        with self.rt.db.session() as s:
            locked = s.get(Story, story.id, with_for_update={"of": Story})
            if locked is None:
                raise NotFound(_("There is no such story."))
            if locked.body_html is not None or (locked.body_text is not None and not signed):
                return locked  # another page's opening came first
            locked.body_text = text
            s.flush()
            now = self.rt.clock()
            store_comments.requote_story(s, locked, now)
            event = store_comments.append_event(s, locked.id, "story.updated", None, {}, now=now)
        self.rt.publish(locked.id, event.seq)
        return locked

    def create(
        self,
        site_name: str,
        url: str,
        title: str,
        *,
        body: str | None = None,
        image_caption: str | None = None,
        photo_credit: str | None = None,
    ) -> Story:
        url = validation.http_url(url, "story URL", field="url")
        with self.rt.db.session() as s:
            site = store.site_by_name(s, site_name)
            if site is None:
                raise NotFound(
                    _("There is no site named “%(site_name)s”.") % {"site_name": site_name}
                )
            if store.story_by_url(s, url):
                raise Conflict(_("A story with that URL exists already."), field="url")
            shown, retitled = page_title(s, site, title, now=self.rt.clock())
            story = Story(site=site, url=url, title=shown, created_at=self.rt.clock())
            set_content(story, body, image_caption, photo_credit)
            s.add(story)
        for story_id, seq in retitled:
            self.rt.publish(story_id, seq)
        return story

    def update_content(
        self,
        story_id: int,
        *,
        title: str | None = None,
        body: str | None = None,
        image_caption: str | None = None,
        photo_credit: str | None = None,
        is_open: bool | None = None,
        confirm_title: bool = False,
        from_page: bool = False,
    ) -> Story:
        """Editing the article re-checks every quote of it. A title set here is the
        publisher's, so it is confirmed; `confirm_title` confirms the current one.
        `from_page`: the title is a page's (signed), so the site's name comes off it."""
        retitled: list[tuple[int, int]] = []
        with self.rt.db.session() as s:
            # OF stories: PostgreSQL refuses FOR UPDATE on the outer-joined site.
            story = s.get(Story, story_id, with_for_update={"of": Story})
            if story is None:
                raise NotFound(_("There is no such story."))
            if title is not None and from_page:
                now = self.rt.clock()
                story.title, retitled = page_title(s, story.site, title, now=now, story_id=story.id)
            elif title is not None:
                story.title = validation.title(title)
            if title is not None or confirm_title:
                story.title_confirmed = True
            if is_open is not None:
                story.is_open = is_open
            set_content(story, body, image_caption, photo_credit, keep=True)
            s.flush()
            now = self.rt.clock()
            if title is not None or body is not None:
                store_comments.requote_story(s, story, now)
            event = store_comments.append_event(s, story.id, "story.updated", None, {}, now=now)
        self.rt.publish(story.id, event.seq)
        for other_id, seq in retitled:
            self.rt.publish(other_id, seq)
        return story


def set_content(
    story: Story,
    body: str | None,
    caption: str | None,
    credit: str | None,
    *,
    keep: bool = False,
) -> None:
    if body is not None or not keep:
        src = validation.reject_nul(body or "", "story body", field="body").strip() or None
        story.body_src = src
        story.body_html = render_markdown(src) if src else None
        story.body_text = html_to_text(story.body_html) if story.body_html else None
    if caption is not None or not keep:
        story.image_caption = clean_text(caption or "")[:500] or None
    if credit is not None or not keep:
        story.photo_credit = clean_text(credit or "")[:300] or None
