"""`bnwatch outlets check`: does each outlet still yield whole articles? A canary for layout changes.

For each outlet: its discovery, its newest N articles fetched politely (crawler/canary.py: the crawler's own
settings, User-Agent and robots.txt), each extracted as the clean stage does and checked field by field
(bnwatch/app/canary_fields.py). One table row (or JSON object) per outlet, the same counts as Prometheus gauges
(bnwatch/metrics.py: bnwatch_canary_*), optionally written to a node_exporter textfile. Exit 0 when every outlet
is OK, 1 when any is DEGRADED or BROKEN, 2 for a usage or configuration error.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

from bnwatch import metrics
from bnwatch.app import canary_fields as cf
from bnwatch.config import ConfigError, Settings

logger = logging.getLogger(__name__)
MAX_AGE = timedelta(days=30)
SKIPPED = "SKIPPED"


def extraction() -> SimpleNamespace:
    """The project's extraction library (bnwatch/extract: the one selector interpreter, the page parsed once),
    imported here only."""
    from bnwatch import extract as ex

    return SimpleNamespace(Page=ex.Page, extract_article=ex.extract_article, NotAnArticle=ex.NotAnArticle)


def start_replay():
    """The outlet replay, started (a development tool: bnwatch/app/devtools.py finds it or raises
    ReplayMissing)."""
    from bnwatch.app.devtools import replay_server_class

    server = replay_server_class()(port=0)
    server.start()
    return server


@dataclass
class OutletReport:
    outlet: str
    verdict: str
    articles: int = 0
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    #: why a field was not ok: {"field", "outcome", "reason", "url"} per article and field
    problems: list[dict] = field(default_factory=list)
    discovery_errors: list[str] = field(default_factory=list)
    fetch_errors: int = 0

    def as_dict(self) -> dict:
        return {"outlet": self.outlet, "verdict": self.verdict, "articles": self.articles, "fields": self.counts,
                "fetch_errors": self.fetch_errors, "problems": self.problems,
                "discovery_errors": self.discovery_errors}


# -- checking one article -------------------------------------------------------------------------------------------

def selectors_matched(ex: SimpleNamespace, page, outlet) -> dict[str, bool | None]:
    """Per field, whether the outlet's own selector matched on the page (None: the outlet sets none), on the tree
    extraction reads it with (Page.read_with: lexbor, or lxml for a page too big for lexbor)."""
    sels = outlet.selectors or {}
    page.read_with(outlet)
    return {
        "title": bool(page.select(sels["title"])) if sels.get("title") else None,
        "published_at": bool(page.select(sels["published"])) if sels.get("published") else None,
        "body": bool(page.elements(sels["body"])) if sels.get("body") else None,
    }


def check_article(ex: SimpleNamespace, article, outlet, registry, now: datetime,
                  max_age: timedelta | None) -> list[cf.FieldResult]:
    """Extract one fetched page and check each field; a page with no article has every field missing."""
    if article.error:
        return [cf.FieldResult(r.field, r.outcome, article.error) for r in cf.missing_all()]
    try:
        page = ex.Page.from_html(article.body, article.headers)
        matched = selectors_matched(ex, page, outlet)  # before extraction: the body step drops chrome from the tree
        fields = ex.extract_article(page, outlet.id, article.url, fetched_at=now, registry=registry).as_dict()
    except ex.NotAnArticle as exc:
        return [cf.FieldResult(r.field, r.outcome, f"not an article: {exc}") for r in cf.missing_all()]
    return [
        cf.check_title(fields.get("title"), matched["title"]),
        cf.check_body(fields.get("body"), tuple(outlet.boilerplate_text or ()), matched["body"]),
        cf.check_published(fields.get("published_at"), now, max_age, matched["published_at"]),
        cf.check_language(fields.get("language")),
    ]


def report_outlet(fetched, outlet, registry, now: datetime, max_age: timedelta | None) -> OutletReport:
    ex = extraction()
    counts = {f: {o: 0 for o in cf.OUTCOMES} for f in cf.FIELDS}
    problems = []
    for article in fetched.articles:
        for result in check_article(ex, article, outlet, registry, now, max_age):
            counts[result.field][result.outcome] += 1
            if result.outcome != cf.OK:
                problems.append({"field": result.field, "outcome": result.outcome, "reason": result.reason,
                                 "url": article.url})
    errors = sum(1 for a in fetched.articles if a.error)
    if not fetched.articles:
        problems.append({"field": None, "outcome": None, "url": None,
                         "reason": f"no article to check ({fetched.candidates} article URLs discovered)"})
    return OutletReport(outlet.id, cf.verdict(len(fetched.articles), counts, errors), len(fetched.articles), counts,
                        problems, list(fetched.discovery_errors), errors)


# -- fetching -------------------------------------------------------------------------------------------------------

def fetch(settings: Settings, outlets: list, limit: int, registry=None) -> dict:
    """Run the canary spider once over `outlets` (blocks; one Twisted reactor per process)."""
    from scrapy.crawler import CrawlerProcess

    from bnwatch.app.pipeline import scrapy_settings
    from crawler.canary import CanarySpider

    s = scrapy_settings(settings.with_(metrics_port=None))
    s.set("LOG_INSTALL_ROOT_HANDLER", False)
    s.set("ITEM_PIPELINES", {})  # nothing is published
    s.set("RETRY_TIMES", 1)
    results: dict = {}
    process = CrawlerProcess(s)
    process.crawl(CanarySpider, outlets=outlets, limit=limit, results=results, registry=registry)
    process.start()
    return results


def browser_missing(settings: Settings) -> str | None:
    """The Chromium path the JavaScript outlets need when it is not installed (crawler/settings.py), else None."""
    from bnwatch.app.pipeline import scrapy_settings

    exe = (scrapy_settings(settings).getdict("PLAYWRIGHT_LAUNCH_OPTIONS") or {}).get("executable_path")
    return exe if exe and not os.path.exists(exe) else None


# -- output ---------------------------------------------------------------------------------------------------------

def table(reports: list[OutletReport]) -> str:
    header = ["OUTLET", "ARTICLES"] + [f"{f.upper()} ok/miss/susp" for f in cf.FIELDS] + ["VERDICT"]
    rows = [header]
    for r in reports:
        cells = ["/".join(str(r.counts.get(f, {}).get(o, 0)) for o in cf.OUTCOMES) for f in cf.FIELDS]
        rows.append([r.outlet, str(r.articles), *cells, r.verdict])
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows)


def _problem_text(p: dict) -> str:
    return f"{p['field']} {p['outcome']}: {p['reason']}" if p["field"] else p["reason"]


def summary(report: OutletReport) -> str:
    """The outlet's distinct problems on one line, most frequent first: "title suspicious: … (×3)"."""
    counts = Counter(_problem_text(p) for p in report.problems)
    parts = [f"{text} (×{n})" if n > 1 else text for text, n in counts.most_common()]
    parts += [f"discovery: {e}" for e in report.discovery_errors]
    return "; ".join(parts) or "?"


