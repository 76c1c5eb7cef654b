"""What the replay server's scripted websocket channels share, whatever venue they speak.

A channel plays a seeded script (`ws_script.py`, `kalshi_script.py`) to its connected clients,
starting at the first subscription and shared by every client. The script's steps that are not
venue wire messages are played here: a malformed frame sent to every client, an abrupt
disconnect (every connection closed at once with code 1011, no warning; the market keeps moving
for a few messages while nobody listens, then waits for a client to subscribe again), and an
arbitrage window opening or closing (recorded for tests; with `hold_windows` the script waits
after a window's opening frame until a test calls `release_window()`). Everything else is the
venue's to play (`_play`: apply to the server's books, then send in its wire format).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from starlette.websockets import WebSocket, WebSocketDisconnect

from dashboard_backend.replay.script_config import ScriptBase
from dashboard_backend.replay.ws_script import Disconnect, Malformed, WindowEvent

log = logging.getLogger(__name__)

# How long the script waits for a client to come back after the scripted disconnect.
RESUBSCRIBE_WAIT_SEC = 15.0


@dataclass(eq=False)
class Client:
    """One connection; sends are serialised (the producer and request handlers both send)."""

    websocket: WebSocket
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def send(self, text: str) -> bool:
        """Send one frame; False when the connection is gone."""
        async with self.lock:
            try:
                await self.websocket.send_text(text)
            except (WebSocketDisconnect, RuntimeError, OSError):
                return False
        return True


C = TypeVar("C", bound=Client)


class ScriptedChannel(Generic[C]):
    """The producer loop and the venue-independent steps (see the module docstring)."""

    name = "ws"

    def __init__(self, pace: ScriptBase, hold_windows: bool = False):
        self.pace = pace
        # Tests: after a window's opening frame, wait for `release_window()` before playing on,
        # so "the window was seen open" never depends on how fast the client is.
        self.hold_windows = hold_windows
        self.window_release = threading.Event()
        self.clients: set[C] = set()
        self.finished = threading.Event()  # set when a finite script has played to its end
        self.windows: list[WindowEvent] = []
        self.frames_sent = 0
        self.messages_played = 0
        self.disconnects = 0
        self._producer: asyncio.Task[None] | None = None
        self._subscribed: asyncio.Event | None = None

    def _steps(self) -> Iterable[object]:
        raise NotImplementedError

    async def _play(self, step: object) -> int:
        """Play one venue step (apply it to the served books, send it); messages played."""
        raise NotImplementedError

    def _started(self) -> None:
        """A client subscribed: start the script (once) and wake it if it waits for one."""
        if self._subscribed is None:
            self._subscribed = asyncio.Event()
        self._subscribed.set()
        if self._producer is None:
            self._producer = asyncio.create_task(self._produce())

    async def _produce(self) -> None:
        pace = self.pace
        interval = 1.0 / pace.rate if pace.rate > 0 else 0.0
        resume_after: int | None = None
        hold_next = False
        await asyncio.sleep(pace.start_delay_sec)
        try:
            for step in self._steps():
                if isinstance(step, Malformed):
                    for client in list(self.clients):
                        await client.send(step.text)
                elif isinstance(step, Disconnect):
                    await self._disconnect_all()
                    resume_after = self.messages_played + pace.missed_after_disconnect
                elif isinstance(step, WindowEvent):
                    self.windows.append(step)
                    hold_next = self.hold_windows and step.opened
                    log.info(
                        "%s script: arbitrage window %s on %s",
                        self.name,
                        "opened" if step.opened else "closed",
                        step.market_id,
                    )
                else:
                    played = await self._play(step)
                    if played == 0:
                        continue
                    self.messages_played += played
                    if hold_next:
                        hold_next = False
                        await self._hold()
                    await asyncio.sleep(interval * played)
                    if resume_after is not None and self.messages_played >= resume_after:
                        resume_after = None
                        await self._wait_for_subscriber()
        finally:
            self.finished.set()
            log.info("%s script finished after %d messages", self.name, self.messages_played)

    def release_window(self) -> None:
        """Let a held script play on past the window it just opened (any thread)."""
        self.window_release.set()

    async def _hold(self) -> None:
        # A threading.Event: the releasing test runs in another thread and event loop. Short
        # waits keep a never-released hold from pinning a thread past server shutdown.
        while not await asyncio.to_thread(self.window_release.wait, 0.1):
            pass
        self.window_release.clear()

    async def _disconnect_all(self) -> None:
        self.disconnects += 1
        if self._subscribed is not None:
            self._subscribed.clear()
        clients, self.clients = list(self.clients), set()
        log.info("%s script: dropping %d connection(s)", self.name, len(clients))
        for client in clients:
            with contextlib.suppress(RuntimeError, OSError):
                await client.websocket.close(code=1011, reason="scripted disconnect")

    async def _wait_for_subscriber(self) -> None:
        if self._subscribed is None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._subscribed.wait(), RESUBSCRIBE_WAIT_SEC)
