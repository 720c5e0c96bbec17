"""Moderators' pages: the queue (keyboard-driven with queue.js, plain forms without it) and
the forms it posts. The same services as the JSON API decide; these only render and redirect.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from veche.domain.enums import CommentStatus, ReportReason
from veche.domain.errors import AuthRequired, InvalidInput, NotFound, VecheError
from veche.domain.moderation import Action
from veche.i18n import N_, ngettext
from veche.i18n import gettext as _
from veche.service.dashboard import Dashboard
from veche.service.found import comment_of
from veche.service.moderation import Moderation
from veche.service.queue import Queue, audit_log
from veche.web.identity import check_csrf, runtime, viewer
from veche.web.schemas import PathId
from veche.web.templating import render
from veche.web.views import comment_href

router = APIRouter(include_in_schema=False)

ACTIONS = {a.value: a for a in Action}


def _verb(action: Action) -> str:
    """The decision as the queue's summary names it ("3 comments: reject.")."""
    verbs = {
        Action.approve: _("approve"),
        Action.reject: _("reject"),
        Action.remove: _("remove"),
        Action.restore: _("restore"),
    }
    return verbs[action]


TABS = (
    ("pending", N_("Pending")),
    ("flagged", N_("Auto-flagged")),
    ("reported", N_("Reported")),
    ("decided", N_("Recently decided")),
)
AUDIT_PAGE = 100
BAN_DAYS = (("1", N_("1 day")), ("7", N_("7 days")), ("30", N_("30 days")), ("", N_("permanently")))


def _where(site: str, tab: str, **extra: str) -> str:
    return "/moderation?" + urlencode({"site": site, "tab": tab, **extra})


def _signed_in(request: Request) -> None:
    if viewer(request).user is None:
        raise AuthRequired(_("Sign in as a moderator to see the queue."))


def _sign_in_first(request: Request) -> RedirectResponse | None:
    """A moderator's page asked for while signed out: to the sign-in, and back."""
    if viewer(request).user is not None:
        return None
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse("/signin?" + urlencode({"next": target}), status_code=303)


def _decision(request: Request, csrf: str, action: str) -> Action:
    """What every moderator's form checks first: its token, a session, a known action."""
    check_csrf(request, csrf)
    _signed_in(request)
    if action not in ACTIONS:
        raise InvalidInput(_("Choose approve, reject, remove or restore."), field="action")
    return ACTIONS[action]


@router.get("/moderation")
def queue_page(
    request: Request,
    site: str | None = Query(None, max_length=64),
    tab: str = Query("pending", max_length=20),
    after: str | None = Query(None, max_length=40),
    msg: str | None = Query(None, max_length=300),
) -> Response:
    if (signin := _sign_in_first(request)) is not None:
        return signin
    who = viewer(request)
    queue = Queue(runtime(request))
    sites = queue.sites(who)
    if not sites:
        raise InvalidInput(_("There are no sites yet: create one with `veche site create`."))
    view = queue.tab(site or sites[0], tab, who, after)
    return render(
        request, "moderation.html", view=view, sites=sites, tabs=TABS, ban_days=BAN_DAYS,
        msg=msg, next_href=_where(view.site, tab, after=view.after) if view.after else None,
    )  # fmt: skip


