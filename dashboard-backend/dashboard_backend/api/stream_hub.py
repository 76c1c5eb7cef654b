"""The live-update fan-out behind /v1/stream: one Redis reader per API process, any number of clients.

Opportunity changes are read from the `ops:history` stream (XREAD, resuming from the last id seen,
so a Redis restart loses nothing) and match / poll events from their pub/sub channels, on a Redis
client of the hub's own: however many browsers are connected, the process holds two reading
connections, and the ordinary endpoints never wait behind a stream.

Each event is encoded once as an SSE frame and offered to every client's bounded queue. A client
whose queue is full is dropped (its connection ends; the browser reconnects and replays what it
missed), so a slow client never blocks the others. Opportunity frames carry the history entry id
as `id:`; a reconnecting client's `Last-Event-ID` replays the entries after it, or asks it to
reload (`event: reset`) when they are no longer all in the history.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from dashboard_backend import keys
from dashboard_backend.outage import REDIS_DOWN, Outage

log = logging.getLogger(__name__)

CHANNEL_EVENTS = {keys.MATCH_UPDATES: "match", keys.POLL_UPDATES: "poll"}
EVENT_KINDS = ("opportunity", "match", "poll")
HELLO_DATA = json.dumps({"channels": list(EVENT_KINDS)})
READ_BLOCK_MS = 5000  # XREAD blocks this long at most (below the client's socket timeout)
READ_COUNT = 1000  # history entries per XREAD
PING = b": ping\n\n"

StreamId = tuple[int, int]


def parse_stream_id(text: str | None) -> StreamId | None:
    """A Redis stream id `ms-seq` as a comparable pair; None when absent or malformed."""
    if not text or len(text) > 41:
        return None
    ms, sep, seq = text.partition("-")
    if not sep or not ms.isdigit() or not seq.isdigit():
        return None
    return int(ms), int(seq)


def sse_frame(event: str, data: str, event_id: str | None = None) -> bytes:
    """One SSE frame (multi-line data split per the spec), encoded."""
    head = f"id: {event_id}\n" if event_id else ""
    lines = "".join(f"data: {line}\n" for line in data.splitlines() or [""])
    return f"{head}event: {event}\n{lines}\n".encode()


@dataclass(eq=False)
class StreamClient:
    """One connected /v1/stream client: its bounded queue of (history id, frame)."""

    queue: asyncio.Queue[tuple[StreamId | None, bytes] | None]
    dropped: bool = False
    # History entries up to this id were replayed: the same entries arriving live are skipped.
    replayed_to: StreamId | None = None
    sent: int = field(default=0)


class StreamHub:
    """Reads Redis once per process and fans every event out to the connected clients."""

    def __init__(
        self,
        redis: aioredis.Redis,
        max_clients: int = 2000,
        queue_size: int = 1000,
        replay_max: int = 10_000,
    ):
        self.redis = redis
        self.max_clients = max_clients
        self.queue_size = queue_size
        self.replay_max = replay_max
        self.clients: set[StreamClient] = set()
        self.last_id = "0-0"  # newest history entry read (or present at start)
        self.delivered = 0  # frames queued to clients
        self.dropped = 0  # clients dropped for being too slow
        self.refused = 0  # clients refused at the cap
        self._tasks: list[asyncio.Task[None]] = []
        self._started = asyncio.Event()
        self._stopping = False
        self._outage = Outage("stream hub: redis", log)

    # --- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the two readers (they wait for Redis if it is not there yet)."""
        self._tasks = [
            asyncio.create_task(self._read_history()),
            asyncio.create_task(self._read_channels()),
        ]

    async def stop(self) -> None:
        """Stop the readers and end every client's stream."""
        self._stopping = True
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for client in list(self.clients):
            self._drop(client)

    # --- clients ---------------------------------------------------------------------------

    def register(self) -> StreamClient | None:
        """A new client, or None when MAX clients are already connected."""
        if len(self.clients) >= self.max_clients:
            self.refused += 1
            return None
        client = StreamClient(asyncio.Queue(self.queue_size))
        self.clients.add(client)
        return client

    def unregister(self, client: StreamClient) -> None:
        """Forget a client whose connection ended."""
        self.clients.discard(client)

    def _drop(self, client: StreamClient) -> None:
        client.dropped = True
        self.clients.discard(client)
        while not client.queue.empty():
            client.queue.get_nowait()
        client.queue.put_nowait(None)

    def publish(self, frame: bytes, entry_id: StreamId | None = None) -> None:
        """Offer one encoded frame to every client; drop the ones that cannot keep up."""
        for client in list(self.clients):
            try:
                client.queue.put_nowait((entry_id, frame))
                self.delivered += 1
            except asyncio.QueueFull:
                self.dropped += 1
                log.warning("stream: dropping a client %d events behind", self.queue_size)
                self._drop(client)

    async def frames(
        self, client: StreamClient, last_event_id: str | None, keepalive: float
    ) -> AsyncIterator[bytes]:
        """The client's SSE frames: hello, any replay, then live events and keep-alive pings."""
        try:
            after = parse_stream_id(last_event_id)
            replay: list[bytes] = []
            reset = False
            if after is not None:
                replay, reset = await self._replay(client, after)
            hello_id = self.last_id if client.replayed_to is None else _format(client.replayed_to)
            yield sse_frame("hello", HELLO_DATA, hello_id)
            if reset:
                yield sse_frame("reset", json.dumps({"reason": "missed events left the history"}))
            for frame in replay:
                yield frame
            while True:
                try:
                    item = await asyncio.wait_for(client.queue.get(), keepalive)
                except TimeoutError:
                    yield PING
                    continue
                if item is None:  # dropped, or the server is stopping
                    return
                entry_id, frame = item
                replayed = client.replayed_to
                if entry_id is not None and replayed is not None and entry_id <= replayed:
                    continue
                client.sent += 1
                yield frame
        finally:
            self.unregister(client)

    async def _replay(self, client: StreamClient, after: StreamId) -> tuple[list[bytes], bool]:
        """History frames after `after` (at most replay_max) and whether the client must reset."""
        start = f"({_format(after)}"
        try:
            first = await self.redis.xrange(keys.OPS_HISTORY, count=1)
            entries = await self.redis.xrange(
                keys.OPS_HISTORY, min=start, max="+", count=self.replay_max + 1
            )
        except (*REDIS_DOWN, ResponseError):
            return [], True  # the history cannot be read now: the client reloads instead
        oldest = parse_stream_id(first[0][0]) if first else None
        reset = len(entries) > self.replay_max or (oldest is not None and oldest > after)
        frames = []
        for entry_id, fields in entries[: self.replay_max]:
            frame = _history_frame(entry_id, fields)
            if frame is not None:
                frames.append(frame)
            client.replayed_to = parse_stream_id(entry_id)
        if client.replayed_to is None:
            client.replayed_to = after
        return frames, reset

    # --- readers ---------------------------------------------------------------------------

    async def _read_history(self) -> None:
        """XREAD `ops:history` from the last id seen, forever; quiet back-off while Redis is away."""
        initialised = False
        while not self._stopping:
            try:
                if not initialised:
                    newest = await self.redis.xrevrange(keys.OPS_HISTORY, count=1)
                    self.last_id = newest[0][0] if newest else "0-0"
                    initialised = True
                    self._started.set()
                reply = await self.redis.xread(
                    {keys.OPS_HISTORY: self.last_id}, count=READ_COUNT, block=READ_BLOCK_MS
                )
                self._outage.ok()
            except REDIS_DOWN as exc:
                await asyncio.sleep(self._outage.failed(exc))
                continue
            except ResponseError as exc:
                # e.g. the history key holds another type until its writer repairs it.
                log.warning("stream: cannot read the history (%s); trying again", exc)
                await asyncio.sleep(READ_BLOCK_MS / 1000)
                continue
            for _stream, entries in reply or []:
                for entry_id, fields in entries:
                    self.last_id = entry_id
                    frame = _history_frame(entry_id, fields)
                    if frame is not None:
                        self.publish(frame, parse_stream_id(entry_id))

    async def _read_channels(self) -> None:
        """Relay `matches:updates` and `polls:updates` (re-subscribing after a reconnect)."""
        while not self._stopping:
            pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(*CHANNEL_EVENTS)
                while not self._stopping:
                    message = await pubsub.get_message(timeout=1.0)
                    if message is not None and message.get("type") == "message":
                        event = CHANNEL_EVENTS.get(message["channel"], "message")
                        self.publish(sse_frame(event, str(message["data"])))
            except REDIS_DOWN as exc:
                await asyncio.sleep(self._outage.failed(exc))
            finally:
                with contextlib.suppress(*REDIS_DOWN):
                    await pubsub.aclose()

    async def wait_started(self) -> None:
        """Return once the history reader has found where the history ends (tests, start-up)."""
        await self._started.wait()


def _format(stream_id: StreamId) -> str:
    return f"{stream_id[0]}-{stream_id[1]}"


def _history_frame(entry_id: str, fields: dict[str, str]) -> bytes | None:
    """The SSE frame of one `ops:history` entry (None, logged, when it has no data)."""
    data = fields.get("data")
    if not isinstance(data, str):
        log.warning("stream: skipping history entry %s without data", entry_id)
        return None
    return sse_frame("opportunity", data, entry_id)
