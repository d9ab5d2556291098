"""The tag stage's shortcut (consumers/tag/stage.py): an article that names neither side gets its output from one
automaton pass instead of the sentence-by-sentence tagging. The shortcut may only ever skip work, never change an
output: held here over every real labelled item in all three layouts, and the stages that cannot take it."""

from __future__ import annotations

import dataclasses
import json

from bnwatch.records import Article
from consumers.tag import TagStage
from consumers.tag.rules import RelationRule, TermsRule
from tests.fixtures.paths import FIXTURES

ITEMS = FIXTURES / "labelled" / "rnk" / "items.jsonl"


def _articles() -> list[Article]:
    out = []
    for line in ITEMS.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        art = Article(url=item["id"], canonical_url=item["id"], outlet="o", title=item["title"],
                      paragraphs=list(item["paragraphs"]))
        out += [art, dataclasses.replace(art, paragraphs=[" ".join(art.paragraphs)]),
                dataclasses.replace(art, paragraphs=[s for p in art.paragraphs for s in p.split("। ") if s])]
    return out


def test_the_shortcut_never_changes_an_output():
    fast, full = TagStage(), TagStage()
    full._skip_unless = None  # the sentence-by-sentence path for every article
    articles = _articles()
    assert len(articles) >= 1500
    skipped = 0
    for art in articles:
        got, want = fast.process(art)[0], full.process(art)[0]
        assert (got.entities, got.rules) == (want.entities, want.rules), art.url
        skipped += not fast.matcher.mentions_any(art.title, art.paragraphs, fast._skip_unless)
    # both paths were exercised: near-miss negatives without either side, and everything that names one
    assert 300 <= skipped <= len(articles) - 300


def test_a_word_inside_another_word_is_no_mention():
    """তাসকিন (a cricketer) holds তাস (the Russian agency): the pre-check keeps the matcher's word boundaries."""
    stage = TagStage()
    assert not stage.matcher.mentions_any("তাসকিনের দুর্দান্ত বোলিং", [], stage._skip_unless)
    assert stage.matcher.mentions_any("তাসের খবরে রাশিয়ার দাবি", [], stage._skip_unless)


def test_stages_whose_rules_read_more_than_the_sides_take_no_shortcut():
    assert TagStage()._skip_unless is not None
    assert TagStage(include_other=True)._skip_unless is None  # OTHER entities are output
    assert TagStage(rules=[RelationRule(), TermsRule("rooppur", ["রূপপুর"])])._skip_unless is None
    assert TagStage(rules=[RelationRule("ru-cn", ["RU"], ["china"])])._skip_unless is None  # a concept id


def test_the_shortcut_results_are_per_outlet_and_never_shared():
    """A rule may watch some outlets only: its result for an article naming neither side depends on the outlet.
    Each article gets its own copy of the remembered result."""
    rules = [RelationRule(), RelationRule("ru-nk-jugantor", outlets=["jugantor"])]
    fast, full = TagStage(rules=rules), TagStage(rules=rules)
    full._skip_unless = None
    art = Article(url="u", canonical_url="u", outlet="jugantor", title="ঢাকায় বৃষ্টি", paragraphs=["আজ বৃষ্টি হয়েছে।"])
    for outlet in ("jugantor", "prothomalo", "jugantor"):
        a = dataclasses.replace(art, outlet=outlet)
        assert fast.process(a)[0].rules == full.process(a)[0].rules
    first, second = fast.process(art)[0], fast.process(art)[0]
    first.rules[0]["evidence"].append("x")
    assert "x" not in second.rules[0]["evidence"] and first.rules[0] is not second.rules[0]
