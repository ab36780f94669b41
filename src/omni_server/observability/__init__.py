"""Metrics, logs and the access line: what an operator sees of a running server.

Metrics live in prometheus-client's default registry, so any process (the API server, a
separate worker) exposes the same names with ``generate_latest()``.
"""
