"""What the publishing pipeline does with each outcome a sink reports: published (counted, marked seen), dead-lettered
(marked seen — the page is kept and replayable — but not counted as published), failed (counted as a failure, not
marked, so it is fetched and published again)."""

from __future__ import annotations

from types import SimpleNamespace

from bnwatch import metrics
from bnwatch.records import RawPage
from crawler.pipelines import PublishPipeline
from crawler.seen import SeenStore
from crawler.sinks import DeadLettered


class OutcomeSink:
    """A sink that answers each page with the outcome named in its URL."""

    def publish(self, page, done):
        done({"ok": None, "dead": DeadLettered("too big"), "fail": OSError("broker gone")}[page.url.rsplit("/", 1)[1]])

    def flush(self):
        pass

    def close(self):
        pass


def _page(name: str) -> RawPage:
    return RawPage(url=f"https://x.test/{name}", canonical_url=f"https://x.test/{name}", outlet="outcomes",
                   fetched_at="2026-01-01T00:00:00+00:00", status=200, headers={}, declared_encoding="utf-8",
                   body=b"<p>x</p>")


def _value(counter) -> float:
    return counter.labels("outcomes")._value.get()


def test_each_outcome_is_counted_and_marked_as_it_should(tmp_path):
    seen = SeenStore(tmp_path / "seen.sqlite", batch_interval=0)
    spider = SimpleNamespace(seen=seen, sink=OutcomeSink(), checks_content=True)
    pipeline = PublishPipeline(SimpleNamespace(settings=SimpleNamespace(get=lambda _k: None), spider=spider))
    pipeline.open_spider(spider)
    published, failures = _value(metrics.items_published), _value(metrics.publish_failures)
    for name in ("ok", "dead", "fail"):
        pipeline.process_item(_page(name), spider)
    seen.flush()
    assert _value(metrics.items_published) - published == 1  # the dead-lettered page is not "published"
    assert _value(metrics.publish_failures) - failures == 1
    assert seen.get("https://x.test/ok") is not None and seen.get("https://x.test/dead") is not None
    assert seen.get("https://x.test/fail") is None  # fetched and published again later
    seen.close()
