"""What the verifier shows the model of one side of a pair, and that side's signature.

A side is a catalog market (its outcomes are its tokens) or an event of the pair format (its
outcomes are its child markets). The signature hashes exactly what the prompt shows of the side,
so a cached answer is reused only while nothing the model read has changed.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime

from dashboard_backend.matching.events_model import Event
from dashboard_backend.models import MarketDocument

# Resolution rules are long; their opening states the condition, the rest is boilerplate.
RULES_CHARS = 600
# Outcomes (tokens or child markets) listed per side; an event with more says how many are left.
MAX_OUTCOMES = 40
_SPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class SideOutcome:
    """One outcome the model may map: a token of a market, or a child market of an event."""

    id: str
    name: str


@dataclass(frozen=True)
class Side:
    """One side of a pair as the prompt shows it."""

    kind: str  # "market" or "event"
    venue: str
    fields: tuple[tuple[str, str], ...]  # (label, value) lines, in prompt order
    outcomes: tuple[SideOutcome, ...]
    hidden: int = 0  # outcomes of the side not listed (events with more than MAX_OUTCOMES)

    @property
    def yes_no(self) -> bool:
        """A market whose two outcomes are Yes and No (by name, never by order)."""
        names = sorted(o.name.strip().lower() for o in self.outcomes)
        return self.kind == "market" and names == ["no", "yes"]

    def outcome(self, outcome_id: str) -> SideOutcome | None:
        """The outcome with this id."""
        return next((o for o in self.outcomes if o.id == outcome_id), None)

    @property
    def signature(self) -> str:
        """Hash of everything the prompt shows of this side."""
        payload = json.dumps(
            [
                self.kind,
                self.venue,
                [list(f) for f in self.fields],
                [[o.id, o.name] for o in self.outcomes],
                self.hidden,
            ],
            separators=(",", ":"),
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


def clean(text: str | None, limit: int = 300) -> str:
    """One line of at most `limit` characters (whitespace collapsed)."""
    flat = _SPACE.sub(" ", _CONTROL.sub("", text or "")).strip()
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _when(value: datetime | None) -> str:
    return value.isoformat() if value is not None else ""


def _number(value: float | None) -> str:
    return f"{value:g}" if value is not None else ""


def _kept(pairs: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple((label, value) for label, value in pairs if value)


def market_side(doc: MarketDocument) -> Side:
    """A catalog market: question, event, named outcome, dates, structured terms, rules."""
    event_title = clean(doc.event_title)
    question = clean(doc.question)
    fields = _kept(
        [
            ("Question", question),
            ("Event", event_title if event_title != question else ""),
            ("Outcome named", clean(doc.group_item_title or doc.yes_sub_title)),
            ("Game or event starts", _when(doc.event_start)),
            ("Closes", _when(doc.close_time)),
            ("Bet type", clean(doc.market_type)),
            ("Line", _number(doc.line)),
            ("Strike type", clean(doc.strike_type)),
            ("Floor strike", _number(doc.floor_strike)),
            ("Cap strike", _number(doc.cap_strike)),
            ("Rules", clean(doc.rules or doc.description, RULES_CHARS)),
        ]
    )
    outcomes = tuple(SideOutcome(o.token_id, clean(o.name, 120)) for o in doc.outcomes)
    return Side("market", doc.venue, fields, outcomes)


def event_side(event: Event) -> Side:
    """An event: title, what it is about, league, and its child markets as outcomes."""
    about = _when(event.about)
    if about and event.about_precision:
        about = f"{about} (precision: {event.about_precision})"
    listed = event.markets[:MAX_OUTCOMES]
    total = max(event.market_count, len(event.markets))
    fields = _kept(
        [
            ("Title", clean(event.title)),
            ("About", about),
            ("League", clean(event.league)),
            ("Markets in the event", str(total) if total else ""),
        ]
    )
    outcomes = tuple(SideOutcome(m.id, clean(m.text.question, 200)) for m in listed)
    return Side("event", event.venue, fields, outcomes, hidden=total - len(listed))
