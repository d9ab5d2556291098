"""The optimised matcher finds exactly what the pre-optimisation matcher found on the whole labelled set.

tests/fixtures/labelled/entities_golden.jsonl was recorded from consumers/tag at 24f0c91 (build_golden.py --rev):
entities with offsets/sentences/units, hard-negative and topic marks, the text units, the chrome cut and the
default rule's score, alert and evidence.
"""

import importlib.util
import json
from pathlib import Path

import pytest

import re
import unicodedata

from bnwatch import textnorm
from bnwatch.textnorm import fold
from consumers.tag.matcher import default_matcher, lower_ascii
from consumers.tag.rules import RelationRule

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "labelled"
GOLDEN = FIXTURES / "entities_golden.jsonl"


def _snapshot():
    spec = importlib.util.spec_from_file_location("build_golden", FIXTURES / "build_golden.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.snapshot


@pytest.fixture(scope="module")
def golden():
    return {g["id"]: g for g in map(json.loads, GOLDEN.read_text(encoding="utf-8").splitlines())}


def test_golden_covers_the_labelled_set(labelled, golden):
    assert {r["id"] for r in labelled} == set(golden)


def test_matcher_output_equals_golden_on_the_labelled_set(labelled, golden):
    snapshot, matcher, rule = _snapshot(), default_matcher(), RelationRule()
    diffs = []
    for rec in labelled:
        got = json.loads(json.dumps(snapshot(matcher, rule, rec), ensure_ascii=False))
        if got != golden[rec["id"]]:
            diffs.append(rec["id"])
    assert not diffs, f"matcher output differs from the golden file on {len(diffs)} articles: {diffs[:10]}"


EDGE_TEXTS = [
    "",
    "a\r\nb\r\n\r\nc\rd",
    "রাশি\u09dfা  ও\t\tউত্তর কোরি\u09dfা",
    "উত\u09cd\u200dতর \u200bকোরিয়া\u00ad\u2060\ufeff",
    "ভøাদিমির পুতিন ø ¦ æ ¨ আæ",
    "ভ\u200cøাদিমির ক¨æ রাশিয়া৷ কিম",  # a ZWNJ before a leftover, a leftover after a repaired one, the fake danda
    "কিম জং\u2013উন \u2011 \u2010 \u2212 \uff0d \u00a0\u202f\u3000\u2003 x\u2028y\u2029z\u0085",
    "ো ো ৌ ৌ",
    "MOSCOW Kim Jong-Un İstanbul ÀÉ",
]


def reference_fold(text: str) -> str:
    """textnorm.fold as specified, with every pass applied unconditionally (fold skips passes that cannot change
    anything: it must give the same result)."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\u09a4\u09cd\u200d", "\u09ce")
    text = textnorm.repair_bijoy_residue(text.translate(textnorm._TABLE))
    return re.sub(r"[ \t]+", " ", text)


@pytest.mark.parametrize("text", EDGE_TEXTS)
def test_fold_equals_the_reference_on_edge_cases(text):
    assert fold(text) == reference_fold(text)


def test_fold_equals_the_reference_on_the_labelled_set(labelled):
    for rec in labelled:
        for text in [rec["title"], *rec["paragraphs"]]:
            assert fold(text) == reference_fold(text), rec["id"]


@pytest.mark.parametrize("text", ["", "abc", "ABC Kim JONG-un রাশিয়া", "İÀ Z", "রাশিয়া"])
def test_lower_ascii_changes_latin_capitals_only(text):
    assert lower_ascii(text) == text.translate(str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                                                            "abcdefghijklmnopqrstuvwxyz"))
