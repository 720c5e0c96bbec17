"""The one loader every import source goes through.

A source (importers/model.py) streams `ImportThread`s; each is written in a transaction of its
own, through the comments' one write pipeline (service/comments.py), and published once it
has committed. A record that cannot be taken is reported with its place and skipped; under
`strict` it fails the import, and nothing of its thread is written. Re-running an import
finds what it wrote by the source's ids (store/import_models.py): nothing is duplicated, and
what the source changed since is applied.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from veche.domain import validation
from veche.domain.enums import CommentStatus, QuoteSource
from veche.domain.errors import NotFound, VecheError
from veche.importers.authors import Authors, fit
from veche.importers.model import (
    ImportedComment,
    ImportedStatus,
    ImportedStory,
    ImportSource,
    ImportThread,
    Rejected,
)
from veche.importers.order import parents_first
from veche.importers.report import ImportFailed, ImportReport, Progress
from veche.service.comments import Comments, Draft, QuoteRequest
from veche.service.runtime import Runtime
from veche.service.stories import set_content
from veche.service.titles import page_title
from veche.store import comments as store_comments
from veche.store import imports as store_imports
from veche.store import stories as store_stories
from veche.store.import_models import ImportedCommentRef
from veche.store.models import Comment, Event, Site, Story

__all__ = ["DELETED_BODY", "ImportFailed", "ImportReport", "Progress", "load"]

# A deleted comment's text is often gone from the source; the row keeps its place.
DELETED_BODY = "(deleted before import)"
STORY_ID_MAX = 2048  # import_stories.external_id

STATUSES = {
    ImportedStatus.visible: CommentStatus.visible,
    ImportedStatus.pending: CommentStatus.pending,
    ImportedStatus.spam: CommentStatus.rejected,
    ImportedStatus.deleted: CommentStatus.deleted,
}


def load(
    rt: Runtime,
    source: ImportSource,
    *,
    site_name: str,
    strict: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Write every thread `source` yields into the site named `site_name`."""
    with rt.db.session(write=False) as s:
        site = store_stories.site_by_name(s, site_name)
        if site is None:
            raise NotFound(
                f"There is no site named “{site_name}”. Create it with `veche site create`."
            )
        site_id = site.id
    return _Loader(rt, source, site_id, site_name, strict, progress).run()


class _Skip(Exception):
    """A thread that cannot be taken at all (its story's URL or title)."""


@dataclass(slots=True)
class _Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    held: bool = False


@dataclass(slots=True)
class _Bulk:
    """What a thread's transaction wrote so far: its comments by id (replies do not read
    their parent back), and the events and source ids still to write, in one statement each."""

    known: dict[int, Comment] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    refs: list[dict[str, object]] = field(default_factory=list)


