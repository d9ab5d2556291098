from types import SimpleNamespace

import pytest

from bnwatch.outlets import Registry

from crawler.seen import SeenStore


def test_seen_store_survives_restart_and_detects_changes(tmp_path):
    path = tmp_path / "seen.sqlite"
    store = SeenStore(path)
    url = "https://dailyinqilab.com/international/news/700001"
    assert store.needs_fetch(url, "2024-11-30T19:35:00+06:00")
    store.mark_published(url, "2024-11-30T19:35:00+06:00", "আত্মরক্ষার অধিকার আছে রাশিয়ার".encode())
    store.close()

    again = SeenStore(path)
    assert not again.needs_fetch(url, "2024-11-30T19:35:00+06:00")
    assert not again.needs_fetch(url, None)
    assert again.needs_fetch(url, "2024-11-30T21:00:00+06:00"), "a changed lastmod means the article was edited"
    assert again.is_unchanged(url, "আত্মরক্ষার অধিকার আছে রাশিয়ার".encode())
    assert not again.is_unchanged(url, "আত্মরক্ষার অধিকার আছে রাশিয়ার (হালনাগাদ)".encode())
    assert again.count() == 1


def test_a_stamp_where_none_was_recorded_is_fetched_once(tmp_path):
    store = SeenStore(tmp_path / "seen.sqlite")
    url = "https://dailyinqilab.com/international/news/700002"
    store.mark_published(url, None, b"x")  # first found on a listing, which has no stamps
    assert not store.needs_fetch(url, None)
    assert store.needs_fetch(url, "2024-11-30T19:35:00+06:00")
    store.touch(url, "2024-11-30T19:35:00+06:00")
    assert not store.needs_fetch(url, "2024-11-30T19:35:00+06:00")
    store.close()


def test_content_fingerprint_ignores_the_page_around_the_article():
    from crawler.seen import content_fingerprint

    sel = {"title": "h1::text", "body": "div#c > p"}
    page = ("<html><body><div class='date'>{masthead}</div><h1>শিরোনাম</h1><div id='c'><p>প্রথম।</p>"
            "<p>আরও পড়ুন: {other}</p><p>&nbsp;</p><p>দ্বিতীয়।</p></div><ul>{related}</ul></body></html>")
    a = content_fingerprint(page.format(masthead="সোমবার", other="ক", related="<li>x</li>").encode(), sel,
                            boilerplate=("আরও পড়ুন",))
    b = content_fingerprint(page.format(masthead="মঙ্গলবার", other="খ", related="<li>y</li>").encode(), sel,
                            boilerplate=("আরও পড়ুন",))
    assert a is not None and a == b and a.startswith("v2:")
    edited = page.replace("দ্বিতীয়।", "দ্বিতীয় (হালনাগাদ)।")
    assert content_fingerprint(edited.format(masthead="", other="", related="").encode(), sel,
                               boilerplate=("আরও পড়ুন",)) != a
    assert content_fingerprint(b"<html><body>no article</body></html>", sel) is None


def test_content_unchanged_and_rechecks(tmp_path):
    store = SeenStore(tmp_path / "seen.sqlite", recheck_after=(3600, 6 * 3600, 24 * 3600))
    url = "https://www.somoyerkonthosor.com/post/2024/07/15/66951693a9fbc"
    heard = []
    store.add_listener(lambda u, aliases: heard.append((u, aliases)))
    store.expect(url + "?amp", outlet="somoyerkonthosor", fingerprint="f1", etag='W/"1"', aliases=(url,))
    store.mark_published(url + "?amp", "Mon, 15 Jul 2024", b"page one")
    assert heard == [], "listeners hear of a mark once it is written (batched)"
    store.flush()
    assert heard == [(url + "?amp", (url,))]
    row = store.get(url)
    assert row is not None, "the URL it was requested as is marked too"
    assert (row.outlet, row.fingerprint, row.etag, row.recheck_stage) == ("somoyerkonthosor", "f1", 'W/"1"', 0)
    assert store.content_unchanged(url, "f1", b"a different page around the same article")
    assert not store.content_unchanged(url, "f2", b"page one")
    assert store.due_rechecks() == []
    import time

    assert {u for u, _o in store.due_rechecks(time.time() + 3601)} == {url, url + "?amp"}
    due = store.advance_recheck(url)
    assert due is not None and abs(due - (row.first_published + 6 * 3600)) < 1
    store.advance_recheck(url)
    assert store.advance_recheck(url) is None, "no re-checks after the last one"
    store.close()


def _outlet(**selectors):
    return SimpleNamespace(selectors=selectors, drop=(), boilerplate_text=())


def test_an_edit_inside_inline_markup_changes_the_fingerprint():
    """Issue #15: `h1::text` on `<h1>কিম <b>রাশিয়া</b> সফর</h1>` read ['কিম ', ' সফর'] and hashed 'কিম' only, so an
    edit inside <b> was never republished. The fingerprint reads the title as extraction does: the whole text."""
    from bnwatch.extract import extract, fingerprint

    page = ("<html><body><h1>কিম <b>{word}</b> সফর</h1><div class='b'><p>উত্তর কোরিয়ার নেতা কিম জং-উন মস্কো "
            "পৌঁছেছেন বলে জানিয়েছে রাষ্ট্রীয় সংবাদমাধ্যম। সফরে প্রতিরক্ষা সহযোগিতা নিয়ে আলোচনা হবে বলে ধারণা "
            "করা হচ্ছে।</p></div></body></html>")
    outlet = _outlet(title="h1::text", body="div.b > p")
    before = fingerprint(page.format(word="রাশিয়া").encode(), outlet)
    after = fingerprint(page.format(word="চীন").encode(), outlet)
    assert before is not None and after is not None
    assert before != after
    got = extract(page.format(word="রাশিয়া"), registry=Registry([]))
    assert got["title"] == "কিম রাশিয়া সফর"  # the reading the fingerprint shares


