"""The jobs: `run` (crawl + every stage), `crawl` (crawler only), `consume STAGE` (one stage on Kafka), `deliver`
(the delivery worker alone). The stages and their order come from bnwatch/topology.py.

Embedded mode (no Kafka configured): the crawler hands each RawPage to an in-process pipeline of the same stages
and marks it published once it went through. Kafka mode: the crawler publishes to the raw-pages topic and each
stage runs as its own consumer group (threads here; separate `bnwatch consume STAGE` processes in production).
A stage's worker (notify's delivery) runs beside it in both modes, or apart as `bnwatch deliver`.
"""

from __future__ import annotations

import logging
import os
import threading

from bnwatch import metrics
from bnwatch import topology
from bnwatch.app.stages import build_stage, build_stages, close_workers, start_workers
from bnwatch.config import Settings
from bnwatch.status import StatusReporter, crawl_failure
from bnwatch.topics import Topics

logger = logging.getLogger(__name__)


def scrapy_settings(settings: Settings, *, poll_interval: float | None = None, log_level: str = "INFO",
                    poll_min_interval: float | None = None, poll_max_interval: float | None = None):
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.utils.project import get_project_settings

    from crawler.settings import user_agent_with_contact

    s = get_project_settings()
    s.set("BNWATCH_SETTINGS", settings)
    s.set("REPLAY_HOSTS", settings.replay_hosts)
    s.set("METRICS_PORT", settings.metrics_port)
    s.set("METRICS_ADDR", settings.metrics_addr)
    s.set("USER_AGENT", user_agent_with_contact(settings.user_agent, s.get("BNWATCH_CONTACT")))
    s.set("LOG_LEVEL", log_level)
    if settings.replay_hosts:
        # the replay is local: politeness delays would only slow tests and the demo down (robots.txt, including
        # any Crawl-delay it gives, is still obeyed)
        s.set("DOWNLOAD_DELAY", 0)
        s.set("AUTOTHROTTLE_ENABLED", False)
        s.set("OUTLET_CRAWL_OVERRIDES", False)
    if poll_interval is not None:
        # an explicit interval: every source starts there (and may still adapt within the bounds)
        s.set("POLL_INTERVAL", poll_interval)
        s.set("POLL_INTERVAL_OVERRIDE", True)
    if poll_min_interval is not None:
        s.set("POLL_MIN_INTERVAL", poll_min_interval)
    if poll_max_interval is not None:
        s.set("POLL_MAX_INTERVAL", poll_max_interval)
    return s


def open_seen_store(settings: Settings):
    from crawler.seen import SeenStore

    return SeenStore(settings.data_dir / "crawler" / "seen.sqlite")


def _run_crawler(settings: Settings, outlets: str, follow: bool, poll_interval: float | None, sink=None,
                 stop: threading.Event | None = None, seen=None, poll_bounds: tuple | None = None,
                 outlet_filter=None) -> None:
    """Run the spider in this thread until it finishes (or `stop` is set). A seen-store passed in stays open:
    its owner closes it once late acknowledgements (the embedded pipeline's) have been recorded."""
    from scrapy.crawler import CrawlerProcess

    from crawler.spiders.outlets import OutletsSpider

    own_seen = seen is None
    seen = seen or open_seen_store(settings)
    # logging is configured by the CLI (bnwatch/logs.py); Scrapy must not add a second root handler
    lo, hi = poll_bounds or (None, None)
    crawl_settings = scrapy_settings(settings, poll_interval=poll_interval, poll_min_interval=lo, poll_max_interval=hi)
    crawl_settings.set("LOG_INSTALL_ROOT_HANDLER", False)
    process = CrawlerProcess(crawl_settings)
    process.crawl(OutletsSpider, outlets=outlets, follow=follow, seen=seen, sink=sink, outlet_filter=outlet_filter)
    if stop is not None:
        def watch():
            stop.wait()
            from twisted.internet import reactor

            reactor.callFromThread(process.stop)

        threading.Thread(target=watch, daemon=True, name="crawl-stop").start()
    try:
        process.start()
    finally:
        if own_seen:
            seen.close()