@router.post("/moderation/decide")
def decide_form(
    request: Request,
    csrf: str = Form(""),
    site: str = Form("", max_length=64),
    tab: str = Form("pending", max_length=20),
    action: str = Form("", max_length=20),
    items: list[str] = Form(default_factory=list),
    reason: str = Form("", max_length=200),
    note: str = Form("", max_length=2000),
) -> Response:
    """One decision on one item or a selection (each `items` value is "id:version", the
    version as the page showed it); the page says what happened to each."""
    decision = _decision(request, csrf, action)
    chosen = _items(items)
    if not chosen:
        raise InvalidInput(_("Select at least one comment."), field="items")
    moderation = Moderation(runtime(request))
    done, refused = 0, []
    for comment_id, version in chosen.items():
        try:
            moderation.decide(
                comment_id, decision, viewer(request), reason=reason or None,
                note=note or None, version=version,
            )  # fmt: skip
            done += 1
        except VecheError as exc:
            if exc.status in (401, 403, 422, 429):
                raise
            refused.append(f"#{comment_id}: {exc.message}")
    msg = ngettext("%(num)s comment: %(action)s.", "%(num)s comments: %(action)s.", done) % {
        "num": done,
        "action": _verb(decision),
    }
    if refused:
        msg += " " + _("Not done: %(items)s") % {"items": " ".join(refused)}
    return RedirectResponse(_where(site, tab, msg=msg[:300]), status_code=303)


def _items(values: list[str]) -> dict[int, int | None]:
    out: dict[int, int | None] = {}
    for value in values[:200]:
        ident, _sep, version = value.partition(":")
        if not ident.isdigit() or (version and not version.isdigit()) or len(value) > 24:
            raise InvalidInput(_("A selected item is malformed; reload the queue."), field="items")
        out.setdefault(int(ident), int(version) if version else None)
    return out


@router.post("/moderation/restrict")
def restrict_form(
    request: Request,
    csrf: str = Form(""),
    site: str = Form("", max_length=64),
    tab: str = Form("pending", max_length=20),
    handle: str = Form("", max_length=80),
    what: str = Form("", max_length=20),
    days: str = Form("", max_length=4),
    reason: str = Form("", max_length=2000),
) -> Response:
    """Ban (for some days or permanently), shadow-ban or pre-moderate the author."""
    check_csrf(request, csrf)
    _signed_in(request)
    kinds = {
        "ban": {"ban": True}, "unban": {"ban": False}, "shadow": {"shadow": True},
        "unshadow": {"shadow": False}, "premoderate": {"premoderate": True},
        "unpremoderate": {"premoderate": False},
    }  # fmt: skip
    if what not in kinds:
        raise InvalidInput(_("Choose ban, shadow ban or pre-moderation."), field="what")
    if days and not days.isdigit():
        raise InvalidInput(_("A ban lasts a whole number of days."), field="days")
    user = Moderation(runtime(request)).restrict_user(
        handle, viewer(request), days=int(days) if days and what == "ban" else None,
        reason=reason or None, **kinds[what],
    )  # fmt: skip
    return RedirectResponse(
        _where(
            site, tab, msg=_("%(handle)s: %(what)s done.") % {"handle": user.handle, "what": what}
        ),
        303,
    )


def _to_comment(comment_id: int, story_id: int) -> RedirectResponse:
    return RedirectResponse(comment_href(story_id, comment_id), status_code=303)


@router.post("/comments/{comment_id}/moderate")
def moderate_form(
    comment_id: PathId,
    request: Request,
    csrf: str = Form(""),
    action: str = Form("", max_length=20),
    reason: str = Form("", max_length=200),
    note: str = Form("", max_length=2000),
    version: str = Form("", max_length=10),
) -> Response:
    """A moderator's decision in place, on the thread, without JavaScript."""
    decision = _decision(request, csrf, action)
    comment = Moderation(runtime(request)).decide(
        comment_id, decision, viewer(request), reason=reason or None, note=note or None,
        version=int(version) if version.isdigit() else None,
    )  # fmt: skip
    return _to_comment(comment.id, comment.story_id)


@router.post("/comments/{comment_id}/feature")
def feature_form(
    comment_id: PathId, request: Request, csrf: str = Form(""),
    featured: str = Form("true", max_length=5),
) -> Response:  # fmt: skip
    check_csrf(request, csrf)
    _signed_in(request)
    comment = Moderation(runtime(request)).feature(comment_id, featured == "true", viewer(request))
    return _to_comment(comment.id, comment.story_id)


