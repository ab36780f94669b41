"""Black-Scholes-Merton analytics for European options: price, Greeks, ITM probability.

Pure math on floats (no I/O), so the LLM engine can answer option questions with numbers it
computed rather than numbers a model made up. The normal distribution comes from
:class:`statistics.NormalDist`, which is exact to double precision and ships with Python.
Conventions: ``theta`` is per year (divide by 365 for per day), ``vega`` and ``rho`` per unit
change of volatility and rate (divide by 100 for per percentage point).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from statistics import NormalDist
from typing import Literal

_N = NormalDist()

Kind = Literal["call", "put"]


@dataclass(frozen=True, slots=True)
class OptionInputs:
    """Spot, strike, years to expiry, volatility, risk-free rate and dividend yield (annual)."""

    spot: float
    strike: float
    years: float
    volatility: float
    rate: float = 0.0
    dividend_yield: float = 0.0

    def __post_init__(self) -> None:
        for name in ("spot", "strike", "years", "volatility"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be greater than 0")


@dataclass(frozen=True, slots=True)
class OptionAnalytics:
    price: float
    delta: float
    gamma: float
    vega: float
    theta: float
    rho: float
    probability_itm: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def _d1_d2(o: OptionInputs) -> tuple[float, float]:
    root_t = math.sqrt(o.years)
    d1 = (
        math.log(o.spot / o.strike) + (o.rate - o.dividend_yield + o.volatility**2 / 2) * o.years
    ) / (o.volatility * root_t)
    return d1, d1 - o.volatility * root_t


def analyze(kind: Kind, o: OptionInputs) -> OptionAnalytics:
    """Price and Greeks of a European ``kind`` option; ``probability_itm`` is N(±d2)."""
    d1, d2 = _d1_d2(o)
    carry = math.exp(-o.dividend_yield * o.years)
    discount = math.exp(-o.rate * o.years)
    density = _N.pdf(d1)
    gamma = carry * density / (o.spot * o.volatility * math.sqrt(o.years))
    vega = o.spot * carry * density * math.sqrt(o.years)
    decay = -o.spot * carry * density * o.volatility / (2 * math.sqrt(o.years))
    sign = 1.0 if kind == "call" else -1.0
    n_d1, n_d2 = _N.cdf(sign * d1), _N.cdf(sign * d2)
    price = sign * (o.spot * carry * n_d1 - o.strike * discount * n_d2)
    theta = (
        decay
        - sign * o.rate * o.strike * discount * n_d2
        + sign * o.dividend_yield * o.spot * carry * n_d1
    )
    return OptionAnalytics(
        price=price,
        delta=sign * carry * n_d1,
        gamma=gamma,
        vega=vega,
        theta=theta,
        rho=sign * o.strike * o.years * discount * n_d2,
        probability_itm=n_d2,
    )
