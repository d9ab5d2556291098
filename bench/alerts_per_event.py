"""Alerts per event through the real pipeline (issue #13, item 4): the labelled Russia–North Korea set
(tests/fixtures/labelled/rnk/items.jsonl) served by the outlet replay, crawled and processed by bnwatch exactly as
an operator runs it, every alert counted at a subscriber.

    .venv/bin/python bench/alerts_per_event.py [--split test] [--split all] [--negatives all|N] [--mode kafka|embedded]

Per split: every item with a gold event, every positive, and the negatives (all, or a sample of N) become article
pages of their outlets (devtools/replay/listed.py: one replay site per outlet, a news sitemap each, the publication
time in the page exactly as the item has it — full time, date only, no offset, or none). Then
  kafka:    a private Apache Kafka broker, `bnwatch consume clean|tag|stories|notify` (four processes) and one
            `bnwatch crawl` pass; done when every stage's consumer group has committed everything and the subscriber
            has every alert of the alerts topic;
  embedded: `bnwatch run --once` (one process, no Kafka).
The subscriber is a signed webhook (bnwatch.app.receiver) with rule ru-nk. Story membership of every article the
rule flagged — also those that joined a story without a message — is read from the stories stage's own SQLite
after the run.

Counted per gold event: alerts (first message of a story, v1) and updates (later versions); per positive without
an event: alerts; false alerts: stories made only of negatives. An event with more than one alert gets the reason
from the stories stage's stored features (hours apart, shared participants, text overlaps against its thresholds).
Prints markdown and writes bench/results/alerts_per_event.md.
"""

from __future__ import annotations

import argparse
import json
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import (ROOT, STAGES, Procs, TimedReceiver, bench_env, loadavg, metric_sum, pipeline_lag,  # noqa: E402
                      scrape, start_kafka, topic_records)

SET = ROOT / "tests/fixtures/labelled/rnk/items.jsonl"


# -- the items ------------------------------------------------------------------------------------------------

def load_items() -> list[dict]:
    return [json.loads(x) for x in SET.read_text(encoding="utf-8").splitlines() if x.strip()]


def select(items: list[dict], split: str, negatives: str, seed: int = 13) -> list[dict]:
    """Every item with an event, every positive, and all negatives or a fixed sample of N of them."""
    pool = [r for r in items if split == "all" or r["split"] == split]
    keep = [r for r in pool if r["event"] or r["label"]]
    rest = [r for r in pool if not (r["event"] or r["label"])]
    if negatives != "all":
        rest = random.Random(seed).sample(rest, min(int(negatives), len(rest)))
    return keep + rest


def serve(items: list[dict]):
    """(replay server, outlet name → ListedOutlet) for the items, started."""
    from devtools.replay.listed import listed_sites, resolve_outlets
    from devtools.replay.server import ReplayServer

    outlets = resolve_outlets(items)
    return ReplayServer(port=0, sites=listed_sites(items, outlets)).start(), outlets


# -- one run of the pipeline ----------------------------------------------------------------------------------

