"""Admins' pages: sites and all their settings, stories, members' roles and sessions.

Plain server-rendered forms (redirect after post); service/admin.py asks policy and audits.
Signed out, a page sends to the sign-in and back; signed in without the admin role, it is a
403 page that says so.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from veche.domain.enums import Role
from veche.domain.errors import VecheError
from veche.i18n import N_, ngettext
from veche.i18n import gettext as _
from veche.service.admin import Admin
from veche.service.site_form import FormRefused
from veche.web.identity import check_csrf, runtime, viewer
from veche.web.schemas import PathId, QueryId
from veche.web.templating import render

router = APIRouter(include_in_schema=False)
ROLES = tuple(r.value for r in Role)
# A role as a message names it (the templates' admin_nav.html names them too).
ROLE_NAMES = {"reader": N_("reader"), "moderator": N_("moderator"), "admin": N_("admin")}


async def posted(request: Request) -> dict[str, str]:
    """A form's fields by name (the last of a repeated one), files refused as text."""
    form = await request.form()
    return {k: v for k, v in form.multi_items() if isinstance(v, str)}


def _admin(request: Request) -> Admin | RedirectResponse:
    """A page asked for: signed out, to the sign-in and back; not an admin, a 403 page."""
    if viewer(request).user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse("/signin?" + urlencode({"next": target}), status_code=303)
    admin = Admin(runtime(request))
    admin.check(viewer(request))
    return admin


def _back(path: str, **query: Any) -> RedirectResponse:
    kept = {k: str(v) for k, v in query.items() if v not in (None, "")}
    return RedirectResponse(path + ("?" + urlencode(kept) if kept else ""), status_code=303)


@router.get("/admin")
def overview(request: Request) -> Response:
    admin = _admin(request)
    if isinstance(admin, RedirectResponse):
        return admin
    return render(request, "admin.html", sites=admin.sites(viewer(request)))


@router.get("/admin/sites")
def sites_page(request: Request, msg: str | None = Query(None, max_length=300)) -> Response:
    admin = _admin(request)
    if isinstance(admin, RedirectResponse):
        return admin
    return render(request, "admin_sites.html", sites=admin.sites(viewer(request)), msg=msg)


@router.get("/admin/sites/new")
def new_site_page(request: Request) -> Response:
    admin = _admin(request)
    if isinstance(admin, RedirectResponse):
        return admin
    return render(request, "admin_site.html", form=admin.site_form(None, viewer(request)))


@router.post("/admin/sites/new")
def create_site(request: Request, form: dict[str, str] = Depends(posted)) -> Response:
    check_csrf(request, form.get("csrf"))
    admin, who = Admin(runtime(request)), viewer(request)
    name = form.get("name", "")
    try:
        site = admin.create_site(name, form, who)
    except FormRefused as exc:
        view = admin.site_form(None, who, typed=form, refused=exc)
        return render(request, "admin_site.html", status=exc.status, form=view)
    return _back(
        f"/admin/sites/{site.id}", msg=_("Created the site %(name)s.") % {"name": site.name}
    )


@router.get("/admin/sites/{site_id}")
def site_page(
    site_id: PathId, request: Request, msg: str | None = Query(None, max_length=300)
) -> Response:
    admin = _admin(request)
    if isinstance(admin, RedirectResponse):
        return admin
    view = admin.site_form(site_id, viewer(request))
    return render(request, "admin_site.html", form=view, msg=msg)


@router.post("/admin/sites/{site_id}")
def save_site(
    site_id: PathId, request: Request, form: dict[str, str] = Depends(posted)
) -> Response:
    """All of a site's settings at once; a refusal shows the form again with what was
    typed and each field's message, and stores nothing."""
    check_csrf(request, form.get("csrf"))
    admin, who = Admin(runtime(request)), viewer(request)
    try:
        admin.save_site(site_id, form, who)
    except FormRefused as exc:
        view = admin.site_form(site_id, who, typed=form, refused=exc)
        return render(request, "admin_site.html", status=exc.status, form=view)
    return _back(f"/admin/sites/{site_id}", msg=_("Saved."))


