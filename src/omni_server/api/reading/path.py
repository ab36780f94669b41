"""Path ids read as axum's ``Path`` reads a ``Uuid``."""

from __future__ import annotations

import uuid

from omni_server.api.requests import parse_path_uuid


def parse_uuid(name: str, value: str) -> uuid.UUID:
    return parse_path_uuid(name, value)
