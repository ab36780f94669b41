"""``python -m omni_server``: the ``omni`` command, for when its script is not on the PATH."""

from omni_server.launcher import main

main()
