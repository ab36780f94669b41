"""Machine-readable actions the assistant proposes for the client to carry out.

On the wire an action is an object with exactly one key naming its kind (``prefill_order``,
``open_chart``, ``open_screener`` or ``open_entitlement_consent``); the key selects the
wrapper class here. The assistant only proposes kinds the turn declared as capabilities, and
the user stays in control: nothing runs without the client acting on it.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Discriminator, Field, Tag

from clear_street.types._base import WireModel
from clear_street.types.entitlement import EntitlementAgreementKey, EntitlementCode
from clear_street.types.prefill_order import PrefillOrderAction

_ITEM_ID = "Interaction-tracking id; absent on content created before tracking."


class OpenChartAction(WireModel):
    """Open a chart for a symbol."""

    symbol: str = Field(description="Symbol to chart.")
    timeframe: str | None = Field(default=None, description="For example 1D, 1W, 1M, 1Y.")
    extras: Any | None = Field(default=None, description="Indicators, overlays and the like.")
    item_id: str | None = Field(default=None, description=_ITEM_ID)


class ScreenerFilter(WireModel):
    """One screener criterion."""

    field: str = Field(description="Field to filter on, e.g. `market_cap`.")
    operator: str = Field(description="Comparison such as `eq`, `gte`, `lte`, `in`.")
    value: Any = Field(description="The value to compare with.")


class OpenScreenerAction(WireModel):
    """Open a stock screener with filters."""

    filters: list[ScreenerFilter] = Field(description="Criteria, all of which apply.")
    columns: list[str] | None = Field(default=None, description="Columns to show.")
    page_size: int | None = Field(default=None, description="Rows per page.")
    sort_by: str | None = Field(default=None, description="Field to sort rows by.")
    sort_direction: str | None = Field(default=None, description="`ASC` or `DESC`.")
    item_id: str | None = Field(default=None, description=_ITEM_ID)


class OpenEntitlementConsentAction(WireModel):
    """Ask the user to consent to account-data access for some accounts."""

    account_ids: list[int] = Field(description="Accounts the consent is asked for.")
    agreement_key: EntitlementAgreementKey = Field(description="Agreement family to sign.")
    entitlement_codes: list[EntitlementCode] = Field(description="Entitlements requested.")
    reason: str = Field(description="Why the assistant needs the access.")
    item_id: str | None = Field(default=None, description=_ITEM_ID)


class PrefillOrder(WireModel):
    """Prefill an order ticket for the user to confirm."""

    prefill_order: PrefillOrderAction = Field(description="The orders to prefill.")


class OpenChart(WireModel):
    """Open a chart."""

    open_chart: OpenChartAction = Field(description="The chart to open.")


class OpenScreener(WireModel):
    """Open a screener."""

    open_screener: OpenScreenerAction = Field(description="The screener to open.")


class OpenEntitlementConsent(WireModel):
    """Open the entitlement consent flow."""

    open_entitlement_consent: OpenEntitlementConsentAction = Field(
        description="The consent to ask for."
    )


_KINDS = ("prefill_order", "open_chart", "open_screener", "open_entitlement_consent")


def _action_kind(value: Any) -> str | None:
    """Pick the variant from the one key present (the wire form is externally tagged)."""
    if isinstance(value, dict):
        present = [kind for kind in _KINDS if kind in value]
        return present[0] if len(present) == 1 else None
    for kind in _KINDS:
        if getattr(value, kind, None) is not None:
            return kind
    return None


StructuredAction = Annotated[
    Annotated[PrefillOrder, Tag("prefill_order")]
    | Annotated[OpenChart, Tag("open_chart")]
    | Annotated[OpenScreener, Tag("open_screener")]
    | Annotated[OpenEntitlementConsent, Tag("open_entitlement_consent")],
    Discriminator(_action_kind),
]
