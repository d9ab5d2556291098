"""Compatibility layer: extraction lives in bnwatch.extract (the shared library). The clean stage, the CLI and
the tests may keep importing these names from here."""

from __future__ import annotations

from datetime import datetime

from bnwatch.extract import (CHALLENGE, ERROR_PAGE, NO_TEXT, SECTION_FRONT, TOO_DEEP, UNDECODABLE, Extraction,
                             NotAnArticle, extract_article, extract_page)
from bnwatch.extract.body import BodyFacts as _BodyFacts
from bnwatch.extract.body import clean_paragraphs
from bnwatch.extract.authors import is_byline_line, is_sign_off
from bnwatch.extract.credit import credit_domain, credit_from, parse_credit
from bnwatch.extract.site import detect_language
from bnwatch.extract.text import element_paragraphs
from bnwatch.extract.title import strip_site_suffix
from bnwatch.extract.verdicts import MIN_BODY_CHARS
from bnwatch.extract.verdicts import page_verdict as challenge_reason

__all__ = ["CHALLENGE", "ERROR_PAGE", "MIN_BODY_CHARS", "NO_TEXT", "SECTION_FRONT", "TOO_DEEP", "UNDECODABLE",
           "Extraction", "NotAnArticle", "_BodyFacts", "challenge_reason", "clean_paragraphs", "credit_domain",
           "credit_from", "detect_language", "element_paragraphs", "extract", "extract_page", "is_byline_line",
           "is_sign_off", "parse_credit", "strip_site_suffix"]


def extract(html: bytes | str, url: str | None = None, outlet: str | None = None, *, headers: dict | None = None,
            fetched_at: datetime | None = None, registry=None, declared_encoding: str | None = None) -> Extraction:
    """bnwatch.extract.extract_article with this module's first argument order (html, url, outlet)."""
    return extract_article(html, outlet, url, headers=headers, fetched_at=fetched_at, registry=registry,
                           declared_encoding=declared_encoding)