class _Loader:
    def __init__(
        self,
        rt: Runtime,
        source: ImportSource,
        site_id: int,
        site_name: str,
        strict: bool,
        progress: Progress | None,
    ) -> None:
        self.rt, self.source, self.site_id, self.strict = rt, source, site_id, strict
        self.progress = progress
        self.report = ImportReport(source.name, site_name)
        self.authors = Authors(source.name)
        self.comments = Comments(rt)
        self.seen_rejects = 0

    def run(self) -> ImportReport:
        for thread in self.source.threads():
            self._parser_rejects()
            self._thread(thread)
            if self.progress is not None:
                self.progress.advance(self.report, thread.story.title)
        self._parser_rejects()
        return self.report

    def _parser_rejects(self) -> None:
        """What the parser could not read so far; under --strict, the end of the import."""
        new = self.source.rejected[self.seen_rejects :]
        self.seen_rejects += len(new)
        self.report.skipped.extend(new)
        if new and self.strict:
            self._fail(new[0], None)

    def _fail(self, rejected: Rejected, thread: str | None) -> None:
        r = self.report
        if not r.threads:
            done = "nothing was written"
        else:
            done = f"{r.threads} thread(s) with {r.comments} comment(s) were written before it"
            if thread:
                done += f", and nothing of thread {thread}"
        raise ImportFailed(f"{rejected.where}: {rejected.reason} (--strict: {done}).", r)

    def _thread(self, thread: ImportThread) -> None:
        rejects: list[Rejected] = []
        counts = _Counts()
        retitled: list[tuple[int, int]] = []
        where = f"thread {thread.story.external_id}"
        try:
            with self.rt.db.session() as s:
                site = s.get(Site, self.site_id)
                assert site is not None, "sites are never deleted"
                story, story_state, retitled = self._story(s, site, thread.story)
                self._comments(s, story, thread.comments, rejects, counts)
                if rejects and self.strict:
                    raise ImportFailed(rejects[0].reason, self.report)
                if story_state == "unchanged" and (counts.created or counts.updated):
                    story_state = "updated"
                story_id = story.id
                seq = s.scalar(select(Story.event_seq).where(Story.id == story_id)) or 0
        except _Skip as exc:
            self.authors.rollback()
            self._skip(Rejected(where, str(exc)), thread.story.external_id)
            return
        except ImportFailed:
            self.authors.rollback()
            self.report.skipped.extend(rejects)
            self._fail(rejects[0], thread.story.external_id)
            return
        except BaseException:
            self.authors.rollback()
            raise
        self.report.authors_created += self.authors.commit()
        r = self.report
        r.skipped.extend(rejects)
        setattr(r, f"threads_{story_state}", getattr(r, f"threads_{story_state}") + 1)
        r.comments_created += counts.created
        r.comments_updated += counts.updated
        r.comments_unchanged += counts.unchanged
        r.story_ids.append(story_id)
        self.rt.publish(story_id, seq)
        for other_id, other_seq in retitled:
            self.rt.publish(other_id, other_seq)
        if counts.held:
            self.rt.queue_changed(self.site_id)

    def _skip(self, rejected: Rejected, thread: str) -> None:
        self.report.skipped.append(rejected)
        if self.strict:
            self._fail(rejected, thread)

    def _story(
        self, s: Session, site: Site, imported: ImportedStory
    ) -> tuple[Story, str, list[tuple[int, int]]]:
        """The thread's story: the one imported before, or one at its URL, or a new one."""
        now = self.rt.clock()
        source, key = self.source.name, imported.external_id
        if len(key) > STORY_ID_MAX:
            raise _Skip(f"a thread id is over {STORY_ID_MAX} characters")
        try:
            url = validation.http_url(imported.url, "story URL")
            story_id = store_imports.story_ref(s, source, key)
            story = s.get(Story, story_id) if story_id else store_stories.story_by_url(s, url)
            if story is not None and story.site_id != site.id:
                raise _Skip(f"{url} is a story of another site already.")
            if story is None and (other := _origin_owner(s, site, url)) is not None:
                raise _Skip(f"{url} is a page of the site {other} (its origin is listed there).")
            title, retitled = page_title(
                s, site, imported.title or url, now=now, story_id=story.id if story else None
            )
        except VecheError as exc:
            raise _Skip(exc.message) from exc
        if story is None:
            story = Story(
                site_id=site.id, url=url, title=title, created_at=imported.created_at or now,
                is_open=not imported.closed,
            )  # fmt: skip
            set_content(story, imported.body, imported.image_caption, imported.photo_credit)
            s.add(story)
            s.flush()
            store_imports.add_story_ref(s, source, key, story.id)
            return story, "created", retitled
        if story_id is None:
            store_imports.add_story_ref(s, source, key, story.id)
        changed = False
        if story.title != title:
            story.title, changed = title, True
        if story.is_open == imported.closed:
            story.is_open, changed = not imported.closed, True
        if imported.body is not None and imported.body.strip() != (story.body_src or ""):
            set_content(story, imported.body, imported.image_caption, imported.photo_credit)
            s.flush()
            store_comments.requote_story(s, story, now)
            changed = True
        return story, "updated" if changed else "unchanged", retitled

    def _comments(
        self,
        s: Session,
        story: Story,
        comments: list[ImportedComment],
        rejects: list[Rejected],
        counts: _Counts,
    ) -> None:
        refs = store_imports.comment_refs(s, self.source.name, story.id)
        ids = {key: ref.comment_id for key, ref in refs.items()}
        ordered, orphans = parents_first(comments, set(ids))
        rejects.extend(orphans)
        finals: dict[int, CommentStatus] = {}
        bulk = _Bulk()
        for c in ordered:
            ref = refs.get(c.external_id)
            if ref is not None:
                self._update(s, story, c, ref, finals, counts)
                continue
            if c.parent_external_id is not None and c.parent_external_id not in ids:
                rejects.append(_rejected(c, f"its parent {c.parent_external_id} was skipped"))
                continue
            try:
                comment = self._insert(s, story, c, ids, bulk)
            except VecheError as exc:
                rejects.append(_rejected(c, exc.message))
                continue
            ids[c.external_id] = comment.id
            counts.created += 1
            if c.status is not ImportedStatus.visible:
                finals[comment.id] = STATUSES[c.status]
        store_comments.add_events(s, bulk.events)
        if bulk.refs:
            s.execute(insert(ImportedCommentRef), bulk.refs)
        now = self.rt.clock()
        for comment_id, status in finals.items():
            row = bulk.known.get(comment_id) or s.get(Comment, comment_id)
            assert row is not None
            if row.status is status:
                continue
            if status is CommentStatus.pending:
                row.held_by = row.held_by or "import"
                counts.held = True
            store_comments.set_status(s, row, status, now)

    def _insert(
        self,
        s: Session,
        story: Story,
        c: ImportedComment,
        ids: dict[str, int],
        bulk: _Bulk,
    ) -> Comment:
        """Checked first, written after: a record refused is refused before any write, so
        skipping it needs no savepoint."""
        body = _body(c)
        parent_id = ids[c.parent_external_id] if c.parent_external_id is not None else None
        quote: QuoteRequest | None = None
        if c.quote is not None:
            quoted = c.quote.comment_external_id
            if quoted is None:
                quote = QuoteRequest(QuoteSource.story, c.quote.text)
            elif quoted in ids:
                quote = QuoteRequest(QuoteSource.comment, c.quote.text, ids[quoted])
            else:
                body = _quote_as_text(c, body)
        try:
            checked = self.comments.import_check(
                s, story, Draft(body, parent_id, quote), known=bulk.known
            )
        except VecheError as exc:
            if quote is None or exc.field != "quote":
                raise
            # The quote cannot be linked (its source is gone, or it is malformed): keep its
            # words in the body rather than lose them.
            draft = Draft(_quote_as_text(c, body), parent_id, None)
            checked = self.comments.import_check(s, story, draft, known=bulk.known)
        author_id = None
        if c.author is not None:
            author_id, _created = self.authors.user_id(s, c.author, self.rt.clock())
        comment, _event = self.comments.import_write(
            s, story, checked, author_id=author_id,
            guest_name=None if c.author else fit(c.guest_name), created_at=c.created_at,
            events=bulk.events,
        )  # fmt: skip
        if c.edited_at is not None:
            comment.edited_at = c.edited_at
        bulk.refs.append(
            {
                "source": self.source.name, "story_id": story.id, "external_id": c.external_id,
                "comment_id": comment.id, "body_digest": _digest(c), "status": c.status.value,
            }
        )  # fmt: skip
        bulk.known[comment.id] = comment
        return comment

    def _update(
        self,
        s: Session,
        story: Story,
        c: ImportedComment,
        ref: ImportedCommentRef,
        finals: dict[int, CommentStatus],
        counts: _Counts,
    ) -> None:
        """A comment imported before: apply only what the source changed since."""
        changed = False
        if ref.body_digest != _digest(c):
            comment = s.get(Comment, ref.comment_id)
            assert comment is not None
            body = _body(c) if comment.quote_source else _quote_as_text(c, _body(c))
            now = c.edited_at or self.rt.clock()
            self.comments.import_edit(s, story, comment, body, now=now)
            ref.body_digest, changed = _digest(c), True
        if ref.status != c.status.value:
            finals[ref.comment_id] = STATUSES[c.status]
            ref.status, changed = c.status.value, True
        if changed:
            counts.updated += 1
        else:
            counts.unchanged += 1


