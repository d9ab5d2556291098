"""A page parsed once: decoded text → lxml tree → JSON-LD → meta, each piece computed on first use and cached on
the Page, so every field module reads the same tree instead of parsing again."""

from __future__ import annotations

import functools
from dataclasses import replace

from lxml import etree
from parsel import Selector

from bnwatch.html_depth import MAX_DEPTH, deeper_than

from . import selectors, structured
from .bijoy import BIJOY_CONVERTED, convert_bijoy_html, looks_like_bijoy_page
from .decode import DecodeResult, decode_html
from .text import clean
from .verdicts import CHALLENGE, NO_TEXT, TOO_DEEP, UNDECODABLE, NotAnArticle, page_verdict


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
        page = cls(text, decoded)
        if page.too_deep:  # the parser has cut such a page: what is left is a fragment (bnwatch.html_depth)
            raise NotAnArticle(TOO_DEEP, f"nesting deeper than {MAX_DEPTH} elements")
        return page

    # -- the tree ------------------------------------------------------------------------------------------------
    @property
    def sel(self) -> Selector:
        if self._sel is None:
            self._sel = Selector(text=self.text, type="html")
        return self._sel

    @property
    def root(self):
        return self.sel.root

    @functools.cached_property
    def too_deep(self) -> bool:
        return deeper_than(self.root)

    @functools.cached_property
    def all_text(self) -> str:
        """The text of the whole tree (comments excluded), for cheap "can this XPath match at all?" tests: the
        tree only ever loses elements (drop), so it stays a superset of what any later query sees."""
        return self.root.xpath("string()")

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
        return selectors.texts(self.root, css)

    def drop(self, css_list) -> None:
        """Remove an outlet's `drop` elements from the tree (once; the meta index is rebuilt after)."""
        css_list = tuple(css_list or ())
        if self.dropped is not None or not css_list:
            return
        for css in css_list:
            selectors.drop(self.root, css)
        self.dropped = css_list
        self._meta = None

    # -- structured data -----------------------------------------------------------------------------------------
    @property
    def jsonld(self) -> list[dict]:
        if self._jsonld is None:
            self._jsonld = structured.jsonld_objects(self.root)
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
            self._meta = structured.meta_index(self.root)
        for name in names:
            for attr in structured.META_ATTRS:
                value = self._meta.get((attr, name))
                if value and clean(value):
                    return clean(value)
        return None

    @property
    def canonical_href(self) -> str | None:
        return self.first('//link[@rel="canonical"]/@href') or self.meta("og:url")

    @property
    def html_lang(self) -> str | None:
        return self.first("/html/@lang")
