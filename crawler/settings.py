"""Scrapy settings for the bnwatch crawler.

Settings are the only knobs: outlets are data (crawler/outlets/<id>/outlet.yaml), the sink is chosen by BNWATCH_* settings
(Kafka when a bootstrap server is configured), and the outlet replay is reached through REPLAY_HOSTS, never by
editing an outlet.
"""

import os as _os

from bnwatch.config import Settings as _BnSettings

_bn = _BnSettings.from_env()


def user_agent_with_contact(user_agent: str, contact: str | None) -> str:
    """The User-Agent with the operator's contact (a URL or an e-mail address) in its comment, unless it is
    already there: "bnwatch/0.1 (+https://example.org/bot; news monitor; contact: ops@example.org)"."""
    contact = (contact or "").strip()
    if not contact or contact in user_agent:
        return user_agent
    if user_agent.endswith(")"):
        return f"{user_agent[:-1]}; contact: {contact})"
    return f"{user_agent} (contact: {contact})"


# who to contact about the crawler (an URL or e-mail address), added to the User-Agent; the operator sets it
BNWATCH_CONTACT = _os.environ.get("BNWATCH_CONTACT") or None

BOT_NAME = "bnwatch"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# An honest User-Agent; operators set BNWATCH_USER_AGENT and/or BNWATCH_CONTACT with their contact address.
USER_AGENT = user_agent_with_contact(_bn.user_agent, BNWATCH_CONTACT)
ROBOTSTXT_OBEY = True
# Crawl-delay in robots.txt for our user agent is obeyed per host (crawler/middlewares/politeness.py); 0 = no cap
ROBOTSTXT_CRAWL_DELAY = True
ROBOTSTXT_CRAWL_DELAY_MAX = 0
# a host's robots.txt is fetched again when this old (s); after a failed fetch the last good one stays in force
# and the fetch is tried again after ROBOTSTXT_ERROR_TTL (crawler/middlewares/robots.py)
ROBOTSTXT_TTL = 24 * 3600
ROBOTSTXT_ERROR_TTL = 3600
# per-outlet `crawl:` overrides from the outlet files (download_delay, concurrency); off against the replay
OUTLET_CRAWL_OVERRIDES = True

CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.25
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
RETRY_ENABLED = True
RETRY_TIMES = 3
# exponential backoff between retries (crawler/middlewares/retry.py): base × 2^(n-1), ±50 %, capped; Retry-After
RETRY_BACKOFF_BASE = 2.0
RETRY_BACKOFF_MAX = 120.0
REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
LOG_LEVEL = "INFO"
# bnwatch configures logging (bnwatch/logs.py); Scrapy's lines name items by URL, never print a page body
LOG_FORMATTER = "crawler.logformatter.OperatorLogFormatter"
# the process's status line and --once summary (bnwatch/status.py) replace Scrapy's minute stats; its final stats
# dump is logged by scrapy.statscollectors, which bnwatch/logs.py shows only at DEBUG
LOGSTATS_INTERVAL = 0
# Scrapy re-reads and re-parses a callback's source on every response to warn about generator return values
# (its cache holds the callback weakly): measurable per page, and our callbacks return nothing
WARN_ON_GENERATOR_RETURN_VALUE = False
# Scrapy starts CONCURRENT_ITEMS asyncio worker tasks for EVERY callback's output (scrapy.utils.asyncio.
# _parallel_asyncio): the default 100 meant ~100 tasks per article page that yields one item. A discovery
# document yields at most a few hundred cheap requests; 8 workers keep up with that.
CONCURRENT_ITEMS = 8

DOWNLOAD_HANDLERS = {
    # plain HTTP/1.1 unless REPLAY_HOSTS maps an outlet host to the local outlet replay; article pages of outlets with
    # `javascript: true` go to Chromium through scrapy-playwright, started on the first such page (never otherwise)
    "http": "crawler.handlers.dispatch.DispatchDownloadHandler",
    "https": "crawler.handlers.dispatch.DispatchDownloadHandler",
}
# scrapy-playwright (crawler/browser.py) needs the asyncio reactor (Scrapy's default since 2.13; stated here so a
# change of default cannot break the JavaScript outlets)
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
PLAYWRIGHT_BROWSER_TYPE = "chromium"
# Debian's Chromium (`playwright install` cannot download one here); flags from docs/research/toolchain-notes.md
PLAYWRIGHT_LAUNCH_OPTIONS = {
    "executable_path": _os.environ.get("BNWATCH_CHROMIUM", "/usr/bin/chromium"),
    "headless": True,
    "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
             "--no-first-run", "--disable-dev-shm-usage", "--disable-extensions"],
}
# memory bounds: two contexts (the current one and one being retired: crawler/browser.py keeps that bound itself;
# PLAYWRIGHT_MAX_CONTEXTS stays unset, its semaphore can deadlock with context recycling), a few pages each, a fresh
# context every PLAYWRIGHT_RECYCLE_CONTEXT_PAGES pages; images, fonts and media are never loaded; pages are closed
# after use
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 4
PLAYWRIGHT_RECYCLE_CONTEXT_PAGES = 100
PLAYWRIGHT_ABORT_REQUEST = "crawler.browser.abort_request"
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 30_000
DOWNLOADER_MIDDLEWARES = {
    # robots.txt read again once a day (Scrapy's keeps the first one for the life of the process)
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.robots.ExpiringRobotsTxtMiddleware": 100,
    # before everything (robots.txt included): no request to private/loopback/link-local IPs or localhost, and no
    # redirect off the outlet's domains (crawler/middlewares/redirect_guard.py)
    "crawler.middlewares.redirect_guard.RedirectGuardMiddleware": 50,
    # right after RobotsTxtMiddleware (100), which has parsed the host's robots.txt by then
    "crawler.middlewares.politeness.PolitenessMiddleware": 110,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.retry.BackoffRetryMiddleware": 550,
    # sees responses before the retry middleware does: a challenge is counted once and not retried
    "crawler.middlewares.health.ChallengeMiddleware": 560,
    # next to the download handler: every attempt's error, retried or not
    "crawler.middlewares.health.FetchErrorsMiddleware": 950,
}
EXTENSIONS = {
    "crawler.extensions.metrics.PrometheusMetrics": 500,
}
ITEM_PIPELINES = {
    "crawler.pipelines.PublishPipeline": 800,
}

# bnwatch-specific settings
REPLAY_HOSTS = _bn.replay_hosts
BNWATCH_SETTINGS = _bn
METRICS_PORT = _bn.metrics_port
METRICS_ADDR = _bn.metrics_addr
# Follow mode: each discovery source is polled on an adaptive interval (crawler/schedule.py). It starts at the
# source's `interval` from the outlet file (else POLL_INTERVAL) and moves within [POLL_MIN_INTERVAL,
# POLL_MAX_INTERVAL]; an outlet's `crawl:` may set poll_interval, poll_min_interval, poll_max_interval.
# POLL_INTERVAL_OVERRIDE (set by `--poll-interval`) makes POLL_INTERVAL every source's start interval.
POLL_INTERVAL = 300.0
POLL_MIN_INTERVAL = 60.0
POLL_MAX_INTERVAL = 1800.0
POLL_INTERVAL_OVERRIDE = False
# how often the spider checks for due polls and re-checks (seconds)
POLL_TICK = 0.5
# re-check recently published articles at these ages (seconds after first publication); [] turns it off
RECHECK_AFTER = [3600.0, 6 * 3600.0, 24 * 3600.0]
# an article handed to the sink but never acknowledged after this long counts as failed (fetched again later)
PUBLISH_ACK_TIMEOUT = 900.0

REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
