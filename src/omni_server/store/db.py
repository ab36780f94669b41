"""The handle every store class shares: a reader and a writer engine."""

from __future__ import annotations

from dataclasses import dataclass

from omni_server.store.database import create_engines
from omni_server.store.inline import EngineLike


@dataclass(frozen=True)
class Database:
    reader: EngineLike
    writer: EngineLike

    @classmethod
    def open(cls, url: str, *, pool_size: int = 10, lock_timeout: float = 1.0) -> Database:
        reader, writer = create_engines(url, pool_size=pool_size, lock_timeout=lock_timeout)
        return cls(reader=reader, writer=writer)

    @property
    def backend(self) -> str:
        return self.writer.dialect.name

    async def close(self) -> None:
        await self.reader.dispose()
        if self.writer is not self.reader:
            await self.writer.dispose()