@router.get("/comments/{comment_id}/report")
def report_page(comment_id: PathId, request: Request) -> Response:
    """The report form on a page of its own, for readers without JavaScript."""
    if viewer(request).user is None:
        return RedirectResponse(
            "/signin?" + urlencode({"next": f"/comments/{comment_id}/report"}), status_code=303
        )
    with runtime(request).db.session(write=False) as s:
        comment = comment_of(s, comment_id)
        if comment.status is not CommentStatus.visible:
            raise NotFound(_("There is no such comment."))
        author = comment.author.handle if comment.author else comment.guest_name or "guest"
        excerpt, story_id = comment.body_text[:280], comment.story_id
    return render(
        request, "report.html", comment_id=comment_id, author=author, excerpt=excerpt,
        back=comment_href(story_id, comment_id),
    )  # fmt: skip


@router.post("/comments/{comment_id}/report")
def report_form(
    comment_id: PathId,
    request: Request,
    csrf: str = Form(""),
    reason: str = Form("", max_length=20),
    note: str = Form("", max_length=2000),
) -> Response:
    """A reader's report without JavaScript; signing in comes first."""
    if viewer(request).user is None:
        raise AuthRequired(_("Sign in to report a comment."))
    check_csrf(request, csrf)
    try:
        why = ReportReason(reason)
    except ValueError:
        raise InvalidInput(_("Choose why you report it."), field="reason") from None
    Moderation(runtime(request)).report(comment_id, viewer(request), why, note or None)
    with runtime(request).db.session(write=False) as s:
        story_id = comment_of(s, comment_id).story_id
    return _to_comment(comment_id, story_id)


@router.get("/moderation/dashboard")
def dashboard_page(
    request: Request,
    site: str | None = Query(None, max_length=64),
    hours: int = Query(48, ge=1, le=24 * 14),
) -> Response:
    if (signin := _sign_in_first(request)) is not None:
        return signin
    who = viewer(request)
    sites = Queue(runtime(request)).sites(who)
    if not sites:
        raise InvalidInput(_("There are no sites yet: create one with `veche site create`."))
    view = Dashboard(runtime(request)).view(site or sites[0], who, hours)
    return render(request, "dashboard.html", view=view)


@router.get("/moderation/audit")
def audit_page(
    request: Request,
    actor: str | None = Query(None, max_length=40),
    action: str | None = Query(None, max_length=40),
    target_kind: str | None = Query(None, max_length=20),
    target_id: int | None = Query(None, ge=1, le=2**31 - 1),
    before_id: int | None = Query(None, ge=1, le=2**31 - 1),
) -> Response:
    """Admins browse and filter the audit log; nothing here or anywhere edits it."""
    if (signin := _sign_in_first(request)) is not None:
        return signin
    filters = {
        "actor": actor or None, "action": action or None,
        "target_kind": target_kind or None, "target_id": target_id,
    }  # fmt: skip
    entries = audit_log(runtime(request), viewer(request), limit=AUDIT_PAGE, before_id=before_id,
                        **filters)  # fmt: skip
    older = None
    if len(entries) == AUDIT_PAGE:
        kept = {k: str(v) for k, v in filters.items() if v is not None}
        older = "/moderation/audit?" + urlencode({**kept, "before_id": entries[-1].id})
    return render(request, "audit.html", entries=entries, filters=filters, older=older)


@router.post("/stories/{story_id}/open")
def open_form(
    story_id: PathId, request: Request, csrf: str = Form(""),
    open: str = Form("false", max_length=5),
) -> Response:  # fmt: skip
    """Close or reopen a story without JavaScript; the thread stays readable either way."""
    check_csrf(request, csrf)
    _signed_in(request)
    Moderation(runtime(request)).set_open(story_id, open == "true", viewer(request))
    return RedirectResponse(f"/stories/{story_id}", status_code=303)
