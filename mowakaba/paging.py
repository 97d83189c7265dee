"""Pages of a query: one page of its rows, and how many rows all its pages hold."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlmodel import Session, func, select
from sqlmodel.sql.expression import SelectOfScalar

T = TypeVar("T")


def fetch_page(
    session: Session,
    query: SelectOfScalar[T],
    *,
    order_by: Sequence[Any],
    limit: int,
    offset: int = 0,
) -> tuple[list[T], int]:
    """Return a page of a query's rows in order, and the total the pages are cut from."""
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(*order_by).offset(offset).limit(limit)).all()
    return list(rows), int(total)
