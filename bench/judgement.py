"""Issue #13's numbers on the labelled Russia–North Korea set (tests/fixtures/labelled/rnk), test half reported,
dev half beside it: the default rule vs the naive matcher in every layout, layout invariance, story grouping and
alerts per event through the stories stage, and the cost per article. Printed and written to
bench/results/judgement.md.

    .venv/bin/python bench/judgement.py [--split test] [--out bench/results/judgement.md]

Layouts (tests/fixtures/labelled/layouts.py): as published, one paragraph, one sentence a paragraph, the lead in
the headline; as text, and as an HTML page through the clean stage ("page" columns).
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.eval_rules import naive, prf  # noqa: E402
from bnwatch.extract import NotAnArticle, extract_page  # noqa: E402
from bnwatch.records import Article  # noqa: E402
from consumers.stories import StoryStage  # noqa: E402
from consumers.stories.index import StoryIndex, parse_time  # noqa: E402
from consumers.stories.stage import article_features  # noqa: E402
from consumers.tag import TagStage, classify  # noqa: E402
from tests.fixtures.labelled.layouts import LAYOUTS, layout, layouts_of, page  # noqa: E402

SET = ROOT / "tests/fixtures/labelled/rnk/items.jsonl"


def load(split: str) -> list[dict]:
    return [r for r in (json.loads(x) for x in SET.read_text(encoding="utf-8").splitlines() if x.strip())
            if r["split"] == split]


def page_alert(title: str, paragraphs: list[str]) -> bool | None:
    try:
        art = extract_page(page(title, paragraphs), url="https://news.example/world/1")
    except NotAnArticle:
        return None
    return bool(classify(art.get("title") or "", [p for p in art["body"].split("\n\n") if p.strip()])["alert"])


def classification(items: list[dict]) -> tuple[list[str], int, int]:
    rows, varying, checked = [], 0, 0
    pairs = defaultdict(list)
    for r in items:
        y = bool(r["label"])
        verdicts = set()
        for name in layouts_of(r["paragraphs"]):
            t, ps = layout(r["title"], r["paragraphs"], name)
            a = bool(classify(t, ps)["alert"])
            pairs[f"{name} (text)"].append((y, a))
            verdicts.add(a)
            on_page = page_alert(t, ps)
            if on_page is not None:
                pairs[f"{name} (page)"].append((y, on_page))
                verdicts.add(on_page)
        pairs["naive, as published"].append((y, naive(r["title"], r["paragraphs"])))
        checked += 1
        varying += len(verdicts) > 1
    for name in [f"{n} ({k})" for n in LAYOUTS for k in ("text", "page")] + ["naive, as published"]:
        if pairs.get(name):
            m = prf(pairs[name])
            rows.append(f"| {name} | {len(pairs[name])} | {m['tp']} | {m['fp']} | {m['fn']} | {m['precision']:.3f} | "
                        f"{m['recall']:.3f} | {m['f1']:.3f} |")
    return rows, varying, checked


def _article(r: dict, i: int) -> Article:
    url = r.get("url") or f"https://{r['outlet']}.example/{i}"
    return Article(url=url, canonical_url=url, outlet=r["outlet"], title=r["title"], paragraphs=r["paragraphs"],
                   published_at=r.get("published_at"), discovered_at=r.get("published_at"),
                   content_hash=Article.hash_content(r["title"], r["paragraphs"]))


def stories(items: list[dict]) -> dict:
    """Pairwise story scores over the articles the rule alerts on, in publication order; gold = the event."""
    alerting = sorted((r for r in items if classify(r["title"], r["paragraphs"])["alert"]),
                      key=lambda r: r.get("published_at") or "")
    index = StoryIndex(":memory:")
    got = {}
    for i, r in enumerate(alerting):
        got[r["id"]] = index.assign(article_features(_article(r, i)), seen_at=r.get("published_at")).story.story_id
    gold = {r["id"]: r.get("event") or f"single:{r['id']}" for r in alerting}
    m = prf([(gold[a] == gold[b], got[a] == got[b]) for a, b in itertools.combinations(sorted(gold), 2)])
    m.update(n=len(alerting), gold=len(set(gold.values())), predicted=len(set(got.values())))
    return m


def _shifted(r: dict, delta) -> dict:
    at = parse_time(r.get("published_at"))
    return {**r, "published_at": (at + delta).isoformat()} if at else r


def same_day(items: list[dict]) -> dict:
    """Distinct events kept apart in the same days: for every ordered pair of distinct gold events among the alerting
    articles (a single article is an event of its own), the second is shifted so that its first article appears an
    hour after the first event's, offsets inside each kept; both go through one fresh index in time order. A pair is
    merged when one story holds articles of both."""
    alerting = [r for r in items
                if classify(r["title"], r["paragraphs"])["alert"] and parse_time(r.get("published_at"))]
    events = defaultdict(list)
    for r in alerting:
        events[r.get("event") or f"single:{r['id']}"].append(r)
    start = {e: min(parse_time(r["published_at"]) for r in rs) for e, rs in events.items()}
    pairs, merged = 0, []
    for a, b in itertools.permutations(sorted(events), 2):
        delta = start[a] + timedelta(hours=1) - start[b]
        both = [(a, r) for r in events[a]] + [(b, _shifted(r, delta)) for r in events[b]]
        both.sort(key=lambda x: parse_time(x[1]["published_at"]))
        index, story_events = StoryIndex(":memory:"), defaultdict(set)
        for i, (e, r) in enumerate(both):
            sid = index.assign(article_features(_article(r, i)), seen_at=r["published_at"]).story.story_id
            story_events[sid].add(e)
        index.close()
        pairs += 1
        if any(len(es) > 1 for es in story_events.values()):
            merged.append(f"{a} + {b}")
    return {"pairs": pairs, "merged": merged, "events": len(events)}


def alerts_per_event(items: list[dict], tmp: Path) -> dict:
    """Every article through the tag and stories stages (what the pipeline runs after clean): alerts per event."""
    tag, stage = TagStage(), StoryStage(tmp / "stories.sqlite3")
    by_story = defaultdict(int)
    events = defaultdict(set)
    for i, r in enumerate(sorted(items, key=lambda r: r.get("published_at") or "")):
        for alert in stage.process(tag.process(_article(r, i))[0]):
            by_story[alert.story_id] += 1
            events[r.get("event") or r["id"]].add(alert.story_id)
    stage.close()
    per_event = [sum(by_story[s] for s in stories) for stories in events.values()]
    return {"events": len(events), "alerts": sum(per_event), "max": max(per_event, default=0),
            "stories_per_event_max": max((len(s) for s in events.values()), default=0)}


def cost(items: list[dict]) -> tuple[float, float]:
    """ms per article: classification + story assignment (features + assign), one in-memory index."""
    index, per = StoryIndex(":memory:"), []
    for i, r in enumerate(items):
        t = time.perf_counter()
        result = classify(r["title"], r["paragraphs"])
        if result["alert"]:
            index.assign(article_features(_article(r, i)))
        per.append((time.perf_counter() - t) * 1000)
    return statistics.median(per), sorted(per)[int(0.95 * (len(per) - 1))]


def report(split: str) -> str:
    import tempfile

    items = load(split)
    npos = sum(r["label"] for r in items)
    rows, varying, checked = classification(items)
    st = stories(items)
    sd = same_day(items)
    with tempfile.TemporaryDirectory() as tmp:
        ape = alerts_per_event([r for r in items if r["label"]], Path(tmp))
    med, p95 = cost(items)
    return "\n".join([
        f"## {split} half: {len(items)} articles ({npos} positive, {len(items) - npos} negative), "
        f"{len({r['outlet'] for r in items})} outlets",
        "",
        "| layout | n | TP | FP | FN | precision | recall | F1 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        *rows,
        "",
        f"Layout invariance: {checked - varying} of {checked} articles get one verdict in every layout, as text and "
        f"as a page ({varying} vary).",
        "",
        f"Stories over the {st['n']} alerting articles: {st['gold']} gold events, {st['predicted']} stories; pairwise "
        f"precision {st['precision']:.3f}, recall {st['recall']:.3f}, F1 {st['f1']:.3f} "
        f"(TP {st['tp']}, FP {st['fp']}, FN {st['fn']}).",
        "",
        f"Distinct events in the same days: the {sd['events']} events of the dated alerting articles shifted pairwise "
        f"into one hour ({sd['pairs']} ordered pairs): {len(sd['merged'])} merged"
        + (f" ({'; '.join(sd['merged'])})." if sd["merged"] else "."),
        "",
        f"Alerts per event through the tag and stories stages: {ape['alerts']} alerts for {ape['events']} events "
        f"(at most {ape['max']} for one event; at most {ape['stories_per_event_max']} stories for one event).",
        "",
        f"Cost per article (classification + story assignment): median {med:.2f} ms, p95 {p95:.2f} ms.",
        "",
    ])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", action="append", choices=["test", "dev"], help="default: test, then dev")
    ap.add_argument("--out", default=str(ROOT / "bench/results/judgement.md"))
    args = ap.parse_args()
    load_avg = " ".join(f"{x:.2f}" for x in __import__("os").getloadavg())
    text = "\n".join(["# Judgement on the labelled Russia–North Korea set", "",
                      f"`python bench/judgement.py` — load average at start {load_avg}.", ""]
                     + [report(s) for s in (args.split or ["test", "dev"])])
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