@router.get("/admin/stories")
def stories_page(
    request: Request,
    search: str | None = Query(None, max_length=200),
    site: str | None = Query(None, max_length=64),
    after: QueryId = None,
    msg: str | None = Query(None, max_length=300),
) -> Response:
    admin = _admin(request)
    if isinstance(admin, RedirectResponse):
        return admin
    who = viewer(request)
    page = admin.stories(who, site=site or None, search=search, after=after)
    more = None
    if page.after is not None:
        more = "/admin/stories?" + urlencode(
            {k: v for k, v in {"search": search, "site": site, "after": page.after}.items() if v}
        )
    return render(
        request, "admin_stories.html", page=page, sites=admin.sites(who), search=search or "",
        site=site or "", after=after, more=more, msg=msg,
    )  # fmt: skip


@router.post("/admin/stories/{story_id}/open")
def story_open(
    story_id: PathId,
    request: Request,
    csrf: str = Form(""),
    open: str = Form("", max_length=5),
    search: str = Form("", max_length=200),
    site: str = Form("", max_length=64),
    after: str = Form("", max_length=10),
) -> Response:
    """Open or close a story's discussion; back to the same list, saying what was done."""
    check_csrf(request, csrf)
    is_open = open == "true"
    Admin(runtime(request)).set_open(story_id, is_open, viewer(request))
    if is_open:
        msg = _("Story %(id)s: discussion opened.") % {"id": story_id}
    else:
        msg = _("Story %(id)s: discussion closed.") % {"id": story_id}
    after_id = after if after.isdigit() else None
    return _back("/admin/stories", search=search, site=site, after=after_id, msg=msg)


@router.get("/admin/users")
def users_page(
    request: Request,
    search: str | None = Query(None, max_length=200),
    role: str | None = Query(None, max_length=20),
    after: QueryId = None,
) -> Response:
    admin = _admin(request)
    if isinstance(admin, RedirectResponse):
        return admin
    wanted = Role(role) if role in ROLES else None
    page = admin.users(viewer(request), search=search, role=wanted, after=after)
    more = None
    if page.after is not None:
        more = "/admin/users?" + urlencode(
            {k: v for k, v in {"search": search, "role": role, "after": page.after}.items() if v}
        )
    return render(
        request, "admin_users.html", page=page, search=search or "",
        role=wanted.value if wanted else "", roles=ROLES, more=more,
    )  # fmt: skip


@router.get("/admin/users/{user_id}")
def user_page(
    user_id: PathId,
    request: Request,
    msg: str | None = Query(None, max_length=300),
    error: str | None = Query(None, max_length=300),
) -> Response:
    admin = _admin(request)
    if isinstance(admin, RedirectResponse):
        return admin
    detail = admin.user(user_id, viewer(request))
    return render(request, "admin_user.html", detail=detail, roles=ROLES, msg=msg, error=error)


@router.post("/admin/users/{user_id}/role")
def user_role(
    user_id: PathId, request: Request, csrf: str = Form(""), role: str = Form("", max_length=20)
) -> Response:
    check_csrf(request, csrf)
    admin, who = Admin(runtime(request)), viewer(request)
    admin.check(who)
    if role not in ROLES:
        return _refused(request, admin, user_id, _("Choose reader, moderator or admin."), 422)
    try:
        user = admin.set_role(user_id, Role(role), who)
    except VecheError as exc:
        if exc.status == 409:
            return _refused(request, admin, user_id, exc.message, exc.status)
        raise
    now = _("%(handle)s is now %(role)s.") % {
        "handle": user.handle,
        "role": _(ROLE_NAMES[user.role.value]),
    }
    return _back(f"/admin/users/{user_id}", msg=now)


def _refused(request: Request, admin: Admin, user_id: int, message: str, status: int) -> Response:
    """The user's page again, saying why, with the refusal's status."""
    detail = admin.user(user_id, viewer(request))
    return render(request, "admin_user.html", status=status, detail=detail, roles=ROLES,
                  error=message)  # fmt: skip


@router.post("/admin/users/{user_id}/sessions/{session_id}/revoke")
def session_revoke(
    user_id: PathId, session_id: PathId, request: Request, csrf: str = Form("")
) -> Response:
    check_csrf(request, csrf)
    Admin(runtime(request)).revoke_session(user_id, session_id, viewer(request))
    return _back(f"/admin/users/{user_id}", msg=_("The session was signed out."))


@router.post("/admin/users/{user_id}/sessions/revoke-all")
def sessions_revoke_all(user_id: PathId, request: Request, csrf: str = Form("")) -> Response:
    check_csrf(request, csrf)
    count = Admin(runtime(request)).revoke_sessions(user_id, viewer(request))
    msg = ngettext("Signed out of %(num)s session.", "Signed out of %(num)s sessions.", count)
    return _back(f"/admin/users/{user_id}", msg=msg % {"num": count})
