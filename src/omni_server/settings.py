"""Configuration: every option has an ``OMNI_*`` environment variable and a CLI flag."""

from __future__ import annotations

import math
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OMNI_", extra="ignore")

    data_dir: Path = Field(Path("omni-data"), description="Folder of the default SQLite file.")
    database: str | None = Field(
        None, description="sqlite:///path/omni.db or postgresql://user@host/db."
    )
    host: str = "127.0.0.1"
    port: int = 8000
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
    log_level: str = "info"

    # Workers and scaling
    runner: bool = Field(True, description="Run turns in the API process (serve --no-runner).")
    workers: int = Field(1, ge=1, description="API processes sharing the port (PostgreSQL).")
    max_running_per_account: int | None = Field(
        None,
        ge=1,
        description="Turns of one account run at once per worker "
        "(default: three quarters of max_running, at least 1).",
    )
    shutdown_grace: float = Field(
        30.0, ge=0, description="Seconds running turns get to finish after SIGTERM."
    )
    db_pool_size: int = Field(
        10, ge=1, description="PostgreSQL connections kept per process (up to 3x in bursts)."
    )

    @property
    def http_grace(self) -> int:
        """Whole seconds uvicorn gives requests in flight at shutdown (its option is an int)."""
        return max(1, math.ceil(self.shutdown_grace))

    @property
    def per_account_cap(self) -> int:
        """Leaves a quarter of the slots to other accounts whatever one account queues."""
        if self.max_running_per_account is not None:
            return self.max_running_per_account
        return max(1, self.max_running - self.max_running // 4)

    @property
    def database_url(self) -> str:
        if self.database:
            return self.database
        return f"sqlite:///{(self.data_dir / 'omni.db').as_posix()}"
