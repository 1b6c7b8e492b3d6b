"""Saved searches and alerts: ``/me/alerts`` (members and officers), saving a directory search,
following new partners for a profile, the notifications and the one-click unsubscribe of a mail."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from web.errors import DomainError, Invalid
from web.http import session
from web.http.deps import DB, FormItems, Locale, Matching, Page, RowId, User
from web.http.render import redirect, render
from web.i18n import N_
from web.services import alerts, alerts_mail, notifications

router = APIRouter()
SAVE_FIELDS = ("name", "query", "frequency", "programme")


def _list(request: Request, db: DB, user: User, locale: str, status_code: int = 200,
          errors: dict[str, str] | None = None) -> Response:
    context: dict[str, Any] = {"searches": alerts.my_searches(db, user, locale),
                               "own_profiles": alerts.subscribable_profiles(db, user),
                               "frequencies": alerts.FREQUENCIES, "errors": errors or {}}
    return render(request, "alerts/list.html", context, status_code=status_code)


@router.get("/me/alerts")
def my_alerts(request: Request, db: DB, user: User, locale: Locale) -> Response:
    return _list(request, db, user, locale)


@router.get("/me/alerts/new")
def new_search(request: Request, user: User) -> Response:
    """The form that saves the directory search of this page's query string."""
    query = alerts.parse_query(request.url.query)
    form = {"name": query.q[:alerts.NAME_MAX], "query": query.query_string(), "frequency": "immediate",
            "programme": ""}
    return render(request, "alerts/new.html", {"form": form, "dq": query, "errors": {},
                                               "frequencies": alerts.FREQUENCIES})


@router.post("/me/alerts")
def save_search(request: Request, db: DB, user: User, matching: Matching, items: FormItems) -> Response:
    form = {k: v for k, v in items if k in SAVE_FIELDS}
    form.setdefault("frequency", "immediate")
    try:
        alerts.create_search(db, matching, user, form.get("name", ""), form.get("query", ""),
                             form["frequency"], form.get("programme", ""))
    except Invalid as exc:
        query = alerts.parse_query(form.get("query", ""))
        return render(request, "alerts/new.html", {"form": form, "dq": query, "frequencies": alerts.FREQUENCIES,
                                                   "errors": {exc.field or "name": exc.message}}, status_code=422)
    session.flash(request, N_("Search saved. You will be told when a new profile enters its top 10."))
    return redirect(request, "/me/alerts")


@router.post("/me/alerts/profile")
def follow_profile(request: Request, db: DB, user: User, matching: Matching, locale: Locale,
                   items: FormItems) -> Response:
    form = dict(items)
    try:
        alerts.subscribe_profile(db, matching, user, form.get("profile_id", ""), form.get("frequency", "immediate"))
    except DomainError as exc:
        return _list(request, db, user, locale, status_code=exc.status, errors={exc.field or "profile_id": exc.message})
    session.flash(request, N_("You will be told when a new partner enters this profile's top 10 matches."))
    return redirect(request, "/me/alerts")


@router.post("/me/alerts/{search_id}/frequency")
def change_frequency(request: Request, db: DB, user: User, search_id: RowId, items: FormItems) -> Response:
    alerts.set_frequency(db, user, search_id, dict(items).get("frequency", ""))
    session.flash(request, N_("Saved."))
    return redirect(request, f"/me/alerts#search-{search_id}")


@router.post("/me/alerts/{search_id}/delete")
def delete_search(request: Request, db: DB, user: User, search_id: RowId) -> Response:
    alerts.delete_search(db, user, search_id)
    session.flash(request, N_("Saved search deleted."))
    return redirect(request, "/me/alerts")


@router.get("/notifications")
def notification_list(request: Request, db: DB, user: User, locale: Locale, page: Page) -> Response:
    return render(request, "alerts/notifications.html", {"n": notifications.notification_page(db, user, locale, page)})


@router.get("/notifications/badge")
def notification_badge(request: Request, db: DB, user: User) -> Response:
    """The header's unread count (an htmx fragment loaded by every page of a signed-in user)."""
    return render(request, "alerts/_badge.html", {"unread": notifications.unread_count(db, user)})


@router.post("/notifications/read")
def read_notifications(request: Request, db: DB, user: User, items: FormItems) -> Response:
    """Mark one notification read (form field ``id``), or all of them."""
    raw = dict(items).get("id", "").strip()
    if raw and not (len(raw) <= 19 and raw.isascii() and raw.isdigit() and 0 < int(raw) < 2**63):
        raise Invalid(N_("This notification does not exist."), field="id")
    notifications.mark_read(db, user, int(raw) if raw else None)
    return redirect(request, "/notifications")


@router.get("/alerts/unsubscribe/all/{user_id}/{token}")
def unsubscribe_all_confirm(request: Request, db: DB, user_id: RowId, token: str) -> Response:
    alerts_mail.check_unsubscribe_all(db, user_id, token)
    return render(request, "alerts/unsubscribe.html",
                  {"saved": None, "action": f"/alerts/unsubscribe/all/{user_id}/{token}", "done": False})


@router.post("/alerts/unsubscribe/all/{user_id}/{token}")
def unsubscribe_all(request: Request, db: DB, user_id: RowId, token: str) -> Response:
    """Stop every alert e-mail: the digests' List-Unsubscribe link (also its one-click POST)."""
    alerts_mail.unsubscribe_all(db, user_id, token)
    return render(request, "alerts/unsubscribe.html", {"saved": None, "action": "", "done": True})


@router.get("/alerts/unsubscribe/{search_id}/{token}")
def unsubscribe_confirm(request: Request, db: DB, search_id: RowId, token: str) -> Response:
    saved = alerts_mail.check_unsubscribe(db, search_id, token)
    return render(request, "alerts/unsubscribe.html",
                  {"saved": saved, "action": f"/alerts/unsubscribe/{saved.id}/{token}", "done": False})


@router.post("/alerts/unsubscribe/{search_id}/{token}")
def unsubscribe(request: Request, db: DB, search_id: RowId, token: str) -> Response:
    """Stop the e-mails of one saved search: the page's form, and the immediate alerts'
    List-Unsubscribe link (also its one-click POST)."""
    saved = alerts_mail.unsubscribe(db, search_id, token)
    return render(request, "alerts/unsubscribe.html", {"saved": saved, "action": "", "done": True})
