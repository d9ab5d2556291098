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
    assert a is not None and a == b
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