def crawl(settings: Settings, outlets: str = "all", follow: bool = False, poll_interval: float | None = None,
          poll_bounds: tuple | None = None, scale_out: bool = False) -> int:
    """`poll_bounds` = (min, max) seconds of the adaptive poll interval (None: the settings/outlet files').
    `scale_out`: share the outlets with the other `--scale-out` instances (see start_scale_out)."""
    if scale_out and not (settings.kafka_bootstrap and follow):
        logger.error("--scale-out needs Kafka (BNWATCH_KAFKA_BOOTSTRAP) and --follow")
        return 2
    metrics.serve(settings.metrics_port, settings.metrics_addr)
    lag = None
    if settings.kafka_bootstrap:
        from bnwatch.kafka_client import LagReporter, ensure_topics

        topics = Topics(settings.topic_prefix)
        ensure_topics(settings, topics.all())
        if follow:  # the long-running crawler reports every stage's lag, so a stopped consumer still shows
            lag = LagReporter.for_stages(settings, topics).start()
    assignment = start_scale_out(settings, outlets) if scale_out else None
    status = StatusReporter("crawl", settings.status_interval).start()
    try:
        _run_crawler(settings, outlets, follow, poll_interval, poll_bounds=poll_bounds,
                     outlet_filter=assignment.owns if assignment else None)
    finally:
        if assignment is not None:
            assignment.close()  # leave the group: the other instances take this one's outlets at once
        if lag is not None:
            lag.stop()
    return finish(status, once=not follow)


def finish(status: StatusReporter, once: bool) -> int:
    """Log the run's summary line; a one-shot run that fetched nothing (or whose every discovery failed) is a
    failure an unattended scheduler must see: one error line and exit 1."""
    run = status.stop()
    logger.info("%s", status.summary(run))
    failure = crawl_failure(run) if once else None
    if failure:
        logger.error("%s: nothing worked: %s", status.name, failure)
        return 1
    return 0


# -- scale-out ------------------------------------------------------------------------------------------------------

def start_scale_out(settings: Settings, outlets: str = "all", wait: float = 30.0):
    """Join consumer group `<prefix>crawler` on topic `<prefix>crawl-schedule` (crawler/scaleout.py): the outlets
    Kafka assigns to this instance are the ones its spider polls (the spider's `outlet_filter`), and they move to
    the other instances when this one leaves or dies. Waits (bounded) for the first assignment, so the first pass
    polls this instance's share; later changes are picked up on the spider's next tick."""
    from bnwatch.outlets import default_registry
    from crawler.scaleout import OutletAssignment

    registry = default_registry()
    wanted = [o.strip() for o in str(outlets).split(",") if o.strip()]
    ids = [o.id for o in registry] if wanted in ([], ["all"]) else [registry.get(o).id for o in wanted]
    assignment = OutletAssignment(settings, ids, prefix=settings.topic_prefix).start()
    if not assignment.wait_assigned(wait):
        logger.warning("scale-out: no assignment from Kafka after %.0f s; polling nothing until one arrives", wait)
    return assignment


def consume(settings: Settings, stage_name: str, stop: threading.Event | None = None) -> int:
    if not settings.kafka_bootstrap:
        logger.error("bnwatch consume needs Kafka: set BNWATCH_KAFKA_BOOTSTRAP or KAFKA_BOOTSTRAP_SERVERS")
        return 2
    from consumers.runners.kafka import install_stop_signals, run_stage

    metrics.serve(settings.metrics_port, settings.metrics_addr)
    stop = stop or threading.Event()
    install_stop_signals(stop)
    status = StatusReporter(f"consume {stage_name}", settings.status_interval).start()
    logger.info("consume %s: started (group %s%s)", stage_name, settings.topic_prefix, stage_name)
    workers = start_workers(settings, (stage_name,))  # `consume notify` delivers too, as operators expect
    try:
        run_stage(build_stage(stage_name, settings, workers.get(stage_name)), settings, stop)
    finally:
        close_workers(workers)
        run = status.stop()
        logger.info("%s", status.summary(run))
    return 0


