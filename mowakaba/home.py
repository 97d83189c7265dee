"""The data directory (MOWAKABA_HOME) holds minors' records: readable by its owner only.

Directories 0700, files 0600. The `mowakaba` command runs under umask 077 (and so do
the children of `mowakaba up`); a directory made by an older version, or by hand, is
fixed at start.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077
DIR_MODE, FILE_MODE = 0o700, 0o600


def notice(home: Path) -> str:
    """The one line that says a data directory's modes were fixed."""
    return f"fixed permissions of {home}: readable by its owner only"


def make_private(home: Path, *, walk: bool = True) -> bool:
    """Create the data directory 0700, or make an existing one private; tell if modes changed.

    `walk=False` looks at the directory itself only (a cheap check for every command),
    and walks it only when the directory is open to others.
    """
    try:
        mode = stat.S_IMODE(home.stat().st_mode)
    except FileNotFoundError:
        home.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        return False
    if not walk and not mode & 0o077:
        return False
    return _fix_tree(home)


def _fix_tree(home: Path) -> bool:
    changed = _make_owner_only(home)
    for root, dirs, files in os.walk(home):
        for name in dirs + files:
            changed |= _make_owner_only(Path(root, name))
    return changed


def _make_owner_only(path: Path) -> bool:
    try:
        info = path.lstat()
    except FileNotFoundError:  # gone meanwhile (a -shm file, a log rotated)
        return False
    if stat.S_ISLNK(info.st_mode) or not info.st_mode & 0o077:
        return False  # a symlink's target is not ours to change; private already
    path.chmod(stat.S_IMODE(info.st_mode) & ~0o077)  # 0755 -> 0700, 0644 -> 0600
    return True


def create_private_file(path: Path) -> None:
    """Create an empty file 0600 if it does not exist (SQLite gives its -wal and -shm the
    database file's mode, whatever the umask)."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
