"""The LLM engine's configuration, read once from :class:`~omni_server.settings.Settings`."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from omni_server.settings import Settings

MAX_RETRIES = 2
"""Retries of a 429, a 5xx or a refused connection before the first token (3 tries in all)."""


def default_system_prompt() -> str:
    """The careful-copilot prompt shipped in the package (``system_prompt.md``)."""
    return resources.files(__package__).joinpath("system_prompt.md").read_text(encoding="utf-8")


@dataclass(frozen=True, slots=True)
class LLMConfig:
    base_url: str = "http://127.0.0.1:11434/v1"
    model: str = "llama3.1"
    api_key: str = ""
    timeout: float = 60.0
    max_tokens: int = 2048
    context_tokens: int = 8192
    max_steps: int = 8
    system_prompt: str = ""
    max_retries: int = MAX_RETRIES
    backoff: float = 0.5

    @property
    def url(self) -> str:
        return self.base_url.rstrip("/") + "/chat/completions"

    @classmethod
    def from_settings(cls, settings: Settings) -> LLMConfig:
        prompt_file: Path | None = settings.system_prompt_file
        return cls(
            base_url=settings.llm_base_url,
            model=settings.llm_model,
            api_key=settings.llm_api_key,
            timeout=settings.llm_timeout,
            max_tokens=settings.llm_max_tokens,
            context_tokens=settings.llm_context_tokens,
            max_steps=settings.llm_max_steps,
            system_prompt=(
                prompt_file.read_text(encoding="utf-8")
                if prompt_file is not None
                else default_system_prompt()
            ),
        )
