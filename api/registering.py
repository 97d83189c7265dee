"""Importing a register at an edge (the pages; the CLI does the same in mowakaba/cli):
the uploaded file kept between the steps, the import committed, audited, pathways started.

Between the steps the file stays on the server, never in the browser: under
`<home>/imports/`, a random name (the token the pages carry), mode 0600, with a small
JSON beside it naming its owner and institution; another user's token is a 404. A file is
removed once imported, and any older than 24 hours at the next upload.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from fastapi import Request
from sqlmodel import Session, select

from api.deps import audit
from flows import launch
from mowakaba.enums import Role
from mowakaba.errors import NotFound
from mowakaba.models import Institution, User
from mowakaba.services import registers
from mowakaba.services import users as user_service
from mowakaba.settings import get_settings

MAX_AGE_SECONDS = 24 * 3600
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")


@dataclass
class KeptFile:
    """A register uploaded and kept for the next steps."""

    token: str
    filename: str
    institution_id: int
    table: registers.Table


def imports_dir() -> Path:
    """The folder of uploaded registers (created 0700)."""
    folder = get_settings().home / "imports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def institutions_for(session: Session, user: User) -> list[Institution]:
    """The institutions a user may import into: a coordinator's own, every one for an admin."""
    query = select(Institution).order_by(Institution.name)
    if user.role != Role.admin:
        ids = user_service.institution_ids_of(session, user.pk)
        query = query.where(Institution.id.in_(ids))  # type: ignore[union-attr]
    return list(session.exec(query))


def check_institution(session: Session, user: User, institution_id: int) -> Institution:
    """The institution, if the user may import into it (404 otherwise, as for a stranger's)."""
    for institution in institutions_for(session, user):
        if institution.pk == institution_id:
            return institution
    raise NotFound(f"institution {institution_id} not found")


def _clean_old(folder: Path) -> None:
    limit = time.time() - MAX_AGE_SECONDS
    for path in folder.iterdir():
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < limit:
                path.unlink()


def keep_upload(data: bytes, *, filename: str, user: User, institution_id: int) -> KeptFile:
    """Read the register (RegisterUnreadable when it cannot be), then keep it for the steps."""
    table = registers.read_register(data, filename=filename)
    folder = imports_dir()
    _clean_old(folder)
    token = secrets.token_urlsafe(24)
    for suffix, content in (
        (".data", data),
        (
            ".json",
            json.dumps(
                {"user_id": user.pk, "institution_id": institution_id, "filename": filename[-200:]}
            ).encode(),
        ),  # fmt: skip
    ):
        fd = os.open(folder / f"{token}{suffix}", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
    return KeptFile(token, filename, institution_id, table)


def load_upload(token: str, *, user: User) -> KeptFile:
    """The register kept under this token, if the user uploaded it (404 otherwise)."""
    folder = imports_dir()
    if not _TOKEN.fullmatch(token):
        raise NotFound("import not found")
    try:
        meta = json.loads((folder / f"{token}.json").read_text())
        data = (folder / f"{token}.data").read_bytes()
        age = time.time() - (folder / f"{token}.data").stat().st_mtime
    except (OSError, ValueError):
        raise NotFound("import not found") from None
    if meta.get("user_id") != user.pk or age > MAX_AGE_SECONDS:
        raise NotFound("import not found")
    filename = str(meta["filename"])
    table = registers.read_register(data, filename=filename)
    return KeptFile(token, filename, int(meta["institution_id"]), table)


def drop_upload(token: str) -> None:
    """Remove a kept register (imported, or abandoned)."""
    if _TOKEN.fullmatch(token):
        for suffix in (".data", ".json"):
            with contextlib.suppress(OSError):
                (imports_dir() / f"{token}{suffix}").unlink()


def import_register(
    session: Session,
    request: Request,
    user: User,
    *,
    kept: KeptFile,
    mapping: list[str | None],
    valid_only: bool,
) -> registers.RegisterReport:
    """Import the register in one transaction, commit, audit each youth as a registration
    is, then start their pathway runs. RegisterHasErrors (nothing kept) unless clean or
    `valid_only`."""
    check_institution(session, user, kept.institution_id)
    report = registers.run_register(
        session, table=kept.table, mapping=mapping, institution_id=kept.institution_id,
        actor=user, import_rows=True, valid_only=valid_only,
    )  # fmt: skip
    session.commit()
    drop_upload(kept.token)
    for youth_id in report.imported:
        audit(request, user, action="youths.create", object_type="youth",
              object_id=youth_id, youth_id=youth_id)  # fmt: skip
    launch.start_pathways_after_commit(report.imported)
    return report
