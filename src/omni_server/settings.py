"""Configuration: every option has an ``OMNI_*`` environment variable and a CLI flag."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from omni_server.domain.ratelimit import parse_rate

ENGINES = ("builtin",)
DATABASE_URL = re.compile(r"^(sqlite(\+\w+)?:///|postgres(ql)?(\+\w+)?://)")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OMNI_", extra="ignore")

    data_dir: Path = Field(Path("omni-data"), description="Folder of the default SQLite file.")
    database: str | None = Field(
        None, description="sqlite:///path/omni.db or postgresql://user@host/db."
    )
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535, description="TCP port (0: any free port).")
    max_running: int = Field(64, ge=1, description="Turns run at once; more stay queued.")
    engine: str = Field("builtin", description="Engine that writes answers.")
    chunk_delay: float = Field(0.02, ge=0, description="Built-in engine: pause between chunks.")
    directives: bool = Field(True, description="Built-in engine honours !omni: directives.")
    turn_timeout: float = Field(300.0, gt=0, description="Seconds before a turn fails.")
    lease_seconds: float = Field(
        10.0, gt=0, description="Worker lease; a dead worker's turns fail after it."
    )
    poll_interval: float = Field(0.5, gt=0, description="Runner's fallback poll for queued turns.")
    progress_interval: float = Field(0.1, ge=0, description="Partial text is saved this often.")
    key_cache_seconds: float = Field(5.0, ge=0, description="How long a key lookup is cached.")
    agreements_file: Path | None = Field(
        None,
        description="JSON or TOML file of signable entitlement agreements "
        "(default: the built-in omni_account_data_access, version 1).",
    )
    migrate_on_start: bool = True
    log_level: Literal["critical", "error", "warning", "info", "debug", "trace"] = "info"

    # Observability and fairness
    log_format: Literal["text", "json"] = Field(
        "text", description="text for people, json for one JSON object per line."
    )
    access_log: bool = Field(True, description="One log line per request (metrics either way).")
    max_active_per_key: int = Field(
        64, ge=0, description="Queued + running responses one API key may have (0: no limit)."
    )
    rate_limit: str = Field(
        "off", description='Requests per API key and process, e.g. "20/s burst 40", or "off".'
    )

    @field_validator("rate_limit")
    @classmethod
    def _known_rate(cls, value: str) -> str:
        parse_rate(value)
        return value

    @field_validator("engine")
    @classmethod
    def _known_engine(cls, value: str) -> str:
        if value not in ENGINES:
            raise ValueError(f"unknown engine {value!r} (available: {', '.join(ENGINES)})")
        return value

    @field_validator("database")
    @classmethod
    def _known_database(cls, value: str | None) -> str | None:
        if value is not None and not DATABASE_URL.match(value):
            raise ValueError(
                f"unsupported database {value!r}: use sqlite:///path/omni.db "
                "or postgresql://user@host/db"
            )
        return value

    @property
    def database_url(self) -> str:
        if self.database:
            return self.database
        return f"sqlite:///{(self.data_dir / 'omni.db').as_posix()}"
