"""``omni chat``: a terminal client for any server that speaks the Omni AI API.

It needs only the ``clear_street`` client (``pip install omni-ai``), never the server.
"""
