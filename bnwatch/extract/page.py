"""A page parsed once: decoded text → tree → JSON-LD → meta, each piece computed on first use and cached on the
Page, so every field module reads the same tree instead of parsing again.

Two trees, each built only when something reads it: a lexbor tree (selectolax) for a registered outlet's selectors
and the page's structured data, once `read_with(outlet)` chose it — lexbor parses and queries several times faster
than lxml — and the lxml tree for the generic chain's XPath (unknown outlets, and a field whose selector found
nothing). The outlet's `drop` list is applied to every tree the page builds, so both read the same page.
"""

from __future__ import annotations

import functools
from dataclasses import replace

from lxml import etree
from parsel import Selector
from selectolax.lexbor import LexborHTMLParser

from bnwatch.html_depth import MAX_DEPTH, deeper_than

from . import selectors, structured
from .bijoy import BIJOY_CONVERTED, convert_bijoy_html, looks_like_bijoy_page
from .decode import DecodeResult, decode_html
from .text import clean, string_value
from .verdicts import CHALLENGE, NO_TEXT, TOO_DEEP, UNDECODABLE, NotAnArticle, page_verdict


#: a page with more tags ('<' characters) than this is read on lxml only. lexbor's HTML5 tree builder has two
#: quadratic cases libxml2 does not: nested block elements (100,000 nested <div>s took 22 s) and formatting elements
#: it re-opens in every new block ('<p><b id=1></p>' repeated 4,900 times built ~12 M elements: 19 s, 4.4 GB). Both
#: need many tags: measured, 1,000 re-opened <b>s (3,000 tags) took 0.16 s and ~190 MB, 2,500 nested divs a few
#: ms, so at 2,500 the worst either can do is about 0.1 s (tests/bnwatch/test_extract_two_trees.py holds the
#: gate). Stored real article pages hold 300-800 tags, listings up to 2,200; a larger page is read on lxml, which
#: gives the same fields on any page both can read.
LEXBOR_MAX_TAGS = 2_500


#: the lxml tree a page read on lexbor falls back to when libxml2 would cut it: nothing to find
_EMPTY = Selector(text="<html><body></body></html>", type="html")


@functools.lru_cache(maxsize=512)
def _xpath(expr: str) -> etree.XPath:
    return etree.XPath(expr, smart_strings=False)


