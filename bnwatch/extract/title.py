"""The headline: outlet selector → the page's own h1 that agrees with og:title → JSON-LD headline → og:title →
the first h1 → <title>, never with its " | Outlet" tail."""

from __future__ import annotations

import re
from typing import Callable

from bnwatch.textnorm import fold

from .structured import names
from .text import clean, comparable, element_paragraphs, in_chrome, string_value

_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|::|»|·|/)\s+")


def strip_site_suffix(title: str, site_names: tuple[str, ...] = ()) -> str:
    """"এমপির ভাইকে … হত্যা | UKBDNEWS" → "এমপির ভাইকে … হত্যা". Only a short last part, or one naming the site."""
    parts = _SEPARATORS.split(title)
    if len(parts) < 2:
        return title
    last = parts[-1].strip()
    sep = title[: title.rfind(last)].rstrip()[-2:].strip()
    site = {n.casefold() for n in site_names if n}
    is_site = last.casefold() in site or any(n and (n in last.casefold() or last.casefold() in n) for n in site)
    latin_short = bool(re.fullmatch(r"[A-Za-z0-9 .&'’-]{2,40}", last)) and bool(re.search("[\u0980-\u09ff]", title))
    # "… থাকতে হবে - সারজিস আলম" is a quote's speaker, not a site: only '|'-style separators strip short tails
    short_tail = sep in ("|", "::", "»", "·") and len(last.split()) <= 3
    if is_site or latin_short or short_tail:
        head = title[: title.rfind(last)].rstrip()
        head = re.sub(r"\s*(?:\||-|–|—|::|»|·|/)\s*$", "", head)
        return head or title
    return title


def generic_title(page, site_names: tuple[str, ...]) -> str:
    og = page.meta("og:title", "twitter:title")
    h1s = []
    for el in page.xpath("//h1"):
        if in_chrome(el):
            continue
        text = clean(" ".join(element_paragraphs(el, skip_junk=False)))
        if text and len(text) > 3:
            h1s.append(text)
    if og:
        co = comparable(og)
        for h in h1s:
            ch = comparable(h)
            if ch and (ch in co or co in ch):
                return h
    ld = page.article_ld
    headline = names(ld.get("headline")) if ld else []
    if headline:
        return strip_site_suffix(headline[0], site_names)
    if og:
        return strip_site_suffix(og, site_names)
    if h1s:
        return h1s[0]
    title = clean(page.first("//title/text()"))
    return strip_site_suffix(title, site_names) if title else ""


def find_title(page, selectors: dict, site_names: tuple[str, ...] | Callable[[], tuple[str, ...]]) -> str:
    """The outlet's title selector, else generic_title. `site_names` may be a function giving them: only the
    generic chain reads them, so a page whose selector finds the title never computes them."""
    title = page.select(selectors.get("title"))[:1] if selectors.get("title") else []
    if title:
        return clean(fold(title[0]))
    return clean(fold(generic_title(page, site_names() if callable(site_names) else site_names)))


def headline_element(page, title: str, *, lexbor: bool = False):
    """The page's own headline element: the first h1 that agrees with the title, else an h2 that does (outlets
    that style the headline as h2 and keep h1 for the logo). `lexbor`: from the page's lexbor tree."""
    def headings(tag: str) -> list:
        return page.lexbor.tags(tag) if lexbor else page.xpath(f"//{tag}")

    key = comparable(title) if title else ""
    for el in headings("h1"):
        text = comparable(string_value(el) or "")
        if not key or (text and (text in key or key in text)):
            return el
    if key:
        for el in headings("h2"):
            text = comparable(string_value(el) or "")
            if text and len(text) >= 0.8 * len(key) and (text in key or key in text) and not in_chrome(el):
                return el
    return None
