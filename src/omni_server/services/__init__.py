"""Use cases: what a request does, independent of HTTP and of SQL."""
