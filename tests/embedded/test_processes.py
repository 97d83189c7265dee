"""Children of `mowakaba up`: their logs and what they write are their owner's only."""

from __future__ import annotations

import os
import stat
import sys

from mowakaba.embedded.processes import Child


def test_a_child_writes_private_files_whatever_the_parent_umask(tmp_path):
    previous = os.umask(0o022)
    try:
        written = tmp_path / "written"
        child = Child(
            "writer",
            [sys.executable, "-c", f"open({str(written)!r}, 'w').write('x')"],
            tmp_path / "logs" / "writer.log",
        )
        child.start(dict(os.environ))
        assert child.process is not None and child.process.wait(timeout=30) == 0
    finally:
        os.umask(previous)
    for path in (written, child.log_path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(child.log_path.parent.stat().st_mode) == 0o700
