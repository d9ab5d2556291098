"""The content fingerprint the crawler compares: a hash of the article itself — the title and body paragraphs the
outlet's selectors find, read exactly as extraction reads them (after the outlet's `drop` list; boilerplate
paragraphs skipped) — so a page whose chrome changed is not republished and a page whose article changed is.

The value carries its version as a prefix ("v3:<hex>"): v1 (no prefix) read `::text` as the element's own text
nodes; v2 reads selectors as extraction does, on the lxml tree; v3 is the v2 reading on the lexbor tree (the
crawler's only parse of a page, on the reactor thread: lexbor parses about twice as fast). Two parsers build
slightly different trees from broken HTML, so a v3 value is not a v2 value: the prefix lets the seen-store adopt a
stored value of another version instead of republishing the article (crawler/seen.py, `content_unchanged`). An
outlet lexbor cannot read (a selector only cssselect knows, such as `:contains()`) gets v2 for all its pages. A
page of a v3 outlet too big for lexbor (page.LEXBOR_MAX_TAGS) is read on lxml and still hashed as v3: both trees
give the same parts on any page both can read (tests/bnwatch/test_extract_two_trees.py), so a page growing past the
limit keeps its value instead of flipping version (a flip counts as unchanged, and would hide an edit).
"""

from __future__ import annotations

import hashlib

from . import selectors
from .page import Page
from .text import element_paragraphs

#: what `fingerprint` computes; FINGERPRINT_V3 is what `fingerprint_v3` computes where lexbor can read the page
FINGERPRINT_VERSION = "v2"
FINGERPRINT_V3 = "v3"


def fingerprint_version(value: str | None) -> str | None:
    """"v2" for "v2:…", "v1" for an unprefixed value stored by releases before versioning, None for None."""
    if value is None:
        return None
    head, sep, _ = value.partition(":")
    return head if sep else "v1"


def _page(page: Page | bytes | str) -> Page:
    if isinstance(page, Page):
        return page
    return Page(page.decode("utf-8", errors="replace") if isinstance(page, bytes) else page)


def fingerprint(page: Page | bytes | str, outlet) -> str | None:
    """The v2 value (lxml tree); None when the outlet has no body selector, the selector finds nothing, or the page
    nests deeper than the parser keeps (callers then compare whole pages). Applies the drop list to `page`."""
    if not outlet.selectors.get("body"):
        return None
    try:
        page = _page(page)
        page.on_lexbor = False  # v2 is the lxml reading
        if page.too_deep:  # the parser cut the page there (bnwatch.html_depth)
            return None
        return _digest_of(page, outlet, FINGERPRINT_VERSION)
    except Exception:  # noqa: BLE001 - not HTML we can parse: no fingerprint
        return None


def fingerprint_v3(page: Page | bytes | str, outlet) -> str | None:
    """The v3 value (lexbor tree), or the v2 value where lexbor cannot read the outlet or the page (module
    docstring); bytes are read as UTF-8."""
    if not outlet.selectors.get("body"):
        return None
    try:
        page = _page(page)
        if not page.read_with(outlet):
            if not selectors.lexbor_reads(outlet):
                return fingerprint(page, outlet)
            if page.too_deep:  # too big for lexbor: the same reading on lxml, if whole
                return None
        return _digest_of(page, outlet, FINGERPRINT_V3)
    except Exception:  # noqa: BLE001 - not HTML we can read: no fingerprint, as v2
        return None


def _digest_of(page: Page, outlet, version: str) -> str | None:
    """The outlet's title and body parts read on the page's selector tree, hashed under `version`."""
    title = page.select(outlet.selectors.get("title"))[:1]
    page.drop(outlet.drop)
    prefixes = tuple(outlet.boilerplate_text)
    paras = [p for el in page.elements(outlet.selectors.get("body")) for p in element_paragraphs(el)
             if not p.startswith(prefixes)]
    return fingerprint_digest(version, title, paras)


def fingerprint_digest(version: str, title: list[str], paras: list[str]) -> str | None:
    """`version:hex` over the title and body parts (None without body): every fingerprint version hashes its
    parts this way, so two readings of the same parts give the same digest."""
    if not paras:
        return None
    digest = hashlib.sha256()
    for part in (*title, "\x1e", *paras):
        digest.update(part.encode("utf-8"))
        digest.update(b"\x1f")
    return f"{version}:{digest.hexdigest()[:32]}"