def run_pipeline(items: list[dict], mode: str, work: Path, broker, timeout: float) -> dict:
    from bnwatch.topics import Topics
    from devtools.replay.listed import write_registry

    replay, outlets = serve(items)
    registry = write_registry(work / "outlets", outlets.values())
    receiver = TimedReceiver()
    prefix = f"ape{secrets.token_hex(3)}."
    env = bench_env(work / "data", receiver.subscribers_file(work / "subscribers.yaml"), replay.port,
                    broker.bootstrap if broker else None, prefix)
    env["BNWATCH_OUTLETS_DIR"] = str(registry)
    procs = Procs(work / "logs", env)
    load_start = loadavg()
    t0 = time.time()
    topics = Topics(prefix)
    try:
        if broker:
            for s in STAGES:
                procs.start(f"consume-{s}", ["consume", s])
            crawl = procs.start("crawl", ["crawl"])
        else:
            crawl = procs.start("run", ["run", "--once"])
        crawl.wait(timeout)
        crawl_s = idle_at = time.time() - t0
        deadline, stable = time.time() + timeout, 0
        while broker and stable < 3 and time.time() < deadline:
            now = time.time() - t0
            idle = pipeline_lag(broker.bootstrap, prefix) == 0 and \
                len(receiver.receipts()) >= topic_records(broker.bootstrap, topics.alerts)
            idle_at, stable = (idle_at if stable else now, stable + 1) if idle else (now, 0)
            time.sleep(1)
        receipts = receiver.receipts()
        last = max((t for t, _p in receipts), default=t0) - t0
        metrics: dict[str, float] = {}
        for name, port in procs.metrics_ports.items():
            if procs.procs[name].poll() is None:
                for k, v in scrape(port).items():
                    metrics[k] = metrics.get(k, 0.0) + v
        dead = {s: topic_records(broker.bootstrap, topics.dead_letter(s)) for s in STAGES} if broker else {}
        alerts_topic = topic_records(broker.bootstrap, topics.alerts) if broker else None
    finally:
        procs.stop()
        receiver.stop()
        replay.stop()
    log = (work / "logs" / ("crawl.log" if broker else "run.log")).read_text(encoding="utf-8", errors="replace")
    summary = next((ln for ln in reversed(log.splitlines()) if " finished in " in ln), "")
    return {"outlets": outlets, "receipts": [p for _t, p in receipts], "db": work / "data" / "stories" /
            "stories.sqlite3", "wall": idle_at, "last_alert": last, "crawl_s": crawl_s, "load_start": load_start,
            "load_end": loadavg(), "summary": summary.split(": ", 1)[-1], "dead": dead, "alerts_topic": alerts_topic,
            "metrics": metrics, "idle": not broker or stable >= 3}


# -- counting -------------------------------------------------------------------------------------------------

def story_members(db: Path) -> tuple[dict[str, str], object]:
    """url → story id of every article the rule flagged (the stories stage's SQLite), and that stage's index."""
    from consumers.stories.index import StoryIndex

    index = StoryIndex(db)
    return {f.url: index.story_of[k] for k, f in index.features.items()}, index


def why_apart(index, a_url: str, b_url: str) -> str:
    """Why the stories stage did not join two articles: each test of consumers/stories/index.py against its
    threshold, from the features it stored."""
    from consumers.stories.index import (EVENT_WINDOW, NEAR_DUP, REWRITE, SAME_EVENT_WORDS, SAME_HEADLINE, cosine,
                                         jaccard, parse_time, time_compatible)

    fs = {f.url: f for f in index.features.values()}
    a, b = fs[a_url], fs[b_url]
    ta, tb = parse_time(a.published_at), parse_time(b.published_at)
    when = (f"published {abs(ta - tb).total_seconds() / 3600:.1f} h apart" if ta and tb else
            f"a publication time missing ({a.published_at or 'none'} / {b.published_at or 'none'}): dates named "
            f"{sorted(a.ref_dates())} vs {sorted(b.ref_dates())}")
    near = a.minhash.jaccard(b.minhash) if a.minhash is not None and b.minhash is not None else 0.0
    shared = sorted(a.distinctive & b.distinctive)
    return (f"{when} (time test {'passes' if time_compatible(a, b, index.window) else 'fails'}); "
            f"near-duplicate {near:.2f} (≥ {NEAR_DUP}); shared participants {','.join(shared) or 'none'} "
            f"(own: {','.join(sorted(a.distinctive)) or 'none'} / {','.join(sorted(b.distinctive)) or 'none'}); "
            f"headline {jaccard(a.headline, b.headline):.2f} (≥ {SAME_HEADLINE}); "
            f"words {jaccard(a.words, b.words):.2f} (≥ {REWRITE}); "
            f"event words {cosine(a.event, b.event):.2f} (≥ {SAME_EVENT_WORDS} within "
            f"{EVENT_WINDOW.total_seconds() / 3600:.0f} h: {','.join(a.event_words) or 'none'} / "
            f"{','.join(b.event_words) or 'none'})")


