"""Settings: commands find the Prefect server that `mowakaba up` runs for their data directory."""

from __future__ import annotations

import fcntl

import pytest

from mowakaba.settings import Settings


def test_commands_use_the_prefect_port_of_the_up_running_on_their_directory(tmp_path):
    lock = tmp_path / "up.lock"
    lock.write_text("4242 18123 14123\n")
    assert Settings(home=tmp_path).effective_prefect_api_url == "http://127.0.0.1:4200/api"
    with lock.open() as held:  # `up` holds it while it runs
        fcntl.flock(held, fcntl.LOCK_EX)
        settings = Settings(home=tmp_path)
        assert settings.running_ports() == (18123, 14123)
        assert settings.effective_prefect_api_url == "http://127.0.0.1:14123/api"
        # A port named on purpose wins.
        named = Settings(home=tmp_path, prefect_port=4300)
        assert named.effective_prefect_api_url == "http://127.0.0.1:4300/api"


@pytest.mark.parametrize("url", ["postgresql+asyncpg://u@h/db", "sqlite+aiosqlite:///x.db"])
def test_an_async_database_driver_is_refused_with_a_reason(url):
    with pytest.raises(ValueError, match="an async driver cannot be used here"):
        Settings(database_url=url)


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///", "sqlite:///:memory:"])
def test_an_in_memory_database_is_refused_the_processes_could_not_share_it(url):
    with pytest.raises(ValueError, match="an in-memory SQLite database cannot be shared"):
        Settings(database_url=url)


@pytest.mark.parametrize("url", ["http://sms.example.ma/send", "ftp://sms.example.ma", "sms.example.ma",
                                 "http://127.0.0.1.example.ma/send"])  # fmt: skip
def test_an_sms_gateway_in_the_clear_is_refused(url):
    with pytest.raises(ValueError, match="the SMS gateway is reached over https"):
        Settings(sms_gateway_url=url)


@pytest.mark.parametrize("url", ["https://sms.example.ma/send", "http://127.0.0.1:8765/sms",
                                 "http://localhost:8765/sms", None])  # fmt: skip
def test_an_sms_gateway_over_https_or_on_this_machine_is_accepted(url):
    assert Settings(sms_gateway_url=url).sms_gateway_url == url


def test_a_nightly_schedule_is_registered_as_an_rrule_and_an_unsupported_one_refused():
    from mowakaba.settings import cron_as_rrule

    assert cron_as_rrule("15 3 * * *") == "FREQ=DAILY;BYHOUR=3;BYMINUTE=15;BYSECOND=0"
    assert cron_as_rrule("0 6,18 * * 1,7") == (
        "FREQ=DAILY;BYHOUR=6,18;BYMINUTE=0;BYSECOND=0;BYDAY=MO,SU"
    )
    for line in ("*/5 * * * *", "15 3 1 * *", "15 24 * * *", "15 3 * *", "a b * * *"):
        with pytest.raises(ValueError, match="unsupported schedule"):
            cron_as_rrule(line)
    with pytest.raises(ValueError, match="unsupported schedule"):
        Settings(retention_cron="15 3 1 * *")
