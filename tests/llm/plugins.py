"""Installing the example packages for a test: a real ``.dist-info`` with entry points."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@contextmanager
def installed(tmp_path: Path, name: str, source: str, entry_points: str) -> Iterator[None]:
    """Make ``examples/<source>`` importable and its entry points visible, as pip would."""
    site = tmp_path / "site"
    info = site / f"{name}-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text(entry_points)
    paths = [str(EXAMPLES / source), str(site)]
    sys.path[:0] = paths
    try:
        yield
    finally:
        for path in paths:
            sys.path.remove(path)
