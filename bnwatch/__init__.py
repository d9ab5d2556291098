"""bnwatch: a streaming monitor of Bengali-language news.

This package holds what the crawler and the consumers share: record types, outlet registry, configuration,
topic names and metrics. It imports neither Scrapy nor Kafka.
"""

__version__ = "0.1.0"