class Page:
    """One HTML document. `Page(text)` trusts the text; `Page.from_html(bytes_or_text, headers)` decodes it and
    refuses what holds no article before parsing (undecodable, empty, bot challenge, error wall), converting
    whole-page Bijoy text to Unicode first."""

    def __init__(self, text: str, decoded: DecodeResult | None = None):
        self.text = text
        self.decoded = decoded
        self._sel: Selector | None = None
        self._jsonld: list[dict] | None = None
        self._article: dict | None | bool = False
        self._meta: dict[tuple[str, str], str] | None = None
        self.dropped: tuple[str, ...] | None = None
        self._lexbor = None
        self.on_lexbor = False  # read_with() chose the lexbor tree for selectors and structured data
        self._too_deep = False  # the lxml tree was found cut (bnwatch.html_depth)

    @classmethod
    def from_html(cls, html: bytes | str, headers: dict | None = None,
                  declared_encoding: str | None = None) -> "Page":
        decoded = decode_html(html, headers, declared_encoding)
        if not decoded.usable:
            raise NotAnArticle(UNDECODABLE, ",".join(decoded.flags))
        text = decoded.text
        if not text.strip() or "<" not in text:
            raise NotAnArticle(NO_TEXT, "empty page")
        reason = page_verdict(text)
        if reason:
            raise NotAnArticle(reason, "bot challenge" if reason == CHALLENGE else "error page")
        if looks_like_bijoy_page(text):  # whole-page Bijoy/SutonnyMJ text: to Unicode before anything reads it
            text = convert_bijoy_html(text)
            decoded = replace(decoded, flags=decoded.flags + (BIJOY_CONVERTED,))
        return cls(text, decoded)

    def read_with(self, outlet) -> bool:
        """Read `outlet`'s selectors (and the page's structured data) on the lexbor tree when lexbor knows every
        selector of the outlet and the page is small enough for it (LEXBOR_MAX_TAGS); True when it does."""
        self.on_lexbor = bool(outlet is not None and self.lexbor_can_read and selectors.lexbor_reads(outlet))
        return self.on_lexbor

    @functools.cached_property
    def lexbor_can_read(self) -> bool:
        """Whether the page is small enough for lexbor (LEXBOR_MAX_TAGS): the one gate before it parses."""
        return self.text.count("<") <= LEXBOR_MAX_TAGS

    # -- the trees -----------------------------------------------------------------------------------------------
    @property
    def lexbor(self):
        """The lexbor document (selectolax), parsed on first use."""
        if self._lexbor is None:
            if not self.lexbor_can_read:  # a caller forgot read_with(): never parse a page that can stall lexbor
                raise ValueError(f"a page of more than {LEXBOR_MAX_TAGS} tags is not read on lexbor")
            self._lexbor = LexborHTMLParser(self.text)
            for css in self.dropped or ():
                selectors.drop(self._lexbor.root, css)
        return self._lexbor

    @property
    def sel(self) -> Selector:
        """The lxml tree (parsel), parsed on first use. When the page nests deeper than libxml2 keeps, the parser
        has cut it and what is left is a fragment (bnwatch.html_depth): a page read on lxml is then no article
        (NotAnArticle(TOO_DEEP)); a page read on lexbor, which keeps it whole, has no lxml tree to fall back on
        (an empty one: the generic chain finds nothing there)."""
        if self._sel is None:
            if not self._too_deep:
                sel = Selector(text=self.text, type="html")
                self._too_deep = deeper_than(sel.root)
            if self._too_deep:
                if not self.on_lexbor:
                    raise NotAnArticle(TOO_DEEP, f"nesting deeper than {MAX_DEPTH} elements")
                return _EMPTY
            for css in self.dropped or ():
                selectors.drop(sel.root, css)
            self._sel = sel
        return self._sel

    @property
    def root(self):
        """The lxml root element (see `sel`)."""
        return self.sel.root

    @property
    def too_deep(self) -> bool:
        """Whether the lxml tree is a fragment (parsed once to know)."""
        if self._sel is None and not self._too_deep:
            try:
                self.sel
            except NotAnArticle:
                pass
        return self._too_deep

    @property
    def _selector_root(self):
        return self.lexbor.root if self.on_lexbor else self.root

    @functools.cached_property
    def all_text(self) -> str:
        """The text of the whole tree (comments excluded), for cheap "can this XPath match at all?" tests: the
        tree only ever loses elements (drop), so it stays a superset of what any later query sees."""
        root = self._selector_root
        return string_value(root) if root is not None else ""

    def xpath(self, expr: str, node=None) -> list:
        """Elements (or strings) an XPath expression gives; compiled once per expression."""
        result = _xpath(expr)(self.root if node is None else node)
        return result if isinstance(result, list) else [result]

    def first(self, expr: str) -> str | None:
        """The first string an XPath expression for text/attributes gives, or None."""
        for value in self.xpath(expr):
            if isinstance(value, str):
                return value
        return None

    def select(self, css: str | None) -> list[str]:
        """An outlet selector's values (bnwatch.extract.selectors)."""
        return selectors.texts(self._selector_root, css) if css else []

    def elements(self, css: str | None) -> list:
        """The elements an outlet selector matches (bnwatch.extract.selectors)."""
        return selectors.elements(self._selector_root, css) if css else []

    def drop(self, css_list) -> None:
        """Remove an outlet's `drop` elements from every tree built so far and any built later (once; the meta
        index is rebuilt after)."""
        css_list = tuple(css_list or ())
        if self.dropped is not None or not css_list:
            return
        if self.on_lexbor:
            self.lexbor  # the tree the outlet is read on exists before the drop: what it loses is recorded
        for tree in (self._lexbor.root if self._lexbor is not None else None,
                     self._sel.root if self._sel is not None else None):
            if tree is not None:
                for css in css_list:
                    selectors.drop(tree, css)
        self.dropped = css_list
        self._meta = None

    # -- structured data -----------------------------------------------------------------------------------------
    @property
    def jsonld(self) -> list[dict]:
        if self._jsonld is None:
            self._jsonld = structured.jsonld_objects(self._selector_root)
        return self._jsonld

    @property
    def article_ld(self) -> dict | None:
        """The page's NewsArticle-like JSON-LD object (bnwatch.extract.structured.article_object), or None."""
        if self._article is False:
            self._article = structured.article_object(self.jsonld)
        return self._article  # type: ignore[return-value]

    def meta(self, *names: str) -> str | None:
        """The content of the first <meta property|name|itemprop=name> for the first name that has one."""
        if self._meta is None:
            self._meta = structured.meta_index(self._selector_root)
        for name in names:
            for attr in structured.META_ATTRS:
                value = self._meta.get((attr, name))
                if value and clean(value):
                    return clean(value)
        return None

    @property
    def canonical_href(self) -> str | None:
        if self.on_lexbor:  # by tag name (lexbor's element index), as the XPath reads it: rel exactly "canonical"
            href = next((a["href"] for a in (n.attributes for n in self.lexbor.tags("link"))
                         if a.get("rel") == "canonical" and a.get("href") is not None), None)
        else:
            href = self.first('//link[@rel="canonical"]/@href')
        return href or self.meta("og:url")

    @property
    def html_lang(self) -> str | None:
        if self.on_lexbor:
            return self.lexbor.root.attributes.get("lang") if self.lexbor.root is not None else None
        return self.first("/html/@lang")
