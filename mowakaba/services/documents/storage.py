"""Documents on disk: `documents/` under the data directory, random names, atomic writes.

An upload is streamed to a temporary file in the same folder (counted as it arrives, so a
body past the limit is never kept whole), checked, then renamed to its random stored name:
a process that dies leaves either the whole file or a temporary one (`.part`), never half a
document under a real name. The database row is committed only after the rename; when the
commit fails the file is removed (`discard`).

Files are encrypted at rest (mowakaba/crypto.py, AES-256-GCM in 64 KiB chunks): the part
holds the plaintext only while the upload is checked (the parsers need a file); `finish`
writes the encrypted file beside it, renames that to the stored name and removes the part.
The row's size and sha256 are the plaintext's. Read a stored file only through
`open_chunks` / `read_bytes` (they decrypt, and read a legacy plaintext file as it is).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from mowakaba import crypto
from mowakaba.errors import DocumentTooLarge, InvalidInput
from mowakaba.home import DIR_MODE, FILE_MODE
from mowakaba.settings import get_settings

PART_SUFFIX = ".part"


@dataclass(frozen=True)
class StoredFile:
    """A file written under its random name, with what was measured while writing."""

    stored_name: str
    path: Path
    size: int
    sha256: str
    head: bytes


def documents_dir() -> Path:
    """The documents folder (created 0700 if needed)."""
    folder = get_settings().documents_dir
    folder.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    return folder


def path_of(stored_name: str) -> Path:
    """The path of a stored document; a name that is not one of ours is refused."""
    if len(stored_name) != 32 or any(ch not in "0123456789abcdef" for ch in stored_name):
        raise InvalidInput(f"not a stored document name: {stored_name[:40]!r}")
    return get_settings().documents_dir / stored_name


class Upload:
    """One file being written: `write` chunks, then `finish` (rename) or `abort` (remove)."""

    def __init__(self, *, max_bytes: int | None = None) -> None:
        self.max_bytes = max_bytes or get_settings().document_max_bytes
        self.stored_name = secrets.token_hex(16)
        self.folder = documents_dir()
        self.part = self.folder / f"{self.stored_name}{PART_SUFFIX}"
        fd = os.open(self.part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        self.handle = os.fdopen(fd, "wb")
        self.size, self.digest, self.head = 0, hashlib.sha256(), b""

    def write(self, chunk: bytes) -> None:
        """Append a chunk; refuse (and remove the part) past the size limit."""
        self.size += len(chunk)
        if self.size > self.max_bytes:
            self.abort()
            raise DocumentTooLarge(
                f"file: larger than the limit of {self.max_bytes // (1024 * 1024)} MB"
            )
        if len(self.head) < 16:
            self.head += chunk[: 16 - len(self.head)]
        self.digest.update(chunk)
        self.handle.write(chunk)

    def close(self) -> None:
        """Flush the part to disk (before it is parsed and renamed)."""
        if not self.handle.closed:
            self.handle.flush()
            os.fsync(self.handle.fileno())
            self.handle.close()

    def finish(self) -> StoredFile:
        """Encrypt the part to its stored name (written aside, then renamed: atomic on one
        file system) and remove the plaintext part."""
        self.close()
        path = self.folder / self.stored_name
        sealed = self.folder / f"{self.stored_name}.sealed{PART_SUFFIX}"
        fd = os.open(sealed, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        try:
            with os.fdopen(fd, "wb") as out, self.part.open("rb") as plain:
                crypto.encrypt_chunks(iter(lambda: plain.read(crypto.CHUNK_BYTES), b""), out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(sealed, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                sealed.unlink()
            raise
        self.part.unlink()
        with contextlib.suppress(OSError):  # the rename itself reaches the disk
            dir_fd = os.open(self.folder, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        return StoredFile(self.stored_name, path, self.size, self.digest.hexdigest(), self.head)

    def abort(self) -> None:
        """Remove the part (an upload refused or broken off)."""
        with contextlib.suppress(OSError):
            self.handle.close()
        with contextlib.suppress(FileNotFoundError):
            self.part.unlink()


def store_chunks(chunks: Iterable[bytes], *, max_bytes: int | None = None) -> Upload:
    """Write chunks to a new part file (not yet renamed); the caller finishes or aborts it."""
    upload = Upload(max_bytes=max_bytes)
    try:
        for chunk in chunks:
            upload.write(chunk)
        upload.close()
    except BaseException:
        upload.abort()
        raise
    return upload


async def store_stream(chunks: AsyncIterator[bytes], *, max_bytes: int | None = None) -> Upload:
    """Write an async stream of chunks to a new part file (see `store_chunks`)."""
    upload = Upload(max_bytes=max_bytes)
    try:
        async for chunk in chunks:
            upload.write(chunk)
        upload.close()
    except BaseException:
        upload.abort()
        raise
    return upload


def open_chunks(stored_name: str) -> Iterator[bytes]:
    """A stored document's plaintext, chunk by chunk (the key is checked at once)."""
    return crypto.decrypt_file(path_of(stored_name))


def read_bytes(stored_name: str) -> bytes:
    """A stored document's whole plaintext."""
    return crypto.read_file(path_of(stored_name))


def stored_names() -> list[str]:
    """The stored documents' names on disk (parts and strays left out)."""
    folder = get_settings().documents_dir
    if not folder.is_dir():
        return []
    names = (path.name for path in folder.iterdir())
    return sorted(n for n in names if len(n) == 32 and all(c in "0123456789abcdef" for c in n))


def discard(stored_name: str) -> None:
    """Remove a stored file whose row was not committed (an orphan otherwise)."""
    with contextlib.suppress(FileNotFoundError, InvalidInput):
        path_of(stored_name).unlink()


def remove_parts(older_than_seconds: float = 3600) -> int:
    """Remove part files left by a process that died mid-upload; return how many."""
    import time

    folder = get_settings().documents_dir
    if not folder.is_dir():
        return 0
    removed, limit = 0, time.time() - older_than_seconds
    for part in folder.glob(f"*{PART_SUFFIX}"):
        with contextlib.suppress(FileNotFoundError):
            if part.stat().st_mtime < limit:
                part.unlink()
                removed += 1
    return removed
