"""The OpenAPI document the server serves tells the truth about it.

schemathesis generates requests from our own ``/openapi.json`` (``api/openapi.py``; the app
serves exactly this document, see ``tests/unit/test_operations.py``) and
sends them to a real server: no 5xx, every answer matches the declared schemas, and every
status is one the document declares for that operation.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from omni_server import __version__
from omni_server.api.openapi import document
from tests.e2e.conftest import OmniServer, print_log_on_failure
from tests.e2e.seeding import Pool, seeded_server, steer

# The event stream is left out: on the seeded hanging turn it never ends by design (it is
# tested by tests/live/test_events.py, errors included).
schema = (
    schemathesis.openapi.from_dict(document(__version__))
    .include(path_regex=r"^/v1/omni-ai/")
    .exclude(path_regex=r"/events$")
)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[OmniServer, str, Pool]]:
    with seeded_server(tmp_path_factory.mktemp("own-openapi")) as seeded:
        yield seeded


@pytest.fixture
def omni(
    request: pytest.FixtureRequest, live: tuple[OmniServer, str, Pool]
) -> Iterator[tuple[OmniServer, str, Pool]]:
    since = live[0].log_size()
    yield live
    print_log_on_failure(request, live[0], since)


@schema.parametrize()
@hypothesis.settings(
    max_examples=25, deadline=None, suppress_health_check=list(hypothesis.HealthCheck)
)
def test_served_document(case: Any, omni: tuple[OmniServer, str, Pool]) -> None:
    server, key, pool = omni
    steer(case, pool)
    case.call_and_validate(
        base_url=server.url,
        headers={"Authorization": f"Bearer {key}"},
        checks=[not_a_server_error, response_schema_conformance, status_code_conformance],
        timeout=10,
    )
