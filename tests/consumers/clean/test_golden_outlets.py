"""The replay's golden pages: extract_page must reproduce every field of the expected JSON exactly."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from bnwatch.outlets import Registry
from consumers.clean.extract import extract_page

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "outlets"
GOLDEN = sorted(FIXTURES.glob("*/*.json"))
FIELDS = ("url", "outlet", "title", "body", "published_at", "updated_at", "authors", "section", "credited_source",
          "language")
#: the fixtures were exported as served at this moment (fixtures/outlets/README.md)
SERVED_AT = datetime.fromisoformat("2025-07-20T09:00:00+06:00")


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.load()


@pytest.mark.skipif(not GOLDEN, reason="no golden outlet fixtures yet")
@pytest.mark.parametrize("golden", GOLDEN, ids=[f"{p.parent.name}/{p.stem}" for p in GOLDEN])
@pytest.mark.parametrize("how", ["url", "page"])
def test_golden_page(golden: Path, how: str, registry: Registry):
    expected = json.loads(golden.read_text(encoding="utf-8"))
    html = golden.with_suffix(".html").read_bytes()
    url = expected["url"] if how == "url" else None  # "page": the outlet and URL must come from the page itself
    got = extract_page(html, url=url, fetched_at=SERVED_AT, registry=registry)
    assert list(got) == list(FIELDS)
    for name in FIELDS:
        assert got[name] == expected[name], name
