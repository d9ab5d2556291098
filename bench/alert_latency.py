"""Alert latency: from the moment an article appears in an outlet's feeds to the moment the subscriber's webhook
receives its alert, in Kafka mode and in embedded mode, in one run.

    python bench/alert_latency.py [--articles 20] [--window 180] [--poll 10] [--modes kafka,embedded]

Per mode: a fresh outlet replay (in this process), a signed-webhook subscriber (bnwatch.app.receiver, in this
process), and bnwatch as subprocesses exactly as an operator runs it —
  kafka:    a private Apache Kafka broker, `bnwatch consume clean|tag|stories|notify` (four processes) and
            `bnwatch crawl --follow --poll-interval P --poll-max-interval P`;
  embedded: `bnwatch run --poll-interval P --poll-max-interval P` (one process, no Kafka).
The poll interval is pinned (start = max = P; the minimum defaults below it) so adaptivity cannot lengthen it.
After the initial crawl of the replay is delivered, N Russia–North Korea articles (the replay's seed texts under
new titles, each published 4 days after the previous one so each is a story of its own — checked with the
classifier and the stories stage before the run) are added to random RSS outlets, each appearing at a random
time (`appears_in`) within the window. Latency = webhook receipt − appearance. The breakdown uses the alert's
own timestamps: discovered_at (the crawler parsed the feed that listed it) and first_seen (the stories stage
assigned it).

Prints markdown tables and writes bench/results/alert_latency.md.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import (STAGES, Procs, TimedReceiver, bench_env, check_stories, feed_outlets, loadavg,  # noqa: E402
                      metric_sum, percentile, ru_nk_variant, scrape, seed_texts, start_kafka, write_result)


def scrape_all(procs) -> dict[str, float]:
    total: dict[str, float] = {}
    for port in procs.metrics_ports.values():
        for k, v in scrape(port).items():
            total[k] = total.get(k, 0.0) + v
    return total


def _ts(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def run_mode(mode: str, args, variants: list[dict], outlets: list[str], rng: random.Random) -> dict:
    from devtools.replay.server import ReplayServer

    work = Path(tempfile.mkdtemp(prefix=f"bnwatch-latency-{mode}-"))
    receiver = TimedReceiver()
    subscribers = receiver.subscribers_file(work / "subscribers.yaml")
    replay = ReplayServer(port=0).start()
    broker = start_kafka(work / "kafka") if mode == "kafka" else None
    env = bench_env(work / "data", subscribers, replay.port, broker.bootstrap if broker else None)
    procs = Procs(work / "logs", env)
    poll = ["--poll-interval", str(args.poll), "--poll-max-interval", str(args.poll)]
    load_start = loadavg()
    t_start = time.time()
    try:
        if broker:
            for s in STAGES:
                procs.start(f"consume-{s}", ["consume", s])
            procs.start("crawl", ["crawl", "--follow", *poll])
        else:
            procs.start("run", ["run", *poll])
        # warm-up: the first pass over the replay (its seed stories alert) must be through
        deadline = time.time() + 240
        while len({p.get("story_id") for _t, p in receiver.receipts()}) < 4 and time.time() < deadline:
            time.sleep(1)
        ready = time.time() - t_start
        time.sleep(2 * args.poll)
        warm_receipts = len(receiver.receipts())
        m0 = scrape_all(procs)
        added = []
        for k, doc in enumerate(variants):
            outlet = rng.choice(outlets)
            appears_in = rng.uniform(3, args.window)
            st = replay.add_article(outlet, doc["title"], doc["paragraphs"], section=doc["section"] or None,
                                    published=doc["published"], appears_in=appears_in, matching="ru-nk")
            added.append({"url": st["url"], "outlet": outlet, "appear": replay.start_time + st["appears_at"]})
        by_url = {a["url"]: a for a in added}
        deadline = time.time() + args.window + args.timeout
        while time.time() < deadline:
            got = {a["url"] for _t, p in receiver.receipts() for a in p.get("articles", []) if a.get("url") in by_url}
            if len(got) == len(added):
                break
            time.sleep(1)
        time.sleep(3)
        m1 = scrape_all(procs)
        load_end = loadavg()
    finally:
        procs.stop()
        if broker:
            broker.stop()
        replay.stop()
        receiver.stop()
    for t, p in receiver.receipts()[warm_receipts:]:
        for a in p.get("articles", []):
            art = by_url.get(a.get("url"))
            if art is None or "received" in art:
                continue
            art["received"] = t
            art["discovered"] = _ts(p.get("discovered_at"))
            art["version"] = p.get("version")
            art["story"] = p.get("story_id")
    done = [a for a in added if "received" in a]
    lat = [a["received"] - a["appear"] for a in done]
    poll_part = [a["discovered"] - a["appear"] for a in done if a.get("discovered")]
    pipe_part = [a["received"] - a["discovered"] for a in done if a.get("discovered")]

    def mean(name: str, **labels) -> float:
        n = metric_sum(m1, name + "_count", **labels) - metric_sum(m0, name + "_count", **labels)
        total = metric_sum(m1, name + "_sum", **labels) - metric_sum(m0, name + "_sum", **labels)
        return total / n if n else float("nan")

    processing = {s: mean("bnwatch_stage_processing_seconds", stage=s) for s in STAGES}
    processing["fetch"] = mean("bnwatch_fetch_duration_seconds")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"{mode}: kept {work}", file=sys.stderr)
    return {"mode": mode, "n": len(added), "done": len(done), "lat": lat, "poll": poll_part, "pipe": pipe_part,
            "processing": processing, "load_start": load_start, "load_end": load_end, "ready": ready,
            "stories": len({a.get("story") for a in done}), "v1": sum(1 for a in done if a.get("version") == 1)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=20, help="articles per mode")
    ap.add_argument("--window", type=float, default=180.0, help="articles appear at random times within this (s)")
    ap.add_argument("--poll", type=float, default=10.0, help="poll interval (s), pinned")
    ap.add_argument("--modes", default="kafka,embedded")
    ap.add_argument("--timeout", type=float, default=120.0, help="extra wait after the window (s)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--note", default="", help="what else ran on the machine (for the caption)")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()

    rng = random.Random(args.seed)
    ru_nk, _other = seed_texts()
    outlets = feed_outlets()
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    variants = [ru_nk_variant(ru_nk, k, rng) for k in range(args.articles)]
    alerting, distinct, total = check_stories(variants)
    print(f"{total} articles: {alerting} alert (classifier), {distinct} distinct stories (stories stage)", flush=True)
    results = []
    for mode in modes:
        print(f"{mode}: running (load {loadavg()})", flush=True)
        r = run_mode(mode, args, variants, outlets, rng)
        print(f"{mode}: {r['done']}/{r['n']} delivered, p95 {percentile(r['lat'], 95):.1f} s", flush=True)
        results.append(r)

    def f(v):
        return "-" if v != v else f"{v:.1f}"  # NaN → "-"

    lines = [
        f"Alert latency: article appears in the replay's feeds → signed webhook received by the subscriber."
        f" {args.articles} Russia–North Korea articles per mode ({alerting}/{total} alert by the classifier,"
        f" {distinct} distinct stories by the stories stage), appearing at random times over {args.window:.0f} s on"
        f" {len(outlets)} RSS outlets; poll interval pinned at {args.poll:.0f} s (--poll-interval {args.poll:g}"
        f" --poll-max-interval {args.poll:g}, so adaptivity cannot lengthen it). Target: p95 ≤ 20 s."
        + (f" {args.note}" if args.note else ""),
        "",
        "| mode | n delivered | p50 s | p95 s | p99 s | max s | load avg (start → end) |",
        "|---|---|---|---|---|---|---|",
    ]
    names = {"kafka": "Kafka (crawl --follow + 4 consume processes, real broker)",
             "embedded": "embedded (bnwatch run, one process)"}
    for r in results:
        lines.append(f"| {names[r['mode']]} | {r['done']}/{r['n']} | {f(percentile(r['lat'], 50))} |"
                     f" {f(percentile(r['lat'], 95))} | {f(percentile(r['lat'], 99))} |"
                     f" {f(max(r['lat']) if r['lat'] else float('nan'))} | {r['load_start']} → {r['load_end']} |")
    lines += ["", "Where the time goes (seconds). Segments from the alert's own discovered_at (set when the crawler"
              " parsed the feed that listed the article); mean processing per record from each process's /metrics"
              " (bnwatch_stage_processing_seconds, bnwatch_fetch_duration_seconds), differenced over the"
              " measurement window:", "",
              "| mode | appear → discovered p50 / p95 / max (poll wait + feed fetch) |"
              " discovered → webhook received p50 / p95 / max | mean fetch | mean clean | mean tag | mean stories |"
              " mean notify (incl. webhook POST) |", "|---|---|---|---|---|---|---|---|"]
    for r in results:
        pr = r["processing"]
        lines.append(f"| {r['mode']} | {f(percentile(r['poll'], 50))} / {f(percentile(r['poll'], 95))} /"
                     f" {f(max(r['poll']) if r['poll'] else float('nan'))} | {f(percentile(r['pipe'], 50))} /"
                     f" {f(percentile(r['pipe'], 95))} / {f(max(r['pipe']) if r['pipe'] else float('nan'))} |"
                     + "".join(f" {pr[k] * 1000:.0f} ms |" if pr[k] == pr[k] else " - |"
                               for k in ("fetch", "clean", "tag", "stories", "notify")))
    text = "\n".join(lines) + "\n"
    print()
    print(text)
    write_result("alert_latency", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
