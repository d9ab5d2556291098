"""Consume throughput: decode + clean + tag, pages per second on ONE core, side by side with trafilatura alone on
the same pages, all in one run (so the ratio is measured, not assumed).

Two page sets: registered-outlet pages (every article page the outlet replay serves, extracted with the outlet's
selectors) and fallback pages (the same pages given to the clean stage with no outlet file, so the generic path
runs: structured data + trafilatura + chrome filter). Stages are the real CleanStage and TagStage objects working
on RawPage records, exactly what a consumer process runs per record.

    python bench/consume_throughput.py [--seconds 10] [--out consume_throughput]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402

from bnwatch.outlets import Registry  # noqa: E402
from bnwatch.records import RawPage  # noqa: E402
from consumers.clean.stage import CleanStage  # noqa: E402
from consumers.stage import Drop  # noqa: E402
from consumers.tag.stage import TagStage  # noqa: E402
from devtools.replay.server import ReplayServer  # noqa: E402


def replay_pages() -> list[tuple[str, str, bytes]]:
    """(outlet, url, html) for every article the replay serves, rendered without HTTP."""
    # a start time in the past: with none, "now" can fall a hair before the start and every page is a 404
    server = ReplayServer(port=0, start_time=time.time() - 1)
    by_slug = {(a["outlet"], a["slug"]): a["url"] for a in server.articles()}
    pages = []
    for site in server.sites.values():
        for a in site.articles:
            page = server.render(site.id, a.path)
            if page.status == 200 and (site.id, a.slug) in by_slug:
                pages.append((site.id, by_slug[(site.id, a.slug)], page.body))
    return pages


def raw(outlet: str, url: str, body: bytes) -> RawPage:
    now = datetime.now(timezone.utc).isoformat()
    return RawPage(url=url, canonical_url=url, outlet=outlet, fetched_at=now, status=200,
                   headers={"content-type": "text/html; charset=utf-8"}, declared_encoding="utf-8", body=body,
                   discovery="sitemap", discovered_at=now)


def measure(systems: dict, seconds: float) -> dict[str, tuple[float, int, float]]:
    """Interleaved rounds (each system processes its whole page set once per round, in turn) until every system
    used `seconds` of CPU, so a change in machine load hits all of them alike. Returns name → (CPU s, pages,
    wall s); pages per CPU-second is the per-core rate, whatever else the machine runs."""
    totals = {name: [0.0, 0, 0.0] for name in systems}
    while min(t[0] for t in totals.values()) < seconds:
        for name, (fn, items) in systems.items():
            c0, w0 = time.process_time(), time.perf_counter()
            for it in items:
                fn(it)
            totals[name][0] += time.process_time() - c0
            totals[name][1] += len(items)
            totals[name][2] += time.perf_counter() - w0
    return {k: tuple(v) for k, v in totals.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=10.0, help="CPU seconds per system")
    ap.add_argument("--out", default="consume_throughput", help="bench/results/<OUT>.md ('' = do not write)")
    ap.add_argument("--note", default="", help="a remark for the table's caption (e.g. what else was running)")
    args = ap.parse_args()
    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the target says
    except (AttributeError, OSError):
        pass

    pages = replay_pages()
    registry = Registry.load()
    clean, tag = CleanStage(registry), TagStage()
    empty = Registry([])
    generic = CleanStage(empty)
    registered = [raw(o, u, b) for o, u, b in pages]
    # fallback: an outlet the registry does not know, so no selectors apply
    fallback = [raw("unknown", u.replace("https://", "https://mirror.example."), b) for _o, u, b in pages]

    def pipeline(stage):
        def run(page):
            try:
                for article in stage.process(page):
                    tag.process(article)
            except Drop:
                pass
        return run

    def traf(page):
        trafilatura.extract(page.body.decode("utf-8"), favor_precision=True, include_comments=False)

    load0 = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    for _ in range(2):  # warm-up: imports, caches, the first trafilatura call
        for fn, items in ((pipeline(clean), registered[:20]), (pipeline(generic), fallback[:20]), (traf, registered[:20])):
            for it in items:
                fn(it)
    res = measure({"reg": (pipeline(clean), registered), "fb": (pipeline(generic), fallback),
                   "traf": (traf, registered)}, args.seconds)
    load1 = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    rate = {k: n / cpu for k, (cpu, n, _w) in res.items()}
    wall = {k: n / w for k, (_c, n, w) in res.items()}
    names = {"reg": "bnwatch decode+clean+tag, registered outlets (outlet selectors)",
             "fb": "bnwatch decode+clean+tag, fallback (no outlet file: generic path)",
             "traf": f"trafilatura {trafilatura.__version__} extract alone (favor_precision)"}
    lines = [f"{len(pages)} replay article pages from {len({o for o, _u, _b in pages})} outlets (every article page the"
             f" outlet replay serves), pinned to one CPU, interleaved rounds until each system used {args.seconds:.0f}"
             f" CPU-seconds; pages/s = pages per CPU-second of this process (per core). Load average {load0} at"
             f" start, {load1} at end{' — ' + args.note if args.note else ''}.",
             "",
             "| pipeline | pages/s per core (CPU time) | pages/s wall clock | pages | × trafilatura (CPU time) |",
             "|---|---|---|---|---|"]
    for k in ("reg", "fb", "traf"):
        lines.append(f"| {names[k]} | {rate[k]:.0f} | {wall[k]:.0f} | {res[k][1]} | {rate[k] / rate['traf']:.2f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        out = ROOT / "bench" / "results" / f"{args.out}.md"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
