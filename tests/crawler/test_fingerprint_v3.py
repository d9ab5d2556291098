"""The crawler's content fingerprint, v3 (bnwatch/extract/fingerprint.py): the v2 reading on a lexbor tree.
It must detect the same edits as v2, ignore the same page chrome, and not republish articles stored with v2."""

from types import SimpleNamespace

import pytest

from bnwatch.extract import fingerprint, fingerprint_version
from bnwatch.extract import fingerprint_v3
from crawler.seen import SeenStore
from tests.crawler.test_seen import RECORDED_V2, _golden

PAGE = ("<html><body><div class='masthead'>{masthead}</div><h1>কিম <b>{word}</b> সফর</h1>"
        "<div class='b'><p>উত্তর কোরিয়ার নেতা কিম জং-উন মস্কো পৌঁছেছেন।</p><div class='share'>শেয়ার {other}</div>"
        "<p>সফরে প্রতিরক্ষা সহযোগিতা নিয়ে আলোচনা হবে।<script>var x = '{other}';</script></p>"
        "<p class='ad'>বিজ্ঞাপন</p><p>আরও পড়ুন: {other}</p></div><ul class='related'>{other}</ul></body></html>")


def _outlet(**selectors):
    return SimpleNamespace(selectors=selectors, drop=("p.ad",), boilerplate_text=("আরও পড়ুন",))


OUTLET = _outlet(title="h1::text", body="div.b > p")


def _v3(**parts):
    values = {"masthead": "সোমবার", "word": "রাশিয়া", "other": "ক"} | parts
    return fingerprint_v3(PAGE.format(**values).encode(), OUTLET)


def test_an_edit_inside_inline_markup_changes_v3():
    before, after = _v3(), _v3(word="চীন")
    assert fingerprint_version(before) == "v3" and before != after


def test_v3_ignores_the_page_around_the_article():
    """masthead, related list, share bar, script, dropped element and boilerplate paragraph all change: no edit."""
    assert _v3() == _v3(masthead="মঙ্গলবার", other="খ")


def test_an_edit_of_a_body_paragraph_changes_v3():
    edited = PAGE.replace("মস্কো পৌঁছেছেন", "বেইজিং পৌঁছেছেন")
    values = {"masthead": "", "word": "রাশিয়া", "other": ""}
    assert fingerprint_v3(edited.format(**values).encode(), OUTLET) != _v3()


def test_no_body_no_fingerprint():
    assert fingerprint_v3(b"<html><body>no article</body></html>", OUTLET) is None
    assert fingerprint_v3(b"<html><body><p>x</p></body></html>", _outlet(title="h1")) is None


def test_a_selector_only_cssselect_knows_falls_back_to_v2():
    outlet = _outlet(title="h1::text", body="div.b > p:contains('কিম')")
    value = fingerprint_v3(PAGE.format(masthead="", word="রাশিয়া", other="").encode(), outlet)
    assert fingerprint_version(value) == "v2"


@pytest.mark.parametrize("page", sorted(RECORDED_V2))
def test_v3_hashes_the_parts_v2_hashes_on_golden_pages(page):
    """Same title and paragraphs read from the lexbor tree as from lxml: the same digest under another version."""
    outlet, body = _golden(page)
    assert fingerprint_v3(body, outlet) == "v3:" + RECORDED_V2[page].split(":", 1)[1]


def test_every_golden_page_has_a_v3_fingerprint_and_an_edit_changes_it():
    from bnwatch.outlets import default_registry
    from tests.fixtures.paths import GOLDEN_GLOB, OUTLET_FIXTURES

    registry = default_registry()
    pages = sorted(p.with_suffix(".html") for p in OUTLET_FIXTURES.glob(GOLDEN_GLOB))
    assert len(pages) >= 60
    for path in pages:
        outlet, body = registry.get(path.parents[1].name), path.read_bytes()
        v2, v3 = fingerprint(body, outlet), fingerprint_v3(body, outlet)
        assert fingerprint_version(v3) == "v3", path
        assert v3.split(":")[1] == v2.split(":")[1], f"{path}: v3 reads other parts than v2"


@pytest.mark.parametrize("page", sorted(RECORDED_V2))
def test_an_article_stored_with_v2_is_not_republished_after_the_upgrade(tmp_path, page):
    outlet, body = _golden(page)
    store = SeenStore(tmp_path / "seen.sqlite")
    url = f"https://example.test/{page}"
    store.mark_published(url, None, body, outlet=outlet.id, fingerprint=RECORDED_V2[page])
    now = fingerprint_v3(body, outlet)
    assert store.content_unchanged(url, now, body), "another version: adopted, not an edit"
    assert store.get(url).fingerprint == now
    edited = body.decode("utf-8").replace("</p>", " (হালনাগাদ)</p>", 1).encode()
    assert fingerprint_v3(edited, outlet) != now
    assert not store.content_unchanged(url, fingerprint_v3(edited, outlet), edited)
    store.close()

