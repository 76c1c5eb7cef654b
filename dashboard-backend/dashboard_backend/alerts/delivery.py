"""Delivery through apprise: one queue, rate limit and retry loop per destination.

Each destination (one apprise URL: Telegram, Discord, Slack, e-mail, a JSON webhook, ...) has its
own bounded queue and sender task, so a slow or failing one delays neither the others nor the
notifier's reading of Redis. Apprise's calls block (HTTP with its own timeouts), so they run in a
thread. A failed delivery is retried with doubling delays; a message still failing after
ALERT_RETRIES is dropped and counted. Bursts above ALERT_MAX_PER_MINUTE wait in the queue; when
the queue is full the oldest waiting message is dropped and counted.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import apprise

from dashboard_backend.alerts.messages import Alert
from dashboard_backend.errors import ConfigError

log = logging.getLogger(__name__)

QUEUE_SIZE = 200
FIRST_RETRY_SEC = 1.0
MAX_RETRY_SEC = 30.0
WINDOW_SEC = 60.0

# A sender: (title, body) -> delivered? Apprise's notify, or a stand-in in benchmarks.
Send = Callable[[str, str], bool]


@dataclass
class DeliveryCounts:
    """What one destination did since start."""

    sent: int = 0
    failed: int = 0  # dropped after every retry failed
    retried: int = 0
    dropped: int = 0  # dropped because the queue was full


def apprise_sender(url: str) -> tuple[Send, str]:
    """A sender for one apprise URL and its printable name (secrets masked)."""
    client = apprise.Apprise()
    if not client.add(url):
        scheme = url.split("://", 1)[0] if "://" in url else url[:12]
        raise ConfigError(f"ALERT_URLS: {scheme}:// ... is not a URL apprise understands")
    name = str(client[0].url(privacy=True))  # type: ignore[no-untyped-call]

    def send(title: str, body: str) -> bool:
        return bool(client.notify(title=title, body=body))

    return send, name


class Destination:
    """One destination's queue and sender loop."""

    def __init__(
        self,
        send: Send,
        name: str,
        retries: int = 3,
        per_minute: int = 30,
        first_retry_sec: float = FIRST_RETRY_SEC,
    ):
        self.send = send
        self.name = name
        self.retries = retries
        self.per_minute = per_minute
        self.first_retry_sec = first_retry_sec
        self.queue: asyncio.Queue[Alert] = asyncio.Queue(QUEUE_SIZE)
        self.counts = DeliveryCounts()
        self._recent: deque[float] = deque()

    @classmethod
    def from_url(cls, url: str, retries: int, per_minute: int) -> Destination:
        """A destination for one apprise URL (ConfigError when apprise does not know it)."""
        send, name = apprise_sender(url)
        return cls(send, name, retries, per_minute)

    def offer(self, alert: Alert) -> None:
        """Queue a message without waiting; a full queue drops its oldest message."""
        if self.queue.full():
            self.queue.get_nowait()
            self.counts.dropped += 1
            log.warning("%s: queue full, oldest alert dropped", self.name)
        self.queue.put_nowait(alert)

    async def _wait_for_rate(self) -> None:
        while True:
            now = time.monotonic()
            while self._recent and now - self._recent[0] >= WINDOW_SEC:
                self._recent.popleft()
            if len(self._recent) < self.per_minute:
                self._recent.append(now)
                return
            await asyncio.sleep(WINDOW_SEC - (now - self._recent[0]))

    async def deliver(self, alert: Alert) -> bool:
        """Send one message, retrying with doubling delays; True when delivered."""
        delay = self.first_retry_sec
        for attempt in range(self.retries + 1):
            try:
                ok = await asyncio.to_thread(self.send, alert.title, alert.body)
            except Exception as exc:  # noqa: BLE001 - a plugin's failure must not end the loop
                log.warning("%s: delivery raised %s", self.name, exc)
                ok = False
            if ok:
                self.counts.sent += 1
                return True
            if attempt < self.retries:
                self.counts.retried += 1
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_RETRY_SEC)
        self.counts.failed += 1
        log.error("%s: alert %s not delivered after %d tries", self.name, alert.key, attempt + 1)
        return False

    async def run(self) -> None:
        """Deliver queued messages forever (cancel to stop)."""
        while True:
            alert = await self.queue.get()
            await self._wait_for_rate()
            await self.deliver(alert)
