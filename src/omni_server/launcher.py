"""Entry point of the ``omni`` command, safe to import without the server's dependencies.

``pip install omni-ai`` (the client alone) still installs the script; without the
``[server]`` extra it should say what is missing instead of printing an import traceback.
"""

from __future__ import annotations

import sys


def main() -> None:
    # `omni chat` and `omni conformance` need only the client: dispatch them before anything
    # imports the server.
    if sys.argv[1:2] == ["chat"]:
        from omni_chat.app import main as chat_main

        chat_main(sys.argv[2:])
        return
    if sys.argv[1:2] == ["conformance"]:
        from omni_conformance.cli import main as conformance_main

        conformance_main(sys.argv[2:])
    try:
        from omni_server.cli import main as cli_main
    except ImportError as exc:
        print(
            f"omni: the server is not installed ({exc.name} is missing); "
            "install it with: pip install 'omni-ai[server]'",
            file=sys.stderr,
        )
        raise SystemExit(1) from None
    cli_main()
