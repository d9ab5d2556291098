"""Downloader middlewares of the bnwatch crawler: politeness (robots Crawl-delay, per-outlet slots), retries
with backoff, bot-challenge recognition and fetch-error accounting."""
