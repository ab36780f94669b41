"""Configuration: every option has an ``OMNI_*`` environment variable and a CLI flag."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from omni_server.domain.ratelimit import parse_rate

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
    key_cache_seconds: float = Field(
        1.0, ge=0, description="How long a key lookup is trusted (a revoke lands within it)."
    )
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

    @field_validator("database")
    @classmethod
    def _known_database(cls, value: str | None) -> str | None:
        if value is not None and not DATABASE_URL.match(value):
            raise ValueError(
                f"unsupported database {value!r}: use sqlite:///path/omni.db "
                "or postgresql://user@host/db"
            )
        return value

    # LLM engine
    llm_base_url: str = Field(
        "http://127.0.0.1:11434/v1", description="OpenAI-compatible API root (…/v1)."
    )
    llm_model: str = Field("llama3.1", description="Model name sent to the provider.")
    llm_api_key: str = Field("", description="Bearer token for the provider; empty for none.")
    llm_timeout: float = Field(60.0, gt=0, description="Seconds to wait for the first token.")
    llm_max_tokens: int = Field(2048, ge=1, description="Completion tokens per model call.")
    llm_context_tokens: int = Field(8192, ge=256, description="Prompt budget, estimated.")
    llm_max_steps: int = Field(8, ge=0, description="Tool rounds per turn.")
    system_prompt_file: Path | None = Field(
        None, description="Replaces the shipped system prompt of the LLM engine."
    )

    # Limits and faults
    max_body_bytes: int = Field(1 << 20, ge=1, description="Largest request body (413 beyond).")
    max_text_chars: int = Field(
        32_000, ge=1, description="Longest turn text or deep-insights thesis, in characters."
    )
    max_title_chars: int = Field(
        80, ge=1, description="Longest thread title; the deep-insights ticker is bounded by it."
    )
    max_context_bytes: int = Field(
        64 * 1024, ge=1, description="Largest context of a turn, as compact JSON."
    )
    max_comment_chars: int = Field(4_000, ge=1, description="Longest feedback comment.")
    max_metadata_bytes: int = Field(
        16 * 1024, ge=1, description="Largest feedback metadata, as compact JSON."
    )
    body_timeout: float = Field(
        30.0, gt=0, description="Seconds a client may pause while sending a body (408 after)."
    )
    max_header_bytes: int = Field(
        16 * 1024, ge=1024, description="Largest request head (status line and headers)."
    )
    header_timeout: float = Field(
        10.0, gt=0, description="Seconds a client may take to send a request head."
    )
    keep_alive_seconds: float = Field(
        5.0, gt=0, description="Idle keep-alive connections are closed after this."
    )
    lock_timeout: float = Field(
        1.0, gt=0, description="Seconds a write waits for a SQLite lock before answering 503."
    )
    cors_origins: str = Field(
        "", description="Origins allowed by CORS (comma or space separated); empty: CORS off."
    )

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

    # Live events
    events_keepalive: float = Field(
        15.0, gt=0, description="Seconds between keep-alive comments on an idle event stream."
    )

    @property
    def database_url(self) -> str:
        if self.database:
            return self.database
        return f"sqlite:///{(self.data_dir / 'omni.db').as_posix()}"
