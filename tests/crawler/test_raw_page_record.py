"""What the crawler publishes does not depend on how it is serialised: RawPage.to_json (the body spliced in) writes
exactly the bytes of the generic Record.to_json (the whole dict through the encoder), and the raw-pages producer
keeps make_producer's guarantees."""

from __future__ import annotations

import dataclasses
import json
import os

import pytest

from bnwatch.records import RawPage, Record
from crawler.sinks import JsonlSink, KafkaSink


def generic_json(page: RawPage) -> bytes:
    """What every other record's to_json does: to_dict through the encoder."""
    return Record.to_json(page)


def _page(body: bytes, **kw) -> RawPage:
    fields = dict(url="https://x.test/news/1?a=\"b\"&c=ঢাকা", canonical_url="https://x.test/news/1", outlet="x",
                  fetched_at="2026-01-01T00:00:00.000+00:00", status=200,
                  headers={"content-type": "text/html; charset=utf-8", "etag": 'W/"1"', "x-odd": "é\u00ff\n\t\\"},
                  declared_encoding="utf-8", body=body, discovery="sitemap", discovered_at="2026-01-01T00:00:00Z")
    fields.update(kw)
    return RawPage(**fields)


BODIES = [b"", b"a", b"ab", b"abc", os.urandom(1000), os.urandom(65_537),
          "<html><h1>উত্তর কোরিয়া</h1><p>\"quoted\" \\ \u2028 </p></html>".encode() * 300,
          "\ufeff<p>latin-1 é</p>".encode("utf-8"), "<p>é</p>".encode("latin-1")]


@pytest.mark.parametrize("body", BODIES, ids=range(len(BODIES)))
def test_the_record_is_to_json_byte_for_byte(body):
    for page in (_page(body), _page(body, declared_encoding=None, discovered_at=None, headers={}),
                 _page(body, status=304, discovery="recheck", outlet="প্রথম আলো")):
        assert page.to_json() == generic_json(page)
        assert RawPage.from_json(page.to_json()) == page


def test_real_pages_too():
    from tests.fixtures.paths import GOLDEN_GLOB, OUTLET_FIXTURES

    pages = sorted(p.with_suffix(".html") for p in OUTLET_FIXTURES.glob(GOLDEN_GLOB))[:20]
    assert pages
    for path in pages:
        page = _page(path.read_bytes())
        assert page.to_json() == generic_json(page), path


def test_a_subclass_with_more_fields_is_written_whole():
    @dataclasses.dataclass(frozen=True)
    class Extended(RawPage):
        extra: str = "x"

    page = Extended(**{f.name: getattr(_page(b"x"), f.name) for f in dataclasses.fields(RawPage)})
    assert page.to_json() == generic_json(page) and b'"extra":"x"' in page.to_json()


def test_the_spool_file_holds_the_same_records(tmp_path):
    sink = JsonlSink(tmp_path / "spool.jsonl")
    pages = [_page(b) for b in BODIES[:4]]
    done = []
    for page in pages:
        sink.publish(page, done.append)
    sink.close()
    assert done == [None] * len(pages)
    assert (tmp_path / "spool.jsonl").read_bytes() == b"".join(generic_json(p) + b"\n" for p in pages)


def test_the_raw_pages_producer_lingers_and_keeps_the_guarantees(monkeypatch):
    """make_producer's settings (acks=all, idempotence, lz4, max_request_size) plus a 100 ms linger."""
    import bnwatch.kafka_client as kc

    made = []

    class FakeProducer:
        def __init__(self, **config):
            made.append(config)

        def close(self, timeout=None):
            pass

    monkeypatch.setattr(kc, "KafkaProducer", FakeProducer)
    sink = KafkaSink("127.0.0.1:1", "raw-pages")
    assert len(made) == 1
    config = made[0]
    assert config["linger_ms"] == 100
    assert (config["acks"], config["enable_idempotence"], config["compression_type"]) == ("all", True, "lz4")
    assert config["max_request_size"] == kc.MAX_MESSAGE_BYTES
    sink.producer.abandon()  # a failed batch: the next send makes a new producer, the same way
    sink.producer._renew_if_failed()
    assert made[1] == config


def test_the_record_is_json_a_consumer_reads():
    value = _page(b"\x00\xffbinary").to_json()
    data = json.loads(value)
    assert (data["kind"], data["schema_version"]) == ("raw_page", 1)
    assert RawPage.from_json(value).body == b"\x00\xffbinary"
