"""The section: outlet selector → JSON-LD articleSection → article:section meta → a "বিভাগ : …" line in the body
(found by the body module) → a section line anywhere → the category link or breadcrumb by the headline →
a JSON-LD breadcrumb."""

from __future__ import annotations

import re
import unicodedata

from .structured import types
from .text import clean, comparable, n, short_texts
from .title import headline_element

SECTION_LINE = re.compile(n(r"^(?:বিভাগ|ক্যাটাগরি|শ্রেণি|Category|Section)\s*[:ঃ]\s*(?P<v>.{1,60})$"), re.I)
_HOME_WORDS = {"হোম", "প্রচ্ছদ", "home", "মূলপাতা", "প্রথম পাতা"}


def declared_section(page, selectors: dict) -> str | None:
    """What the page declares: the outlet selector, JSON-LD articleSection, article:section."""
    section = next(iter(page.select(selectors.get("section"))), None)
    ld = page.article_ld
    if not section and ld:
        sec = ld.get("articleSection")
        section = (sec[0] if isinstance(sec, list) and sec else sec) if sec else None
        section = clean(section) if isinstance(section, str) else None
    return section or page.meta("article:section")


def printed_section(page, title: str) -> str | None:
    """What the page prints: a section line anywhere, else the category link/breadcrumb by the headline."""
    return section_line_anywhere(page) or generic_section(page, title)


def section_line_anywhere(page) -> str | None:
    """"বিভাগ : আন্তর্জাতিক" printed under the article."""
    if "বিভাগ" not in page.all_text and "Category" not in page.all_text:
        return None  # no element's text can start with either (one string test instead of the XPath below)
    for _el, text in short_texts(page, "//body//*[starts-with(normalize-space(.), 'বিভাগ') or "
                                       "starts-with(normalize-space(.), 'Category')]", 100):
        m = SECTION_LINE.match(text)
        if m:
            return clean(m.group("v"))
    return None


def generic_section(page, title: str) -> str | None:
    """The category link by the headline, else the last breadcrumb that is neither home nor the headline."""
    for _el, text in short_texts(page, "//body//*[contains(concat(' ', normalize-space(@class), ' '), 'category') "
                                       "and not(self::li) and not(ancestor::*[contains(@class, 'breadcrumb')])]", 40):
        if len(text.split()) <= 4:
            return text
    for node in page.xpath("//*[contains(@class, 'breadcrumb')]"):
        items = [clean(t) for t in page.xpath(".//a//text() | .//li//text()", node)]
        items = [t for t in items if t and t not in "»>/|" and comparable(t) != comparable(title)]
        items = [t for t in items if t.casefold() not in _HOME_WORDS]
        if items and len(items[-1]) <= 40:
            return items[-1]
    return _section_link_by_headline(page, title) or _jsonld_breadcrumb_section(page, title)


def _jsonld_breadcrumb_section(page, title: str) -> str | None:
    """The last JSON-LD BreadcrumbList item that is neither home nor the article itself (WordPress/Yoast pages:
    হোম › বাংলাদেশ › <headline>)."""
    for obj in page.jsonld:
        if "breadcrumblist" not in types(obj):
            continue
        items = obj.get("itemListElement")
        if not isinstance(items, list):
            continue
        found = []
        for item in sorted((i for i in items if isinstance(i, dict)), key=lambda i: str(i.get("position", "")).zfill(4)):
            inner = item.get("item")
            name = item.get("name") or (inner.get("name") if isinstance(inner, dict) else None)
            if isinstance(name, str) and clean(name):
                found.append(clean(unicodedata.normalize("NFC", name)))
        found = [x for x in found if x.casefold() not in _HOME_WORDS and comparable(x) != comparable(title)
                 and not (title and len(x) > 40)]
        if found and len(found[-1]) <= 40:
            return found[-1]
    return None


def _section_link_by_headline(page, title: str) -> str | None:
    """The section link printed right above the headline (a kicker such as `<div><a href="/sport">খেলা</a></div>`
    before the h1): one short link text, nothing else in the element, no digits (not a date, not a counter)."""
    head = headline_element(page, title)
    if head is None:
        return None
    for el in list(head.itersiblings(preceding=True))[:2]:
        if not isinstance(el.tag, str) or el.tag.lower() in ("h1", "h2", "script", "style", "img", "figure"):
            continue
        links = [a for a in ([el] if el.tag.lower() == "a" else el.iter("a"))]
        if len(links) != 1:
            continue
        text = clean(unicodedata.normalize("NFC", links[0].text_content()))
        whole = clean(unicodedata.normalize("NFC", el.text_content()))
        if (text and text == whole and len(text) <= 30 and len(text.split()) <= 3 and not re.search(r"[\d০-৯]", text)
                and text.casefold() not in _HOME_WORDS and comparable(text) != comparable(title)):
            return text
    return None
