"""Pure diffing of opportunity snapshots into appeared / changed / disappeared events."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Literal

from dashboard_backend.models import Model, Opportunity

ChangeAction = Literal["appeared", "changed", "disappeared"]


class OpportunityChange(Model):
    """One event on `ops:updates` (and one entry of the history stream)."""

    type: Literal["opportunity"] = "opportunity"
    action: ChangeAction
    id: str
    opportunity: Opportunity  # the new terms, or the last known terms when disappeared
    ts: datetime


def diff_snapshots(
    old: Mapping[str, Opportunity],
    new: Mapping[str, Opportunity],
    now: datetime,
    scope: Iterable[str] | None = None,
) -> list[OpportunityChange]:
    """Changes turning `old` into `new`, restricted to ids in `scope` when given.

    An opportunity whose terms are unchanged (only its timestamp moved) is not a change.
    """
    ids = set(old) | set(new) if scope is None else set(scope)
    changes: list[OpportunityChange] = []
    for oid in sorted(ids):
        before, after = old.get(oid), new.get(oid)
        if before is None and after is not None:
            changes.append(OpportunityChange(action="appeared", id=oid, opportunity=after, ts=now))
        elif before is not None and after is None:
            changes.append(
                OpportunityChange(action="disappeared", id=oid, opportunity=before, ts=now)
            )
        elif before is not None and after is not None and not before.same_terms(after):
            changes.append(OpportunityChange(action="changed", id=oid, opportunity=after, ts=now))
    return changes
