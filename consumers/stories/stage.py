"""The stories stage: tagged Article -> Alert, one story per event across outlets.

Only articles whose watch rule alerted produce anything. A new story gives Alert version 1 (kind "new"); a later
article on the same story from another outlet, or bringing new participants/figures, gives the same story id
with version + 1 (kind "update"); an article already counted (same canonical URL and content hash — a
redelivery) gives nothing. Alert.id is "<story_id>:v<version>", so the notify stage can deliver each
(story, version) once. State is in SQLite (`db_path`), so a restart neither forgets stories nor re-alerts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bnwatch import metrics
from bnwatch.records import Alert, Article, Record

from ..tag.matcher import default_matcher
from .index import Features, StoryIndex, extract, now_iso


def default_db_path() -> Path:
    from bnwatch.config import Settings

    return Path(Settings.from_env().data_dir) / "stories.sqlite3"


def article_features(article: Article, entities: list | None = None) -> Features:
    matcher = default_matcher()
    units, _ = matcher.units(article.title, list(article.paragraphs))
    if entities is None:
        entities = article.entities or [e.to_dict() for e in matcher.tag(article.title, list(article.paragraphs)).entities]
    content_hash = article.content_hash or Article.hash_content(article.title, list(article.paragraphs))
    return extract(canonical_url=article.canonical_url or article.url, content_hash=content_hash,
                   outlet=article.outlet, url=article.url, title=article.title,
                   texts=[u.text for u in units[1:]], lead=[u.text for u in units[1:] if u.where == "lead"],
                   published_at=article.published_at,
                   discovered_at=article.discovered_at or article.fetched_at, entities=entities)


def _outlet_ids() -> list[str]:
    from bnwatch.outlets import default_registry

    return [o.id for o in default_registry()]  # a bad outlet file raises (OutletError), as in every stage


class StoryStage:
    name = "stories"
    input_type = Article

    def __init__(self, db_path: str | Path | None = None, rule: str = "ru-nk", **index_options: Any):
        self.rule = rule
        self.index = StoryIndex(db_path if db_path is not None else default_db_path(), rule=rule, **index_options)
        metrics.start_at_zero(metrics.alerts_raised, (rule, "new"), (rule, "update"))
        metrics.start_at_zero(metrics.rule_matches, *((rule, outlet) for outlet in _outlet_ids()))

    def _rule_result(self, article: Article) -> dict[str, Any] | None:
        for r in article.rules or []:
            if r.get("name") == self.rule:
                return r
        return None

    def process(self, record: Record) -> list[Record]:
        if not isinstance(record, Article):
            raise TypeError(f"stories: expected an Article, got {type(record).__name__}")
        result = self._rule_result(record)
        if not result or not result.get("alert"):
            return []
        features = article_features(record)
        if self.index.known(features.canonical_url, features.content_hash):
            # redelivery: re-emit the alert this article raised (if any); notify delivers each version once
            stored = self.index.emitted(features.key)
            return [Alert.from_json(stored)] if stored else []
        score = float(result.get("score", 0.0))
        assignment = self.index.assign(features, score=score, evidence=list(result.get("evidence") or []),
                                       seen_at=now_iso(), emit=self._alert_json)
        # coverage: every matching article that joined a story counts for its outlet, alert or not
        metrics.rule_matches.labels(rule=self.rule, outlet=record.outlet or "unknown").inc()
        if assignment.kind not in ("new", "update"):
            return []
        metrics.alerts_raised.labels(rule=self.rule, kind=assignment.kind).inc()
        return [Alert.from_json(self.index.emitted(features.key))]

    def _alert_json(self, assignment) -> str | None:
        if assignment.kind not in ("new", "update"):
            return None
        story = assignment.story
        return Alert(
            id=f"{story.story_id}:v{story.version}",
            rule=self.rule,
            story_id=story.story_id,
            version=story.version,
            articles=[{k: a.get(k) for k in ("outlet", "url", "title", "published_at")} for a in story.articles],
            first_seen=story.first_seen,
            updated_at=story.updated_at,
            score=float(story.score),
            evidence=[f"{assignment.kind}: {assignment.reason}"] + list(story.evidence),
            title=story.title,
            discovered_at=story.discovered_at,
        ).to_json().decode("utf-8")

    def close(self) -> None:
        self.index.close()


def assign_stories(items: list[tuple[str, str, list[str], str | None]]) -> list[tuple[str, str]]:
    """The `bnwatch stories` contract: [(input_name, title, paragraphs, published_at|None)] -> [(input_name,
    story_id)], with fresh in-memory state. Every input gets a story id (same id = same story)."""
    index = StoryIndex(":memory:", rule="stories")
    out: list[tuple[str, str]] = []
    try:
        for name, title, paragraphs, published_at in items:
            article = Article(url=name, canonical_url=name, outlet=name, title=title or "",
                              paragraphs=list(paragraphs or []), published_at=published_at)
            assignment = index.assign(article_features(article))
            out.append((name, assignment.story.story_id))
    finally:
        index.close()
    return out
