"""Settings: the only module that reads environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    PositiveInt,
    SecretStr,
    field_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


DAYS = ("SU", "MO", "TU", "WE", "TH", "FR", "SA")  # cron's 0–6 (7 is Sunday again)


def cron_as_rrule(line: str) -> str:
    """The daily or weekly cron line of a setting (`M H * * *`, `M H * * 1,3`: numbers or
    comma lists) as an iCalendar RRULE.

    Why: Prefect 3.9's server cannot schedule any cron deployment on Python < 3.13 (its
    scheduler hands `whenever` a pendulum time zone: "tzinfo must be of type ZoneInfo
    (exactly)"), so a cron schedule's runs were never created; RRULE schedules are
    computed without it and keep the wall-clock time across daylight-saving changes.
    """
    fields = line.split()
    if len(fields) != 5 or fields[2:4] != ["*", "*"]:
        raise ValueError(f"unsupported schedule {line!r}: use 'M H * * *' or 'M H * * D,D'")
    minute, hour, weekdays = fields[0], fields[1], fields[4]

    def numbers(text: str, top: int) -> list[int]:
        try:
            values = [int(part) for part in text.split(",")]
        except ValueError:
            raise ValueError(f"unsupported schedule {line!r}: numbers only") from None
        if not values or any(not 0 <= v <= top for v in values):
            raise ValueError(f"unsupported schedule {line!r}: {text} out of 0–{top}")
        return values

    rule = (f"FREQ=DAILY;BYHOUR={','.join(map(str, numbers(hour, 23)))};"
            f"BYMINUTE={','.join(map(str, numbers(minute, 59)))};BYSECOND=0")  # fmt: skip
    if weekdays != "*":
        rule += ";BYDAY=" + ",".join(DAYS[d % 7] for d in numbers(weekdays, 7))
    return rule


class Timings(BaseModel):
    """Programme timings (DESIGN.md §2 defaults); every interval the rules use."""

    model_config = ConfigDict(frozen=True)

    intake_age_years: PositiveInt = 14
    intake_assessment_days: PositiveInt = 30
    integration_plan_days: PositiveInt = 30
    plan_approval_days: PositiveInt = 7
    plan_rework_days: PositiveInt = 14
    active_review_months: PositiveInt = 6
    exit_preparation_age_years: PositiveInt = 17
    exit_preparation_months_before_exit: PositiveInt = 6
    exit_readiness_days: PositiveInt = 30
    checklist_days_before_exit: PositiveInt = 60
    checklist_min_days_after_entry: PositiveInt = 30
    exit_preparation_review_months: PositiveInt = 3
    exit_age_years: PositiveInt = 18
    max_extension_age_years: PositiveInt = 21
    extension_decision_days: PositiveInt = 7
    follow_up_months: tuple[PositiveInt, ...] = (1, 3, 6, 12, 24, 36)
    checkpoint_missed_after_days: PositiveInt = 30
    misses_for_not_in_touch: PositiveInt = 2
    reminder_days_before: tuple[PositiveInt, ...] = (7, 1)
    escalation_working_days: tuple[PositiveInt, PositiveInt] = (3, 10)
    partner_response_working_days: PositiveInt = 5
    # Urgent incidents: the coordinators respond by the next working day; a runaway not
    # back after this many calendar days asks them to decide the unplanned exit.
    incident_response_working_days: PositiveInt = 1
    runaway_decision_days: PositiveInt = 7
    # A document with an expiry date (an ID card) asks its renewal this long before.
    document_renewal_days_before_expiry: PositiveInt = 60


class Retention(BaseModel):
    """How long each record class is kept (docs/privacy.md, "Retention and purge").

    The case classes count from the youth's `closed_date` (DESIGN.md §2: `closed` starts
    the retention clock); the others from the record's own age. The record-class names
    are `mowakaba.enums.RecordClass` (the CNDP declaration reads them).
    """

    model_config = ConfigDict(frozen=True)

    # Uploaded scans (ID cards, certificates, signed plans): the originals stay with the
    # youth and the issuing offices; the copies are needed while the file may be reopened.
    documents_years: PositiveInt = 2
    # Health, family and justice notes: the most sensitive, kept the shortest.
    sensitive_notes_years: PositiveInt = 2
    # The rest of the case file, identity pseudonymised after this (indicators stay).
    case_file_years: PositiveInt = 5
    # Who read or changed what: long enough to answer "who looked at my file" after the
    # case file itself is gone. Never below the triggers' floor (AUDIT_FLOOR_YEARS).
    audit_trail_years: int = Field(default=6, ge=5, le=100)
    notifications_months: PositiveInt = 12
    run_history_months: PositiveInt = 6


class Settings(BaseSettings):
    """Runtime configuration, from MOWAKABA_* environment variables (and DATABASE_URL)."""

    model_config = SettingsConfigDict(
        env_prefix="MOWAKABA_", env_nested_delimiter="__", extra="ignore"
    )

    home: Path = Field(default=Path(".mowakaba"))
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "MOWAKABA_DATABASE_URL")
    )
    default_time_zone: str = "Africa/Casablanca"

    @field_validator("database_url")
    @classmethod
    def _synchronous_driver(cls, url: str | None) -> str | None:
        # The app talks to its database synchronously; an async driver would fail later,
        # deep in a request, with a cryptic error.
        if (
            url
            and url.startswith("sqlite")
            and (url.rstrip("/") in ("sqlite:", "sqlite://") or ":memory:" in url)
        ):
            raise ValueError(
                "an in-memory SQLite database cannot be shared by the system's processes: "
                "name a file (sqlite:////path/to/mowakaba.db) or leave DATABASE_URL unset"
            )
        if url and url.split("://", 1)[0].split("+")[-1] in ("asyncpg", "aiosqlite", "aiomysql"):
            raise ValueError(
                "an async driver cannot be used here: write postgresql+psycopg://... or sqlite:///..."
            )
        return url

    # Morocco's moon sighting usually falls a day after the Umm al-Qura calendar;
    # the computed religious holidays are a default an administrator corrects.
    hijri_offset_days: int = 1
    sweep_batch_size: PositiveInt = 500
    # A pause between sweep batches spares a busy database (0: none).
    sweep_batch_pause_seconds: float = 0.0
    sql_echo: bool = False
    # Links in messages point here (the web app).
    public_url: str = "http://127.0.0.1:8000"
    # Email: SMTP when a host is set; otherwise emails are printed on the console.
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_sender: str = "mowakaba@localhost"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    delivery_batch_size: PositiveInt = 200
    # SMS: a JSON POST {to, text, sender, id} to this gateway with a bearer token (the
    # outbox key as Idempotency-Key); unset: SMS are printed on the console.
    sms_gateway_url: str | None = None
    sms_gateway_token: str | None = None
    sms_sender: str = "Mowakaba"
    sms_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    # The embedded system (`mowakaba up`): web app and Prefect server ports.
    host: str = "127.0.0.1"
    port: int = 8000
    prefect_port: int = 4200
    # Addresses (or networks) of the reverse proxies whose X-Forwarded-For / -Proto the web
    # app believes, comma-separated ("10.0.0.5,10.0.1.0/24"). Empty: none, the peer address
    # is the client (login throttling counts it: a forged header must not reset it).
    trusted_proxies: str = ""
    # Where flows and edges find the Prefect API (default: the embedded server).
    prefect_api_url: str | None = None
    # The Prefect server's own database (`mowakaba up`): unset, a SQLite file under the data
    # directory; set, e.g. postgresql+asyncpg://user@host/prefect (Prefect's async driver).
    prefect_database_url: str | None = None
    # Record task runs in the embedded Prefect server (costly on SQLite; on with PostgreSQL).
    prefect_task_run_recorder: bool = False
    # A random name `mowakaba up` gives the processes it starts (to recognise its own).
    instance: str | None = None
    # How long an edge (API request, CLI command) waits for the Prefect server before it
    # goes on without it (a run not started is caught up by the next sweep).
    prefect_wait_seconds: float = Field(default=3.0, gt=0, le=60)
    # How many flow runs the serve() process runs at once.
    serve_limit: PositiveInt = 4
    sweep_every_minutes: PositiveInt = 15
    # Scale-out (docs/operations.md): the youths one `pathway_batch` run reconciles (a
    # sweep's stage changes, an imported register), instead of a process start each.
    pathway_batch_size: int = Field(default=50, ge=1, le=500)
    # The global concurrency limits `mowakaba deploy` creates so that two pathway runs of
    # one youth never run at once: youth N takes `pathway-youth-<N mod slots>` (limit 1).
    pathway_youth_slots: int = Field(default=1024, ge=1, le=100_000)
    # At most this many `deliver` runs at once (a deployment concurrency limit).
    deliver_concurrency: PositiveInt = 1
    deliver_every_minutes: PositiveInt = 1
    # The nightly indicator snapshot: a cron line in the institutions' time zone.
    indicators_snapshot_cron: str = Field(default="30 2 * * *", min_length=9, max_length=100)
    indicators_snapshot_time_zone: str = "Africa/Casablanca"
    # Institutions per task of the snapshot flow (each a transaction of its own).
    indicators_snapshot_batch_size: PositiveInt = 10
    # Argon2id cost (argon2-cffi's defaults, RFC 9106 low-memory); tests lower them for speed.
    argon2_time_cost: PositiveInt = 3
    argon2_memory_kib: PositiveInt = 65536
    # An uploaded document (PDF, JPEG, PNG) is refused past this size, counted as it arrives.
    document_max_bytes: PositiveInt = 10 * 1024 * 1024
    # Keys that encrypt case notes and document files at rest (mowakaba/crypto.py):
    # comma-separated, the first encrypts, all decrypt. Unset: the key file under
    # `secrets/` in the data directory (`key_file`), made by `db upgrade`, `up`, `demo`.
    encryption_keys: SecretStr | None = None
    # Rows (note versions) or files re-encrypted per transaction by `mowakaba keys rotate`.
    key_rotation_batch_size: PositiveInt = 200
    timings: Timings = Timings()
    retention: Retention = Retention()
    # The daily retention flow: a cron line in the institutions' time zone, youths per task.
    retention_cron: str = Field(default="15 3 * * *", min_length=9, max_length=100)
    retention_time_zone: str = "Africa/Casablanca"
    retention_batch_size: PositiveInt = 50

    @field_validator("indicators_snapshot_cron", "retention_cron")
    @classmethod
    def _schedulable(cls, line: str) -> str:
        cron_as_rrule(line)  # a form the deployments cannot register is refused here
        return line

    @field_validator("sms_gateway_url")
    @classmethod
    def _gateway_over_https(cls, url: str | None) -> str | None:
        # The token and every message's number and text travel to the gateway: in the
        # clear only to this machine (a local relay, the tests' fake gateway).
        if not url:
            return url
        parsed = urlsplit(url)
        local = parsed.hostname in ("127.0.0.1", "localhost", "::1")
        if parsed.scheme == "https" or (parsed.scheme == "http" and local):
            return url
        raise ValueError(
            "the SMS gateway is reached over https (http only on 127.0.0.1 or localhost)"
        )

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses(cls, value: str) -> str:
        import ipaddress

        entries = [entry.strip() for entry in value.split(",") if entry.strip()]
        for entry in entries:
            if entry == "*":
                raise ValueError("'*' would trust anyone's X-Forwarded-For: list the proxies")
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"{entry!r} is not an IP address or network") from None
        return ",".join(entries)

    def web_server_options(self) -> list[str]:
        """uvicorn's options for forwarded headers: trusted from the listed proxies only."""
        if not self.trusted_proxies:
            return ["--no-proxy-headers"]
        return ["--proxy-headers", "--forwarded-allow-ips", self.trusted_proxies]

    @property
    def sqlite_path(self) -> Path:
        """Where the embedded database lives."""
        return self.home / "mowakaba.db"

    @property
    def documents_dir(self) -> Path:
        """Where uploaded documents live: under the data directory, never under the web root."""
        return self.home / "documents"

    @property
    def key_file(self) -> Path:
        """The encryption keys when MOWAKABA_ENCRYPTION_KEYS is unset: never in a backup."""
        return self.home / "secrets" / "encryption-keys"

    @property
    def prefect_home(self) -> Path:
        """Prefect's own state (its SQLite database, logs) under the data directory."""
        return self.home / "prefect"

    @property
    def effective_prefect_api_url(self) -> str:
        """The Prefect API the edges and flows talk to: the one named, else the one that
        `mowakaba up` runs for this data directory (on whatever port), else the default."""
        if self.prefect_api_url:
            return self.prefect_api_url
        port = self.prefect_port
        if "prefect_port" not in self.model_fields_set and (running := self.running_ports()):
            port = running[1]
        return f"http://127.0.0.1:{port}/api"

    def running_ports(self) -> tuple[int, int] | None:
        """The (web, Prefect) ports of the `mowakaba up` running on this data directory.

        `up` holds a lock on `up.lock` and writes its pid and ports there; a lock that
        can be taken means no `up` is running (its file may be left by a killed one).
        """
        import fcntl

        try:
            with (self.home / "up.lock").open() as handle:
                try:
                    fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
                except OSError:
                    fields = handle.read().split()
                    if len(fields) >= 3 and fields[1].isdigit() and fields[2].isdigit():
                        return int(fields[1]), int(fields[2])
                    return None
                fcntl.flock(handle, fcntl.LOCK_UN)
        except OSError:
            return None
        return None

    def prefect_environment(self) -> dict[str, str]:
        """Environment for every Prefect process: our server, telemetry off, state under home."""
        env = {
            "PREFECT_HOME": str(self.prefect_home.resolve()),
            "PREFECT_API_URL": self.effective_prefect_api_url,
            "DO_NOT_TRACK": "1",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT": "false",
            "PREFECT_SERVER_DATABASE_CONNECTION_URL": self.prefect_database_url
            or f"sqlite+aiosqlite:///{(self.prefect_home / 'prefect.db').resolve()}",
        }
        if not self.prefect_task_run_recorder:
            # On SQLite the recorder fights the API for the file: 503s and ~2 s retries per
            # flow run. Flow runs, their states and logs are all still recorded.
            env["PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_ENABLED"] = "false"
        auth = self.prefect_auth_file
        if auth.exists():
            credentials = auth.read_text().strip()
            env["PREFECT_API_AUTH_STRING"] = credentials
            env["PREFECT_SERVER_API_AUTH_STRING"] = credentials
        return env

    @property
    def prefect_auth_file(self) -> Path:
        """The Prefect UI's basic-auth credentials (user:password), made at first start."""
        return self.home / "prefect-auth"

    @property
    def effective_database_url(self) -> str:
        """DATABASE_URL if given, else the SQLite file under the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.sqlite_path.resolve()}"


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings (cached; clear with get_settings.cache_clear())."""
    return Settings()
