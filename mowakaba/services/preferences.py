"""A user's own preferences (today: the language of their pages and messages)."""

from __future__ import annotations

from sqlmodel import Session

from mowakaba.clock import now
from mowakaba.enums import Language
from mowakaba.errors import NotFound
from mowakaba.models import User


def set_language(session: Session, *, user_id: int, language: Language) -> User:
    """Remember the language a user reads (pages and messages)."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found")
    if user.language != language:
        user.language = language
        user.updated_at = now()
        session.add(user)
    return user
