"""A real `kill -9` of the process running a sweep, half-way: the next sweep sends each once."""

import os
import signal
import subprocess
import sys
import time
from datetime import date

from sqlmodel import func, select

from mowakaba.db import session_scope
from mowakaba.enums import Role
from mowakaba.models import Notification
from tests.factories import at, make_institution, make_user, make_youth

YOUTHS = 8


def notifications() -> list[str]:
    with session_scope() as s:
        return list(s.exec(select(Notification.idempotency_key)))


def sweep_process(pause: str) -> subprocess.Popen:
    env = {**os.environ, "MOWAKABA_SWEEP_BATCH_PAUSE_SECONDS": pause}
    return subprocess.Popen(
        [sys.executable, "-m", "mowakaba.cli", "sweep", "--as-of", "2026-12-23", "--batch-size", "1"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip


def test_kill_minus_9_half_way_then_sweep_again(committed, deployed):
    with session_scope() as s:
        institution = make_institution(s)
        mediator = make_user(s, Role.mediator, [institution], email="med@example.ma")
        for n in range(YOUTHS):
            make_youth(
                s,
                institution,
                mediator,
                date_of_birth=date(2012, 2, 1 + n),
                as_of=at(date(2026, 11, 30)),
            )

    process = sweep_process(pause="0.4")
    deadline = time.monotonic() + 120
    while len(notifications()) < 2 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.1)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    partial = notifications()
    assert 2 <= len(partial) < YOUTHS, process.stdout.read().decode()

    finished = sweep_process(pause="0")
    output = finished.communicate(timeout=300)[0].decode()
    assert finished.returncode == 0, output
    keys = notifications()
    assert len(keys) == YOUTHS == len(set(keys)), output
    assert set(partial) <= set(keys)
    with session_scope() as s:
        assert s.exec(select(func.count()).select_from(Notification)).one() == YOUTHS
