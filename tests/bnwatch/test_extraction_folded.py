"""Extraction's text fields come out folded and trimmed (bnwatch.extract.Extraction): the clean stage stores them
without folding again, so a field that left extraction unfolded would reach the matcher and the store unfolded."""

from __future__ import annotations

from pathlib import Path

import pytest

from bnwatch.extract import NotAnArticle, extract_article
from bnwatch.outlets import Registry
from bnwatch.textnorm import fold
from tests.fixtures.paths import CORPUS_PAGES, GOLDEN_GLOB, OUTLETS_DIR

PAGES = sorted(OUTLETS_DIR.glob(GOLDEN_GLOB.replace(".json", ".html"))) + sorted(CORPUS_PAGES.glob("*/*.html"))


def test_the_stored_pages_are_there():
    assert len(PAGES) >= 60


@pytest.mark.parametrize("registry", [Registry.load(), Registry([])], ids=["outlet-files", "generic"])
def test_every_text_field_is_folded_and_trimmed(registry):
    checked = 0
    for path in PAGES:
        try:
            ex = extract_article(path.read_bytes(), registry=registry)
        except NotAnArticle:
            continue
        texts = [ex.title, *ex.paragraphs, *ex.authors, ex.section or "", ex.credited_source or ""]
        unfolded = [t for t in texts if fold(t).strip() != t]
        assert not unfolded, f"{path.name}: {unfolded[:2]}"
        assert all(ex.paragraphs), f"{path.name}: an empty paragraph"
        checked += 1
    assert checked >= 50
