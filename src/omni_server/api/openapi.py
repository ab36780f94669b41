"""Placeholder until the operation table lands (replaced at merge)."""

from __future__ import annotations

from typing import Any


def document(version: str) -> dict[str, Any]:
    return {"openapi": "3.1.0", "info": {"title": "Omni AI API", "version": version}, "paths": {}}
