"""The watchdog of `mowakaba up`: stops the system's process groups when `up` dies.

`up` starts it first, with a pipe on its standard input, and writes a line per
process group it starts (`+PGID`) or has stopped (`-PGID`). When the pipe closes —
`up` exited, was killed with SIGKILL, crashed — the watchdog sends SIGTERM to every
group still listed, SIGKILL after a grace period, and exits. Standard library only,
so that it starts in milliseconds.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time

GRACE_SECONDS = 10.0


def group_alive(pgid: int) -> bool:
    """Tell whether any process of a group is still alive."""
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def signal_groups(pgids: set[int], signum: int) -> None:
    """Send a signal to each group that still exists."""
    for pgid in pgids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signum)


def stop_groups(pgids: set[int], grace: float = GRACE_SECONDS) -> None:
    """SIGTERM each group, then SIGKILL what is left after `grace` seconds."""
    signal_groups(pgids, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(group_alive(p) for p in pgids):
        time.sleep(0.2)
    signal_groups(pgids, signal.SIGKILL)


def main() -> None:
    """Follow the list of groups on stdin; stop them all when it closes."""
    # Ctrl-C and SIGTERM are for `up`: the watchdog stops only when its pipe closes.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    pgids: set[int] = set()
    for line in sys.stdin:
        line = line.strip()
        if line.startswith("+") and line[1:].isdigit():
            pgids.add(int(line[1:]))
        elif line.startswith("-") and line[1:].isdigit():
            pgids.discard(int(line[1:]))
    stop_groups(pgids)


if __name__ == "__main__":
    main()
