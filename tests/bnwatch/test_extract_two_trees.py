"""One selector interpreter, two trees (bnwatch/extract/selectors.py, page.py): a registered outlet's page is read
on a lexbor tree, the generic chain on lxml. The two readings must agree field for field on every stored page of
every outlet — the golden pages and the real pages nobody here wrote — or a parser change would move what the
analyst receives. And lexbor, whose tree builder is quadratic in nesting depth, never sees a page that could
stall a worker."""

from __future__ import annotations

from pathlib import Path

import pytest

from bnwatch.extract import NotAnArticle, Page, extract_article, fingerprint, fingerprint_v3, selectors
from bnwatch.extract import page as page_module
from bnwatch.extract.page import LEXBOR_MAX_TAGS
from bnwatch.outlets import Registry
from tests.fixtures.paths import OUTLETS_DIR

REGISTRY = Registry.load(OUTLETS_DIR)
PAGES = sorted(p for p in OUTLETS_DIR.glob("*/*/*.htm*") if p.parent.name in ("golden", "real"))


def _extract(html: bytes, outlet: str, lexbor: bool, monkeypatch) -> dict:
    """The extraction with the outlet's selectors on the tree asked for."""
    original = Page.read_with

    def read_with(self, site):
        return original(self, site) if lexbor else False

    monkeypatch.setattr(Page, "read_with", read_with)
    try:
        ex = extract_article(html, outlet, registry=REGISTRY)
    except NotAnArticle as exc:
        return {"not_an_article": exc.reason}
    finally:
        monkeypatch.setattr(Page, "read_with", original)
    return {**ex.as_dict(), "paragraphs": ex.paragraphs, "method": ex.method, "canonical": ex.canonical_url}


def test_every_outlet_is_read_on_lexbor():
    """The fast path is every outlet's path: an outlet file using syntax only cssselect knows (`:contains()`)
    would silently be read on lxml — correct, but several times slower. Say so here instead."""
    assert len(PAGES) >= 64
    assert [o.id for o in REGISTRY if not selectors.lexbor_reads(o)] == []


@pytest.mark.parametrize("path", PAGES, ids=[str(p.relative_to(OUTLETS_DIR)) for p in PAGES])
def test_both_trees_read_the_same_article(path: Path, monkeypatch):
    outlet = path.parent.parent.name
    html = path.read_bytes()
    on_lexbor = _extract(html, outlet, True, monkeypatch)
    on_lxml = _extract(html, outlet, False, monkeypatch)
    assert on_lexbor == on_lxml
    if "not_an_article" not in on_lexbor:
        assert on_lexbor["paragraphs"]  # compared something
    site = REGISTRY.get(outlet)
    v2, v3 = fingerprint(html, site), fingerprint_v3(html, site)
    assert (v2 is None) == (v3 is None)
    if v3 is not None:
        assert v3.split(":")[1] == v2.split(":")[1]  # the same parts, another version


LEXBOR_HTML = ("<html><body><h1 class='t'>কিম <b>রাশিয়া</b>   সফর</h1><a href='/x'>লিংক</a>"
               "<div class='a'>বাইরে<div class='a'>ভেতরে</div></div><p>থাকে</p></body></html>")


def test_the_interpreter_means_the_same_on_lexbor():
    root = Page(LEXBOR_HTML).lexbor.root
    assert selectors.texts(root, "h1::text") == selectors.texts(root, "h1") == ["কিম রাশিয়া সফর"]
    assert selectors.texts(root, "a::attr(href)") == ["/x"]
    assert selectors.texts(root, "h1[") == []  # a bad selector in a data file matches nothing
    assert not selectors.lexbor_accepts("p:contains('কিম')") and selectors.lexbor_accepts("div.a > p::text")


def test_dropping_nested_matches_on_lexbor_keeps_the_rest():
    """`.a` matches an element and its own descendant: the second match is already gone with the first and must
    not be touched as freed memory (lexbor's decompose would free it; the interpreter detaches instead)."""
    page = Page(LEXBOR_HTML)
    page.on_lexbor = True
    page.drop([".a"])
    assert page.select("body") == ["কিম রাশিয়া সফর লিংক থাকে"]
    page.root  # an lxml tree built after the drop gets the same drop
    assert selectors.texts(page.root, "body") == ["কিম রাশিয়া সফর লিংক থাকে"]


def test_a_page_that_could_stall_lexbor_is_read_on_lxml(monkeypatch):
    """100,000 nested <div>s take lexbor's tree builder about 22 s (quadratic); libxml2 stops at its depth limit
    and the page is `too_deep`. Such a page has more tags than LEXBOR_MAX_TAGS, so lexbor never parses it."""
    site = REGISTRY.get("prothomalo")
    html = "<html><body>" + "<div>" * 100_000 + "<h1>শিরোনাম</h1><p>লেখা</p>" + "</div>" * 100_000 + "</body></html>"

    def refuse(*_args, **_kwargs):
        raise AssertionError("lexbor was asked to parse a page that could stall it")

    monkeypatch.setattr(page_module, "LexborHTMLParser", refuse)
    assert html.count("<") > LEXBOR_MAX_TAGS and not Page(html).read_with(site)
    assert fingerprint_v3(html.encode(), site) is None  # v2's answer for a page the parser cut
    with pytest.raises(NotAnArticle, match="too_deep"):
        extract_article(html, "prothomalo", registry=REGISTRY)


BYLINES = [
    # an author element (not the share bar's rel=author link, not a date)
    ("<html><body><h1>কিম রাশিয়া সফরে</h1><a rel='author' class='share'>শেয়ার</a>"
     "<span class='time byline'>১২ আগস্ট ২০২৪, ০৭:২০</span><p class='byline'>নিজস্ব প্রতিবেদক</p>"
     "<p>মস্কো পৌঁছেছেন উত্তর কোরিয়ার নেতা।</p></body></html>", ["নিজস্ব প্রতিবেদক"]),
    # a byline line right under the headline, whatever its class (a comment in between counts as a sibling)
    ("<html><body><header><p class='author'>লোগো</p></header><h1>কিম রাশিয়া সফরে</h1><!-- x -->"
     "<div>অনলাইন ডেস্ক</div><p>মস্কো পৌঁছেছেন উত্তর কোরিয়ার নেতা।</p></body></html>", ["অনলাইন ডেস্ক"]),
    ("<html><body><h1>কিম রাশিয়া সফরে</h1><p>মস্কো পৌঁছেছেন উত্তর কোরিয়ার নেতা।</p></body></html>", []),
]


@pytest.mark.parametrize("html,expected", BYLINES)
def test_the_generic_byline_search_reads_alike_on_both_trees(html, expected):
    from bnwatch.extract.authors import generic_authors

    on_lxml, on_lexbor = Page(html), Page(html)
    on_lexbor.on_lexbor = True
    assert generic_authors(on_lxml, "কিম রাশিয়া সফরে") == generic_authors(on_lexbor, "কিম রাশিয়া সফরে") == expected
    assert on_lexbor._sel is None  # read without building the lxml tree
