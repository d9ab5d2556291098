"""The tag stage: Article -> the same Article with `entities` and `rules` filled in.

`entities`: one dict per mention — id (concept), type (person/country/place/org/event), side (RU/NK/BOTH/OTHER),
role, form (as matched, suffix included), variant, start/end (offsets into the folded title or paragraph), where
(title/lead/body), paragraph (index into Article.paragraphs, null for the title), sentence.
`rules`: one dict per watch rule — name, score in [0, 1], alert, evidence (sentences and features).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from bnwatch.records import Article, Record

from .matcher import Matcher, TagResult, default_matcher
from .rules import DEFAULT_RULE, RelationRule, evaluate_all, load_rules


class TagStage:
    name = "tag"
    input_type = Article

    def __init__(self, rules: list | str | Path | None = None, matcher: Matcher | None = None,
                 include_other: bool = False):
        """`rules`: a list of rule objects, a path to a rules YAML file, or None (the default RU–NK rule only)."""
        self.matcher = matcher or default_matcher()
        if rules is None:
            self.rules = [RelationRule()]
        elif isinstance(rules, (str, Path)):
            self.rules = load_rules(rules, matcher=self.matcher)
        else:
            self.rules = list(rules)
        self.include_other = include_other
        # most articles name neither side: when every rule is a relation between sides, such an article's output
        # (no entities, every rule's "none" result) is known after one automaton pass over its text. The sides are
        # every side but OTHER that the gazetteer gives a concept (what the output keeps)
        sides = frozenset(c.side for c in self.matcher.gazetteer.concepts.values()) - {"OTHER"}
        self._skip_unless = sides if not include_other and all(
            type(r) is RelationRule and (r.a | r.b) <= sides for r in self.rules) else None

    def process(self, record: Record) -> list[Record]:
        if not isinstance(record, Article):
            raise TypeError(f"tag: expected an Article, got {type(record).__name__}")
        if self._skip_unless is not None and not self.matcher.mentions_any(record.title, list(record.paragraphs),
                                                                         self._skip_unless):
            rules = [r.to_dict() for r in evaluate_all(self.rules, TagResult([], [], [], []), record.outlet)]
            return [dataclasses.replace(record, entities=[], rules=rules)]
        tag = self.matcher.tag(record.title, list(record.paragraphs))
        results = evaluate_all(self.rules, tag, record.outlet)
        entities = [e.to_dict() for e in tag.entities if self.include_other or e.side != "OTHER"]
        return [dataclasses.replace(record, entities=entities, rules=[r.to_dict() for r in results])]

    def close(self) -> None:
        pass


def classify(title: str, paragraphs: list[str]) -> dict[str, Any]:
    """The `bnwatch classify` contract for one article: default RU–NK rule.

    Returns {"alert": bool, "score": float, "entities": [concept ids], "evidence": [str], "mentions": [...]}.
    """
    matcher = default_matcher()
    tag = matcher.tag(title, list(paragraphs))
    result = RelationRule().evaluate(tag)
    mentions: dict[str, dict[str, Any]] = {}
    for e in tag.entities:
        if e.side == "OTHER":
            continue
        m = mentions.setdefault(e.id, {"id": e.id, "type": e.type, "side": e.side, "count": 0, "forms": []})
        m["count"] += 1
        if e.form not in m["forms"]:
            m["forms"].append(e.form)
    return {
        "alert": result.alert,
        "score": result.score,
        "entities": sorted(mentions),
        "evidence": result.evidence,
        "mentions": list(mentions.values()),
        "rule": DEFAULT_RULE,
    }
