"""Dead letters stay within their topic's message limit and lose nothing (issue #16: a 20 MB page became a 37 MB
dead letter). Unit tests of the record builder; the runner on the real broker is in test_dead_letter_size.py."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest

from bnwatch.config import Settings
from bnwatch.dead_letters import (ERROR_CHARS, KAFKA_DEFAULT_MAX_MESSAGE_BYTES, TRACEBACK_LINE_CHARS,
                                  TRACEBACK_LINES, build_dead_letter, dead_letter_max_bytes, original_key,
                                  original_value)

LIMIT = 64 * 1024


class Message:
    def __init__(self, value: bytes | None, key: bytes | None = b"https://example.test/a", offset: int = 41):
        self.topic, self.partition, self.offset, self.key, self.value, self.timestamp = \
            "bnwatch.raw-pages", 2, offset, key, value, 1764000000000


def failure(text: str = "not JSON") -> BaseException:
    try:
        raise ValueError(text)
    except ValueError as exc:
        return exc


def test_original_inside_when_the_whole_record_fits(tmp_path):
    value = bytes(range(256)) * 100  # 25.6 KB: 34 KB as base64
    record = build_dead_letter("clean", Message(value), failure(), max_bytes=LIMIT, data_dir=tmp_path)
    doc = json.loads(record)
    assert len(record) <= LIMIT
    assert base64.b64decode(doc["value"]) == value and "value_file" not in doc
    assert doc["value_size"] == len(value) and doc["value_sha256"] == hashlib.sha256(value).hexdigest()
    assert (doc["topic"], doc["partition"], doc["offset"]) == ("bnwatch.raw-pages", 2, 41)
    assert not (tmp_path / "dead-letters").exists()  # nothing written beside it
    assert original_value(doc, None) == value


def test_original_beside_it_by_hash_when_it_does_not_fit(tmp_path):
    value = (bytes(range(256)) * 400)[:LIMIT]  # exactly the limit: with base64 and the rest it cannot fit
    record = build_dead_letter("clean", Message(value), failure(), max_bytes=LIMIT, data_dir=tmp_path)
    doc = json.loads(record)
    digest = hashlib.sha256(value).hexdigest()
    assert len(record) < 4096  # the record names the original instead of carrying it
    assert doc["value"] == "" and doc["value_size"] == len(value) and doc["value_sha256"] == digest
    assert doc["value_file"] == f"dead-letters/clean/{digest}.bin"
    assert (doc["topic"], doc["partition"], doc["offset"], doc["key"]) == \
        ("bnwatch.raw-pages", 2, 41, "https://example.test/a")
    assert (tmp_path / doc["value_file"]).read_bytes() == value
    assert original_value(doc, tmp_path) == value
    # the same original again (a redelivered batch): the same one file, no temporary left behind
    again = json.loads(build_dead_letter("clean", Message(value, offset=42), failure(), max_bytes=LIMIT,
                                         data_dir=tmp_path))
    assert again["value_file"] == doc["value_file"]
    assert [p.name for p in (tmp_path / "dead-letters" / "clean").iterdir()] == [f"{digest}.bin"]


def test_a_changed_or_missing_original_is_an_error_not_wrong_bytes(tmp_path):
    value = b"x" * (2 * LIMIT)
    doc = json.loads(build_dead_letter("tag", Message(value), failure(), max_bytes=LIMIT, data_dir=tmp_path))
    path = tmp_path / doc["value_file"]
    path.write_bytes(b"y" + value[1:])
    with pytest.raises(ValueError, match="does not match its SHA-256"):
        original_value(doc, tmp_path)
    path.unlink()
    with pytest.raises(ValueError, match="No such file"):
        original_value(doc, tmp_path)
    with pytest.raises(ValueError, match="no data directory"):
        original_value(doc, None)


def test_no_data_dir_for_a_big_original_is_refused_not_truncated():
    with pytest.raises(ValueError, match="no data directory"):
        build_dead_letter("clean", Message(b"x" * (2 * LIMIT)), failure(), max_bytes=LIMIT, data_dir=None)


def test_error_text_traceback_and_key_are_bounded(tmp_path):
    exc = failure("ক" * 1_000_000)  # a 3 MB error message (the exception text quoting a whole page)
    doc = json.loads(build_dead_letter("clean", Message(b"{}", key=b"k" * 100_000), exc, max_bytes=LIMIT,
                                       data_dir=tmp_path))
    assert len(doc["error"]) == ERROR_CHARS + 1 and doc["error"].startswith("কক")
    lines = doc["traceback"].splitlines()
    assert len(lines) <= TRACEBACK_LINES and all(len(line) <= TRACEBACK_LINE_CHARS + 1 for line in lines)
    assert lines[-1].startswith("ValueError: কক")
    assert len(doc["key"]) == 2048 and doc["key_truncated"] is True
    assert base64.b64decode(doc["value"]) == b"{}"
    assert original_key(doc, tmp_path) == b"k" * 100_000  # kept whole beside it: replay sends the real key


def test_a_cut_key_without_its_copy_is_an_error_not_a_wrong_key(tmp_path):
    doc = json.loads(build_dead_letter("clean", Message(b"{}", key=b"k" * 5000), failure(), max_bytes=LIMIT,
                                       data_dir=tmp_path))
    assert original_key(doc, tmp_path) == b"k" * 5000
    (tmp_path / doc["key_file"]).write_bytes(b"k" * 4999)
    with pytest.raises(ValueError, match="does not match its SHA-256"):
        original_key(doc, tmp_path)
    (tmp_path / doc["key_file"]).unlink()
    with pytest.raises(ValueError, match="dead letter key"):
        original_key(doc, tmp_path)
    with pytest.raises(ValueError, match="no data directory"):
        original_key(doc, None)
    short = json.loads(build_dead_letter("clean", Message(b"{}", key=b"url"), failure(), max_bytes=LIMIT,
                                         data_dir=tmp_path))
    assert original_key(short, None) == b"url" and "key_file" not in short


def test_the_limit_comes_from_one_setting():
    assert dead_letter_max_bytes("localhost:9092") == KAFKA_DEFAULT_MAX_MESSAGE_BYTES == 1024 * 1024
    settings = Settings(raw_pages_max_bytes=3 * 1024 * 1024)
    assert dead_letter_max_bytes(settings) == 3 * 1024 * 1024
    assert dead_letter_max_bytes(settings, {"max_request_size": 2_000_000}) == 2_000_000


def test_data_dir_path_is_relative(tmp_path):
    """The record names the file relative to the data dir, so a data dir moved or mounted elsewhere replays."""
    doc = json.loads(build_dead_letter("clean", Message(b"z" * LIMIT), failure(), max_bytes=LIMIT, data_dir=tmp_path))
    assert not Path(doc["value_file"]).is_absolute()
    moved = tmp_path.parent / (tmp_path.name + "-moved")
    tmp_path.rename(moved)
    assert original_value(doc, moved) == b"z" * LIMIT


class FailingStage:
    name = "clean"
    input_type = object

    def process(self, record):
        raise RuntimeError("stage failed on " + record.body.decode("latin-1"))  # error text quoting the page


def test_embedded_dead_letters_are_bounded_lines_with_big_records_beside_them(tmp_path):
    from bnwatch.records import RawPage
    from consumers.runners.embedded import EmbeddedPipeline

    def raw(body: bytes) -> RawPage:
        return RawPage(url="https://example.test/a", canonical_url="https://example.test/a", outlet="example",
                       fetched_at="2026-11-23T10:00:00+06:00", status=200, headers={}, declared_encoding=None,
                       body=body)

    small, big = raw(b"<p>small</p>"), raw(b"<p>" + b"x" * (2 * LIMIT) + b"</p>")
    pipeline = EmbeddedPipeline([FailingStage()], tmp_path / "dead-letter", dead_letter_max_bytes=LIMIT)
    pipeline.process(small)
    pipeline.process(big)
    lines = (tmp_path / "dead-letter" / "clean.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and all(len(line) < 16 * 1024 for line in lines)
    first, second = (json.loads(line) for line in lines)
    assert RawPage.from_json(json.dumps(first["record"]).encode()).body == small.body
    assert second["record_file"] == f"clean/{second['record_sha256']}.bin" and "record" not in second
    assert (tmp_path / "dead-letter" / second["record_file"]).read_bytes() == big.to_json()
    assert len(second["error"]) == ERROR_CHARS + 1 and second["error_type"] == "RuntimeError"
