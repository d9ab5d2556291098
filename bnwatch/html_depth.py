"""How deep an HTML tree nests, checked without recursion.

libxml2 (under lxml and parsel) silently stops parsing a page nested deeper than 256 elements (2048 with
huge_tree, which parsel turns on): everything after that point is missing from the tree, so what is extracted from
such a page is a fragment. Real news pages nest about 10-25 deep (every outlet fixture and corpus page), so a page
deeper than MAX_DEPTH is treated as no article at all rather than a truncated one.
"""

from __future__ import annotations

import functools

from lxml import etree

#: libxml2's own nesting limit without huge_tree (what trafilatura's parser uses)
MAX_DEPTH = 256


@functools.lru_cache(maxsize=8)
def _below(levels: int) -> etree.XPath:
    # a plain child path evaluated level by level: each element is visited once, however deep the tree is
    return etree.XPath("boolean(" + "/".join(["*"] * levels) + ")")


def deeper_than(root, limit: int = MAX_DEPTH) -> bool:
    """True when some element lies more than `limit` levels below `root` (an lxml element)."""
    return bool(_below(limit + 1)(root))
