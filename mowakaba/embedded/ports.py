"""Before starting: are the ports free, who holds them, is the data directory in use."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import socket
from collections.abc import Iterator
from pathlib import Path

from mowakaba.embedded.processes import Refused


def port_free(host: str, port: int) -> bool:
    """Tell whether a TCP port can be listened on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _listening_inodes(port: int) -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as rows:
            next(rows, None)
            for row in rows:
                fields = row.split()
                local, state, inode = fields[1], fields[3], fields[9]
                if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                    inodes.add(inode)
    return inodes


def port_owner(port: int) -> tuple[int, str | None] | None:
    """Find the process listening on a port and its MOWAKABA_HOME (Linux /proc; else None)."""
    inodes = _listening_inodes(port)
    if not inodes:
        return None
    for pid in filter(str.isdigit, os.listdir("/proc")):
        with contextlib.suppress(OSError):
            for fd in os.listdir(f"/proc/{pid}/fd"):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    return int(pid), _home_of(int(pid))
    return None


def _home_of(pid: int) -> str | None:
    with contextlib.suppress(OSError):
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        for entry in environ:
            if entry.startswith(b"MOWAKABA_HOME="):
                return entry.split(b"=", 1)[1].decode(errors="replace")
    return None


def refuse_busy_port(host: str, port: int, what: str, home: Path) -> None:
    """Raise Refused, in one line naming the port (and the other Mowakaba home, if one)."""
    if port_free(host, port):
        return
    owner = port_owner(port)
    holder = ""
    if owner is not None:
        pid, other_home = owner
        if other_home is not None and Path(other_home).resolve() != home.resolve():
            holder = f" by another Mowakaba (data directory {other_home}, pid {pid})"
        elif other_home is not None:
            holder = f" by a Mowakaba process of this data directory (pid {pid})"
        else:
            holder = f" (pid {pid})"
    option = "--port" if what == "web app" else "--prefect-port"
    raise Refused(f"port {port} ({what}) is in use{holder}: stop it, or choose {option}")


@contextlib.contextmanager
def home_lock(home: Path, ports: tuple[int, int] | None = None) -> Iterator[None]:
    """Hold the data directory for one `mowakaba up` at a time (refused while another holds it).

    The file says `<pid> <web port> <Prefect port>`: commands run on the same data
    directory find the running system's Prefect server there (settings.running_ports).
    """
    home.mkdir(parents=True, exist_ok=True)
    path = home / "up.lock"
    handle = path.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        handle.seek(0)
        pid = (handle.read().split() or ["?"])[0]
        handle.close()
        if exc.errno in (errno.EAGAIN, errno.EACCES):
            raise Refused(
                f"another `mowakaba up` is running on {home} (pid {pid}): stop it first"
            ) from None
        raise
    try:
        handle.seek(0)
        handle.truncate()
        where = f" {ports[0]} {ports[1]}" if ports else ""
        handle.write(f"{os.getpid()}{where}\n")
        handle.flush()
        yield
    finally:
        handle.close()  # releases the lock (the kernel does too if we are killed)
