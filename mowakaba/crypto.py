"""Encryption at rest: AES-256-GCM for case notes' text and document files.

Why AES-256-GCM (`cryptography`'s AESGCM) rather than Fernet: a 256-bit key; 28 bytes of
overhead instead of Fernet's 57 plus a readable timestamp; and files encrypted in 64 KiB
chunks, each authenticated on its own, so a 10 MB document is encrypted and downloaded as
a stream (Fernet encrypts a whole message in memory and base64-encodes it, a third more).

Keys come from the settings, never from the database: MOWAKABA_ENCRYPTION_KEYS
(comma-separated), else the key file `secrets/encryption-keys` under the data directory
(0600, one key a line). The first key encrypts; every key listed decrypts. Each stored
value names its key by an id (8 hex digits of a hash of the key), so keys coexist during
a rotation. A value written before encryption (legacy plaintext) reads as it is; a value
under a key that is not listed, or that fails authentication, raises EncryptionKeyError:
never garbage, and nothing is ever written in the clear for want of a key.

Formats:
- text: ``mwk1:<key id>:<base64url(nonce 12 bytes | ciphertext | tag 16 bytes)>``;
- file: ``MWKF1\\n`` + key id (8 ASCII bytes) + nonce prefix (8 bytes), then chunks of
  64 KiB of plaintext each sealed with the nonce prefix | chunk counter (4 bytes), the
  header and a last-chunk flag as associated data (a truncated or reordered file fails).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from mowakaba.errors import EncryptionKeyError
from mowakaba.settings import get_settings

TEXT_PREFIX = "mwk1:"
TEXT_AAD = b"mowakaba:text"
FILE_MAGIC = b"MWKF1\n"
FILE_HEADER_BYTES = len(FILE_MAGIC) + 8 + 8
CHUNK_BYTES = 64 * 1024
TAG_BYTES = 16
ENV_NAME = "MOWAKABA_ENCRYPTION_KEYS"


@dataclass(frozen=True)
class Key:
    """One key: its id (as stored in each value) and its cipher."""

    id: str
    aead: AESGCM


@dataclass(frozen=True)
class Keyring:
    """The keys in order: the first encrypts, all decrypt."""

    keys: tuple[Key, ...]
    source: str

    @property
    def current(self) -> Key:
        """The key that encrypts."""
        return self.keys[0]

    def get(self, key_id: str) -> Key:
        """The key with this id, or a clear error naming where the keys come from."""
        for key in self.keys:
            if key.id == key_id:
                return key
        raise EncryptionKeyError(
            f"data encrypted under key {key_id[:8]!r}, which is not in {self.source}: "
            "add that key back (the first key encrypts, every key listed decrypts)"
        )


def new_key() -> str:
    """A fresh random 256-bit key, base64url-encoded (what the settings and the file hold)."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode("ascii")


def key_id(encoded: str) -> str:
    """The id of an encoded key (8 hex digits; the key cannot be told from it)."""
    raw = _decode_key(encoded, "a key")
    return hashlib.sha256(b"mowakaba-key-id:" + raw).hexdigest()[:8]


