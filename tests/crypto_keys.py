"""Run a test under other encryption keys (or none), then back to the suite's key."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from mowakaba.settings import get_settings


@contextmanager
def keys_set(value: str | None, **env: str) -> Iterator[None]:
    """MOWAKABA_ENCRYPTION_KEYS set to `value` (None: unset, the key file is read), and any
    other MOWAKABA_* variables given; the settings re-read, and restored afterwards."""
    names = ["MOWAKABA_ENCRYPTION_KEYS", *env]
    saved = {name: os.environ.get(name) for name in names}
    try:
        for name, new in {"MOWAKABA_ENCRYPTION_KEYS": value, **env}.items():
            if new is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = new
        get_settings.cache_clear()
        yield
    finally:
        for name, old in saved.items():
            if old is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = old
        get_settings.cache_clear()
