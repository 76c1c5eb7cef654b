"""The page's pure JavaScript modules, imported and run in the real browser."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Page

from tests.e2e.conftest import ApiServer

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]


async def run(page: Page, api_server: ApiServer, body: str) -> Any:
    """Evaluate `body` (an async function body that may `await load(name)`) in the page."""
    # Any same-origin document can import the modules; a plain one keeps the app from starting.
    await page.goto(api_server.url + "/static/dom.js")
    return await page.evaluate(
        "async (body) => {\n"
        "  const load = (name) => import(`/static/${name}.js`);\n"
        "  return await (new Function('load', `return (async () => { ${body} })()`))(load);\n"
        "}",
        body,
    )


async def test_url_state_round_trips_and_rejects_junk(page: Page, api_server: ApiServer) -> None:
    result = await run(
        page,
        api_server,
        """
        const { parseQuery, toQuery } = await load("state");
        const full = "?view=opportunities&q=fed+rates&category=economics&minSim=0.8"
          + "&minEdge=1.5&kind=negrisk_buy_all&sort=edge&dir=asc&detail=op%3Anegrisk_buy_all%3A0xab";
        const junk = "?view=admin&minSim=abc&minEdge=900&kind=<b>&sort=__proto__&detail=pair:1";
        return {
          full: parseQuery(full),
          again: toQuery(parseQuery(full)) === full,
          empty: toQuery(parseQuery("")),
          junk: parseQuery(junk),
        };
        """,
    )
    assert result["again"] is True
    assert result["empty"] == ""
    assert result["full"]["detail"] == {"type": "op", "ids": ["negrisk_buy_all:0xab"]}
    assert result["full"]["minEdge"] == 1.5
    junk = result["junk"]
    assert junk["view"] == "discovery"
    assert junk["minSim"] is None
    assert junk["minEdge"] == 100  # clamped to the input's range
    assert junk["kind"] == ""
    assert junk["sort"] is None
    assert junk["detail"] is None


async def test_pairs_are_deduplicated_filtered_and_sorted(
    page: Page, api_server: ApiServer
) -> None:
    result = await run(
        page,
        api_server,
        """
        const { flattenPairs, selectPairs } = await load("discovery");
        const m = (id, question, category) => ({ id, question, category, url: "", liquidity: 10 });
        const e = (marketId, question, similarity, yesAskDiff) =>
          ({ marketId, question, similarity, yesAskDiff, yesMidDiff: null, liquidity: 5 });
        const groups = [
          { market: m("1", "Will BTC hit 100k?", "crypto"),
            matches: [e("2", "Bitcoin above 100k by June?", 0.91, 0.05), e("1", "self", 1.0, 0)] },
          { market: m("2", "Bitcoin above 100k by June?", "crypto"),
            matches: [e("1", "Will BTC hit 100k?", 0.91, -0.05), e("3", "Will ETH hit 10k?", 0.8, -0.2)] },
          { market: m("4", "Fed cuts in March?", "economics"), matches: [e("5", "March rate cut?", 0.85, null)] },
          { market: null, matches: [] },
        ];
        const pairs = flattenPairs(groups);
        const base = { q: "", category: "", minSim: null };
        const keys = (rows) => rows.map((p) => p.key);
        return {
          all: keys(selectPairs(pairs, base, ["similarity", "desc"])),
          byDiff: keys(selectPairs(pairs, base, ["yesDiff", "desc"])),
          crypto: keys(selectPairs(pairs, { ...base, category: "CRYPTO" }, ["similarity", "desc"])),
          search: keys(selectPairs(pairs, { ...base, q: "btc JUNE" }, ["similarity", "desc"])),
          close: keys(selectPairs(pairs, { ...base, minSim: 0.85 }, ["similarity", "asc"])),
        };
        """,
    )
    assert result["all"] == ["1,2", "4,5", "2,3"]  # A→B and B→A are one pair; self-matches go
    assert result["byDiff"] == ["2,3", "1,2", "4,5"]  # largest |YES Δ| first, unknown last
    assert result["crypto"] == ["1,2", "2,3"]
    assert result["search"] == ["1,2"]  # every word, in either question
    assert result["close"] == ["4,5", "1,2"]


async def test_pairs_carry_their_relation_and_the_relation_filter_takes_both_subsets(
    page: Page, api_server: ApiServer
) -> None:
    result = await run(
        page,
        api_server,
        """
        const { flattenPairs, selectPairs } = await load("discovery");
        const { parseQuery, toQuery } = await load("state");
        const m = (id) => ({ id, question: `Q${id}`, url: "", liquidity: 1 });
        const e = (marketId, relation, outcomeMap) =>
          ({ marketId, question: `Q${marketId}`, similarity: 0.9, relation, confidence: 0.8,
             outcomeMap, reasons: ["why", 7] });
        const link = { aToken: "a1", aOutcome: "Yes", bToken: "b1", bOutcome: "No" };
        const pairs = flattenPairs([
          { market: m("1"), matches: [e("2", "subset_a_in_b", [link, { aToken: 3 }, null])] },
          { market: m("4"), matches: [e("3", "subset_b_in_a", "junk"), e("5", null, null)] },
          { market: m("6"), matches: [e("7", "inverse", [link])] },
        ]);
        const base = { q: "", category: "", minSim: null, relation: "" };
        const keys = (relation) =>
          selectPairs(pairs, { ...base, relation }, ["similarity", "desc"]).map((p) => p.key);
        return {
          first: pairs[0],
          unjudged: pairs.find((p) => p.key === "4,5").relation,
          subset: keys("subset"),
          inverse: keys("inverse"),
          all: keys(""),
          url: toQuery(parseQuery("?relation=subset")),
          junk: parseQuery("?relation=__proto__").relation,
        };
        """,
    )
    first = result["first"]
    assert first["relation"] == "subset_a_in_b"
    assert first["outcomeMap"] == [  # malformed links dropped, not shown as blanks
        {"aToken": "a1", "aOutcome": "Yes", "bToken": "b1", "bOutcome": "No"}
    ]
    assert first["reasons"] == ["why"]
    assert result["unjudged"] is None
    assert result["subset"] == ["1,2", "3,4"]
    assert result["inverse"] == ["6,7"]
    assert len(result["all"]) == 4
    assert result["url"] == "?relation=subset"
    assert result["junk"] == ""


async def test_a_snapshot_never_undoes_a_newer_stream_event(
    page: Page, api_server: ApiServer
) -> None:
    result = await run(
        page,
        api_server,
        """
        const { OpportunityStore } = await load("opportunities");
        const op = (id, p) => ({ id, title: id, kind: "binary_buy_both", edge: 0.01,
                                  size: 10, cost: 9, expectedProfit: p, marketIds: [id] });
        const store = new OpportunityStore();
        store.applySnapshot([op("a", 1), op("b", 2)], performance.now());
        const startedAt = performance.now();  // a fetch starts...
        store.applyEvent({ action: "appeared", id: "c", opportunity: op("c", 3) });
        store.applyEvent({ action: "disappeared", id: "a", opportunity: op("a", 1) });
        store.applyEvent({ action: "changed", id: "b", opportunity: op("b", 5) });
        // ...and returns the state from before those events.
        store.applySnapshot([op("a", 1), op("b", 2), op("d", 4)], startedAt);
        return [...store.byId.values()].map((o) => [o.id, o.expectedProfit]).sort();
        """,
    )
    assert result == [["b", 5], ["c", 3], ["d", 4]]


async def test_close_times_show_the_hour_when_a_pair_closes_the_same_day(
    page: Page, api_server: ApiServer
) -> None:
    result = await run(
        page,
        api_server,
        """
        const fmt = await load("format");
        // Local times, so the test holds in any time zone the browser runs in.
        const morning = new Date(2026, 2, 12, 9, 30).toISOString();
        const evening = new Date(2026, 2, 12, 21, 5).toISOString();
        const nextDay = new Date(2026, 2, 13, 9, 30).toISOString();
        return {
          same: fmt.closeTimes(morning, evening),
          apart: fmt.closeTimes(morning, nextDay),
          missing: fmt.closeTimes(morning, null),
        };
        """,
    )
    assert result["same"] == ["12 Mar 2026, 09:30", "12 Mar 2026, 21:05"]
    assert result["apart"] == ["12 Mar 2026", "13 Mar 2026"]
    assert result["missing"] == ["12 Mar 2026", "—"]
