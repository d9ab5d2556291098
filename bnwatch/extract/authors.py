"""Authors: outlet selector → JSON-LD author (people, not the publishing organisation) → meta author → the byline
by the headline. An outlet with an authors selector gets only what it finds (an empty byline stays empty)."""

from __future__ import annotations

import itertools
import re

from bnwatch.textnorm import fold

from .dateparse import parse_dateline
from .dates import TIME_HINT
from .structured import flat, names, types
from .text import JUNK_ATTR, attribute, clean, element_paragraphs, following_elements, is_element, n, short_texts
from .title import headline_element

_LABEL = re.compile(n(r"^(?:লেখক|প্রতিবেদক|প্রতিবেদন|রিপোর্ট|লিখেছেন|by|written by|published by|author)\s*[:ঃ]?\s+"),
                    re.I)
#: author/byline/reporter elements of the body, in document order (one query for either tree)
_BYLINES = ("body [class*='author'], body [class*='byline'], body [class*='reporter'], body [rel='author'],"
            " body [itemprop='author']")
#: a desk/reporter sign-off closing the copy: "জেপি/এমএস", "এমএইচ/এএসএম/জিকেএস", "বিডি প্রতিদিন/কালাম" (initials or
#: the outlet's name, a slash, the sub-editor's name or initials). A code with digits ("এমআর-২") is not one.
_SIGN_WORD = "[\u0980-\u09e3A-Za-z][\u0980-\u09e3A-Za-z.]*"
_SIGN_PART = f"{_SIGN_WORD}(?: {_SIGN_WORD}){{0,2}}"
_SIGN_OFF = re.compile(f"^{_SIGN_PART}(?:\\s*/\\s*{_SIGN_PART})+$")
#: a byline line: "ক্রীড়া ডেস্ক", "অনলাইন ডেস্ক", "নিজস্ব প্রতিবেদক", "রাজশাহী প্রতিনিধি", "প্রতিনিধি, বগুড়া",
#: "স্টাফ রিপোর্টার", "আমাদের সংবাদদাতা"
_BYLINE_LINE = re.compile(n(
    r"^(?:[^\s।,:;!?]+\s+){0,3}(?:ডেস্ক|প্রতিবেদক|সংবাদদাতা|প্রতিনিধি|রিপোর্টার|ডেস্ক রিপোর্ট)$"
    r"|^(?:নিজস্ব |বিশেষ |স্টাফ )?(?:প্রতিবেদক|সংবাদদাতা|প্রতিনিধি|রিপোর্টার)\s*,\s*[^\s।,:;!?]+(?:\s[^\s।,:;!?]+)?$"))


def is_sign_off(p: str) -> bool:
    return len(p) <= 40 and bool(_SIGN_OFF.match(p))


def is_byline_line(p: str) -> bool:
    return len(p) <= 40 and bool(_BYLINE_LINE.match(p))


def find_authors(page, selectors: dict, title: str) -> list[str]:
    """The fallback chain of the module docstring (the byline inside the body is the body module's find)."""
    if selectors.get("authors"):
        return clean_authors(page.select(selectors["authors"]))
    ld = page.article_ld
    authors = person_names(ld.get("author")) if ld else []
    if not authors:
        meta_author = page.meta("author", "article:author", "dc.creator")
        if meta_author and not meta_author.startswith("http"):
            authors = [meta_author]
    if not authors:
        authors = generic_authors(page, title)
    return clean_authors(authors)


def clean_authors(values: list[str]) -> list[str]:
    out: list[str] = []
    for v in values:
        v = clean(fold(_LABEL.sub("", clean(v))))
        if v and len(v) <= 80 and v not in out:
            out.append(v)
    return out


def person_names(value) -> list[str]:
    """Author names from JSON-LD, without Organization authors (that is the publisher, not a byline)."""
    return [name for v in flat(value) if not _is_organization(v) for name in names(v)]


def _is_organization(value) -> bool:
    return isinstance(value, dict) and "organization" in types(value) | {
        t.replace("newsmediaorganization", "organization") for t in types(value)}


def generic_authors(page, title: str = "") -> list[str]:
    """The byline next to the headline: the first author/byline/reporter element with a short, date-free text,
    else a byline line ("নিজস্ব প্রতিবেদক") right under the headline, whatever its class."""
    for el, text in short_texts(page, _BYLINES, 80, css=True):
        classes = attribute(el, "class") or ""
        if JUNK_ATTR.search(classes) and "author" not in classes:
            continue
        if TIME_HINT.search(text) or parse_dateline(text):
            continue
        return [text]
    head = headline_element(page, title, lexbor=page.on_lexbor) if title else None
    if head is not None:
        for el in list(itertools.islice(following_elements(head), 3)):
            if not is_element(el):
                continue
            for text in element_paragraphs(el, skip_junk=False)[:3]:
                text = clean(n(text))
                if is_byline_line(text):
                    return [text]
    return []
