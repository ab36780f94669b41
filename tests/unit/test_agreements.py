"""Agreements from configuration, and the pure entitlement rules."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from omni_server.agreements import (
    DEFAULT_AGREEMENT_ID,
    AgreementsError,
    default_agreements,
    load_agreements,
)
from omni_server.app import create_app
from omni_server.domain.entitlements import EntitlementStatus, scope, statuses
from omni_server.settings import Settings


def test_default_agreement() -> None:
    (agreement,) = load_agreements(None)
    assert agreement == default_agreements()[0]
    assert agreement.agreement_id == DEFAULT_AGREEMENT_ID
    assert agreement.agreement_key == "omni_account_data_access"
    assert agreement.version == 1
    assert agreement.entitlement_codes == ("omni.account_data",)
    assert "act on your behalf" in agreement.document_content
    expected = hashlib.sha256(agreement.document_content.encode()).hexdigest()
    assert agreement.document_sha256 == expected


def test_toml_file_with_a_document_file(tmp_path: Path) -> None:
    (tmp_path / "v2.md").write_text("Version two text.\n", encoding="utf-8")
    config = tmp_path / "agreements.toml"
    config.write_text(
        '[[agreements]]\nagreement_id = "A2"\nversion = 2\ntitle = "Data v2"\n'
        'document_file = "v2.md"\n',
        encoding="utf-8",
    )
    (agreement,) = load_agreements(config)
    assert (agreement.agreement_id, agreement.version, agreement.title) == ("A2", 2, "Data v2")
    assert agreement.document_content == "Version two text.\n"
    assert agreement.document_sha256 == hashlib.sha256(b"Version two text.\n").hexdigest()
    assert agreement.entitlement_codes == ("omni.account_data",)


def test_json_file_bare_list_and_empty(tmp_path: Path) -> None:
    config = tmp_path / "agreements.json"
    entry = {"agreement_id": "A", "version": 1, "title": "T", "document": "D"}
    config.write_text(json.dumps([entry]), encoding="utf-8")
    assert [a.agreement_id for a in load_agreements(config)] == ["A"]
    config.write_text(json.dumps({"agreements": []}), encoding="utf-8")
    assert load_agreements(config) == ()


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{", "cannot read"),
        ('{"agreements": 3}', "expected a list"),
        ('[{"agreement_id": "A", "version": 1, "title": "T"}]', "exactly one of"),
        ('[{"agreement_id": "A", "version": 0, "title": "T", "document": "D"}]', "version"),
        (
            '[{"agreement_id": "A", "version": 1, "title": "T", "document": "D", '
            '"entitlement_codes": ["other"]}]',
            "entitlement_codes",
        ),
        ('[{"agreement_id": "A", "version": 1, "title": "T", "document": "  "}]', "empty"),
        (
            '[{"agreement_id": "A", "version": 1, "title": "T", "document": "D"},'
            ' {"agreement_id": "A", "version": 2, "title": "T", "document": "D"}]',
            "share an agreement_id",
        ),
        (
            '[{"agreement_id": "A", "version": 1, "title": "T", "document": "D"},'
            ' {"agreement_id": "B", "version": 1, "title": "T", "document": "D"}]',
            "share a key and version",
        ),
        ('[{"agreement_id": "A", "version": 1, "title": "T", "document_file": "no.md"}]', "no.md"),
    ],
)
def test_invalid_files_are_refused_with_a_reason(
    tmp_path: Path, content: str, problem: str
) -> None:
    config = tmp_path / "agreements.json"
    config.write_text(content, encoding="utf-8")
    with pytest.raises(AgreementsError, match=problem):
        load_agreements(config)


def test_the_app_refuses_to_start_with_a_bad_file(tmp_path: Path) -> None:
    with pytest.raises(AgreementsError):
        create_app(Settings(agreements_file=tmp_path / "missing.toml"))


def test_statuses_default_to_enabled() -> None:
    assert scope([2, 1, 2], ["c"]) == [(1, "c"), (2, "c")]
    assert statuses([1, 2], ["c"], {(2, "c"): False}) == [
        EntitlementStatus(1, "c", True),
        EntitlementStatus(2, "c", False),
    ]
