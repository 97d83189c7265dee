"""Column builders every table uses, and the constraint naming convention they rely on."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from mowakaba import crypto
from mowakaba.clock import now
from mowakaba.db import NAMING_CONVENTION, UTCDateTime

# Set before any table is declared, so that every constraint gets its conventional name.
SQLModel.metadata.naming_convention = NAMING_CONVENTION


class Keyed:
    """A table whose rows get an integer id when saved: `.pk` is that id, typed `int`.

    `id` stays `int | None` (a new row has none until it is flushed); code that works
    with saved rows reads `.pk`, which says so if the row was never flushed.
    """

    @property
    def pk(self) -> int:
        value = getattr(self, "id", None)
        if value is None:
            raise ValueError(f"{type(self).__name__} has no id yet: flush it first")
        return int(value)


def utc_field(*, nullable: bool = False, default_now: bool = False, index: bool = False) -> Any:
    """A timezone-aware UTC datetime column."""
    if default_now:
        return Field(default_factory=now, sa_type=UTCDateTime, nullable=nullable, index=index)
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


def sensitive(default: Any = None, **kwargs: Any) -> Any:
    """A column holding health, family or personal notes: marked, never logged or shared."""
    return Field(default=default, sa_column_kwargs={"info": {"sensitive": True}}, **kwargs)


class EncryptedText(sa.types.TypeDecorator[str]):
    """Text encrypted at rest (mowakaba/crypto.py): plain in Python, sealed in the database.

    Nothing may filter or search on such a column in SQL (each write draws a new nonce);
    a value written before encryption still reads (`keys rotate` encrypts it).
    """

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: sa.Dialect) -> str | None:
        return None if value is None else crypto.encrypt_text(value)

    def process_result_value(self, value: str | None, dialect: sa.Dialect) -> str | None:
        return None if value is None else crypto.decrypt_text(value)


class EncryptedJSON(sa.types.TypeDecorator[Any]):
    """JSON encrypted at rest: the JSON text sealed as EncryptedText seals text (TEXT in
    the database). A value written before encryption (plain JSON text) still reads."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> str | None:
        if value is None:
            return None
        return crypto.encrypt_text(json.dumps(value, ensure_ascii=False, separators=(",", ":")))

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, str):  # a driver that decoded a legacy JSON column itself
            return value
        return json.loads(crypto.decrypt_text(value))


def encrypted(default: Any = None, **kwargs: Any) -> Any:
    """A sensitive column encrypted at rest (TEXT: the ciphertext is longer than the text)."""
    return Field(
        default=default, sa_type=EncryptedText, sa_column_kwargs={"info": {"sensitive": True}},
        **kwargs,
    )  # fmt: skip


def encrypted_json(**kwargs: Any) -> Any:
    """A sensitive JSON column encrypted at rest (TEXT holding the sealed JSON)."""
    return Field(sa_type=EncryptedJSON, sa_column_kwargs={"info": {"sensitive": True}}, **kwargs)


def fk(
    target: str, *, nullable: bool = False, index: bool = True, ondelete: str | None = None
) -> Any:
    """A foreign key column."""
    extra: dict[str, Any] = {"ondelete": ondelete} if ondelete else {}
    return Field(default=None, foreign_key=target, nullable=nullable, index=index, **extra)
