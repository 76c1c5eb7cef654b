"""Every base's list of related markets, kept between passes and redone only where it changed.

A base's selection (its top K related markets) reads only its candidate pairs: relation,
confidence, similarity, the match's id (`entries.entry_rank`; no prices). So it is selected again
only for the markets the pair table says gained, lost or re-decided a pair (`touched`). The
entries themselves carry prices, so a list is rebuilt when its selection changed, or when the base
or one of its matches shows other prices, liquidity, dates or links (`repriced`: found through an
index of which lists show which market); otherwise the previous pass's list object is returned as
is; a rebuilt list reuses the entries whose pair and documents did not change. A reused entry
keeps its `matched_at` (the pass that first built it, as the store keeps a surviving pair's first
time); every other field equals what a full pass builds.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np
import numpy.typing as npt

from dashboard_backend.matching.candidates import RANK_OF_CODE, UNRELATED, PairTable
from dashboard_backend.matching.delta import Delta
from dashboard_backend.matching.entries import build_entry
from dashboard_backend.matching.verdict import Verdict
from dashboard_backend.models import MarketDocument, MatchEntry

# One kept entry as selected: (match id, verdict as decided for the pair, similarity, flipped).
Selected = tuple[str, Verdict, float, bool]
# A candidate of one base: (entry order, match position, verdict, similarity, flipped).
_Ranked = tuple[tuple[int, float, float, str], int, Verdict, float, bool]


class EntryLists:
    """The lists of the previous pass, with what they were selected from."""

    def __init__(self) -> None:
        self._lists: dict[str, tuple[list[Selected], list[MatchEntry]]] = {}
        self._shown: dict[str, list[MatchEntry]] = {}  # the entries of each list
        self._shown_in: dict[str, set[str]] = {}  # match id -> bases whose list shows it
        self._wanted: frozenset[str] | None = None  # the bases asked for (None: every market)
        self.built = 0  # entries built in the last pass (the others are reused)

    def update(
        self,
        docs: Sequence[MarketDocument],
        delta: Delta,
        table: PairTable,
        touched: npt.NDArray[np.bool_],
        now: datetime,
        bases: Sequence[int] | None,
        top_k: int,
    ) -> dict[str, list[MatchEntry]]:
        """Every base's related markets, strongest relation first, at most `top_k` (a flipped
        verdict ranks like the verdict: subset directions share a rank, so it is flipped only
        for entries kept)."""
        ids = delta.ids
        wanted = None if bases is None else frozenset(ids[i] for i in bases)
        reselect = touched.copy()
        if wanted != self._wanted:  # other bases asked for: every list is selected again
            reselect[:] = True
            self._wanted = wanted
        for gone in delta.gone:
            self._drop(gone)
        found = self._candidates(table, reselect, ids)
        # Lists that keep their selection but read a document with other prices.
        reprice: set[str] = set()
        for i in np.flatnonzero(delta.repriced).tolist():
            m = ids[i]
            if m in self._lists and not reselect[i]:
                reprice.add(m)
            reprice.update(b for b in self._shown_in.get(m, ()) if not reselect[delta.position[b]])
        repriced = delta.repriced
        self.built = 0
        for i in np.flatnonzero(reselect).tolist():
            base = ids[i]
            if wanted is not None and base not in wanted:
                self._drop(base)
                continue
            candidates = found.get(i, [])
            candidates.sort(key=lambda f: f[0])
            kept = candidates[:top_k]
            selected = [(ids[j], v, s, flip) for _, j, v, s, flip in kept]
            old = self._lists.get(base)
            if not selected:
                self._drop(base)
            elif (
                old is not None
                and _same(old[0], selected)
                and not repriced[i]
                and not any(repriced[j] for _, j, _, _, _ in kept)
            ):
                continue
            else:
                self._set(base, selected, self._build(docs, delta, i, kept, now, old))
        position = delta.position
        for base in reprice:
            was = self._lists[base]
            again = [(None, position[m], v, s, flip) for m, v, s, flip in was[0]]
            entries = self._build(docs, delta, position[base], again, now, was)
            self._lists[base] = (was[0], entries)
            self._shown[base] = entries
        return dict(self._shown)

    def _candidates(
        self, table: PairTable, reselect: npt.NDArray[np.bool_], ids: Sequence[str]
    ) -> dict[int, list[_Ranked]]:
        """The related candidates of each base to select again, with their entry order."""
        found: dict[int, list[_Ranked]] = {}
        related = table.relations != UNRELATED
        for flip, ends, others in ((False, table.a, table.b), (True, table.b, table.a)):
            pick = np.flatnonzero(related & reselect[ends])
            for i, j, verdict, sim, code, confidence in zip(
                ends[pick].tolist(),
                others[pick].tolist(),
                table.verdicts[pick].tolist(),
                table.sims[pick].tolist(),
                RANK_OF_CODE[table.relations[pick]].tolist(),
                table.confidence[pick].tolist(),
                strict=True,
            ):
                rank = (code, -confidence, -sim, ids[j])
                found.setdefault(i, []).append((rank, j, verdict, sim, flip))
        return found

    def _build(
        self,
        docs: Sequence[MarketDocument],
        delta: Delta,
        i: int,
        kept: Sequence[tuple[object, int, Verdict, float, bool]],
        now: datetime,
        old: tuple[list[Selected], list[MatchEntry]] | None,
    ) -> list[MatchEntry]:
        """Base i's entries for `kept`; an entry of the previous list is reused when its pair
        was not decided again and neither document shows other prices."""
        repriced = delta.repriced
        before: dict[str, tuple[Selected, MatchEntry]] = {}
        if old is not None and not repriced[i]:
            before = {sel[0]: (sel, entry) for sel, entry in zip(*old, strict=True)}
        entries: list[MatchEntry] = []
        for _, j, v, s, flip in kept:
            hit = before.get(delta.ids[j])
            if hit is not None and hit[0][1] is v and hit[0][2:] == (s, flip) and not repriced[j]:
                entries.append(hit[1])
            else:
                self.built += 1
                entries.append(build_entry(docs[i], docs[j], s, now, v.flipped() if flip else v))
        return entries

    def _set(self, base: str, selected: list[Selected], entries: list[MatchEntry]) -> None:
        self._drop(base)
        self._lists[base] = (selected, entries)
        self._shown[base] = entries
        for m, _, _, _ in selected:
            self._shown_in.setdefault(m, set()).add(base)

    def _drop(self, base: str) -> None:
        """Forget a base's list (its matches no longer show in it)."""
        old = self._lists.pop(base, None)
        if old is None:
            return
        del self._shown[base]
        for m, _, _, _ in old[0]:
            shown = self._shown_in.get(m)
            if shown is not None:
                shown.discard(base)
                if not shown:
                    del self._shown_in[m]


def _same(a: list[Selected], b: list[Selected]) -> bool:
    """The same selection: same matches, the very same verdict objects, same similarities."""
    return len(a) == len(b) and all(
        x[0] == y[0] and x[1] is y[1] and x[2] == y[2] and x[3] == y[3]
        for x, y in zip(a, b, strict=True)
    )
