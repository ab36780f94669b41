"""Signable entitlement agreements, from configuration.

By default the server offers one agreement, shipped with the package: key
``omni_account_data_access``, version 1, code ``omni.account_data``, with a fixed id. An
operator replaces the set with a JSON or TOML file (``OMNI_AGREEMENTS_FILE``)::

    [[agreements]]
    agreement_id = "01K0000000000000000000000B"
    version = 2
    title = "Omni account data access"
    document_file = "consent-v2.md"        # relative to this file; or `document = "..."`
    # agreement_key = "omni_account_data_access"   (the default, and the only family)
    # entitlement_codes = ["omni.account_data"]     (the default, and the only code)

JSON takes the same entries, as ``{"agreements": [...]}`` or a bare list. An empty list is
allowed: the server then has no signable agreement (``GET /entitlement-agreements`` answers
404). ``document_sha256`` is always computed from the text, never configured.
"""

from __future__ import annotations

import json
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from omni_server.domain.entitlements import ACCOUNT_DATA, ACCOUNT_DATA_AGREEMENT, Agreement

DEFAULT_AGREEMENT_ID = "01JZ0000000000000000000001"
DEFAULT_TITLE = "Omni account data access"
_DEFAULT_DOCUMENT = "omni_account_data_access_v1.md"


CodeName = Literal["omni.account_data"]


def _default_codes() -> list[CodeName]:
    return ["omni.account_data"]


class AgreementsError(ValueError):
    """The agreements file cannot be read or describes an invalid agreement."""


class AgreementEntry(BaseModel):
    """One agreement as written in the configuration file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    agreement_id: str = Field(min_length=1, max_length=64, pattern=r"^\S+$")
    agreement_key: Literal["omni_account_data_access"] = ACCOUNT_DATA_AGREEMENT
    version: int = Field(ge=1, le=2**31 - 1)
    title: str = Field(min_length=1)
    document: str | None = None
    document_file: str | None = None
    entitlement_codes: list[CodeName] = Field(default_factory=_default_codes, min_length=1)

    @model_validator(mode="after")
    def _one_document(self) -> AgreementEntry:
        if (self.document is None) == (self.document_file is None):
            raise ValueError("give exactly one of `document` and `document_file`")
        return self


def default_agreements() -> tuple[Agreement, ...]:
    """The agreement shipped with the server."""
    text = resources.files("omni_server").joinpath("data", _DEFAULT_DOCUMENT).read_text("utf-8")
    return (
        Agreement(
            agreement_id=DEFAULT_AGREEMENT_ID,
            agreement_key=ACCOUNT_DATA_AGREEMENT,
            version=1,
            title=DEFAULT_TITLE,
            document_content=text,
            entitlement_codes=(ACCOUNT_DATA,),
        ),
    )


def load_agreements(path: Path | None) -> tuple[Agreement, ...]:
    """The agreements of ``path`` (JSON or TOML by suffix), or the default ones when ``None``.

    Raises :class:`AgreementsError` naming the file and the problem.
    """
    if path is None:
        return default_agreements()
    try:
        raw = path.read_text("utf-8")
        document = tomllib.loads(raw) if path.suffix.lower() == ".toml" else json.loads(raw)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise AgreementsError(f"cannot read agreements file {path}: {exc}") from None
    entries = document.get("agreements") if isinstance(document, dict) else document
    if not isinstance(entries, list):
        raise AgreementsError(f"{path}: expected a list of agreements under `agreements`")
    agreements = tuple(_agreement(path, index, entry) for index, entry in enumerate(entries))
    _check_unique(path, agreements)
    return agreements


def _agreement(path: Path, index: int, entry: Any) -> Agreement:
    try:
        parsed = AgreementEntry.model_validate(entry)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"]) or "entry"
        raise AgreementsError(
            f"{path}: agreement #{index + 1}: {where}: {problem['msg']}"
        ) from None
    text = parsed.document
    if parsed.document_file is not None:
        source = path.parent / parsed.document_file
        try:
            text = source.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise AgreementsError(f"{path}: agreement #{index + 1}: {exc}") from None
    assert text is not None
    if not text.strip():
        raise AgreementsError(f"{path}: agreement #{index + 1}: the document is empty")
    return Agreement(
        agreement_id=parsed.agreement_id,
        agreement_key=parsed.agreement_key,
        version=parsed.version,
        title=parsed.title,
        document_content=text,
        entitlement_codes=tuple(dict.fromkeys(parsed.entitlement_codes)),
    )


def _check_unique(path: Path, agreements: tuple[Agreement, ...]) -> None:
    ids = [a.agreement_id for a in agreements]
    versions = [(a.agreement_key, a.version) for a in agreements]
    if len(set(ids)) != len(ids):
        raise AgreementsError(f"{path}: two agreements share an agreement_id")
    if len(set(versions)) != len(versions):
        raise AgreementsError(f"{path}: two agreements share a key and version")
