"""Logging for operators: one handler on the root logger, its level enforced on the handler, libraries quiet.

Why the level sits on the handler: Scrapy's `configure_logging` (run when a crawler process starts, after ours)
sets the `scrapy` logger to DEBUG, and a DEBUG record of a child logger reaches the root's handlers whatever the
root logger's own level is. A handler level holds whatever a library later does to its loggers.

Libraries speak only from WARNING up (kafka-python's connection chatter, Scrapy's multi-line "Enabled
middlewares" dumps, Twisted, urllib3), unless `--log-level DEBUG` asks for everything. `--log-format json` gives
one JSON object a line (python-json-logger) with the same fields, for log shippers.
"""

from __future__ import annotations

import logging
import sys

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# loggers whose INFO is library chatter, not events of this pipeline; Scrapy's engine and spider lines
# ("Spider opened", "Closing spider") stay, everything below is quiet
QUIET_LOGGERS = (
    "kafka", "scrapy.middleware", "scrapy.crawler", "scrapy.utils.log", "scrapy.addons", "scrapy.extensions",
    "scrapy.statscollectors", "scrapy.core.scraper", "scrapy.downloadermiddlewares", "scrapy.spidermiddlewares",
    "scrapy-playwright", "scrapy_playwright", "twisted", "urllib3", "asyncio", "filelock", "hpack", "psycopg",
    "aiosmtpd", "mail.log", "trafilatura", "htmldate", "courlan", "charset_normalizer",
)


# library warnings that tell an operator nothing this pipeline does not say better: trafilatura's "discarding data:
# None" for a page with no text, which the clean stage counts as not an article and the CLI names in one line
NOISE = (("trafilatura.core", "discarding data"),)


class _QuietLibraries(logging.Filter):
    """Drops records below WARNING from QUIET_LOGGERS (and their children), and the NOISE warnings."""

    def __init__(self, prefixes=QUIET_LOGGERS):
        super().__init__()
        self.prefixes = tuple(prefixes)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING:
            return record.levelno > logging.WARNING or not any(
                record.name == n and str(record.msg).startswith(m) for n, m in NOISE)
        name = record.name
        return not any(name == p or name.startswith(p + ".") for p in self.prefixes)


class _OneLine(logging.Filter):
    """One line per event: a message with newlines (a library's list, an exception text) is joined with ' | '.
    Tracebacks of logged exceptions keep their lines in text format (they are what an operator needs)."""

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        if "\n" in msg:
            record.msg = " | ".join(part.strip() for part in msg.splitlines() if part.strip())
            record.args = None
        return True


OWN_LOGGERS = ("bnwatch", "crawler", "consumers", "outlets", "__main__")


class _NoKafkaDebug(logging.Filter):
    """kafka-python's DEBUG lines carry what must never reach a log: a client's whole configuration (the SASL
    password: KafkaAdminClient logs its configs) and every record it sends (a RawPage is the page's body). Dropped
    even at --log-level DEBUG; its INFO and above stay."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.DEBUG or not (record.name == "kafka" or record.name.startswith("kafka."))


class _LibraryTracebacks(logging.Filter):
    """A library's traceback (Scrapy's robots.txt middleware logs one for every DNS failure) becomes the exception's
    one-line text; bnwatch's own tracebacks stay, and `--log-level DEBUG` keeps them all."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and not record.name.startswith(OWN_LOGGERS):
            exc = record.exc_info[1]
            if exc is not None:
                record.msg = f"{record.getMessage()} ({type(exc).__name__}: {exc})"
                record.args = None
            record.exc_info, record.exc_text = None, None
        return True


def _formatter(fmt: str) -> logging.Formatter:
    if fmt == "json":
        from pythonjsonlogger.json import JsonFormatter

        return JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s",
                             rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                             json_ensure_ascii=False)
    return logging.Formatter(TEXT_FORMAT)


def setup(level: str = "INFO", fmt: str = "text", stream=None) -> logging.Handler:
    """Install bnwatch's one root handler (replacing any earlier one of ours); returns it."""
    level = level.upper()
    if level not in LEVELS:
        raise ValueError(f"log level {level!r}: one of {', '.join(LEVELS)}")
    if fmt not in FORMATS:
        raise ValueError(f"log format {fmt!r}: one of {', '.join(FORMATS)}")
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_bnwatch", False):
            root.removeHandler(h)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler._bnwatch = True  # type: ignore[attr-defined]
    handler.setLevel(level)
    handler.setFormatter(_formatter(fmt))
    handler.addFilter(_NoKafkaDebug())
    if level != "DEBUG":
        handler.addFilter(_QuietLibraries())
        handler.addFilter(_LibraryTracebacks())
    handler.addFilter(_OneLine())
    root.addHandler(handler)
    root.setLevel(level)
    return handler
