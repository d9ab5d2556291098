"""The one interpreter of outlet selectors (CSS with parsel's `::text` / `::attr(x)`, as written in the outlet
files), used by every field and by the content fingerprint, on either tree a Page holds.

Semantics, defined here only, the same on both trees:
- `sel::attr(x)` → the attribute values, whitespace folded;
- `sel` and `sel::text` → for each matched element its FULL text, descendants included, whitespace folded
  (`<h1>কিম <b>রাশিয়া</b> সফর</h1>` reads 'কিম রাশিয়া সফর', never ['কিম', 'সফর']);
- a selector the engine rejects matches nothing (a bad selector in a data file must not kill the page).

Two engines: lexbor's own CSS engine on a selectolax tree (what a registered outlet's page is read with: it parses
and queries several times faster), and parsel's CSS→XPath translation compiled once on an lxml tree (the generic
chain's tree, and the reading of an outlet one of whose selectors lexbor does not know, e.g. `:contains()` —
`lexbor_reads(outlet)` decides that per outlet, once).
"""

from __future__ import annotations

import functools
import re

from lxml import etree
from parsel import Selector
from parsel.csstranslator import HTMLTranslator
from selectolax.lexbor import LexborHTMLParser, LexborNode

from .text import clean, element_text

_TRANSLATOR = HTMLTranslator()
_NAMESPACES = dict(Selector._default_namespaces)
_TEXT = re.compile(r"::text\b")


@functools.lru_cache(maxsize=4096)
def _without_text(css: str) -> str:
    """The selector without `::text` (texts and elements read an element's text themselves); once per selector."""
    return _TEXT.sub("", css)
_PSEUDO = re.compile(r"::(?:text|attr\(([^)]*)\))\s*$")


@functools.lru_cache(maxsize=4096)
def compiled(css: str) -> etree.XPath:
    """`css` translated and compiled once per selector string (the lxml engine)."""
    return etree.XPath(_TRANSLATOR.css_to_xpath(css), namespaces=_NAMESPACES, smart_strings=False)


@functools.lru_cache(maxsize=4096)
def split(css: str) -> tuple[str, str | None]:
    """(the element selector, the attribute of a trailing `::attr(x)` or None); `::text` is dropped."""
    m = _PSEUDO.search(css)
    if not m:
        return css, None
    return css[:m.start()], (m.group(1).strip() if m.group(1) is not None else None)


_PROBE = LexborHTMLParser("<html><body><p></p></body></html>")


@functools.lru_cache(maxsize=4096)
def lexbor_accepts(css: str) -> bool:
    """Whether lexbor's CSS engine parses the selector (cssselect-only syntax such as `:contains()` it does not)."""
    try:
        _PROBE.css(split(css)[0])
    except Exception:  # noqa: BLE001 - SelectolaxError, or whatever else the engine says about it
        return False
    return True


def lexbor_reads(outlet) -> bool:
    """Whether every selector and drop rule of `outlet` is one both engines know: only then is its page read on a
    lexbor tree (a mixed reading would drop chrome on one tree and read the body from another; and a page too big
    for lexbor is read on lxml, which must then mean the same). Each selector's answer is cached."""
    values = [v for v in (outlet.selectors or {}).values() if v] + list(outlet.drop or ())
    return all(lexbor_accepts(v) and lxml_accepts(v) for v in values)


@functools.lru_cache(maxsize=4096)
def lxml_accepts(css: str) -> bool:
    """Whether parsel's translator takes the selector (lexbor knows some cssselect does not, e.g. `:any-link`)."""
    try:
        compiled(_without_text(css) if "::attr(" not in css else css)
    except Exception:  # noqa: BLE001
        return False
    return True


def nodes(root, css: str) -> list:
    """What the selector gives on `root`: elements, or strings for `::attr(x)`."""
    if isinstance(root, LexborNode):
        base, attr = split(css)
        found = root.css(base)
        if attr is None:
            return found
        values = [n.attributes.get(attr) for n in found]
        return [v for v in values if v is not None]
    result = compiled(css)(root)
    return result if isinstance(result, list) else [result]


def texts(root, css: str | None) -> list[str]:
    """The non-empty values of a selector (see the module docstring)."""
    if not css:
        return []
    try:
        if "::attr(" in css:
            return [v for v in (clean(x) for x in nodes(root, css)) if v]
        found = nodes(root, _without_text(css))
    except Exception:  # noqa: BLE001 - a bad selector in a data file must not kill the page
        return []
    values = [clean(n) if isinstance(n, str) else element_text(n) for n in found]
    return [v for v in values if v]


def first_text(root, css: str | None) -> str:
    return next(iter(texts(root, css)), "")


def elements(root, css: str | None) -> list:
    """The elements a selector matches (`::text` ignored), in document order."""
    if not css:
        return []
    try:
        return [n for n in nodes(root, _without_text(css)) if not isinstance(n, str)]
    except Exception:  # noqa: BLE001
        return []


def drop(root, css: str) -> None:
    """Remove the matches (keeping the text that follows them); a selector that cannot be dropped is skipped."""
    try:
        found = nodes(root, css)
    except Exception:  # noqa: BLE001
        return
    for node in found:
        if isinstance(node, str):
            return  # like parsel: the first match that cannot be removed stops the rest
        if isinstance(node, LexborNode):
            if node.tag == "html":
                return  # the root, as lxml: it cannot be removed, and it stops the rest
            if node.parent is not None:  # None: removed already, inside an earlier match (remove() detaches a
                node.remove()            # whole subtree node by node, freeing nothing)
            continue
        if node.getparent() is None:
            return
        node.drop_tree()
