"""Configuration: every option has an ``OMNI_*`` environment variable and a CLI flag."""

from __future__ import annotations

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
    # Live events
    events_keepalive: float = Field(
        15.0, gt=0, description="Seconds between keep-alive comments on an idle event stream."
    )
    runner_enabled: bool = Field(
        True, description="Run turns in this process (off: only serve the API; hidden)."
    )
    log_level: str = "info"

    @property
    def database_url(self) -> str:
        if self.database:
            return self.database
        return f"sqlite:///{(self.data_dir / 'omni.db').as_posix()}"
