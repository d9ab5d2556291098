"""The extraction library: an HTML page → article fields, and the content fingerprint the crawler compares.

Shared by the crawler (fingerprint, challenge verdicts), the clean stage and `bnwatch extract`; it imports neither
crawler nor consumers. A page is parsed once (`page.Page`); outlet selectors have one interpreter
(`selectors`); every field is its own fallback chain — outlet selector → JSON-LD → meta → generic — in its own
module (`title`, `dates`, `authors`, `section`, `credit`, `body`); `verdicts` says when a page holds no article
(NotAnArticle(reason), `reason` a short stable code fit for a metric label).
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urljoin

from bnwatch.outlets import Outlet, Registry, default_registry
from bnwatch.textnorm import fold

from .authors import clean_authors, find_authors
from .body import GENERIC_METHODS, BodyFacts, clean_paragraphs, raw_paragraphs
from .credit import credit_anywhere, selector_credit
from .dateparse import DEFAULT_TZ, to_iso
from .dates import find_dates
from .extraction import Extraction
from .fingerprint import (FINGERPRINT_V3, FINGERPRINT_VERSION, fingerprint, fingerprint_digest, fingerprint_v3,
                          fingerprint_version)
from .page import Page
from .section import declared_section, printed_section
from .site import detect_language, find_outlet, site_names
from .text import clean
from .title import find_title
from .verdicts import (CHALLENGE, ERROR_PAGE, MIN_BODY_CHARS, NO_TEXT, SECTION_FRONT, TOO_DEEP, UNDECODABLE,
                       NotAnArticle, is_section_front)

__all__ = ["CHALLENGE", "ERROR_PAGE", "NO_TEXT", "SECTION_FRONT", "TOO_DEEP", "UNDECODABLE", "Extraction",
           "FINGERPRINT_V3", "FINGERPRINT_VERSION", "NotAnArticle", "Page", "extract", "extract_article",
           "extract_page", "fingerprint", "fingerprint_digest", "fingerprint_v3", "fingerprint_version"]


def extract_article(page: Page | bytes | str, outlet: str | None = None, url: str | None = None, *,
                    headers: dict | None = None, fetched_at: datetime | None = None,
                    registry: Registry | None = None, declared_encoding: str | None = None) -> Extraction:
    """The article of one page, every field from its own module. Raises NotAnArticle."""
    if not isinstance(page, Page):
        page = Page.from_html(page, headers, declared_encoding)
    if registry is None:  # a bad outlet file raises (OutletError): never extract without the outlets' selectors
        registry = default_registry()
    site = find_outlet(registry, page, url, outlet)
    page.read_with(site)
    tz = site.timezone if site else DEFAULT_TZ
    selectors = site.selectors if site else {}
    canonical = page.canonical_href
    if canonical and url:
        canonical = absolute_url(url, canonical)
    page_url = url or canonical

    title = find_title(page, selectors, lambda: site_names(site, page, page_url))
    dates = find_dates(page, selectors, title, tz, url=page_url, fetched_at=fetched_at, keep_offset=site is None)
    authors = find_authors(page, selectors, title)
    section = declared_section(page, selectors)
    credit = selector_credit(page, selectors)

    # the body last: it drops the outlet's `drop` elements from the tree
    paragraphs, method = raw_paragraphs(page, site, selectors, page_url)
    facts = BodyFacts()
    paragraphs = clean_paragraphs(paragraphs, title=title, authors=authors,
                                  boilerplate=site.boilerplate_text if site else (), facts=facts)
    section = section or facts.section or printed_section(page, title)
    if not authors and not selectors.get("authors") and facts.byline:
        authors = clean_authors([facts.byline])
    credit = credit or facts.credit or (None if selectors.get("credit") else credit_anywhere(page))

    body_chars = sum(len(p) for p in paragraphs)
    if method in GENERIC_METHODS and is_section_front(page, paragraphs):
        raise NotAnArticle(SECTION_FRONT, "a listing of headlines, no article")
    if body_chars < MIN_BODY_CHARS and not (title and body_chars >= 40 and method not in GENERIC_METHODS):
        raise NotAnArticle(NO_TEXT, f"{body_chars} characters of body text")

    language = (site.language if site and site.language
                else detect_language(title + " " + " ".join(paragraphs), page.html_lang))
    return Extraction(
        url=page_url, canonical_url=canonical or page_url, outlet=site.id if site else None, title=title,
        paragraphs=paragraphs, published_at=to_iso(dates.published), updated_at=to_iso(dates.updated),
        authors=authors, section=clean(fold(section)).strip(" ।.") if section else None,
        credited_source=clean(fold(credit)) if credit else None, language=language, method=method,
        decode=page.decoded, date_confidence=0.5 if dates.calendar_mismatch else 1.0)


_PLAIN_ABSOLUTE = re.compile(r"https?://[^\s\x00-\x1f\x7f?#;\[\]\\]+")


def absolute_url(base: str, href: str) -> str:
    """urljoin(base, href); a plain absolute http(s) link (what canonical links are) is returned as it is, which is
    what urljoin gives for it (tests/bnwatch/test_extract_fields.py holds them equal), without its parsing."""
    if _PLAIN_ABSOLUTE.fullmatch(href):
        return href
    return urljoin(base, href)


def extract(page: Page | bytes | str, outlet: str | None = None, url: str | None = None, **options) -> dict:
    """The `bnwatch extract` JSON object of one page (url, outlet, title, body, published_at, updated_at, authors,
    section, credited_source, language). Raises NotAnArticle."""
    return extract_article(page, outlet, url, **options).as_dict()


def extract_page(html: bytes | str, url: str | None = None, outlet: str | None = None, **options) -> dict:
    """`extract` with the argument order of the first public entry (html, url, outlet)."""
    return extract_article(html, outlet, url, **options).as_dict()
