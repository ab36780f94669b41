"""``omni conformance --base-url URL --api-key KEY --account-id N``.

Exit status: 0 when every check holds (an inconclusive one is shown, not counted as a
failure), 1 when some fail, 2 when the checks cannot run at all.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TextIO

import httpx

from omni_conformance.checks import CHECKS, THREADS_CREATED, Inconclusive, Plan
from omni_conformance.probe import API, CannotRun, CheckFailed, Probe

RESULTS = ("holds", "FAILS", "untested")


def _arguments(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="omni conformance",
        description="Check a server against the Omni AI contract and print what holds.",
    )
    parser.add_argument("--base-url", default=os.environ.get("CLEAR_STREET_BASE_URL"))
    parser.add_argument("--api-key", default=os.environ.get("CLEAR_STREET_API_KEY"))
    parser.add_argument("--account-id", type=int, required=True)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds a turn may take")
    args = parser.parse_args(argv)
    if not args.base_url or not args.api_key:
        parser.error("--base-url and --api-key are required (or CLEAR_STREET_BASE_URL/_API_KEY)")
    return args


def _preflight(probe: Probe) -> None:
    """Refuse to run against nothing, or with a key the server refuses."""
    try:
        r = probe.client.get(f"{API}/threads", params=probe.account())
    except httpx.HTTPError as exc:
        raise CannotRun(f"cannot reach {probe.client.base_url}: {exc}") from None
    if r.status_code in (401, 403):
        raise CannotRun(
            f"the server refused the key for account {probe.account_id} ({r.status_code})"
        )


def run(probe: Probe, plan: Plan, out: TextIO) -> int:
    rows: list[tuple[str, str, str]] = []
    for name, check in CHECKS:
        try:
            rows.append((name, "holds", check(probe, plan)))
        except Inconclusive as exc:
            rows.append((name, "untested", str(exc)))
        except CheckFailed as exc:
            rows.append((name, "FAILS", str(exc)))
        except Exception as exc:  # a server answering nonsense must not crash the tool
            rows.append((name, "FAILS", f"unexpected answer ({type(exc).__name__}: {exc})"))
        print(f"  {rows[-1][1]:<8} {name}", file=out, flush=True)
    _table(rows, out)
    counts = {result: sum(1 for row in rows if row[1] == result) for result in RESULTS}
    print(
        f"\n{counts['holds']} of {len(rows)} checks hold, {counts['FAILS']} fail, "
        f"{counts['untested']} untested.",
        file=out,
    )
    failed = counts["FAILS"]
    return 1 if failed else 0


def _table(rows: list[tuple[str, str, str]], out: TextIO) -> None:
    width = max(len(row[0]) for row in rows)
    print(f"\n{'check':<{width}}  result    detail", file=out)
    print(f"{'-' * width}  --------  ------", file=out)
    for name, result, detail in rows:
        print(f"{name:<{width}}  {result:<8}  {detail}", file=out)


def main(argv: Sequence[str] | None = None) -> None:
    args = _arguments(sys.argv[1:] if argv is None else argv)
    probe = Probe(args.base_url, args.api_key, args.account_id, timeout=30.0)
    try:
        _preflight(probe)
        print(
            f"Checking {args.base_url} as account {args.account_id}: this creates "
            f"{THREADS_CREATED} threads in that account (their turns are canceled or finish).",
            flush=True,
        )
        code = run(probe, Plan(turn_timeout=args.timeout), sys.stdout)
    except CannotRun as exc:
        print(f"omni conformance: {exc}", file=sys.stderr)
        code = 2
    finally:
        probe.close()
    raise SystemExit(code)
