"""The matcher folds what it is given, so the clean stage's folded Article text and the raw text of the same article
tag alike (fold is idempotent for matching), on every real labelled item. The tag stage folds even an Article
that is folded already: an Article written by anything else must not lose a mention."""

from __future__ import annotations

import json

from bnwatch.textnorm import fold
from consumers.tag.matcher import default_matcher
from tests.fixtures.paths import FIXTURES

ITEMS = FIXTURES / "labelled" / "rnk" / "items.jsonl"


def _items() -> list[dict]:
    return [json.loads(x) for x in ITEMS.read_text(encoding="utf-8").splitlines() if x.strip()]


def test_matching_folded_text_equals_matching_raw_text():
    matcher = default_matcher()
    items = _items()
    assert len(items) >= 400
    with_entities = 0
    for item in items:
        title, paragraphs = item["title"], item["paragraphs"]
        raw = matcher.tag(title, paragraphs)
        folded = matcher.tag(fold(title).strip(), [fold(p) for p in paragraphs])
        assert [e.to_dict() for e in folded.entities] == [e.to_dict() for e in raw.entities], item["id"]
        assert [(u.where, u.text) for u in folded.units] == [(u.where, u.text) for u in raw.units], item["id"]
        with_entities += bool(raw.entities)
    assert with_entities >= 300  # the items exercised the matcher, not only its empty path


def test_the_tag_stage_finds_mentions_in_an_article_that_was_not_folded():
    """Precomposed য় (U+09DF) as a producer other than the clean stage might write it: still a mention."""
    from bnwatch.records import Article
    from consumers.tag import TagStage

    raw = "রাশি\u09dfা ও উত্তর কোরি\u09dfার মধ্যে চুক্তি"
    art = Article(url="u", canonical_url="u", outlet="o", title=raw, paragraphs=[raw])
    ids = {e["id"] for e in TagStage().process(art)[0].entities}
    assert {"russia", "north_korea"} <= ids
