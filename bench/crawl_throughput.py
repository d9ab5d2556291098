"""Crawl throughput: pages/s fetching article pages from the outlet replay and publishing them to Kafka (bnwatch's
real OutletsSpider + PublishPipeline + KafkaSink), side by side with a bare Scrapy spider fetching the same URLs
from the same replay with the same concurrency and no pipeline, in one run.

    python bench/crawl_throughput.py [--articles 3000] [--rounds 2]

The replay (in this process) gets `--articles` extra articles (replay texts under new titles) spread over every
outlet that needs no JavaScript rendering. Each measurement runs in its own process (one Twisted reactor per
process), alternating bare / bnwatch for `--rounds` rounds so a change in machine load hits both:
  bare:    scrapy.Spider, default settings + CONCURRENT_REQUESTS=16, CONCURRENT_REQUESTS_PER_DOMAIN=4, download
           slot = outlet host, no delay, no AutoThrottle, no robots.txt, requests to the replay with the outlet's
           Host header; parse() counts the 200s;
  bnwatch: OutletsSpider with the project settings as `bnwatch crawl` sets them for the replay (politeness off:
           DOWNLOAD_DELAY 0, no AutoThrottle, no per-outlet overrides; robots.txt obeyed, one fetch per host), a fresh
           seen-store, PublishPipeline → KafkaSink → a private broker's raw-pages topic (acks=all). The only change
           is start(): it yields the article requests of the URL list (through the spider's own article_request,
           seen-store check and in-flight bookkeeping) instead of polling discovery documents, so both fetch the
           same pages.
Time = spider_opened → spider_closed (bnwatch's includes the final producer flush: every page acknowledged).

Prints a markdown table and adds it as a new section at the top of bench/results/crawl_throughput.md (under the
file's summary, above the earlier runs, which stay; `--no-write` only prints). The bnwatch row also gives the
crawler's CPU per 1000 pages split by thread (the reactor; kafka-python's network thread; the rest).
CRAWLBENCH_PROFILE=<prefix> also writes a cProfile of each bnwatch worker's reactor thread to <prefix>.<pid>.pstats.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import ROOT, cpu_seconds, loadavg, seed_texts, start_kafka  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "crawl_throughput.md"

CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4


# -- workers (run in their own process) -------------------------------------------------------------------------

def thread_cpu() -> dict[str, float]:
    """CPU seconds so far of this process's threads: the reactor (main) thread, kafka-python's network threads, the
    other Python threads, and tasks Python no longer lists (a thread that is ending, e.g. the producer's)."""
    import threading

    kinds = {t.native_id: ("reactor" if t is threading.main_thread() else
                           "kafka" if t.name.startswith("kafka-python") else "other") for t in threading.enumerate()}
    out = {"reactor": 0.0, "kafka": 0.0, "other": 0.0, "ending": 0.0}
    tick = os.sysconf("SC_CLK_TCK")
    for task in Path("/proc/self/task").iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the thread ended meanwhile
            continue
        out[kinds.get(int(task.name), "ending")] += (int(fields[11]) + int(fields[12])) / tick
    return out


def _timing(crawler, out: dict) -> None:
    from scrapy import signals

    def opened(spider):
        out["t0"] = time.perf_counter()
        out["c0"] = time.process_time()
        out["threads0"] = thread_cpu()

    def closed(spider, reason):
        out["t1"] = time.perf_counter()
        out["c1"] = time.process_time()
        # kafka-python's network thread has ended, or is ending, by now (the pipeline closed the sink): it is what
        # the reactor and the other Python threads do not account for
        now, then = thread_cpu(), out.pop("threads0")
        reactor = now["reactor"] - then["reactor"]
        other = max(0.0, now["other"] - then["other"])
        out["threads"] = {"reactor": reactor, "other": other,
                          "kafka": max(0.0, out["c1"] - out["c0"] - reactor - other)}
        out["reason"] = reason
        out["stats"] = {k: v for k, v in crawler.stats.get_stats().items()
                        if isinstance(v, (int, float)) and ("count" in k or "status" in k)}

    crawler.signals.connect(opened, signal=signals.spider_opened, weak=False)
    crawler.signals.connect(closed, signal=signals.spider_closed, weak=False)


def worker_bare(urls: list[dict], replay_port: int) -> dict:
    import scrapy
    from scrapy.crawler import CrawlerProcess

    counts = {"ok": 0, "other": 0}

    class BareSpider(scrapy.Spider):
        name = "bare"

        async def start(self):
            for u in urls:
                yield scrapy.Request(f"http://127.0.0.1:{replay_port}{u['path']}", headers={"Host": u["host"]},
                                     dont_filter=True, meta={"download_slot": u["host"]})

        def parse(self, response):
            counts["ok" if response.status == 200 else "other"] += 1

    process = CrawlerProcess({
        "CONCURRENT_REQUESTS": CONCURRENT_REQUESTS, "CONCURRENT_REQUESTS_PER_DOMAIN": CONCURRENT_REQUESTS_PER_DOMAIN,
        "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "ROBOTSTXT_OBEY": False, "LOG_LEVEL": "WARNING",
        "TELNETCONSOLE_ENABLED": False,
    }, install_root_handler=False)
    out: dict = {}
    crawler = process.create_crawler(BareSpider)
    _timing(crawler, out)
    process.crawl(crawler)
    process.start()
    return {"pages": counts["ok"], "other": counts["other"], **out}


def worker_bnwatch(urls: list[dict], replay_port: int, bootstrap: str, prefix: str, data_dir: str,
                   proposed: bool = False) -> dict:
    from scrapy.crawler import CrawlerProcess

    from bnwatch import metrics
    from bnwatch.app.pipeline import open_seen_store, scrapy_settings
    from bnwatch.config import Settings
    from bnwatch.kafka_client import ensure_topics
    from bnwatch.topics import Topics
    from crawler.spiders.outlets import OutletsSpider, utcnow_iso

    settings = Settings.from_env().with_(kafka_bootstrap=bootstrap, topic_prefix=prefix, data_dir=Path(data_dir),
                                         replay_hosts={"*": f"127.0.0.1:{replay_port}"}, metrics_port=None)
    ensure_topics(bootstrap, Topics(prefix).all())

    class BenchOutletsSpider(OutletsSpider):
        """OutletsSpider; start() requests the URL list instead of polling discovery documents."""

        async def start(self):
            now = utcnow_iso()
            for u in urls:
                if not self.seen.needs_fetch(u["url"], None):
                    continue
                outlet = self.registry.get(u["outlet"])
                yield self.article_request(outlet, u["url"], None, discovery="sitemap", discovered_at=now,
                                           row=self.seen.get(u["url"]))

    seen = open_seen_store(settings)
    s = scrapy_settings(settings, log_level="WARNING")
    if proposed:
        # the two fixes proposed for files this benchmark's author does not own (see the report):
        # crawler/settings.py — Scrapy re-parses the source of every generator callback (parse_article) for EVERY
        # response, because its cache is keyed weakly by the bound method, which dies with the request;
        s.set("WARN_ON_GENERATOR_RETURN_VALUE", False)
        # crawler/seen.py — WAL with synchronous=NORMAL: no fsync per published page (a power cut can lose the
        # last marks, which only means a page is published again: at-least-once, idempotent downstream)
        seen._db.execute("PRAGMA synchronous=NORMAL")
    process = CrawlerProcess(s, install_root_handler=False)
    out: dict = {}
    crawler = process.create_crawler(BenchOutletsSpider)
    _timing(crawler, out)
    process.crawl(crawler, outlets="all", follow=False, seen=seen)
    profile_to = os.environ.get("CRAWLBENCH_PROFILE")  # a path prefix: cProfile of the reactor thread
    profiler = None
    if profile_to:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    process.start()
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(f"{profile_to}.{os.getpid()}.pstats")
    published = sum(s.value for m in metrics.items_published.collect() for s in m.samples
                    if s.name.endswith("_total"))
    failures = sum(s.value for m in metrics.publish_failures.collect() for s in m.samples
                   if s.name.endswith("_total"))
    seen.close()
    return {"pages": int(published), "failures": int(failures), **out}


# -- the driver -------------------------------------------------------------------------------------------------

def add_articles(replay, n: int, rng: random.Random) -> list[dict]:
    from urllib.parse import urlsplit

    from bnwatch.outlets import default_registry

    registry = default_registry()
    outlets = [o.id for o in registry if not o.javascript and o.id in replay.sites]
    _ru, other = seed_texts()
    for k in range(n):
        src = rng.choice(other)
        replay.add_article(rng.choice(outlets), f"{src['title']} #{k}", src["paragraphs"],
                           section=src["section"] or None, appears_at=0)
    urls = []
    for a in replay.articles():
        if a["outlet"] not in outlets:
            continue
        parts = urlsplit(a["url"])
        urls.append({"outlet": a["outlet"], "url": a["url"], "host": parts.netloc,
                     "path": parts.path + ("?" + parts.query if parts.query else "")})
    rng.shuffle(urls)
    return urls


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=3000)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--note", default="")
    ap.add_argument("--no-write", action="store_true", help=f"print the table only, do not add it to {RESULTS}")
    ap.add_argument("--proposed", action="store_true",
                    help="also measure bnwatch with the proposed settings/seen-store fixes (a third row)")
    ap.add_argument("--worker", choices=["bare", "bnwatch", "proposed"], help=argparse.SUPPRESS)
    ap.add_argument("--spec", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.worker:
        spec = json.loads(Path(args.spec).read_text())
        if args.worker == "bare":
            res = worker_bare(spec["urls"], spec["replay_port"])
        else:
            res = worker_bnwatch(spec["urls"], spec["replay_port"], spec["bootstrap"], spec["prefix"],
                                 spec["data_dir"], proposed=args.worker == "proposed")
        print("RESULT " + json.dumps(res), flush=True)
        return 0

    import logging

    logging.basicConfig(level=logging.WARNING)
    from devtools.replay.server import ReplayServer

    work = Path(tempfile.mkdtemp(prefix="bnwatch-crawlbench-"))
    rng = random.Random(3)
    replay = ReplayServer(port=0, start_time=time.time() - 1).start()
    urls = add_articles(replay, args.articles, rng)
    broker = start_kafka(work / "kafka")
    kinds = ("bare", "bnwatch", "proposed") if args.proposed else ("bare", "bnwatch")
    results: dict[str, list[dict]] = {k: [] for k in kinds}
    load0 = loadavg()
    try:
        for r in range(args.rounds):
            for kind in kinds:
                spec = {"urls": urls, "replay_port": replay.port, "bootstrap": broker.bootstrap,
                        "prefix": f"crawlbench{kind}{r}.", "data_dir": str(work / f"data-{kind}-{r}")}
                spec_file = work / f"spec-{kind}-{r}.json"
                spec_file.write_text(json.dumps(spec))
                env = {k: v for k, v in os.environ.items() if not k.startswith("BNWATCH_")}
                c0 = cpu_seconds(os.getpid())
                p = subprocess.run([sys.executable, __file__, "--worker", kind, "--spec", str(spec_file)], cwd=ROOT,
                                   env=env, capture_output=True, text=True, timeout=1800)
                replay_cpu = cpu_seconds(os.getpid()) - c0
                line = next((x for x in p.stdout.splitlines() if x.startswith("RESULT ")), None)
                if line is None:
                    print(p.stdout[-2000:], p.stderr[-4000:], file=sys.stderr)
                    raise SystemExit(f"{kind} worker failed")
                res = json.loads(line[7:])
                res["replay_cpu"] = replay_cpu
                res["load"] = loadavg()
                results[kind].append(res)
                print(f"round {r} {kind}: {res['pages']} pages in {res['t1'] - res['t0']:.1f} s"
                      f" ({res['pages'] / (res['t1'] - res['t0']):.0f}/s), crawler CPU {res['c1'] - res['c0']:.1f} s"
                      f" ({_per_1000(res):.2f} s per 1000 pages{_split(res)}), replay CPU {replay_cpu:.1f} s,"
                      f" load {res['load']}", flush=True)
    finally:
        broker.stop()
        replay.stop()
        shutil.rmtree(work, ignore_errors=True)

    def agg(kind):
        rs = results[kind]
        pages = sum(r["pages"] for r in rs)
        wall = sum(r["t1"] - r["t0"] for r in rs)
        cpu = sum(r["c1"] - r["c0"] for r in rs)
        return pages, wall, cpu, sum(r["replay_cpu"] for r in rs)

    bp, bw, bc, brc = agg("bare")
    np_, nw, nc, nrc = agg("bnwatch")
    lines = [
        f"{len(urls)} article URLs ({args.articles} added to the replay + the replay's own, every outlet without"
        f" JavaScript rendering), {args.rounds} rounds alternating bare / bnwatch, each in its own process;"
        f" concurrency {CONCURRENT_REQUESTS} (per outlet {CONCURRENT_REQUESTS_PER_DOMAIN}); the replay serves from"
        f" this driver process. Load average {load0} at start, {loadavg()} at end."
        + (f" {args.note}" if args.note else ""),
        "",
        "| crawler | pages | wall s | pages/s | crawler CPU s per 1000 pages | replay CPU s | × bare Scrapy (pages/s) |",
        "|---|---|---|---|---|---|---|",
        f"| bare scrapy.Spider (no pipeline) | {bp} | {bw:.1f} | {bp / bw:.0f} | {1000 * bc / bp:.1f} | {brc:.1f} |"
        f" 1.00 |",
        f"| bnwatch OutletsSpider + PublishPipeline + KafkaSink (acks=all) | {np_} | {nw:.1f} | {np_ / nw:.0f} |"
        f" {1000 * nc / np_:.1f} | {nrc:.1f} | {(np_ / nw) / (bp / bw):.2f} |",
    ]
    if args.proposed:
        pp, pw, pc, prc = agg("proposed")
        lines.append(f"| bnwatch + proposed fixes (WARN_ON_GENERATOR_RETURN_VALUE=False; seen-store"
                     f" synchronous=NORMAL) | {pp} | {pw:.1f} | {pp / pw:.0f} | {1000 * pc / pp:.1f} | {prc:.1f} |"
                     f" {(pp / pw) / (bp / bw):.2f} |")
    split = {part: 1000 * sum(r["threads"][part] for r in results["bnwatch"]) / np_
             for part in ("reactor", "kafka", "other")}
    lines += [
        "",
        f"bnwatch crawler CPU per 1000 pages by thread: reactor {split['reactor']:.2f} s, kafka-python's network"
        f" thread {split['kafka']:.2f} s, other threads {split['other']:.2f} s. Per round, bare / bnwatch CPU per"
        " 1000 pages: "
        + ", ".join(f"{_per_1000(b):.2f} / {_per_1000(n):.2f}" for b, n in zip(results["bare"], results["bnwatch"]))
        + ".",
        "",
        "Per round: " + "; ".join(f"{k} r{i}: {r['pages']} pages {r['pages'] / (r['t1'] - r['t0']):.0f}/s"
                                 f" (load {r['load']})" for k in kinds
                                 for i, r in enumerate(results[k])),
    ]
    text = "\n".join(lines) + "\n"
    print()
    print(text)
    if not args.no_write:
        add_section(RESULTS, f"Run of {time.strftime('%Y-%m-%d %H:%M %Z')} (load average {load0} at start)", text)
    return 0


def _per_1000(res: dict) -> float:
    return 1000 * (res["c1"] - res["c0"]) / max(1, res["pages"])


def _split(res: dict) -> str:
    t = res.get("threads")
    if not t:
        return ""
    pages = max(1, res["pages"])
    return f": reactor {1000 * t['reactor'] / pages:.2f}, kafka {1000 * t['kafka'] / pages:.2f}"


def add_section(path: Path, title: str, text: str) -> None:
    """`text` as a new "## title" section above the first section of `path` (under its heading and summary); the
    earlier sections stay."""
    old = (path.read_text(encoding="utf-8") if path.exists() else
           "# Crawl throughput: bnwatch → Kafka vs a bare Scrapy spider\n")
    section = f"## {title}\n\n{text}\n"
    at = old.find("\n## ")
    new = old.rstrip("\n") + "\n\n" + section if at < 0 else old[:at + 1] + section + old[at + 1:]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(new, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
