"""The package version, sent in the User-Agent so servers can tell client releases apart."""

__version__ = "0.1.0"
