"""What /healthz concludes from the status hashes: `ok`, `degraded` (with reasons) or `down`.

Pure: it takes what the workers and the supervisor wrote (plain string fields, as stored, any of
them possibly missing or malformed) and the current time, and returns the verdict with one
human sentence per problem, the way an operator would say it ("Polymarket unreachable since
10:42 UTC — retrying"). Malformed fields are treated as absent, never as an error.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Status = Literal["ok", "degraded", "down"]

# The supervisor rewrites every record every 2 s; silent this long, it is gone.
SUPERVISOR_STALE_SEC = 30.0
# The websocket ingest writes its status every second.
WS_STALE_SEC = 15.0


@dataclass(frozen=True)
class Problem:
    """One thing that is wrong, said for a person."""

    component: str
    message: str
    severity: Literal["degraded", "down"] = "degraded"
    since: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "component": self.component,
            "message": self.message,
            "severity": self.severity,
            "since": self.since,
        }


@dataclass(frozen=True)
class VenueStatus:
    """One venue's poller and live-feed status hashes, as stored."""

    label: str
    poller: Mapping[str, str] = field(default_factory=dict)
    ws: Mapping[str, str] = field(default_factory=dict)
    ws_expected: bool = False  # books are kept live by a websocket under the settings


@dataclass(frozen=True)
class HealthInputs:
    """Everything the verdict is made from (status hashes as stored)."""

    now: datetime
    poll_interval_sec: float
    catalog_size: int = 0
    venues: Mapping[str, VenueStatus] = field(default_factory=dict)  # enabled venues by name
    embedding: Mapping[str, str] = field(default_factory=dict)
    matching: Mapping[str, str] = field(default_factory=dict)
    processes: Mapping[str, str] = field(default_factory=dict)  # name -> JSON record


def parse_time(value: object) -> datetime | None:
    """An ISO-8601 time with a zone, or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def clock(value: datetime) -> str:
    """A time of day for a sentence: `10:42 UTC`."""
    return value.strftime("%H:%M UTC")


def parse_records(raw: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """The supervisor's records; malformed ones are left out."""
    out: dict[str, dict[str, Any]] = {}
    for name, value in raw.items():
        try:
            record = json.loads(value)
        except (TypeError, ValueError):
            continue
        if isinstance(record, dict):
            out[name] = record
    return out


def process_problems(records: Mapping[str, Mapping[str, Any]], now: datetime) -> list[Problem]:
    """Stopped, restarting or unreported processes."""
    problems: list[Problem] = []
    newest: datetime | None = None
    for name, record in sorted(records.items()):
        updated = parse_time(record.get("updatedAt"))
        if updated is not None and (newest is None or updated > newest):
            newest = updated
        reason = str(record.get("reason") or "").strip()
        detail = f": {reason}" if reason else ""
        state = record.get("state")
        exited = record.get("exitedAt") if isinstance(record.get("exitedAt"), str) else None
        if state == "stopped" and record.get("needsOperator"):
            problems.append(
                Problem(name, f"{name} stopped: needs an operator{detail}", since=exited)
            )
        elif state == "restarting":
            problems.append(
                Problem(
                    name,
                    f"{name} exited with {record.get('exitCode')} and is being restarted "
                    f"(restart {record.get('restarts')}){detail}",
                    since=exited,
                )
            )
    if newest is not None and (now - newest).total_seconds() > SUPERVISOR_STALE_SEC:
        problems.append(
            Problem(
                "supervisor",
                f"the supervisor has not reported since {clock(newest)}; "
                "processes are not being watched",
                since=newest.isoformat(),
            )
        )
    return problems


def venue_problems(name: str, venue: VenueStatus, now: datetime, interval: float) -> list[Problem]:
    """One venue's polls and live feed."""
    problems: list[Problem] = []
    poller, label = venue.poller, venue.label
    failing = parse_time(poller.get("failingSince"))
    last_poll = parse_time(poller.get("lastPoll"))
    error = (poller.get("lastError") or "").strip()
    component = f"poller:{name}"
    if failing is not None:
        problems.append(
            Problem(
                component,
                f"{label} unreachable since {clock(failing)} — retrying"
                + (f" ({error[:200]})" if error else ""),
                since=failing.isoformat(),
            )
        )
    elif last_poll is None:
        problems.append(Problem(component, f"waiting for the first {label} poll"))
    elif (now - last_poll).total_seconds() > max(3 * interval, 180.0):
        problems.append(
            Problem(
                component, f"no {label} poll since {clock(last_poll)}", since=last_poll.isoformat()
            )
        )
    if venue.ws_expected and venue.ws:
        updated = parse_time(venue.ws.get("updatedAt"))
        if updated is not None and (now - updated).total_seconds() > WS_STALE_SEC:
            problems.append(
                Problem(
                    f"ws:{name}",
                    f"{label} live feed not reporting since {clock(updated)}",
                    since=updated.isoformat(),
                )
            )
        elif venue.ws.get("connected") != "true":
            problems.append(Problem(f"ws:{name}", f"{label} live feed disconnected — reconnecting"))
    return problems


def embedding_problems(embedding: Mapping[str, str]) -> list[Problem]:
    """A failed embedding run."""
    error = (embedding.get("lastError") or "").strip()
    if embedding.get("ok") == "0" and error:
        return [
            Problem(
                "embedding",
                f"the last embedding run failed: {error[:200]}",
                since=embedding.get("lastRun") or None,
            )
        ]
    return []


def matching_problems(matching: Mapping[str, str]) -> list[Problem]:
    """A failed matching pass (cleared by the next good one)."""
    error = (matching.get("lastError") or "").strip()
    if not error:
        return []
    return [
        Problem(
            "matching",
            f"the last matching pass failed: {error[:200]}",
            since=matching.get("lastErrorAt") or None,
        )
    ]


def assess(inputs: HealthInputs) -> tuple[Status, list[Problem]]:
    """The verdict and its reasons."""
    problems = process_problems(parse_records(inputs.processes), inputs.now)
    for name, venue in sorted(inputs.venues.items()):
        problems += venue_problems(name, venue, inputs.now, inputs.poll_interval_sec)
    problems += embedding_problems(inputs.embedding)
    problems += matching_problems(inputs.matching)
    polls_failing = [p for p in problems if p.component.startswith("poller:") and p.since]
    if inputs.catalog_size == 0 and inputs.venues and len(polls_failing) == len(inputs.venues):
        # Nothing to serve and nothing coming from any venue: down, not just degraded.
        problems = [
            Problem(p.component, p.message, "down", p.since) if p in polls_failing else p
            for p in problems
        ]
        return "down", problems
    return ("degraded" if problems else "ok"), problems
