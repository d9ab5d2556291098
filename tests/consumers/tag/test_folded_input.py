"""The tag stage trusts the clean stage's folding (Article text is folded): matching folded text without folding it
again gives exactly what matching the raw text gives, on every real labelled item and every seed."""

from __future__ import annotations

import json

from bnwatch.textnorm import fold
from consumers.tag.matcher import default_matcher
from tests.fixtures.paths import FIXTURES

ITEMS = FIXTURES / "labelled" / "rnk" / "items.jsonl"


def _items() -> list[dict]:
    return [json.loads(x) for x in ITEMS.read_text(encoding="utf-8").splitlines() if x.strip()]


def test_matching_folded_text_as_is_equals_folding_it_first():
    matcher = default_matcher()
    items = _items()
    assert len(items) >= 400
    with_entities = 0
    for item in items:
        title, paragraphs = item["title"], item["paragraphs"]
        raw = matcher.tag(title, paragraphs)
        folded = matcher.tag(fold(title).strip(), [fold(p) for p in paragraphs], folded=True)
        assert [e.to_dict() for e in folded.entities] == [e.to_dict() for e in raw.entities], item["id"]
        assert [(u.where, u.text) for u in folded.units] == [(u.where, u.text) for u in raw.units], item["id"]
        with_entities += bool(raw.entities)
    assert with_entities >= 300  # the items exercised the matcher, not only its empty path