def export_metrics(reports: list[OutletReport], when: float) -> None:
    for r in reports:
        if r.verdict == SKIPPED:
            continue
        metrics.canary_articles.labels(r.outlet).set(r.articles)
        for f in cf.FIELDS:
            for o in cf.OUTCOMES:
                metrics.canary_fields.labels(r.outlet, f, o).set(r.counts[f][o])
        metrics.canary_last_run.labels(r.outlet).set(when)


def write_textfile(path: Path) -> None:
    """For node_exporter's textfile collector (written to a temporary file, then renamed: never read half-done)."""
    from prometheus_client import write_to_textfile

    write_to_textfile(str(path), metrics.canary_registry)


# -- the command ----------------------------------------------------------------------------------------------------

def _outlets(settings: Settings, names: list[str]) -> tuple:
    from bnwatch.app import checks

    registry = checks.load_registry(settings)
    try:
        checks.check_outlet_names(",".join(names) or "all", registry)
    except ConfigError as exc:
        raise ConfigError(str(exc).replace("--outlets: ", "", 1)) from None
    return registry, [registry.get(n) for n in dict.fromkeys(names)] if names else list(registry)


def _check_options(textfile: str | None, metrics_port: int | None) -> None:
    from bnwatch.config import parse_port

    if textfile is not None and not Path(textfile).parent.is_dir():
        raise ConfigError(f"--textfile {textfile}: no such directory {str(Path(textfile).parent)!r}")
    if metrics_port is not None:
        try:
            parse_port(str(metrics_port))
        except ValueError as exc:
            raise ConfigError(f"--metrics-port {metrics_port}: {exc}") from None