def count(items: list[dict], run: dict) -> dict:
    from devtools.replay.listed import article_url

    outlets = run["outlets"]
    url_of = {r["id"]: article_url(outlets[r["outlet"]], r["id"]) for r in items}
    item_at = {url_of[r["id"]]: r for r in items}
    members, index = story_members(run["db"])
    versions: dict[str, Counter] = defaultdict(Counter)  # story → version → deliveries
    titles = {}
    said: dict[str, list[str]] = defaultdict(list)  # story → what each update said
    for p in run["receipts"]:
        versions[p["story_id"]][int(p["version"])] += 1
        if int(p["version"]) > 1:
            said[p["story_id"]].append(f"v{p['version']}: {(p.get('evidence') or ['?'])[0]}")
        for a in p.get("articles") or []:
            members.setdefault(a["url"], p["story_id"])
        if int(p["version"]) == 1:
            titles[p["story_id"]] = p.get("title", "")
    stories_of: dict[str, set[str]] = defaultdict(set)  # story → item ids
    for u, s in members.items():
        if u in item_at:
            stories_of[s].add(item_at[u]["id"])
    by_id = {r["id"]: r for r in items}
    alerts = {s: v.get(1, 0) for s, v in versions.items()}
    updates = {s: sum(n for ver, n in v.items() if ver > 1) for s, v in versions.items()}

    def unit(ids: list[str]) -> dict:
        stories = sorted({members[url_of[i]] for i in ids if url_of[i] in members})
        return {"served": len(ids), "flagged": sum(url_of[i] in members for i in ids), "stories": stories,
                "said": [x for st in stories for x in said.get(st, [])],
                "alerts": sum(alerts.get(s, 0) for s in stories), "updates": sum(updates.get(s, 0) for s in stories),
                "outlets": sorted({by_id[i]["outlet"] for i in ids}),
                "others": sorted({j for s in stories for j in stories_of[s] if j not in ids})}

    events: dict[str, list[str]] = defaultdict(list)
    for r in items:
        if r["event"]:
            events[r["event"]].append(r["id"])
    ev_rows = {e: {**unit(ids), "label": by_id[ids[0]]["label"], "ids": ids} for e, ids in events.items()}
    lone = {r["id"]: unit([r["id"]]) for r in items if r["label"] and not r["event"]}
    neg_stories = [s for s, ids in stories_of.items() if ids and all(by_id[i]["label"] == 0 for i in ids)]
    why = {}
    for e, row in ev_rows.items():
        if len(row["stories"]) > 1:
            heads = [next(u for u, s in members.items() if s == st and u in item_at and item_at[u]["event"] == e)
                     for st in row["stories"]]
            why[e] = [(item_at[heads[0]]["id"], item_at[h]["id"], why_apart(index, heads[0], h)) for h in heads[1:]]
    index.close()
    return {"events": ev_rows, "lone": lone, "why": why, "by_id": by_id,
            "false": [(s, alerts.get(s, 0), updates.get(s, 0), sorted(stories_of[s]), titles.get(s, "")) for s in
                      neg_stories],
            "missed": [r["id"] for r in items if r["label"] and url_of[r["id"]] not in members and has_text(r)],
            "headline_only": [r["id"] for r in items if r["label"] and url_of[r["id"]] not in members
                              and not has_text(r)],
            "neg_in_pos": sorted(i for s, ids in stories_of.items() if any(by_id[j]["label"] for j in ids)
                                 for i in ids if by_id[i]["label"] == 0),
            "duplicates": sum(n - 1 for v in versions.values() for n in v.values() if n > 1),
            "deliveries": len(run["receipts"]), "stories": len(versions)}


def has_text(item: dict) -> bool:
    """Does the labelled item carry article text? Feed items with a headline only make a page the clean stage
    rightly drops (no_text): a miss of the set's material, not of the pipeline."""
    return any(p.strip() for p in item.get("paragraphs") or [])


# -- report ---------------------------------------------------------------------------------------------------

def _mean(xs: list[int]) -> str:
    return f"{statistics.mean(xs):.2f}" if xs else "-"


def _stage_counts(m: dict[str, float]) -> str:
    """Records each consumer finished (ok / dropped / failed) and the clean stage's reasons for dropping pages."""
    per = "; ".join(f"{s} " + " / ".join(f"{metric_sum(m, 'bnwatch_records_processed_total', stage=s, outcome=o):.0f}"
                                          for o in ("ok", "dropped", "failed")) for s in STAGES)
    reasons = Counter()
    for key, v in m.items():
        if key.startswith("bnwatch_not_articles_total{") and v:
            reasons[key.split('reason="', 1)[1].split('"', 1)[0]] += int(v)
    return (f"Records per stage ok / dropped / failed (the consumers' /metrics): {per}"
            + (f"; pages the clean stage found not to be articles: "
               f"{', '.join(f'{n} {r}' for r, n in reasons.most_common())}" if reasons else "") + ".")