@pytest.mark.parametrize("title_css", ["h1::text, h2", "h1, h2::text"])
def test_a_selector_list_reads_every_match_as_its_whole_text(title_css):
    """Text and element selectors in one list mean the same thing (no HTML, no Python repr that would change
    every run and republish the article at every re-check)."""
    from bnwatch.extract import Page, fingerprint, selectors

    html = ("<html><body><h1>শিরোনাম <b>আজ</b></h1><h2>উপশিরোনাম <i>কাল</i></h2><div class='b'>"
            "<p>ঢাকায় আজ নতুন ঘোষণা এসেছে।</p><p>দ্বিতীয় অনুচ্ছেদ।</p></div></body></html>")
    assert selectors.texts(Page(html).root, title_css) == ["শিরোনাম আজ", "উপশিরোনাম কাল"]
    outlet = _outlet(title=title_css, body="div.b > p")
    assert fingerprint(html.encode(), outlet) == fingerprint(html.encode(), outlet)
    assert fingerprint(html.encode(), outlet) != fingerprint(html.replace("<b>আজ", "<b>কাল").encode(), outlet)


# Fingerprints stored by earlier releases, recorded from these golden pages. v1 (no prefix) is what releases before
# versioning stored; v2 is today's. A parser or library upgrade that changed a v2 value without a new version
# would make every stored article look edited at its next re-check and publish it again.
RECORDED_V1 = {
    "dailyinqilab/bangladesh-689613.html": "29dc84aedd2a8e1ba3d3d2a6bec3b6af",
    "prothomalo/183sr4nk9l.html": "3f93241eb230cab52c352eeb0a702395",
    "bbcbangla/c5wqbn6i49ro.html": "1ab7e73dae85b0a08aff35d870ceb258",
}
RECORDED_V2 = {
    "dailyinqilab/bangladesh-689613.html": "v2:29dc84aedd2a8e1ba3d3d2a6bec3b6af",
    "prothomalo/183sr4nk9l.html": "v2:3f93241eb230cab52c352eeb0a702395",
    "bbcbangla/c5wqbn6i49ro.html": "v2:1ab7e73dae85b0a08aff35d870ceb258",
}


def _golden(page):
    from bnwatch.outlets import default_registry
    from tests.fixtures.paths import golden_page

    outlet, name = page.split("/")
    return default_registry().get(outlet), golden_page(outlet, name).read_bytes()


@pytest.mark.parametrize("page", sorted(RECORDED_V2))
def test_content_fingerprint_is_stable_across_releases(page):
    from bnwatch.extract import fingerprint

    outlet, body = _golden(page)
    assert fingerprint(body, outlet) == RECORDED_V2[page]


def test_every_golden_page_has_a_versioned_fingerprint():
    from bnwatch.extract import fingerprint, fingerprint_version
    from bnwatch.outlets import default_registry
    from tests.fixtures.paths import GOLDEN_GLOB, OUTLET_FIXTURES

    registry = default_registry()
    pages = sorted(p.with_suffix(".html") for p in OUTLET_FIXTURES.glob(GOLDEN_GLOB))
    assert len(pages) >= 60
    values = [fingerprint(p.read_bytes(), registry.get(p.parents[1].name)) for p in pages]
    assert all(v is not None and fingerprint_version(v) == "v2" for v in values)


@pytest.mark.parametrize("page", sorted(RECORDED_V1))
def test_an_article_fingerprinted_by_the_old_release_is_not_republished_after_the_upgrade(tmp_path, page):
    """The store holds the v1 value the previous release recorded; the upgraded crawler fetches the same page:
    unchanged (the stored value is re-based to v2), and a real edit afterwards is still an update."""
    from bnwatch.extract import fingerprint

    outlet, body = _golden(page)
    store = SeenStore(tmp_path / "seen.sqlite")
    url = f"https://{outlet.domain}/{page}"
    store.mark_published(url, None, b"the page bytes as fetched by the old release", outlet=outlet.id,
                         fingerprint=RECORDED_V1[page])
    now = fingerprint(body, outlet)
    assert store.content_unchanged(url, now, body), "an upgrade alone must not republish"
    assert store.get(url).fingerprint == now == RECORDED_V2[page]
    assert store.content_unchanged(url, now, body)
    edited = body.decode("utf-8").replace("</p>", " (হালনাগাদ)</p>", 1).encode()
    assert fingerprint(edited, outlet) != now
    assert not store.content_unchanged(url, fingerprint(edited, outlet), edited)
    store.close()


def test_the_same_version_compares_like_with_like(tmp_path):
    from bnwatch.extract import fingerprint_version

    store = SeenStore(tmp_path / "seen.sqlite")
    url = "https://dailyinqilab.com/international/news/700003"
    store.mark_published(url, None, b"x", fingerprint="v2:aaaa")
    assert not store.content_unchanged(url, "v2:bbbb", b"x")
    assert store.get(url).fingerprint == "v2:aaaa"
    assert (fingerprint_version("0123abcd"), fingerprint_version("v2:0123"), fingerprint_version(None)) == \
        ("v1", "v2", None)
    store.close()
