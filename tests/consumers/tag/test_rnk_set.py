"""The real labelled Russia–North Korea set (tests/fixtures/labelled/rnk, issue #13 item 1).

Why: tuning and the README numbers rest on this set, so its shape is checked here — every item traceable
to its source, labelled with a reason, and no event straddling dev and test.  The issue's size targets are
kept as a strict xfail: the offline material did not reach them (see the set's README); when the set grows
to meet them the xfail turns into a failure and this marker must go.
"""
import hashlib
import json
import unicodedata
from collections import defaultdict
from datetime import date, datetime
from itertools import combinations
from pathlib import Path

import pytest

RNK = Path(__file__).resolve().parents[2] / "fixtures" / "labelled" / "rnk"
SPLIT_SEED = "bnwatch-rnk-2026-12-01"  # the one in build.py; the split is made once, there
CATEGORIES = {"rnk", "russia-only", "korea-only", "china-nk", "parade-lineup", "kim-trump",
              "russia-bangladesh", "sports", "section-front", "other"}

# What the set holds today (floors, so it can only grow) and what issue #13 asks for.
REACHED = {"positives": 45, "negatives": 534, "outlets": 29, "events_3_outlets": 9, "pairs_72h": 5}
TARGET = {"positives": 150, "negatives": 300, "outlets": 15, "events_3_outlets": 25, "pairs_72h": 5}


@pytest.fixture(scope="module")
def items():
    rows = [json.loads(line) for line in (RNK / "items.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    assert rows, "items.jsonl is empty"
    return rows


def published(item):
    text = item["published_at"]
    if text is None:
        return None
    if len(text) == 10:
        return datetime.combine(date.fromisoformat(text), datetime.min.time())
    return datetime.fromisoformat(text)


def counts(items):
    outlets_by_event = defaultdict(set)
    first_by_event = {}
    for item in items:
        if item["event"]:
            outlets_by_event[item["event"]].add(item["outlet"])
            when = published(item)
            if item["label"] == 1 and when is not None and when.tzinfo is not None:
                first_by_event[item["event"]] = min(when, first_by_event.get(item["event"], when))
    pairs = [(a, b) for (a, ta), (b, tb) in combinations(sorted(first_by_event.items()), 2)
             if abs((ta - tb).total_seconds()) <= 72 * 3600]
    return {
        "positives": sum(1 for i in items if i["label"] == 1),
        "negatives": sum(1 for i in items if i["label"] == 0),
        "outlets": len({i["outlet"] for i in items}),
        "events_3_outlets": sum(1 for outlets in outlets_by_event.values() if len(outlets) >= 3),
        "pairs_72h": len(pairs),
    }


def test_every_item_is_complete_and_traceable(items):
    ids = [i["id"] for i in items]
    assert len(ids) == len(set(ids))
    for item in items:
        assert item["label"] in (0, 1), item["id"]
        assert item["category"] in CATEGORIES, item["id"]
        assert (item["category"] == "rnk") == (item["label"] == 1), item["id"]
        assert item["reason"].strip() and "\n" not in item["reason"], item["id"]
        assert item["title"].strip() and item["outlet"], item["id"]
        assert isinstance(item["paragraphs"], list) and all(p.strip() for p in item["paragraphs"]), item["id"]
        prov = item["provenance"]
        assert ({"repo", "path", "commit", "commit_date"} <= prov.keys()
                or {"source_file", "row"} <= prov.keys()), item["id"]
        if "commit" in prov:
            assert len(prov["commit"]) == 40, item["id"]
        if item["published_at"] is not None:
            published(item)  # raises on a date that is not ISO 8601
        assert item["split"] in ("dev", "test"), item["id"]


def test_split_is_by_event_and_reproducible(items):
    sides = defaultdict(set)
    for item in items:
        sides[item["event"] or item["id"]].add(item["split"])
        key = item["event"] or item["id"].removeprefix("rnk-")
        expected = "dev" if hashlib.sha256(f"{SPLIT_SEED}|{key}".encode()).digest()[0] % 2 == 0 else "test"
        assert item["split"] == expected, item["id"]
    assert all(len(s) == 1 for s in sides.values()), "an event is split across dev and test"
    halves = [sum(1 for i in items if i["split"] == s) for s in ("dev", "test")]
    assert min(halves) >= 0.35 * len(items), halves
    for label in (0, 1):
        assert {i["split"] for i in items if i["label"] == label} == {"dev", "test"}, f"label {label} on one side only"


def test_no_republished_duplicates(items):
    seen = set()
    for item in items:
        key = (item["outlet"], "".join(ch for ch in item["title"] if ch.isalnum()))
        assert key not in seen, item["id"]
        seen.add(key)


def test_transliteration_variants_are_present(items):
    text = unicodedata.normalize("NFC", "\n".join(i["title"] + "\n" + "\n".join(i["paragraphs"]) for i in items))
    for variant in ("কিম জং উন", "কিম জং-উন", "পুতিন", "মস্কো", "পিয়ংইয়ং", "উ. কোরিয়া", "উত্তর কোরিয়া"):
        assert unicodedata.normalize("NFC", variant) in text, variant


def test_counts_reached_so_far(items):
    got = counts(items)
    for name, floor in REACHED.items():
        assert got[name] >= floor, (name, got[name], floor)


@pytest.mark.xfail(strict=True, reason="offline material holds too few Russia–North Korea stories and multi-outlet "
                                       "events; see tests/fixtures/labelled/rnk/README.md 'Gaps'")
def test_counts_meet_issue_13(items):
    got = counts(items)
    assert all(got[name] >= need for name, need in TARGET.items()), got
