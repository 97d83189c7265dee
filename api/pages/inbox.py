"""The in-app inbox: my notifications, newest first, in my language; marking them read."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup, escape

from api.deps import SessionDep, audit, audit_shown, youth_of
from api.pages.common import page_guard, page_router, render
from api.templating import request_language
from mowakaba.enums import AuditOutcome
from mowakaba.errors import NotFound
from mowakaba.models import Notification, User
from mowakaba.notify.render import render_text
from mowakaba.services import notifications as notification_service

router = page_router()
PAGE_SIZE = 20
NotificationId = Annotated[int, Path(ge=1, le=2**31 - 1)]
PageNo = Annotated[int, Form(ge=1, le=100_000)]


@router.get("/inbox")
def inbox(
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(page_guard("notifications.list"))],
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """My notifications, newest first, unread ones marked, in the page's language."""
    rows, total = notification_service.page_inbox(
        session, user_id=user.pk, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    language = request_language(request).value
    # The notification templates escape what they are given: their output is safe HTML.
    messages = [
        {"notification": n, "subject": isolate_code(Markup(render_text(
            n.kind.value, language, {**n.context, "recipient_name": user.display_name}
        )[0]), n.context.get("youth_code"))}
        for n in rows
    ]  # fmt: skip
    audit_shown(request, user, action="notifications.list", youth_ids=(n.youth_id for n in rows))
    return render(
        request,
        "pages/inbox.html",
        {"messages": messages, "total": total, "page": page,
         "pages": max(1, -(-total // PAGE_SIZE))},
        session=session,
    )  # fmt: skip


def isolate_code(subject: Markup, code: object) -> Markup:
    """Keep a youth's code whole and left to right inside a subject (in Arabic too)."""
    if not isinstance(code, str) or not code:
        return subject
    return subject.replace(escape(code), Markup('<bdi class="code">%s</bdi>') % code)


@router.post("/inbox/read-all")
def mark_all_read(
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(page_guard("notifications.read"))],
) -> Response:
    """Mark all my unread notifications read, then back to the inbox."""
    for n in notification_service.mark_all_read(session, user_id=user.pk):
        audit(request, user, action="notifications.read", object_type="notification",
              object_id=n.id, youth_id=n.youth_id)  # fmt: skip
    return RedirectResponse("/inbox", status_code=303)


@router.post("/inbox/{notification_id}/read")
def mark_read(
    notification_id: NotificationId,
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(page_guard("notifications.read"))],
    page: PageNo = 1,
) -> Response:
    """Mark one of my notifications read, then back to the inbox (its page kept)."""
    found = session.get(Notification, notification_id)
    mine = found is not None and found.recipient_id == user.id
    audit(request, user, action="notifications.read", object_type="notification",
          object_id=notification_id, youth_id=youth_of(session, found) if mine else None,
          outcome=AuditOutcome.allowed if mine else AuditOutcome.not_found)  # fmt: skip
    if not mine:
        raise NotFound(f"notification {notification_id} not found")
    notification_service.mark_read(session, notification_id=notification_id, user_id=user.pk)
    return RedirectResponse(f"/inbox?page={page}" if page > 1 else "/inbox", status_code=303)