def run(settings: Settings, outlets: str = "all", follow: bool = True, poll_interval: float | None = None,
        stop: threading.Event | None = None, poll_bounds: tuple | None = None) -> int:
    metrics.serve(settings.metrics_port, settings.metrics_addr)
    if settings.embedded:
        return run_embedded(settings, outlets, follow, poll_interval, stop, poll_bounds=poll_bounds)
    from bnwatch.kafka_client import LagReporter, ensure_topics
    from consumers.runners.kafka import run_stage

    topics = Topics(settings.topic_prefix)
    ensure_topics(settings, topics.all())
    lag = LagReporter.for_stages(settings, topics).start()
    stop = stop or threading.Event()
    status = StatusReporter("run", settings.status_interval).start()
    threads = []
    workers = start_workers(settings)
    try:
        for name in topology.stage_names():
            t = threading.Thread(target=run_stage, args=(build_stage(name, settings, workers.get(name)), settings,
                                                         stop), name=f"stage-{name}", daemon=True)
            t.start()
            threads.append(t)
        _run_crawler(settings, outlets, follow, poll_interval, stop=stop, poll_bounds=poll_bounds)
    finally:
        stop.set()
        for t in threads:
            t.join(30)
        running = [t.name for t in threads if t.is_alive()]
        if running:  # a stage still inside a batch shares the worker's outbox: leave it open to the process's end
            logger.warning("stages still running after 30 s: %s; their workers stay open", ", ".join(running))
        else:
            close_workers(workers)
        lag.stop()
    return finish(status, once=not follow)


def run_embedded(settings: Settings, outlets: str = "all", follow: bool = True, poll_interval: float | None = None,
                 stop: threading.Event | None = None, drain_timeout: float = 120.0,
                 poll_bounds: tuple | None = None) -> int:
    from consumers.runners.embedded import EmbeddedPipeline
    from crawler.sinks import CallableSink

    workers = start_workers(settings)
    try:
        pipeline = EmbeddedPipeline(build_stages(settings, workers=workers), settings.data_dir / "dead-letter",
                                    dead_letter_max_bytes=settings.raw_pages_max_bytes).start()
    except BaseException:
        close_workers(workers)
        raise
    seen = open_seen_store(settings)
    status = StatusReporter("run", settings.status_interval).start()
    try:
        _run_crawler(settings, outlets, follow, poll_interval, sink=CallableSink(pipeline.submit, acknowledges=True),
                     stop=stop, seen=seen, poll_bounds=poll_bounds)
        if not pipeline.drain(drain_timeout):
            logger.warning("embedded pipeline did not drain in %.0f s", drain_timeout)
    finally:
        pipeline.stop()
        close_workers(workers, last_pass=None if follow else 10.0)
        seen.close()
    return finish(status, once=not follow)


def deliver(settings: Settings, stop: threading.Event | None = None) -> int:
    """`bnwatch deliver`: the delivery worker alone (dispatch + Atom feeds) on the configured outbox until
    stopped, so deliveries scale and restart apart from the notify stage's consumption."""
    from consumers.runners.kafka import install_stop_signals

    metrics.serve(settings.metrics_port, settings.metrics_addr)
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        install_stop_signals(stop)
    status = StatusReporter("deliver", settings.status_interval).start()
    workers = start_workers(settings, ("notify",))
    logger.info("deliver: started")
    try:
        stop.wait()
    finally:
        close_workers(workers)
        run = status.stop()
        logger.info("%s", status.summary(run))
    return 0
