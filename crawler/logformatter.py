"""Scrapy's log lines without page bodies: an item is named by its outlet and URL, never printed whole.

Scrapy's own LogFormatter puts the whole item (a RawPage carries the page's bytes) into the "Scraped from",
"Dropped" and "Error processing" lines; at DEBUG that is megabytes per minute of crawling.
"""

from __future__ import annotations

from scrapy.logformatter import LogFormatter


def describe(item) -> str:
    """`outlet url` for a RawPage (or anything with those attributes/keys); the type name otherwise."""
    get = item.get if isinstance(item, dict) else lambda k: getattr(item, k, None)
    url, outlet = get("url"), get("outlet")
    return f"{outlet} {url}" if url else type(item).__name__


class OperatorLogFormatter(LogFormatter):
    def scraped(self, item, response, spider):
        result = super().scraped(item, response, spider)
        result["msg"] = "Scraped %(item)s"
        result["args"] = {"item": describe(item)}
        return result

    def dropped(self, item, exception, response, spider):
        result = super().dropped(item, exception, response, spider)
        result["msg"] = "Dropped %(item)s: %(exception)s"
        result["args"]["item"] = describe(item)
        return result

    def item_error(self, item, exception, response, spider):
        result = super().item_error(item, exception, response, spider)
        result["args"]["item"] = describe(item)
        return result
