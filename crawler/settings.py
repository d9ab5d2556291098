"""Scrapy settings for the bnwatch crawler.

Settings are the only knobs: outlets are data (crawler/outlets/*.yaml), the sink is chosen by BNWATCH_* settings
(Kafka when a bootstrap server is configured), and the outlet replay is reached through REPLAY_HOSTS, never by
editing an outlet.
"""

from bnwatch.config import Settings as _BnSettings

_bn = _BnSettings.from_env()

BOT_NAME = "bnwatch"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# An honest User-Agent; operators set BNWATCH_USER_AGENT with their contact address.
USER_AGENT = _bn.user_agent
ROBOTSTXT_OBEY = True

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
REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
LOG_LEVEL = "INFO"

DOWNLOAD_HANDLERS = {
    # plain HTTP/1.1 unless REPLAY_HOSTS maps an outlet host to the local outlet replay
    "http": "crawler.handlers.replay.ReplayDownloadHandler",
    "https": "crawler.handlers.replay.ReplayDownloadHandler",
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
# seconds between polls of each discovery source in follow mode
POLL_INTERVAL = 300.0

REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
