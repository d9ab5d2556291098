"""The one interpreter of outlet selectors (CSS with parsel's `::text` / `::attr(x)`, as written in the outlet
files), used by every field and by the content fingerprint.

Each selector string is translated (parsel's own CSS→XPath translator) and compiled once, then cached.
Semantics, defined here only:
- `sel::attr(x)` → the attribute values, whitespace folded;
- `sel` and `sel::text` → for each matched element its FULL text, descendants included, whitespace folded
  (`<h1>কিম <b>রাশিয়া</b> সফর</h1>` reads 'কিম রাশিয়া সফর', never ['কিম', 'সফর']);
- a selector lxml rejects matches nothing (a bad selector in a data file must not kill the page).
"""

from __future__ import annotations

import functools
import re

from lxml import etree
from parsel import Selector
from parsel.csstranslator import HTMLTranslator

from .text import clean, element_text

_TRANSLATOR = HTMLTranslator()
_NAMESPACES = dict(Selector._default_namespaces)
_TEXT = re.compile(r"::text\b")


@functools.lru_cache(maxsize=4096)
def compiled(css: str) -> etree.XPath:
    """`css` translated and compiled once per selector string."""
    return etree.XPath(_TRANSLATOR.css_to_xpath(css), namespaces=_NAMESPACES, smart_strings=False)


def nodes(root, css: str) -> list:
    """What the compiled selector gives on `root`: elements, or strings for `::attr(x)`."""
    result = compiled(css)(root)
    return result if isinstance(result, list) else [result]


def texts(root, css: str | None) -> list[str]:
    """The non-empty values of a selector (see the module docstring)."""
    if not css:
        return []
    try:
        if "::attr(" in css:
            return [v for v in (clean(x) for x in nodes(root, css)) if v]
        found = nodes(root, _TEXT.sub("", css))
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
        return [n for n in nodes(root, _TEXT.sub("", css)) if not isinstance(n, str)]
    except Exception:  # noqa: BLE001
        return []


def drop(root, css: str) -> None:
    """Remove the matches (keeping their tails); a selector that cannot be dropped is skipped."""
    try:
        found = nodes(root, css)
    except Exception:  # noqa: BLE001
        return
    for node in found:
        if isinstance(node, str) or node.getparent() is None:
            return  # like parsel: the first match that cannot be removed stops the rest
        node.drop_tree()
