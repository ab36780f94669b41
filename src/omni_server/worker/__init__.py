"""The runner: claims queued responses from the database and runs them on asyncio."""