def _decode_key(encoded: str, where: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(encoded.strip().encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raw = b""
    if len(raw) != 32:
        raise EncryptionKeyError(
            f"{where}: not an encryption key (32 bytes in base64url; `mowakaba keys new` makes one)"
        )
    return raw


@lru_cache(maxsize=16)
def _parse(entries: tuple[str, ...], source: str) -> Keyring:
    keys: list[Key] = []
    for number, entry in enumerate(entries, start=1):
        raw = _decode_key(entry, f"{source}, key {number}")
        kid = hashlib.sha256(b"mowakaba-key-id:" + raw).hexdigest()[:8]
        if all(k.id != kid for k in keys):
            keys.append(Key(kid, AESGCM(raw)))
    if not keys:
        raise EncryptionKeyError(f"{source}: no encryption key in it")
    return Keyring(tuple(keys), source)


def keyring() -> Keyring:
    """The keys from the settings: MOWAKABA_ENCRYPTION_KEYS, else the data directory's
    key file; a clear error when there is none."""
    settings = get_settings()
    if settings.encryption_keys is not None:
        value = settings.encryption_keys.get_secret_value()
        return _parse(tuple(e for e in value.split(",") if e.strip()), ENV_NAME)
    path = settings.key_file
    try:
        info = path.stat()
    except FileNotFoundError:
        raise EncryptionKeyError(
            f"no encryption key: set {ENV_NAME}, or run `mowakaba db upgrade` "
            f"(or `mowakaba up`) to create {path}"
        ) from None
    if stat.S_IMODE(info.st_mode) & 0o077:
        raise EncryptionKeyError(f"{path}: readable by others; chmod 600 it")
    return _file_keyring(str(path), info.st_mtime_ns, info.st_size)


@lru_cache(maxsize=4)
def _file_keyring(path: str, _mtime_ns: int, _size: int) -> Keyring:
    # Read again only when the file changes (`keys new`): not once per value.
    return _parse(_file_entries(Path(path)), path)


def _file_entries(path: Path) -> tuple[str, ...]:
    lines = (line.strip() for line in path.read_text(encoding="ascii").splitlines())
    return tuple(line for line in lines if line and not line.startswith("#"))


def ensure_key_file() -> Path | None:
    """Create the key file (0600, under a 0700 `secrets/`) with a fresh key when the keys
    come from no setting and no file exists yet; return its path if it was created."""
    settings = get_settings()
    if settings.encryption_keys is not None or settings.key_file.exists():
        return None
    _write_key_file(settings.key_file, [new_key()])
    return settings.key_file


def add_key() -> tuple[str, Path | None]:
    """Put a new key first in the key file (it encrypts from now on; the others still
    decrypt). With MOWAKABA_ENCRYPTION_KEYS set, nothing is written: the caller shows the
    key, and the operator puts it first in the variable. Return the key's id and the file."""
    settings = get_settings()
    key = new_key()
    if settings.encryption_keys is not None:
        return key, None
    entries = list(_file_entries(settings.key_file)) if settings.key_file.exists() else []
    _write_key_file(settings.key_file, [key, *entries])
    return key_id(key), settings.key_file


def _write_key_file(path: Path, keys: list[str]) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".new")
    body = (
        "# Mowakaba encryption keys: the first encrypts, all decrypt. Never put this file\n"
        "# in a backup; keep a copy apart (a lost key is lost data). See docs/privacy.md.\n"
        + "".join(f"{key}\n" for key in keys)
    )
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(body)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def require_key() -> Key:
    """The encrypting key, or the clear error (checked before a write, not inside it)."""
    return keyring().current


# --- text ---------------------------------------------------------------------------


def encrypt_text(plain: str) -> str:
    """Encrypt a text under the current key (a fresh nonce each time)."""
    key = keyring().current
    nonce = os.urandom(12)
    sealed = key.aead.encrypt(nonce, plain.encode("utf-8"), TEXT_AAD)
    return f"{TEXT_PREFIX}{key.id}:{base64.urlsafe_b64encode(nonce + sealed).decode('ascii')}"


def text_key_id(stored: str) -> str | None:
    """The id of the key a stored text is under; None for legacy plaintext."""
    if not stored.startswith(TEXT_PREFIX):
        return None
    return stored[len(TEXT_PREFIX) : len(TEXT_PREFIX) + 8]


def decrypt_text(stored: str) -> str:
    """The plaintext of a stored text (legacy plaintext is returned as it is)."""
    kid = text_key_id(stored)
    if kid is None:
        return stored
    key = keyring().get(kid)
    try:
        blob = base64.urlsafe_b64decode(stored[len(TEXT_PREFIX) + 9 :].encode("ascii"))
        return key.aead.decrypt(blob[:12], blob[12:], TEXT_AAD).decode("utf-8")
    except (InvalidTag, binascii.Error, ValueError) as exc:
        raise EncryptionKeyError(
            f"a value under key {kid!r} fails authentication: altered or damaged"
        ) from exc


# --- files ---------------------------------------------------------------------------


def _nonce(prefix: bytes, counter: int) -> bytes:
    return prefix + counter.to_bytes(4, "big")


def _aad(header: bytes, last: bool) -> bytes:
    return header + (b"\x01" if last else b"\x00")


def encrypt_chunks(chunks: Iterable[bytes], out: BinaryIO) -> None:
    """Write the encrypted form of a byte stream to `out` under the current key."""
    key = keyring().current
    prefix = os.urandom(8)
    header = FILE_MAGIC + key.id.encode("ascii") + prefix
    out.write(header)
    buffer, counter = b"", 0
    for chunk in chunks:
        buffer += chunk
        # Keep at least one byte back: the last chunk is sealed as the last.
        while len(buffer) > CHUNK_BYTES:
            piece, buffer = buffer[:CHUNK_BYTES], buffer[CHUNK_BYTES:]
            out.write(key.aead.encrypt(_nonce(prefix, counter), piece, _aad(header, False)))
            counter += 1
    out.write(key.aead.encrypt(_nonce(prefix, counter), buffer, _aad(header, True)))


def file_key_id(path: Path) -> str | None:
    """The id of the key a stored file is under; None for a legacy plaintext file."""
    with path.open("rb") as handle:
        head = handle.read(FILE_HEADER_BYTES)
    if not head.startswith(FILE_MAGIC):
        return None
    return head[len(FILE_MAGIC) : len(FILE_MAGIC) + 8].decode("ascii", "replace")


def decrypt_file(path: Path) -> Iterator[bytes]:
    """The plaintext of a stored file, chunk by chunk; the key is checked before the first
    chunk is asked for (a legacy plaintext file is read as it is)."""
    handle = path.open("rb")
    try:
        head = handle.read(FILE_HEADER_BYTES)
        if not head.startswith(FILE_MAGIC):
            handle.seek(0)
            return _plain_chunks(handle)
        if len(head) < FILE_HEADER_BYTES:
            raise EncryptionKeyError(f"{path.name}: truncated")
        key = keyring().get(head[len(FILE_MAGIC) : len(FILE_MAGIC) + 8].decode("ascii", "replace"))
    except BaseException:
        handle.close()
        raise
    return _open_chunks(handle, key, head, path.name)


def _plain_chunks(handle: BinaryIO) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(CHUNK_BYTES):
            yield chunk


def _open_chunks(handle: BinaryIO, key: Key, header: bytes, name: str) -> Iterator[bytes]:
    prefix = header[-8:]
    with handle:
        block, counter = handle.read(CHUNK_BYTES + TAG_BYTES), 0
        if not block:
            raise EncryptionKeyError(f"{name}: truncated")
        while block:
            following = handle.read(CHUNK_BYTES + TAG_BYTES)
            last = not following
            try:
                yield key.aead.decrypt(_nonce(prefix, counter), block, _aad(header, last))
            except InvalidTag:
                raise EncryptionKeyError(
                    f"{name}: fails authentication under key {key.id!r}: altered, truncated "
                    "or damaged"
                ) from None
            block, counter = following, counter + 1


def read_file(path: Path) -> bytes:
    """The whole plaintext of a stored file."""
    return b"".join(decrypt_file(path))


def encrypt_file_in_place(path: Path) -> None:
    """Re-encrypt a stored file (or encrypt a legacy plaintext one) under the current key:
    written beside it, then renamed over it (a kill leaves the old file whole)."""
    temporary = path.with_name(path.name + ".rekey.part")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            encrypt_chunks(decrypt_file(path), out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise
