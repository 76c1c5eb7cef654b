"""The process supervisor behind `make run`: starts every child, restarts the ones that die.

Restart rules (`RestartPolicy`): a child that exits is started again after a delay that doubles
from 1 s up to 60 s while it keeps failing, and falls back to 1 s once it had run healthily for
30 s; a child that exits with code 2 ("needs an operator": bad settings, a refused key) is not
restarted. The embedded Redis is a child like the others (started first, stopped last).

Each child's state (running / restarting / stopped, restarts, last exit code and the last line it
wrote to stderr) is written to `status:processes` on every change and every few seconds, so
/healthz and the page can say what is wrong; the writes ride out Redis restarts quietly.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import httpx
import redis.asyncio as aioredis

from dashboard_backend.outage import REDIS_DOWN, Outage
from dashboard_backend.status import ProcessRecord, write_processes

log = logging.getLogger("dashboard_backend.supervisor")

# Exit code by which a child says it cannot go on without an operator (never restarted).
EXIT_NEEDS_OPERATOR = 2
# How often the whole status is rewritten (a Redis restart loses nothing for long).
STATUS_EVERY_SEC = 2.0
# Stop: SIGTERM, then SIGKILL after this long.
STOP_GRACE_SEC = 10.0
# How long the other children wait for a child's readiness URL before starting anyway.
READY_TIMEOUT_SEC = 120.0


@dataclass(frozen=True)
class Child:
    """One supervised process: a name and its `python -m` arguments (or its own program)."""

    name: str
    args: tuple[str, ...]
    program: str | None = None  # None: `python -m args...`
    # Awaited after start; the child counts as running (and the next ones start) once it returns.
    ready: Callable[[Callable[[], bool]], Awaitable[None]] | None = None
    # Or: a URL that answers (below 500) once the child is ready.
    ready_url: str | None = None
    # Infrastructure (Redis, the replay stand-in) is stopped after every other child.
    infrastructure: bool = False

    @property
    def argv(self) -> tuple[str, ...]:
        """The full command line."""
        if self.program is None:
            return (sys.executable, "-m", *self.args)
        return (self.program, *self.args)


@dataclass(frozen=True)
class RestartPolicy:
    """How long to wait before starting a child again."""

    first_delay: float = 1.0
    max_delay: float = 60.0
    healthy_after: float = 30.0  # a run this long resets the back-off

    def next_delay(self, previous: float | None, ran_for: float) -> float:
        """The delay before the next start, given the previous delay and how long the run was."""
        if previous is None or ran_for >= self.healthy_after:
            return self.first_delay
        return min(previous * 2, self.max_delay)


def restartable(exit_code: int) -> bool:
    """Whether a child that exited with this code is started again."""
    return exit_code != EXIT_NEEDS_OPERATOR


def last_line(text: str) -> str:
    """The last non-blank line of `text`, trimmed to 300 characters."""
    for line in reversed(text.splitlines()):
        if line.strip():
            return line.strip()[:300]
    return ""


class Supervisor:
    """Runs children until stopped; restarts them as `RestartPolicy` says."""

    def __init__(
        self,
        children: Sequence[Child],
        env: dict[str, str],
        redis: aioredis.Redis | None = None,
        policy: RestartPolicy | None = None,
        ready_timeout: float = READY_TIMEOUT_SEC,
    ):
        self.children = list(children)
        self.env = env
        self.redis = redis
        self.policy = policy or RestartPolicy()
        self.ready_timeout = ready_timeout
        self.records = {c.name: ProcessRecord(name=c.name) for c in self.children}
        self.stopping = asyncio.Event()
        self._status_outage = Outage("redis (process status)", log)
        self._status_dirty = asyncio.Event()
        self._status_done = asyncio.Event()

    async def run(self) -> None:
        """Start children in order (each after the previous is ready); run until `stopping`."""
        status = asyncio.create_task(self._status_loop())
        tiers: dict[bool, tuple[asyncio.Event, list[asyncio.Task[None]]]] = {
            False: (asyncio.Event(), []),
            True: (asyncio.Event(), []),
        }
        for child in self.children:
            started = asyncio.Event()
            stop, tasks = tiers[child.infrastructure]
            tasks.append(asyncio.create_task(self._supervise(child, started, stop)))
            await _first(started.wait(), self.stopping.wait())
        await self.stopping.wait()
        # Workers and the API first, then what they depend on (the embedded Redis saves last).
        for infrastructure in (False, True):
            stop, tasks = tiers[infrastructure]
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
        # Not cancelled: a cancel landing inside a redis-py call can be swallowed on Python 3.11.
        self._status_done.set()
        await status

    def stop(self) -> None:
        """Ask every child to stop (SIGTERM, then SIGKILL after STOP_GRACE_SEC)."""
        self.stopping.set()

    def _changed(self, name: str, **fields: object) -> None:
        record = self.records[name]
        for key, value in fields.items():
            setattr(record, key, value)
        record.updated_at = time.time()
        self._status_dirty.set()

    async def _supervise(self, child: Child, started: asyncio.Event, stop: asyncio.Event) -> None:
        delay: float | None = None
        while not stop.is_set():
            # A session of its own: a terminal's Ctrl-C reaches only the supervisor, which then
            # stops the children in order (Redis last) instead of all at once.
            proc = await asyncio.create_subprocess_exec(
                *child.argv,
                env=self.env,
                stdin=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
                start_new_session=True,
            )
            began = time.monotonic()
            log.info("started %s (pid %d)", child.name, proc.pid)
            self._changed(child.name, state="starting", pid=proc.pid, started_at=time.time())
            tail = asyncio.create_task(_forward_stderr(proc))
            if child.ready is not None:
                try:
                    await child.ready(functools.partial(_running, proc))
                except Exception as exc:  # noqa: BLE001 - reported and treated like an exit
                    log.error("%s did not become ready: %s", child.name, exc)
            elif child.ready_url is not None and not started.is_set():
                if await wait_ready(child.ready_url, stop, self.ready_timeout):
                    log.info("%s answers after %.1fs", child.name, time.monotonic() - began)
                elif not stop.is_set():
                    log.warning(
                        "%s not answering after %.0fs; starting the rest",
                        child.name,
                        self.ready_timeout,
                    )
            if proc.returncode is None:
                self._changed(child.name, state="running")
            started.set()
            await _first(proc.wait(), stop.wait())
            if proc.returncode is None:  # stopping
                await _terminate(proc)
                await tail
                self._changed(child.name, state="stopped", pid=None, reason="stopped")
                return
            code = proc.returncode
            reason = last_line(await tail)
            ran_for = time.monotonic() - began
            record = self.records[child.name]
            if not restartable(code):
                log.error(
                    "%s exited with %d (needs an operator): %s; not restarting",
                    child.name,
                    code,
                    reason or "no message",
                )
                self._changed(
                    child.name,
                    state="stopped",
                    pid=None,
                    exit_code=code,
                    exited_at=time.time(),
                    reason=reason,
                    needs_operator=True,
                )
                return
            delay = self.policy.next_delay(delay, ran_for)
            log.warning(
                "%s exited with %s after %.1fs; restarting in %.1fs",
                child.name,
                code,
                ran_for,
                delay,
            )
            self._changed(
                child.name,
                state="restarting",
                pid=None,
                exit_code=code,
                exited_at=time.time(),
                reason=reason,
                restarts=record.restarts + 1,
                next_start_at=time.time() + delay,
            )
            await _first(asyncio.sleep(delay), stop.wait())

    async def _status_loop(self) -> None:
        """Write every record on change and every STATUS_EVERY_SEC (quietly while Redis is away)."""
        if self.redis is None:
            return
        while not self._status_done.is_set():
            await _first(
                self._status_dirty.wait(),
                self._status_done.wait(),
                asyncio.sleep(STATUS_EVERY_SEC),
            )
            self._status_dirty.clear()
            # Every write is a report: /healthz calls a supervisor whose records stop getting
            # newer "not reporting", so a steady state must refresh them too.
            now = time.time()
            for record in self.records.values():
                record.updated_at = now
            try:
                await write_processes(self.redis, self.records.values())
                self._status_outage.ok()
            except REDIS_DOWN as exc:
                self._status_outage.failed(exc)


async def _first(*waits: Awaitable[object]) -> None:
    """Return as soon as one of `waits` completes; cancel the others."""
    tasks = [asyncio.ensure_future(w) for w in waits]
    _, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()


async def wait_ready(url: str, stopping: asyncio.Event, within: float) -> bool:
    """Poll `url` until it answers below 500 (True), or until stopping or `within` seconds
    pass (False)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    async with httpx.AsyncClient(timeout=2.0) as http:
        while not stopping.is_set() and loop.time() < deadline:
            try:
                if (await http.get(url)).status_code < 500:
                    return True
            except httpx.HTTPError:
                pass  # not listening yet
            await _first(stopping.wait(), asyncio.sleep(0.2))
    return False


def _running(proc: asyncio.subprocess.Process) -> bool:
    return proc.returncode is None


async def _terminate(proc: asyncio.subprocess.Process) -> None:
    """SIGTERM, then SIGKILL if it is still running after STOP_GRACE_SEC."""
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(proc.wait(), STOP_GRACE_SEC)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()


async def _forward_stderr(proc: asyncio.subprocess.Process, keep: int = 4096) -> str:
    """Copy the child's stderr to ours as it comes; returns the last `keep` characters."""
    assert proc.stderr is not None
    tail = b""
    out = sys.stderr.buffer
    while chunk := await proc.stderr.read(65536):
        out.write(chunk)
        out.flush()
        tail = (tail + chunk)[-keep:]
    return tail.decode("utf-8", "replace")
