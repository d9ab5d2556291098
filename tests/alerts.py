"""What a subscriber must have heard of after the outlet replay's Russia–North Korea articles went through.

Every RU–NK article reaches the subscriber inside an alert, and nothing else — except that one event (Kim meets
Belousov, 29 Nov 2024) is reported by two outlets: the second article is an update of its story only when it
brings new participants (the vietnam.vn translation after Daily Inqilab's article does; the other order adds no
one), and an outlet joining alone is not announced until five have (issue #13: one alert per event). So one of
those two URLs may be missing, depending on the order the crawl met them; never both.
"""

from __future__ import annotations

BELOUSOV_EVENT = ("/international/news/723543", "/lanh-dao-trieu-tien-kim-jong-un-noi-nga-co-quyen-tu-ve")


def missing_alerts(alerted: set[str], expected: set[str]) -> set[str]:
    """The RU–NK article URLs the subscriber should have heard of and has not (empty: all is well)."""
    belousov = {u for u in expected if u.endswith(BELOUSOV_EVENT)}
    assert len(belousov) == 2, f"the replay's Belousov event changed: {sorted(belousov)}"
    missing = expected - alerted
    return missing if (missing - belousov or belousov <= missing) else set()
