"""Omni: a self-hostable server for the Omni AI API."""

__version__ = "0.1.0"
