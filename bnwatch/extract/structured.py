"""Structured data on a page: JSON-LD objects (NewsArticle, BreadcrumbList…) and <meta> tags, read once per page."""

from __future__ import annotations

import json
import re
from typing import Any

from lxml import etree
from selectolax.lexbor import LexborNode

from .text import clean

ARTICLE_TYPES = {"newsarticle", "article", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle",
                 "reviewnewsarticle", "backgroundnewsarticle", "blogposting", "liveblogposting", "report",
                 "scholarlyarticle", "socialmediaposting", "techarticle"}
_LD_SCRIPTS = etree.XPath('//script[contains(translate(@type, "JSONLD", "jsonld"), "ld+json")]/text()',
                          smart_strings=False)
META_ATTRS = ("property", "name", "itemprop")


def ld_scripts(root) -> list[str]:
    """The text of every <script> whose type says ld+json (any case), on an lxml or a lexbor tree."""
    if isinstance(root, LexborNode):  # by tag name: lexbor's element index, several times faster than a CSS walk
        return [n.text(deep=True) for n in root.parser.tags("script")
                if "ld+json" in (n.attributes.get("type") or "").lower()]
    return _LD_SCRIPTS(root)


def jsonld_objects(root) -> list[dict]:
    """Every JSON object in the page's ld+json scripts, @graph and mainEntity unfolded (no recursion: any depth)."""
    out: list[dict] = []

    def walk(obj: Any) -> None:
        stack = [obj]
        while stack:
            obj = stack.pop()
            if isinstance(obj, list):
                stack.extend(reversed(obj))
            elif isinstance(obj, dict):
                out.append(obj)
                main = obj.get("mainEntity")
                if isinstance(main, (dict, list)):
                    stack.append(main)
                if "@graph" in obj:
                    stack.append(obj["@graph"])

    for raw in ld_scripts(root):
        raw = raw.strip().rstrip(";")
        if not raw:
            continue
        try:
            data = json.loads(raw, strict=False)
        except RecursionError:  # nested deeper than the decoder goes: not structured data we can read
            continue
        except ValueError:
            try:
                data = json.loads(re.sub(r"[\x00-\x1f]", " ", raw), strict=False)
            except (ValueError, RecursionError):
                continue
        walk(data)
    return out


def types(obj: dict) -> set[str]:
    t = obj.get("@type")
    if isinstance(t, str):
        return {t.lower()}
    if isinstance(t, list):
        return {str(x).lower() for x in t}
    return set()


def article_object(objects: list[dict]) -> dict | None:
    """The first NewsArticle-like object (a WebPage with a datePublished as a second choice), with @id
    references in `author` resolved against the rest of the graph."""
    by_id = {o["@id"]: o for o in objects if isinstance(o.get("@id"), str)}
    found = next((o for o in objects if types(o) & ARTICLE_TYPES), None)
    if found is None:
        found = next((o for o in objects if "webpage" in types(o) and o.get("datePublished")), None)
    if found is None:
        return None
    found = dict(found)
    if found.get("author") is not None:
        found["author"] = _resolve(found["author"], by_id)
    return found


def flat(value: Any) -> list[Any]:
    """The non-list items of a JSON value, nested lists flattened in order (no recursion: any depth)."""
    out: list[Any] = []
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, list):
            stack.extend(reversed(v))
        else:
            out.append(v)
    return out


def _resolve(value: Any, by_id: dict[str, dict]) -> Any:
    def one(v: Any) -> Any:
        if isinstance(v, dict) and "name" not in v and isinstance(v.get("@id"), str):
            return by_id.get(v["@id"], v)
        return v

    return [one(v) for v in flat(value)] if isinstance(value, list) else one(value)


def names(value: Any) -> list[str]:
    """Every name in a JSON-LD value: strings, lists of them, {"name": ...} objects (an explicit stack: any depth)."""
    out: list[str] = []
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            if clean(v):
                out.append(clean(v))
        elif isinstance(v, list):
            stack.extend(reversed(v))
        elif isinstance(v, dict):
            stack.append(v.get("name"))
    return out


def meta_index(root) -> dict[tuple[str, str], str]:
    """(attribute, value) → the content of the first <meta> in document order that has both, i.e. what
    `//meta[@attr="value"]/@content` gives first; built in one pass."""
    index: dict[tuple[str, str], str] = {}
    if isinstance(root, LexborNode):
        metas = (n.attributes for n in root.parser.tags("meta"))
    else:
        metas = (el.attrib for el in root.iter("meta"))
    for attrs in metas:
        content = attrs.get("content")
        if content is None:
            continue
        for attr in META_ATTRS:
            value = attrs.get(attr)
            if value is not None:
                index.setdefault((attr, value), content)
    return index
