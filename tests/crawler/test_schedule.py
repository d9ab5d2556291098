"""The adaptive poll interval and its persistence."""

from __future__ import annotations

import random

from crawler.schedule import Bounds, Schedule, SourceState, adapt_interval, next_delay

B = Bounds(start=300, min=60, max=1800)


def test_interval_shortens_while_a_source_yields_new_articles():
    i = 300.0
    i = adapt_interval(i, 1, True, B)
    assert i == 225
    i = adapt_interval(i, 5, True, B)
    assert i == 112.5
    for _ in range(10):
        i = adapt_interval(i, 3, True, B)
    assert i == 60, "never below the minimum"


def test_interval_lengthens_while_a_source_is_quiet_or_unchanged():
    i = 300.0
    i = adapt_interval(i, 0, True, B)  # a 304 or only known articles
    assert i == 450
    for _ in range(20):
        i = adapt_interval(i, 0, True, B)
    assert i == 1800, "never above the maximum"


def test_a_failed_poll_keeps_the_interval_but_backs_off_the_next_attempt():
    rng = random.Random(1)
    assert adapt_interval(300, 0, False, B) == 300
    delays = [next_delay(300, f, B, rng) for f in (0, 1, 2, 3, 10)]
    assert 270 <= delays[0] <= 330
    assert 540 <= delays[1] <= 660
    assert 1080 <= delays[2] <= 1320
    assert delays[3] <= 1800 * 1.1 and delays[4] <= 1800 * 1.1, "backoff capped at the max interval"


def test_schedule_and_validators_survive_a_restart(tmp_path):
    path = tmp_path / "schedule.sqlite"
    s = Schedule(path)
    state = s.load("dailyinqilab", "https://dailyinqilab.com/news-sitemap.xml", B, now=1000.0)
    assert state.interval == 300 and state.due(1000.0), "a new source is polled at once"
    state.interval, state.next_poll, state.children = 120.0, 1100.0, ["https://x/child.xml"]
    s.save(state)
    s.set_validators("https://dailyinqilab.com/news-sitemap.xml", 'W/"abc"', "Mon, 17 Mar 2026 10:30:00 GMT")
    s.close()

    again = Schedule(path)
    st = again.load("dailyinqilab", "https://dailyinqilab.com/news-sitemap.xml", B, now=1010.0)
    assert (st.interval, st.next_poll, st.children) == (120.0, 1100.0, ["https://x/child.xml"])
    assert not st.due(1010.0), "a restart does not poll a source before its time"
    assert again.validators("https://dailyinqilab.com/news-sitemap.xml") == ('W/"abc"', "Mon, 17 Mar 2026 10:30:00 GMT")
    # tighter bounds after a restart (a smaller --poll-max-interval) take effect at once
    tight = again.load("dailyinqilab", "https://dailyinqilab.com/news-sitemap.xml", Bounds(1, 1, 2), now=1010.0)
    assert tight.interval == 2 and tight.next_poll <= 1012.0
    again.clear_validators("https://dailyinqilab.com/news-sitemap.xml")
    assert again.validators("https://dailyinqilab.com/news-sitemap.xml") == (None, None)
    again.close()


def test_source_state_due():
    assert SourceState("o", "u", 10, next_poll=5).due(5)
    assert not SourceState("o", "u", 10, next_poll=5).due(4.9)
