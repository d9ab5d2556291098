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
