"""Live progress of responses: the in-process hub, SSE framing and the PostgreSQL bridge."""