def report(split: str, items: list[dict], run: dict, c: dict, mode: str) -> str:
    pos_events = {e: r for e, r in c["events"].items() if r["label"]}
    neg_events = {e: r for e, r in c["events"].items() if not r["label"]}
    pe_alerts = [r["alerts"] for r in pos_events.values()]
    units = pe_alerts + [r["alerts"] for r in c["lone"].values()]
    split_events = [e for e, r in c["events"].items() if len(r["stories"]) > 1]
    npos = sum(r["label"] for r in items)
    dates = Counter("none" if not r["published_at"] else "date only" if len(r["published_at"]) <= 10 else
                    "no offset" if len(r["published_at"]) <= 19 else "full" for r in items)
    by_id = c["by_id"]

    def ev_line(e: str, r: dict) -> str:
        stamps = ", ".join(f"{by_id[i]['outlet']} {by_id[i]['published_at'] or 'no time'}" for i in r["ids"])
        others = f" + {len(r['others'])} other item(s)" if r["others"] else ""
        return (f"| {e} | {'+' if r['label'] else '−'} | {r['served']} ({stamps}) | {r['flagged']} | "
                f"{len(r['stories'])}{others} | {r['alerts']} | {r['updates']} |")

    lines = [
        f"## --split {split}: {len(items)} items served ({npos} positive, {len(items) - npos} negative; "
        f"{len(c['events'])} gold events), {len({o.id for o in run['outlets'].values()})} outlets",
        "",
        f"Mode: **{'Kafka' if mode == 'kafka' else 'embedded'}** "
        + ("(a private Apache Kafka broker; `bnwatch consume clean|tag|stories|notify` as four processes; one "
           "`bnwatch crawl` pass)" if mode == "kafka" else "(`bnwatch run --once`, one process)")
        + f". Publication times in the pages: {', '.join(f'{n} {k}' for k, n in dates.most_common())}.",
        f"Wall time {run['wall']:.1f} s from starting the bnwatch processes to "
        + (f"the pipeline idle (every consumer group committed, every alert received; `bnwatch crawl` exited at "
           f"{run['crawl_s']:.1f} s)" if mode == "kafka" else "`bnwatch run --once` exiting")
        + f"; last alert received at {run['last_alert']:.1f} s. Load average {run['load_start']} at start, "
        f"{run['load_end']} at end.",
        f"Crawler/run summary: `{run['summary']}`" + (f"; alerts topic {run['alerts_topic']} records; dead letters "
                                                       f"{sum(run['dead'].values())}" if run["dead"] else "")
        + ("" if run["idle"] else "; **the pipeline did not go idle before the timeout**") + ".",
        *([_stage_counts(run["metrics"])] if run["metrics"] else []),
        "",
        "| | count |",
        "|---|---:|",
        f"| positive gold events | {len(pos_events)} |",
        f"| alerts per positive event: max / mean | {max(pe_alerts, default=0)} / {_mean(pe_alerts)} |",
        f"| updates per positive event: max | {max((r['updates'] for r in pos_events.values()), default=0)} |",
        f"| positives without an event: alerted / served | {sum(r['alerts'] > 0 for r in c['lone'].values())} / "
        f"{len(c['lone'])} |",
        f"| alerts per alert unit (positive event or lone positive): max / mean | {max(units, default=0)} / "
        f"{_mean(units)} |",
        f"| events split over several stories | {len(split_events)}"
        + (f" ({', '.join(split_events)})" if split_events else "") + " |",
        f"| positives missed (never flagged), with article text | {len(c['missed'])}"
        + (f" ({', '.join(c['missed'])})" if c["missed"] else "") + " |",
        f"| positives never flagged that are a headline only (the set has no text: the page is no article) | "
        f"{len(c['headline_only'])} |",
        f"| false alerts (stories of negatives only): alerts / updates | {sum(f[1] for f in c['false'])} / "
        f"{sum(f[2] for f in c['false'])} |",
        f"| negatives joined to a positive story | {len(c['neg_in_pos'])} |",
        f"| webhooks received / distinct stories / duplicate deliveries | {c['deliveries']} / {c['stories']} / "
        f"{c['duplicates']} |",
        "",
        "Per gold event (+ positive, − negative). Flagged: articles the rule alerted on; stories: the stories those "
        "joined (and other items in them); alerts: v1 messages; updates: later versions.",
        "",
        "| event | | articles (outlet, published_at as served) | flagged | stories | alerts | updates |",
        "|---|---|---|---:|---:|---:|---:|",
        *[ev_line(e, r) for e, r in sorted(pos_events.items())],
        *[ev_line(e, r) for e, r in sorted(neg_events.items())],
        "",
        "Positives without an event:",
        "",
        "| item | outlet | published_at | flagged | alerts | updates |",
        "|---|---|---|---:|---:|---:|",
        *[f"| {i} | {by_id[i]['outlet']} | {by_id[i]['published_at'] or 'none'} | {r['flagged']} | {r['alerts']} | "
          f"{r['updates']} |" for i, r in sorted(c["lone"].items())],
        "",
    ]
    if c["false"]:
        lines += ["False alerts (stories whose every article is labelled negative):", ""]
        lines += [f"- `{s}` alerts {a}, updates {u}: "
                  + "; ".join(f"{i} ({by_id[i]['outlet']}, {by_id[i]['category']}, {by_id[i]['event'] or 'no event'})"
                              for i in ids) + f" — “{t[:90]}”" for s, a, u, ids, t in c["false"]]
        lines.append("")
    told = [(e, r["said"]) for e, r in sorted(c["events"].items()) if r["said"]]
    told += [(i, r["said"]) for i, r in sorted(c["lone"].items()) if r["said"]]
    if told:
        lines += ["Updates, as the stories stage explained them (an update is sent when a later article brings new "
                  "participants or figures, or 5 outlets joined):", ""]
        lines += [f"- {e}: " + "; ".join(said) for e, said in told]
        lines.append("")
    if c["why"]:
        lines += ["Why an event has more than one story (the stories stage's stored features of the first article of "
                  "each story, against consumers/stories/index.py's tests):", ""]
        lines += [f"- {e}: {a} vs {b}: {w}" for e, pairs in c["why"].items() for a, b, w in pairs]
        lines.append("")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--split", action="append", choices=["test", "dev", "all"], help="default: test")
    ap.add_argument("--negatives", default="all", help="negatives without an event: all, or a sample size N")
    ap.add_argument("--mode", choices=["kafka", "embedded"], default="kafka")
    ap.add_argument("--timeout", type=float, default=600.0)
    ap.add_argument("--out", default=str(ROOT / "bench/results/alerts_per_event.md"))
    ap.add_argument("--keep", action="store_true", help="keep the work directory (logs, stories database)")
    args = ap.parse_args()
    splits = args.split or ["test"]
    work = Path(tempfile.mkdtemp(prefix="bnwatch-ape-"))
    items_all = load_items()
    sections = []
    t_start, load0 = time.time(), loadavg()
    broker = start_kafka(work / "kafka") if args.mode == "kafka" else None
    try:
        for split in splits:
            items = select(items_all, split, args.negatives)
            print(f"{split}: {len(items)} items", file=sys.stderr, flush=True)
            run = run_pipeline(items, args.mode, work / split, broker, args.timeout)
            sections.append(report(split, items, run, count(items, run), args.mode))
    finally:
        if broker:
            broker.stop()
    cmd = "python bench/alerts_per_event.py " + " ".join(
        [f"--split {s}" for s in splits] + ([f"--negatives {args.negatives}"] if args.negatives != "all" else [])
        + ([f"--mode {args.mode}"] if args.mode != "kafka" else []))
    text = "\n".join([
        "# Alerts per event through the real pipeline (labelled Russia–North Korea set)", "",
        f"`{cmd}` — load average at start {load0}; {time.time() - t_start:.0f} s in all (broker start included).",
        "The labelled items are served by the outlet replay (devtools/replay/listed.py: each item an article page "
        "of its outlet, found through that outlet's news sitemap, publication time in JSON-LD and "
        "article:published_time exactly as the item has it) and go through crawl → clean → tag → stories → notify "
        "to a signed-webhook subscriber.", "", *sections])
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    if args.keep:
        print(f"kept {work}", file=sys.stderr)
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
