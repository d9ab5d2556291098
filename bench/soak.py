"""Soak: bnwatch running continuously against the outlet replay while articles keep appearing; the RSS of every
process sampled from /proc at the start, every `--sample-every` seconds and at the end.

    python bench/soak.py --mode kafka    [--minutes 60]   # crawl --follow + 4 `consume` processes + the broker JVM
    python bench/soak.py --mode embedded [--minutes 60]   # one `bnwatch run` process

The replay runs as its own process (`python -m devtools.replay`), so its memory is measured too (it grows by
design: every added article stays in it). Every `--article-every` seconds one article is added to a random
outlet that has an RSS feed: every fifth a Russia–North Korea seed text under a new title and a publication time
4 days after the previous one (so it forms a story of its own and alerts), the others non-matching replay texts
under new titles. Counts come from the processes' own /metrics and from the webhook subscriber.

Prints a markdown table and writes bench/results/soak-<mode>.md.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import (STAGES, Procs, TimedReceiver, bench_env, check_stories, feed_outlets, free_port,  # noqa: E402
                      loadavg, metric_sum, post_article, rss_kb, cpu_seconds, ru_nk_variant, scrape, seed_texts,
                      start_kafka, write_result)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mode", choices=["kafka", "embedded"], default="kafka")
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--sample-every", type=float, default=300.0)
    ap.add_argument("--article-every", type=float, default=10.0)
    ap.add_argument("--poll-interval", type=float, default=30.0)
    ap.add_argument("--concurrent", default="", help="what else ran on the machine meanwhile (for the table)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()

    rng = random.Random(7)
    work = Path(tempfile.mkdtemp(prefix=f"bnwatch-soak-{args.mode}-"))
    receiver = TimedReceiver()
    subscribers = receiver.subscribers_file(work / "subscribers.yaml")
    replay_port = free_port()
    broker = start_kafka(work / "kafka") if args.mode == "kafka" else None
    env = bench_env(work / "data", subscribers, replay_port, broker.bootstrap if broker else None)
    procs = Procs(work / "logs", env)
    procs.start("replay", ["--port", str(replay_port)], metrics=False, module="devtools.replay")
    time.sleep(2)
    poll = ["--poll-interval", str(args.poll_interval), "--poll-max-interval", str(args.poll_interval * 2)]
    if broker:
        for s in STAGES:
            procs.start(f"consume {s}", ["consume", s])
        procs.start("crawl --follow", ["crawl", "--follow", *poll])
    else:
        procs.start("run (embedded)", ["run", *poll])

    ru_nk, other = seed_texts()
    outlets = feed_outlets()
    stop = threading.Event()
    added = {"ru_nk": 0, "other": 0, "errors": 0}
    variants = [ru_nk_variant(ru_nk, k, rng) for k in range(int(args.minutes * 60 / args.article_every / 5) + 2)]
    alerting, distinct, total = check_stories(variants)

    def feeder():
        k = 0
        while not stop.wait(args.article_every):
            outlet = rng.choice(outlets)
            if k % 5 == 4 and added["ru_nk"] < len(variants):
                doc = dict(variants[added["ru_nk"]])
                kind = "ru_nk"
            else:
                src = rng.choice(other)
                doc = {"title": f"{src['title']} — {k}", "paragraphs": src["paragraphs"], "section": src["section"]}
                kind = "other"
            doc["outlet"] = outlet
            try:
                post_article(replay_port, doc)
                added[kind] += 1
            except Exception as exc:  # noqa: BLE001 - count and go on
                added["errors"] += 1
                print(f"add failed: {exc!r}", file=sys.stderr)
            k += 1

    def pids() -> dict[str, int]:
        p = procs.pids()
        if broker:
            st = broker.status()
            if st.get("pid"):
                p["kafka broker (JVM)"] = st["pid"]
        return p

    samples: list[tuple[float, dict[str, int | None], str]] = []
    t0 = time.time()

    def sample():
        samples.append((time.time() - t0, {n: rss_kb(pid) for n, pid in pids().items()}, loadavg()))
        s = samples[-1]
        print(f"[{s[0]:6.0f}s] load {s[2]}  " + "  ".join(f"{n}={(v or 0) / 1024:.0f}MB" for n, v in s[1].items()),
              flush=True)

    threading.Thread(target=feeder, daemon=True).start()
    time.sleep(20)  # let every process import and open its ports
    sample()
    end = t0 + args.minutes * 60
    next_sample = time.time() + args.sample_every
    try:
        while time.time() < end:
            time.sleep(min(5.0, max(0.0, end - time.time())))
            dead = [n for n, p in procs.procs.items() if p.poll() is not None]
            if dead:
                print(f"process(es) exited early: {dead}", file=sys.stderr)
                break
            if time.time() >= next_sample:
                sample()
                next_sample += args.sample_every
        stop.set()
        time.sleep(min(30.0, args.poll_interval * 2))  # the last articles' alerts
        sample()
        cpu = {n: cpu_seconds(pid) for n, pid in pids().items()}
        scraped = {n: scrape(port) for n, port in procs.metrics_ports.items()}
    finally:
        stop.set()
        procs.stop()
        if broker:
            broker.stop()
        receiver.stop()

    allm: dict[str, float] = {}
    for m in scraped.values():
        for k, v in m.items():
            allm[k] = allm.get(k, 0.0) + v
    elapsed = samples[-1][0]
    names = list(samples[0][1])
    rows = []
    for n in names:
        vals = [s[1].get(n) for s in samples if s[1].get(n)]
        if not vals:
            continue
        start_mb, end_mb, max_mb = vals[0] / 1024, vals[-1] / 1024, max(vals) / 1024
        c = cpu.get(n)
        rows.append(f"| {n} | {start_mb:.0f} | {end_mb:.0f} | {max_mb:.0f} | {end_mb - start_mb:+.0f} | "
                    f"{'%.0f' % c if c is not None else '-'} |")
    receipts = receiver.receipts()
    lines = [
        f"Soak, {args.mode} mode: {elapsed / 60:.0f} min against the outlet replay ({len(outlets)} RSS outlets get new"
        f" articles), poll interval {args.poll_interval:.0f} s (max {args.poll_interval * 2:.0f} s), one article"
        f" every {args.article_every:.0f} s. RSS from /proc/PID/status VmRSS, sampled at start, every"
        f" {args.sample_every / 60:.0f} min and at the end ({len(samples)} samples).",
        f"Load average at start {samples[0][2]}, at end {samples[-1][2]}."
        + (f" Ran concurrently: {args.concurrent}." if args.concurrent else ""),
        "",
        "| process | start RSS MB | end RSS MB | max RSS MB | end − start MB | CPU s |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
        "| work done | count |",
        "|---|---|",
        f"| articles added to the replay (RU–NK / other; add errors) | {added['ru_nk']} / {added['other']}"
        f" ({added['errors']}) |",
        f"| RU–NK variants pre-checked: alerting / distinct stories / total | {alerting} / {distinct} / {total} |",
        f"| pages published by the crawler (bnwatch_items_published_total) | "
        f"{metric_sum(allm, 'bnwatch_items_published_total'):.0f} |",
        f"| discovery polls (bnwatch_discovery_runs_total) | {metric_sum(allm, 'bnwatch_discovery_runs_total'):.0f} |",
        *(f"| records {s} ok / dropped / failed | "
          f"{metric_sum(allm, 'bnwatch_records_processed_total', stage=s, outcome='ok'):.0f} / "
          f"{metric_sum(allm, 'bnwatch_records_processed_total', stage=s, outcome='dropped'):.0f} / "
          f"{metric_sum(allm, 'bnwatch_records_processed_total', stage=s, outcome='failed'):.0f} |" for s in STAGES),
        f"| articles produced (bnwatch_articles_total) | {metric_sum(allm, 'bnwatch_articles_total'):.0f} |",
        f"| alerts raised (new / update) | {metric_sum(allm, 'bnwatch_alerts_raised_total', kind='new'):.0f} / "
        f"{metric_sum(allm, 'bnwatch_alerts_raised_total', kind='update'):.0f} |",
        f"| webhooks received by the subscriber (distinct stories) | {len(receipts)}"
        f" ({len({p.get('story_id') for _t, p in receipts})}) |",
    ]
    text = "\n".join(lines) + "\n"
    print()
    print(text)
    print("RSS samples (MB):")
    for t, s, load in samples:
        print(f"  t={t / 60:5.1f} min load {load}: " + ", ".join(f"{n} {(v or 0) / 1024:.0f}" for n, v in s.items()))
    write_result(f"soak-{args.mode}", text + "\nRSS samples (MB):\n\n" + "\n".join(
        f"- t={t / 60:.1f} min (load {load}): " + ", ".join(f"{n} {(v or 0) / 1024:.0f}" for n, v in s.items())
        for t, s, load in samples) + "\n")
    if args.keep:
        print(f"kept {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
