"""A minimal Server-Sent Events client on raw asyncio streams, cheap enough to open by the thousand.

Used by the load benchmark and the stream tests: it speaks HTTP/1.1 GET, checks the status and
parses `id:` / `event:` / `data:` lines into events.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field


@dataclass
class SseEvent:
    """One received event."""

    event: str
    data: str
    id: str | None = None


@dataclass
class SseClient:
    """One open stream: connect, then read events until closed."""

    host: str
    port: int
    path: str = "/v1/stream"
    headers: dict[str, str] = field(default_factory=dict)
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    events: list[SseEvent] = field(default_factory=list)
    closed: bool = False
    _reader: asyncio.StreamReader | None = None
    _writer: asyncio.StreamWriter | None = None

    async def connect(self) -> int:
        """Open the connection and read the response head; returns the status code."""
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        lines = [f"GET {self.path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{k}: {v}" for k, v in self.headers.items()]
        self._writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        await self._writer.drain()
        status_line = await self._reader.readline()
        self.status = int(status_line.split()[1])
        while (line := await self._reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            self.response_headers[name.strip().lower()] = value.strip()
        return self.status

    async def read_events(self, until: int | None = None) -> None:
        """Parse events until the stream ends (or `until` events were received)."""
        assert self._reader is not None
        chunked = self.response_headers.get("transfer-encoding") == "chunked"
        buffer = ""
        current: dict[str, str] = {}
        while until is None or len(self.events) < until:
            if chunked:
                size_line = await self._reader.readline()
                if not size_line:
                    break
                size = int(size_line.strip() or b"0", 16)
                if size == 0:
                    break
                chunk = await self._reader.readexactly(size + 2)
                buffer += chunk[:-2].decode()
            else:
                chunk = await self._reader.read(65536)
                if not chunk:
                    break
                buffer += chunk.decode()
            while "\n" in buffer:
                line, buffer = buffer.split("\n", 1)
                if line == "":
                    if "event" in current or "data" in current:
                        self.events.append(
                            SseEvent(
                                current.get("event", "message"),
                                current.get("data", ""),
                                current.get("id"),
                            )
                        )
                    current = {}
                elif not line.startswith(":"):
                    name, _, value = line.partition(": ")
                    current[name] = (
                        value
                        if name != "data" or "data" not in current
                        else current["data"] + "\n" + value
                    )
        self.closed = True

    async def close(self) -> None:
        """Close the connection."""
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(OSError):
                await self._writer.wait_closed()
