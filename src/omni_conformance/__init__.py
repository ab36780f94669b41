"""``omni conformance``: the Omni AI contract's checks, runnable against any implementation.

Only the client's dependencies (``httpx``) are needed, so the tool runs wherever the
``clear_street`` client is installed, against this server, Clear Street's own or another one.
"""
