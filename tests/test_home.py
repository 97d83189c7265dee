"""The data directory holds minors' records: its owner's only (0700 directories, 0600 files)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from mowakaba import home as data_home


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def db_upgrade(home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "DATABASE_"))}
    env["MOWAKABA_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "mowakaba.cli", "db", "upgrade"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_db_upgrade_on_a_fresh_home_leaves_it_readable_by_its_owner_only(tmp_path):
    home = tmp_path / "fresh"
    done = db_upgrade(home)
    assert done.returncode == 0, done.stderr
    assert mode(home) == 0o700
    database = home / "mowakaba.db"
    assert mode(database) == 0o600
    for path in home.rglob("*"):
        assert mode(path) & 0o077 == 0, f"{path} is {oct(mode(path))}"
    assert "fixed permissions" not in done.stderr


def test_db_upgrade_fixes_a_world_readable_home_with_one_notice(tmp_path):
    home = tmp_path / "old"
    (home / "logs").mkdir(parents=True)
    for path in (home, home / "logs"):
        path.chmod(0o755)
    for path in (home / "mowakaba.db", home / "logs" / "web.log"):
        path.touch()
        path.chmod(0o644)
    done = db_upgrade(home)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines() == [
        f"fixed permissions of {home}: readable by its owner only"
    ]
    assert mode(home) == mode(home / "logs") == 0o700
    assert mode(home / "mowakaba.db") == mode(home / "logs" / "web.log") == 0o600
    assert "fixed permissions" not in db_upgrade(home).stderr  # once fixed, silent


def test_the_cheap_check_walks_only_a_home_open_to_others(tmp_path):
    tmp_path.chmod(0o700)
    inside = tmp_path / "x"
    inside.touch()
    inside.chmod(0o644)
    assert data_home.make_private(tmp_path, walk=False) is False
    assert mode(inside) == 0o644  # behind a 0700 directory: no one else reaches it
    assert data_home.make_private(tmp_path) is True
    assert mode(inside) == 0o600
    assert data_home.make_private(tmp_path) is False


def test_a_symlink_in_the_home_is_left_alone(tmp_path):
    outside = tmp_path / "outside"
    outside.touch()
    outside.chmod(0o644)
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    home.chmod(0o755)
    (home / "link").symlink_to(outside)
    assert data_home.make_private(home) is True
    assert mode(home) == 0o700 and mode(outside) == 0o644
