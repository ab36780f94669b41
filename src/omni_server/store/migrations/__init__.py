"""Alembic migrations, applied by ``omni migrate`` and at server start."""
