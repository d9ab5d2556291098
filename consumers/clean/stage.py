"""The clean stage: RawPage → Article (decode, extract, fold Bengali text, ISO dates with the outlet's offset).

A page that holds no article (HTTP error, bot challenge, section front, nothing readable, undecodable bytes,
nesting deeper than the HTML parser keeps) is a `Drop`, counted in bnwatch_not_articles_total{outlet, reason};
every article is counted in bnwatch_articles_total{outlet}.
"""

from __future__ import annotations

from datetime import datetime

from bnwatch import metrics
from bnwatch.extract import (CHALLENGE, ERROR_PAGE, NO_TEXT, SECTION_FRONT, TOO_DEEP, UNDECODABLE, NotAnArticle,
                             extract_article)
from bnwatch.outlets import Registry, default_registry
from bnwatch.records import Article, RawPage, Record
from consumers.stage import Drop

HTTP_ERROR = "http_error"
#: every `reason` label of bnwatch_not_articles_total (the extractor's codes and ours)
NOT_ARTICLE_REASONS = (HTTP_ERROR, CHALLENGE, ERROR_PAGE, SECTION_FRONT, NO_TEXT, UNDECODABLE, TOO_DEEP)


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


class CleanStage:
    name = "clean"
    input_type = RawPage

    def __init__(self, registry: Registry | None = None):
        self._registry = registry
        ids = [o.id for o in self.registry]
        metrics.start_at_zero(metrics.articles, *((i,) for i in ids))
        metrics.start_at_zero(metrics.not_articles, *((i, r) for i in ids for r in NOT_ARTICLE_REASONS))

    @property
    def registry(self) -> Registry:
        if self._registry is None:  # a bad outlet file raises here: never run without every outlet's selectors
            self._registry = default_registry()
        return self._registry

    def process(self, record: Record) -> list[Record]:
        if not isinstance(record, RawPage):
            raise TypeError(f"clean: expected a RawPage, got {type(record).__name__}")
        outlet = record.outlet or "unknown"
        if not 200 <= int(record.status or 0) < 300:
            metrics.not_articles.labels(outlet, HTTP_ERROR).inc()
            raise Drop(f"not an article: HTTP status {record.status}")
        try:
            ex = extract_article(record.body, record.outlet or None, record.url, headers=record.headers,
                                 fetched_at=_parse_time(record.fetched_at), registry=self.registry,
                                 declared_encoding=record.declared_encoding)
        except NotAnArticle as exc:
            metrics.not_articles.labels(outlet, exc.reason).inc()
            raise Drop(f"not an article: {exc}") from None
        # extraction's text fields are folded and trimmed already (bnwatch.extract.Extraction): not a second time
        title = ex.title
        paragraphs = [p for p in ex.paragraphs if p]
        article = Article(
            url=record.url,
            canonical_url=record.canonical_url or ex.canonical_url or record.url,
            outlet=record.outlet or ex.outlet or "unknown",
            title=title,
            paragraphs=paragraphs,
            published_at=ex.published_at,
            updated_at=ex.updated_at,
            authors=list(ex.authors),
            section=ex.section,
            credited_source=ex.credited_source,
            language=ex.language or "bn",
            fetched_at=record.fetched_at,
            discovered_at=record.discovered_at,
            content_hash=Article.hash_content(title, paragraphs),
        )
        metrics.articles.labels(outlet).inc()
        return [article]

    def close(self) -> None:
        pass
