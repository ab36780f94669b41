"""Our server against Clear Street's own OpenAPI document, with schemathesis.

The document is proprietary: it is read at run time from ``../shared`` beside the repository
and never copied into the project. Every generated request (valid and invalid) goes to
``omni serve`` running as a real process; every answer must not be a server error, must match
the official schemas, and must use a status the operation documents.

The document is adjusted in memory in two ways, each a gap in the document, not a leniency:

* Its error responses reference ``ApiError`` (``{code, message}``) as the whole body, while its
  own examples, the SDKs and our contract wrap it: ``{"error": {code, message}, "metadata"}``.
  Error bodies are checked against that envelope.
* Some statuses that the contract requires are not listed for some operations (below, with
  the reason for each). They are added with the same error envelope.
"""

from __future__ import annotations

import copy
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import hypothesis
import pytest
import schemathesis
import yaml
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from tests.e2e.conftest import REPO_ROOT, OmniServer, print_log_on_failure
from tests.e2e.seeding import API, Pool, seeded_server, steer

OFFICIAL = REPO_ROOT.parent / "shared" / "spec" / "official" / "omni-ai-openapi.yml"
MAX_EXAMPLES = 30

# Every endpoint of the document: threads, messages, responses, feedback and entitlements.
INCLUDED = r"^/v1/omni-ai/"

# Statuses the contract requires and the official document does not list for the operation.
UNDOCUMENTED: dict[tuple[str, str], dict[str, str]] = {
    ("get", f"{API}/threads"): {
        "403": "an account_id the key was not granted (contract section 2)",
    },
    ("post", f"{API}/threads"): {
        "403": "an account_id the key was not granted (contract section 2)",
    },
    ("get", f"{API}/threads/{{thread_id}}/messages"): {
        "400": "missing account_id, a path id that is not a UUID, page_size out of range",
    },
    ("get", f"{API}/threads/{{thread_id}}/response"): {
        "400": "missing account_id, a path id that is not a UUID",
    },
    ("post", f"{API}/threads/{{thread_id}}/messages"): {
        "403": "an account_id the key was not granted (contract section 2)",
        "404": "Thread not found (contract section 3)",
    },
    ("get", f"{API}/entitlements"): {
        "400": "an account_id query value that is not an integer (contract section 2)",
    },
    ("post", f"{API}/entitlements"): {
        "422": "a JSON body of the wrong shape (contract section 2)",
    },
    ("post", f"{API}/messages/{{message_id}}/feedback"): {
        "404": "Message not found, also for another account's message (contract section 2)",
    },
}
# The document declares bearer authentication but lists 401 nowhere.
EVERYWHERE = {"401": "missing, malformed or unknown key (contract section 2)"}


def _yaml_loader() -> type[yaml.SafeLoader]:
    """A safe loader that keeps timestamps as the strings the document's examples are."""

    class Loader(yaml.SafeLoader):
        pass

    Loader.yaml_implicit_resolvers = {
        first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return Loader


def _error_envelope() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["error", "metadata"],
        "properties": {
            "error": {"$ref": "#/components/schemas/ApiError"},
            "metadata": {"$ref": "#/components/schemas/ResponseMetadata"},
        },
    }


def _error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": _error_envelope()}},
    }


def adjusted(raw: dict[str, Any]) -> dict[str, Any]:
    """The official document with the two gaps described at the top filled in (a copy)."""
    doc = copy.deepcopy(raw)
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for response in responses.values():
                media = response.get("content", {}).get("application/json", {})
                if media.get("schema") == {"$ref": "#/components/schemas/ApiError"}:
                    media["schema"] = _error_envelope()
            missing = {**EVERYWHERE, **UNDOCUMENTED.get((method, path), {})}
            for status, why in missing.items():
                responses.setdefault(status, _error_response(f"(added for the test) {why}"))
    return doc


def load_official() -> Any:
    if not OFFICIAL.exists():
        pytest.skip(
            f"the official OpenAPI document is not at {OFFICIAL} (it lives in ../shared beside "
            "the repository and is never copied into it)",
            allow_module_level=True,
        )
    raw = yaml.load(OFFICIAL.read_text(encoding="utf-8"), Loader=_yaml_loader())
    return schemathesis.openapi.from_dict(adjusted(raw)).include(path_regex=INCLUDED)


schema = load_official()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[OmniServer, str, Pool]]:
    with seeded_server(tmp_path_factory.mktemp("conformance")) as seeded:
        yield seeded


@pytest.fixture
def omni(
    request: pytest.FixtureRequest, live: tuple[OmniServer, str, Pool]
) -> Iterator[tuple[OmniServer, str, Pool]]:
    """The module's server; what it logged during a failing test is printed."""
    since = live[0].log_size()
    yield live
    print_log_on_failure(request, live[0], since)


@schema.parametrize()
@hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)
def test_official_document(case: Any, omni: tuple[OmniServer, str, Pool]) -> None:
    server, key, pool = omni
    steer(case, pool)
    case.call_and_validate(
        base_url=server.url,
        headers={"Authorization": f"Bearer {key}"},
        checks=[not_a_server_error, response_schema_conformance, status_code_conformance],
        timeout=10,
    )


def test_document_is_read_from_shared_not_copied() -> None:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if listed.returncode != 0:
        pytest.skip("not a git work tree")
    names = {Path(line).name for line in listed.stdout.splitlines()}
    assert OFFICIAL.name not in names


def test_pool_has_real_ids(live: tuple[OmniServer, str, Pool]) -> None:
    """The steering has real ids to swap in and swaps them in (else nearly every case is a 404).

    Each id the pool holds must answer 200 on its own endpoint, and ``Pool.pick`` must turn
    generated UUIDs into every one of them while still letting some generated ones through
    (the 404 paths need covering too).
    """
    server, key, pool = live
    paths = [
        *(f"/v1/omni-ai/threads/{i}" for i in pool.threads),
        *(f"/v1/omni-ai/responses/{i}" for i in pool.responses),
        *(f"/v1/omni-ai/messages/{i}" for i in pool.messages),
    ]
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=10) as client:
        statuses = {path: client.get(path, params={"account_id": 1}).status_code for path in paths}
    assert len(paths) == 11
    assert set(statuses.values()) == {200}, statuses
    for name, ids in (
        ("thread_id", pool.threads),
        ("response_id", pool.responses),
        ("message_id", pool.messages),
    ):
        generated = [str(uuid.UUID(int=n)) for n in range(4 * (len(ids) + 1))]
        picked = [pool.pick(name, value) for value in generated]
        assert set(ids) <= set(picked), (name, picked)
        assert set(picked) - set(ids), (name, picked)
