"""Chromium's memory over a long JavaScript crawl: does it stay bounded?

    python bench/js_memory.py [--pages 1000] [--recycle 100] [--every 100]

Starts the outlet replay with Dhaka Post (`render: script`: every article page needs the browser), adds articles
through the replay's control API until it has --pages of them, then runs one crawl pass of that outlet
(`bnwatch crawl --outlets dhakapost`, no Kafka: pages spool to a temporary data dir) and samples, twice a second,
the crawler's process tree from /proc: the Chromium processes (browser, zygotes, renderers, utility), Playwright's
driver, and the crawler itself. It prints a table: at the start (first sample with Chromium running), every --every
published pages, and at the end, with Chromium's total RSS (summed over its processes; shared pages are counted
once per process, so this overstates), its total PSS (shared pages split between processes: the honest total) and
the number of Chromium processes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from devtools.replay.server import ReplayServer  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")
RUNNER = """
import logging, os
from scrapy.crawler import CrawlerProcess
from bnwatch.app.pipeline import scrapy_settings
from bnwatch.config import Settings
from crawler.spiders.outlets import OutletsSpider
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
s = scrapy_settings(Settings.from_env(), log_level=os.environ.get("JSMEM_LOG_LEVEL", "INFO"))
s.set("PLAYWRIGHT_RECYCLE_CONTEXT_PAGES", int(os.environ["JSMEM_RECYCLE"]))
process = CrawlerProcess(s, install_root_handler=False)
process.crawl(OutletsSpider, outlets="dhakapost")
process.start()
"""


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def descendants(pid: int) -> list[int]:
    tree, out, todo = _children(), [], [pid]
    while todo:
        p = todo.pop()
        for c in tree.get(p, []):
            out.append(c)
            todo.append(c)
    return out


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _rss(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _pss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def sample(crawler_pid: int) -> dict:
    procs = descendants(crawler_pid)
    chrome = [p for p in procs if _comm(p).startswith(("chromium", "chrome"))]
    driver = [p for p in procs if p not in chrome]  # Playwright's driver (node) and anything else it runs
    return {"chromium_procs": len(chrome), "chromium_rss": sum(_rss(p) for p in chrome),
            "chromium_pss": sum(_pss(p) for p in chrome), "driver_rss": sum(_rss(p) for p in driver),
            "crawler_rss": _rss(crawler_pid)}


def add_articles(replay: ReplayServer, total: int) -> int:
    site = replay.sites["dhakapost"]
    base = list(site.articles)
    n = len(base)
    while len(site.articles) < total:
        src = base[n % len(base)]
        replay.add_article("dhakapost", f"{src.title} ({n})", list(src.paragraphs), section=src.section,
                           section_slug=src.section_slug, authors=list(src.authors), appears_at=0)
        n += 1
    return len(site.articles)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--recycle", type=int, default=100, help="PLAYWRIGHT_RECYCLE_CONTEXT_PAGES")
    ap.add_argument("--every", type=int, default=100, help="a table row every this many pages")
    ap.add_argument("--timeout", type=float, default=1800)
    args = ap.parse_args(argv)
    if not os.path.exists("/usr/bin/chromium"):
        print("needs Debian's Chromium at /usr/bin/chromium", file=sys.stderr)
        return 2

    replay = ReplayServer(port=0, outlets=("dhakapost",), start_time=time.time() - 60).start()
    data = Path(tempfile.mkdtemp(prefix="bnwatch-jsmem-"))
    try:
        total = add_articles(replay, args.pages)
        env = {k: v for k, v in os.environ.items() if not k.startswith("BNWATCH_") and k != "KAFKA_BOOTSTRAP_SERVERS"}
        env.update({"BNWATCH_DATA_DIR": str(data), "BNWATCH_REPLAY_HOSTS": f"*={replay.address}",
                    "PYTHONUNBUFFERED": "1", "JSMEM_RECYCLE": str(args.recycle)})
        log = (data / "crawl.log").open("w")
        t0 = time.monotonic()
        # what `bnwatch crawl --outlets dhakapost` runs, with PLAYWRIGHT_RECYCLE_CONTEXT_PAGES set
        proc = subprocess.Popen([sys.executable, "-c", RUNNER], cwd=ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT)
        spool = data / "spool" / "raw-pages.jsonl"
        rows, peak, next_mark, last = [], None, 0, None
        while proc.poll() is None and time.monotonic() - t0 < args.timeout:
            pages = sum(1 for _ in spool.open("rb")) if spool.exists() else 0
            s = sample(proc.pid)
            if s["chromium_procs"]:
                last = (pages, s)
                if peak is None or s["chromium_rss"] > peak[1]["chromium_rss"]:
                    peak = (pages, s)
                if not rows:
                    rows.append(("start", pages, time.monotonic() - t0, s))
                    next_mark = args.every
                elif pages >= next_mark:
                    rows.append((f"{pages} pages", pages, time.monotonic() - t0, s))
                    next_mark = (pages // args.every + 1) * args.every
            time.sleep(0.5)
        if proc.poll() is None:
            proc.kill()
            print("crawl timed out", file=sys.stderr)
        proc.wait()
        elapsed = time.monotonic() - t0
        pages = sum(1 for _ in spool.open("rb")) if spool.exists() else 0
        if last is not None:
            rows.append(("end (last sample)", last[0], elapsed, last[1]))
        if peak is not None:
            rows.append(("peak", peak[0], float("nan"), peak[1]))

        mib = 1024 * 1024
        print(f"JS crawl of the replay: {pages} of {total} Dhaka Post pages rendered by Chromium in {elapsed:.0f} s "
              f"({pages / elapsed:.1f} pages/s); context recycled every {args.recycle} pages")
        print(f"{'point':<18} {'pages':>6} {'time s':>7} {'procs':>5} {'Chromium RSS MiB':>17} "
              f"{'Chromium PSS MiB':>17} {'driver RSS MiB':>15} {'crawler RSS MiB':>16}")
        for label, n, t, s in rows:
            print(f"{label:<18} {n:>6} {t:>7.1f} {s['chromium_procs']:>5} {s['chromium_rss'] / mib:>17.0f} "
                  f"{s['chromium_pss'] / mib:>17.0f} {s['driver_rss'] / mib:>15.0f} {s['crawler_rss'] / mib:>16.0f}")
        stats = [ln for ln in (data / "crawl.log").read_text().splitlines()
                 if "playwright/" in ln and ("context_count'" in ln or "page_count'" in ln or "recycled" in ln
                                                or "max_concurrent" in ln)]
        for ln in stats:
            print("  " + ln.strip())
        return 0 if pages == total else 1
    finally:
        replay.stop()
        if not os.environ.get("JSMEM_KEEP"):
            shutil.rmtree(data, ignore_errors=True)
        else:
            print("kept", data)


if __name__ == "__main__":
    sys.exit(main())
