"""Defaults of the client, in one place so tests and documentation can refer to them."""

from __future__ import annotations

import httpx

ENVIRONMENTS: dict[str, str] = {
    "production": "https://api.clearstreet.com",
    "dev": "https://api-dev.clearstreet.com",
}
API_KEY_ENV = "CLEAR_STREET_API_KEY"
BASE_URL_ENV = "CLEAR_STREET_BASE_URL"

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=5.0)
DEFAULT_MAX_RETRIES = 2
INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
MAX_RETRY_AFTER = 60.0
"""A server asking for a longer pause than this gets our own backoff instead."""

DEFAULT_WAIT_TIMEOUT = 300.0
DEFAULT_POLL_INTERVAL = 0.5
MAX_POLL_INTERVAL = 5.0
POLL_BACKOFF_FACTOR = 1.5

IDEMPOTENCY_HEADER = "Idempotency-Key"
REQUEST_ID_HEADER = "X-Request-Id"
