"""The text traps of docs/research/bengali.md §1–§2 that the clean stage must leave alone (or fix) — on the real seed text.

Most traps have their tests next to the code that handles them (test_dates, test_decode, test_bijoy,
tests/bnwatch/test_textnorm.py, tests/consumers/tag/test_matcher.py). These are the layout and punctuation ones: the
extractor and the fold must not "repair" real Bengali typing habits."""

from __future__ import annotations

import pytest

from bnwatch.outlets import Registry
from bnwatch.textnorm import fold
from consumers.clean.extract import extract_page

from .test_extract import seed_page

EMPTY = Registry([])


@pytest.mark.parametrize("prefix,kept", [
    ("001", "সৈন্য পাঠিয়েছে।২০২২ সালের"),  # no space after the danda (pasted text)
    ("004", "অনুযায়ী,যেকোনো"),  # no space after a comma
    ("003", "মিঃ কিম"),  # visarga as an abbreviation dot: text, not an error
    ("003", "পিয়ংইয়ং (উত্তর কোরিয়া) -এ"),  # spaces around the suffix
])
def test_typing_habits_survive_extraction_and_fold(prefix, kept):
    html, _ = seed_page(prefix)
    body = extract_page(html, registry=EMPTY)["body"]
    assert kept in body
    assert kept in fold(body)


@pytest.mark.parametrize("line", ["রিয়েলিটি শো’র প্রধান বিচারক নাজনীন হাসান খান",  # seed 004, curly apostrophe
                                  "মুরাদনগরে শীতার্ত মানুষের মাঝে পীরসাহেব চরমোনাই'র পক্ষ থেকে কম্বল বিতরণ"])  # seed 000
def test_quotes_before_suffixes_are_kept(line):
    """Research §2.5: keep quotes as they are (the matcher allows ' and ’ before suffixes)."""
    assert fold(line) == line


@pytest.mark.parametrize("prefix", ["000", "004"])
def test_nbsp_lines_of_the_seeds_leave_no_blank_paragraphs(prefix):
    """Seed 000 has 12 and seed 004 6 NBSP-only lines (research §1)."""
    html, _ = seed_page(prefix)
    assert "\u00a0" in html
    paragraphs = extract_page(html, registry=EMPTY)["body"].split("\n\n")
    assert all(p.strip(" \u00a0") for p in paragraphs)
    assert not any("\u00a0" in p for p in (fold(p) for p in paragraphs))


def test_danda_is_devanagari_danda_and_pipe_stays_a_separator():
    html, _ = seed_page("000")
    body = extract_page(html, registry=EMPTY)["body"]
    assert "\u0964" in body  # । U+0964 (Bengali has no danda of its own)
    assert fold("৩০ নভেম্বর ২০২৪, ০৭:৩৫ পিএম | আপডেট: ৩০ নভেম্বর ২০২৪").count("|") == 1


def test_word_final_hasant_is_a_spelling_not_folded():
    """`ফ্রান্স্` is a distinct string (research §2.2): the fold must not guess."""
    assert fold("ফ্রান্স্") == "ফ্রান্স্" != fold("ফ্রান্স")
    assert fold("উচিৎ") != fold("উচিত")  # seed 000: a spelling variant, not a Unicode one
