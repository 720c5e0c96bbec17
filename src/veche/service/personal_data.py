"""Everything veche keeps about one person, as one JSON document (GDPR access): the
member's "download my data" and `veche export --user` are this one function.

Included and left out, table by table, is store.personal.KEPT_ABOUT_A_USER. Never written:
the password hash, session and mailed-link tokens (only hashes are stored), scores and flags
the moderation pipeline gave their comments, and whether they are shadow-banned (a comment
held by a shadow ban reads "visible", as it does to them on the page).
"""

from __future__ import annotations

from typing import Any

from veche.domain.enums import CommentStatus
from veche.domain.errors import NotFound
from veche.i18n import gettext as _
from veche.service.export import iso
from veche.service.recovery import Recovery
from veche.service.runtime import Runtime
from veche.store import accounts as store_accounts
from veche.store import personal as store
from veche.store.models import User

DECIDED = frozenset({CommentStatus.rejected, CommentStatus.removed})
FORMAT = "veche-personal-data"
VERSION = 1


def _status(status: CommentStatus) -> str:
    return (CommentStatus.visible if status is CommentStatus.shadowed else status).value


class PersonalData:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def user_id(self, handle: str) -> int:
        from veche.domain.validation import handle_key

        with self.rt.db.session(write=False) as s:
            found = store_accounts.user_by_handle_key(s, handle_key(handle))
        if found is None:
            raise NotFound(_("There is no user “%(handle)s”.") % {"handle": handle})
        return found.id

    def of(self, user_id: int, *, current_token: str | None = None) -> dict[str, Any]:
        """`current_token` marks the session the download was asked from."""
        base = self.rt.config.base_url
        current = store_accounts.token_hash(current_token) if current_token else None
        with self.rt.db.session(write=False) as s:
            user = s.get(User, user_id)
            if user is None:
                raise NotFound(_("There is no such user."))
            profile = {
                "id": user.id,
                "handle": user.handle,
                "display_name": user.display_name,
                # As the account page shows it: a sign-up's address before it is proved too.
                "email": user.email or Recovery(self.rt).pending_email(s, user.id),
                "email_verified": user.email_verified_at is not None,
                "email_verified_at": iso(user.email_verified_at),
                "has_password": user.password_hash is not None,
                "role": user.role.value,
                "created_at": iso(user.created_at),
                "last_seen_at": iso(user.last_seen_at),
                "hide_presence": user.hide_presence,
                "avatar_url": user.avatar_url,
                "notification_mail": user.notify_mail.value,
                "digest_sent_at": iso(user.digest_sent_at),
                "banned": {
                    "at": iso(user.banned_at),
                    "until": iso(user.banned_until),
                    "reason": user.ban_reason,
                }
                if user.banned_at
                else None,
                "deleted_at": iso(user.deleted_at),
                "profile_url": f"{base}/users/{user.handle}",
            }
            comments = [
                {
                    "id": c.id,
                    "story": {"id": c.story_id, "url": url, "title": title},
                    "parent_id": c.parent_id,
                    "status": _status(c.status),
                    "created_at": iso(c.created_at),
                    "edited_at": iso(c.edited_at),
                    "body_markdown": c.body_src,
                    "quote": {"source": c.quote_source.value, "text": c.quote_text}
                    if c.quote_source
                    else None,
                    "reactions": c.reactions,
                    # What they are told on the page when a moderator refused or removed it.
                    "moderator_reason": c.mod_reason if c.status in DECIDED else None,
                    "permalink": f"{base}/stories/{c.story_id}/comments/{c.id}#c{c.id}",
                }
                for c, url, title in store.comments(s, user_id)
            ]
            revisions = [
                {
                    "comment_id": r.comment_id,
                    "body_markdown": r.body_src,
                    "replaced_at": iso(r.replaced_at),
                }
                for r in store.revisions(s, user_id)
            ]
            sessions = [
                {
                    "id": v.id,
                    "created_at": iso(v.created_at),
                    "expires_at": iso(v.expires_at),
                    "revoked_at": iso(v.revoked_at),
                    "user_agent": v.user_agent,
                    "current": v.token_hash == current,
                }
                for v in store.sessions(s, user_id)
            ]
            identities = [
                {
                    "site": site,
                    "provider": i.provider,
                    "subject": i.subject,
                    "created_at": iso(i.created_at),
                    "last_used_at": iso(i.last_used_at),
                }
                for i, site in store.identities(s, user_id)
            ]
            imported = [
                {
                    "source": i.source,
                    "external_id": i.external_id,
                    "name": i.name,
                    "email": i.email,
                    "url": i.url,
                    "created_at": iso(i.created_at),
                }
                for i in store.import_identities(s, user_id)
            ]
            reactions = [
                {"comment_id": r.comment_id, "story_url": url, "created_at": iso(r.created_at)}
                for r, _story_id, url in store.reactions(s, user_id)
            ]
            reports = [
                {
                    "comment_id": r.comment_id,
                    "story_url": url,
                    "reason": r.reason.value,
                    "note": r.note,
                    "created_at": iso(r.created_at),
                    "resolved_at": iso(r.resolved_at),
                }
                for r, _story_id, url in store.reports(s, user_id)
            ]
            notifications = [
                {
                    "kind": n.kind.value,
                    "comment_id": n.comment_id,
                    "story": {"id": n.story_id, "url": url, "title": title},
                    "actor": n.actor,
                    "created_at": iso(n.created_at),
                    "read_at": iso(n.read_at),
                }
                for n, url, title in store.notifications(s, user_id)
            ]
        return {
            "format": FORMAT,
            "version": VERSION,
            "exported_at": iso(self.rt.clock()),
            "profile": profile,
            "comments": comments,
            "revisions": revisions,
            "sessions": sessions,
            "identities": identities,
            "imported_as": imported,
            "reactions": reactions,
            "reports": reports,
            "notifications": notifications,
        }
