"""``python -m omni_conformance``: the same as ``omni conformance``."""

from omni_conformance.cli import main

main()
