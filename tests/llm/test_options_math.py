"""Black-Scholes-Merton analytics against an independent computation with scipy."""

from __future__ import annotations

import math
import random

import pytest
from scipy.stats import norm

from omni_server.engines.llm.options_math import OptionInputs, analyze


def reference(
    kind: str, s: float, k: float, t: float, v: float, r: float, q: float
) -> dict[str, float]:
    """Textbook closed forms, evaluated with scipy's normal distribution."""
    d1 = (math.log(s / k) + (r - q + 0.5 * v * v) * t) / (v * math.sqrt(t))
    d2 = d1 - v * math.sqrt(t)
    gamma = math.exp(-q * t) * norm.pdf(d1) / (s * v * math.sqrt(t))
    vega = s * math.exp(-q * t) * norm.pdf(d1) * math.sqrt(t)
    common = -s * math.exp(-q * t) * norm.pdf(d1) * v / (2 * math.sqrt(t))
    if kind == "call":
        return {
            "price": s * math.exp(-q * t) * norm.cdf(d1) - k * math.exp(-r * t) * norm.cdf(d2),
            "delta": math.exp(-q * t) * norm.cdf(d1),
            "gamma": gamma,
            "vega": vega,
            "theta": common
            - r * k * math.exp(-r * t) * norm.cdf(d2)
            + q * s * math.exp(-q * t) * norm.cdf(d1),
            "rho": k * t * math.exp(-r * t) * norm.cdf(d2),
            "probability_itm": norm.cdf(d2),
        }
    return {
        "price": k * math.exp(-r * t) * norm.cdf(-d2) - s * math.exp(-q * t) * norm.cdf(-d1),
        "delta": -math.exp(-q * t) * norm.cdf(-d1),
        "gamma": gamma,
        "vega": vega,
        "theta": common
        + r * k * math.exp(-r * t) * norm.cdf(-d2)
        - q * s * math.exp(-q * t) * norm.cdf(-d1),
        "rho": -k * t * math.exp(-r * t) * norm.cdf(-d2),
        "probability_itm": norm.cdf(-d2),
    }


CASES = [
    (100.0, 100.0, 1.0, 0.2, 0.05, 0.0),
    (42.0, 40.0, 0.5, 0.2, 0.1, 0.0),  # Hull's worked example: call 4.76, put 0.81
    (187.25, 200.0, 30 / 365, 0.31, 0.045, 0.005),
    (50.0, 80.0, 2.0, 0.6, 0.01, 0.03),
]
rng = random.Random(7)
CASES += [
    (
        rng.uniform(5, 500),
        rng.uniform(5, 500),
        rng.uniform(0.01, 3),
        rng.uniform(0.05, 1.2),
        rng.uniform(-0.01, 0.1),
        rng.uniform(0, 0.06),
    )
    for _ in range(40)
]


@pytest.mark.parametrize("kind", ["call", "put"])
@pytest.mark.parametrize("case", CASES)
def test_matches_scipy_to_1e6(kind: str, case: tuple[float, ...]) -> None:
    got = analyze(kind, OptionInputs(*case)).as_dict()  # type: ignore[arg-type]
    expected = reference(kind, *case)
    for name, value in expected.items():
        assert got[name] == pytest.approx(value, abs=1e-6, rel=1e-9), name


def test_hull_example_and_put_call_parity() -> None:
    inputs = OptionInputs(42.0, 40.0, 0.5, 0.2, 0.1)
    call, put = analyze("call", inputs), analyze("put", inputs)
    assert round(call.price, 2) == 4.76 and round(put.price, 2) == 0.81
    assert call.price - put.price == pytest.approx(42 - 40 * math.exp(-0.05), abs=1e-9)


def test_delta_and_gamma_are_derivatives_of_the_price() -> None:
    h = 1e-3
    up = analyze("call", OptionInputs(100 + h, 95, 0.75, 0.25, 0.03, 0.01))
    mid = analyze("call", OptionInputs(100, 95, 0.75, 0.25, 0.03, 0.01))
    down = analyze("call", OptionInputs(100 - h, 95, 0.75, 0.25, 0.03, 0.01))
    assert (up.price - down.price) / (2 * h) == pytest.approx(mid.delta, abs=1e-6)
    assert (up.price - 2 * mid.price + down.price) / h**2 == pytest.approx(mid.gamma, abs=1e-4)


@pytest.mark.parametrize("field", ["spot", "strike", "years", "volatility"])
def test_non_positive_inputs_are_refused(field: str) -> None:
    values = {"spot": 1.0, "strike": 1.0, "years": 1.0, "volatility": 0.2, field: 0.0}
    with pytest.raises(ValueError, match=field):
        OptionInputs(**values)