def _log_problems(reports: list[OutletReport]) -> None:
    for r in reports:
        for line in r.discovery_errors:
            logger.warning("canary %s: discovery: %s", r.outlet, line)
        for p in r.problems:
            logger.info("canary %s: %s", r.outlet, _problem_text(p) + (f" ({p['url']})" if p["url"] else ""))


def _print_report(reports: list[OutletReport], now: datetime, replay: bool, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps({"checked_at": now.isoformat(timespec="seconds"), "replay": replay,
                                     "outlets": [r.as_dict() for r in reports]}, ensure_ascii=False) + "\n")
    else:
        print(table(reports))
        for r in reports:
            if r.verdict not in (cf.VERDICT_OK, SKIPPED):
                print(f"{r.outlet} {r.verdict}: {summary(r)}")
    sys.stdout.flush()


def run(names: list[str], *, replay: bool = False, limit: int = 3, as_json: bool = False,
        textfile: str | None = None, metrics_port: int | None = None) -> int:
    try:
        _check_options(textfile, metrics_port)
        settings = Settings.from_env()
        registry, outlets = _outlets(settings, names)
    except ConfigError as exc:
        sys.stderr.write(f"bnwatch outlets check: {exc}\n")
        return 2
    try:
        server = start_replay() if replay else None
    except RuntimeError as exc:  # ReplayMissing: an installation without the development tools
        sys.stderr.write(f"bnwatch outlets check: --replay: {exc}\n")
        return 2
    if server is not None:
        settings = settings.with_(replay_hosts={"*": f"127.0.0.1:{server.port}"})
    skipped = []
    missing_browser = browser_missing(settings)
    if missing_browser:
        skipped = [o for o in outlets if o.javascript]
        outlets = [o for o in outlets if not o.javascript]
        for o in skipped:
            sys.stderr.write(f"bnwatch outlets check: {o.id} skipped: it needs JavaScript and there is no browser "
                             f"at {missing_browser} (set BNWATCH_CHROMIUM)\n")
    if metrics_port is not None:
        port = metrics.serve(metrics_port, settings.metrics_addr)
        logger.info("canary metrics on http://%s:%s/metrics", settings.metrics_addr, port)
    now = datetime.now(timezone.utc)
    try:
        fetched = fetch(settings, outlets, limit, registry) if outlets else {}
    finally:
        if server is not None:
            server.stop()
    # the replay is a frozen snapshot: its articles are as old as their data, so no age bound there
    max_age = None if replay else MAX_AGE
    reports = [report_outlet(fetched[o.id], o, registry, now, max_age) for o in outlets]
    reports += [OutletReport(o.id, SKIPPED, problems=[{"field": None, "outcome": None, "url": None,
                                                        "reason": "needs JavaScript; no browser"}]) for o in skipped]
    export_metrics(reports, time.time())
    if textfile:
        write_textfile(Path(textfile))
    _log_problems(reports)
    _print_report(reports, now, replay, as_json)
    rc = 0 if all(r.verdict in (cf.VERDICT_OK, SKIPPED) for r in reports) else 1
    if metrics_port is not None:  # a scrape target: the last run's counts stay up until the process is stopped
        _serve_until_stopped()
    return rc


def _serve_until_stopped() -> None:
    import signal

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