def _origin_owner(s: Session, site: Site, url: str) -> str | None:
    """The name of another site that lists the URL's origin: a story is one per URL across
    sites, so one made here would take that site's page from it."""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    others = (x for x in store_stories.all_sites(s) if x.id != site.id)
    return next((x.name for x in others if origin in x.allowed_origins), None)


def _body(c: ImportedComment) -> str:
    body = c.body.strip()
    if not body and c.status is ImportedStatus.deleted:
        return DELETED_BODY
    return body


def _quote_as_text(c: ImportedComment, body: str) -> str:
    """A quote with nothing here to link it to, kept as a block quote."""
    if c.quote is None:
        return body
    quoted = "\n>\n".join(f"> {line}" for line in c.quote.text.splitlines() if line.strip())
    who = f"> Quote: {c.quote.author_name}\n>\n" if c.quote.author_name else ""
    return f"{who}{quoted}\n\n{body}"


def _digest(c: ImportedComment) -> str:
    """What the source said: a re-run whose source says the same changes nothing."""
    quote = (c.quote.text, c.quote.comment_external_id or "") if c.quote else ("", "")
    text = "\x00".join((_body(c), *quote))
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _rejected(c: ImportedComment, reason: str) -> Rejected:
    return Rejected(f"line {c.line}" if c.line else f"comment {c.external_id}", reason)
