"""Deterministic generators of bad inputs (nothing is stored: everything is made from a seed).

`bad_raw_pages(n, seed)` — valid RawPage records whose *content* is bad: broken and truncated HTML, wrong and
missing charsets, binary bodies, huge and deeply nested documents, odd statuses and headers.
`poison_payloads(kind, seed)` — payloads that are not valid records of the topic's type at all: not JSON, wrong
kind, missing fields, wrong types, huge. Each is (label, bytes|None).
"""

from __future__ import annotations

import base64
import gzip
import json
import random
from pathlib import Path

from bnwatch.records import SCHEMA_VERSION, Alert, Article, RawPage

FIXTURES = Path(__file__).resolve().parents[2] / "crawler" / "outlets"  # golden pages: <outlet>/golden/
NOW = "2026-01-01T00:00:00.000+00:00"


def fixture_pages(limit: int = 40) -> list[tuple[str, bytes]]:
    """(outlet, html bytes) of real outlet pages from the test fixtures, in a stable order."""
    pages = []
    for path in sorted(FIXTURES.glob("*/golden/*.html")):
        pages.append((path.parent.parent.name, path.read_bytes()))
    step = max(1, len(pages) // limit)
    return pages[::step][:limit]


def _page(i: int, outlet: str, body: bytes, *, status: int = 200, headers: dict | None = None,
          declared: str | None = None, url: str | None = None) -> RawPage:
    url = url or f"https://{outlet}.example/bad/news/{i}"
    return RawPage(url=url, canonical_url=url, outlet=outlet, fetched_at=NOW, status=status,
                   headers=headers if headers is not None else {"content-type": "text/html"},
                   declared_encoding=declared, body=body, discovery="sitemap", discovered_at=NOW)


def _random_bytes(rng: random.Random, n: int) -> bytes:
    return rng.randbytes(n)


def _tag_soup(rng: random.Random) -> bytes:
    tags = ["div", "p", "span", "h1", "article", "script", "style", "table", "td", "a", "b", "!--", "![CDATA["]
    parts = []
    for _ in range(rng.randint(5, 200)):
        t = rng.choice(tags)
        r = rng.random()
        if r < 0.3:
            parts.append(f"<{t}>")
        elif r < 0.5:
            parts.append(f"</{t}>")
        elif r < 0.6:
            parts.append(f"<{t} class='{'x' * rng.randint(0, 50)}' data-x=\"")
        else:
            parts.append(rng.choice(["রাশিয়া", "উত্তর কোরিয়া", "পুতিন", "কিম", "text", "&amp;", "&#xFFFF;", "&#0;",
                                     "&bogus;", "\x00", "\ufffd", "<", ">", "\u200d\u09cd"]) * rng.randint(1, 20))
    return "".join(parts).encode("utf-8", errors="surrogatepass")


def bad_raw_pages(n: int, seed: int = 4, big: int = 2) -> list[tuple[str, RawPage]]:
    """n (label, RawPage) pairs, cycling through the kinds below; `big` of them are ~19 MB pages."""
    rng = random.Random(seed)
    real = fixture_pages()
    out: list[tuple[str, RawPage]] = []
    kinds = ["soup", "truncated", "wrong_charset", "missing_charset", "binary", "utf16", "deep", "status",
             "empty", "headers", "no_text", "gzip_body", "many_paragraphs", "bogus_fields", "control_chars"]
    for i in range(n - big):
        kind = kinds[i % len(kinds)]
        outlet, html = real[rng.randrange(len(real))]
        if kind == "soup":
            page = _page(i, outlet, _tag_soup(rng))
        elif kind == "truncated":
            page = _page(i, outlet, html[: rng.randrange(1, len(html))])
        elif kind == "wrong_charset":
            label = rng.choice(["windows-1252", "shift_jis", "koi8-r", "utf-16", "utf-32", "x-bogus",
                                "a" * 300, "iso-2022-jp", "latin1", "big5"])
            body = html if rng.random() < 0.5 else html.decode("utf-8", "replace").encode("utf-16")
            page = _page(i, outlet, body, headers={"content-type": f"text/html; charset={label}"}, declared=label)
        elif kind == "missing_charset":
            body = html.replace(b"charset", b"xharset").decode("utf-8", "replace").encode(
                rng.choice(["utf-8", "utf-16-le", "cp1252"]), errors="replace")
            page = _page(i, outlet, body, headers={})
        elif kind == "binary":
            body = rng.choice([b"\x89PNG\r\n\x1a\n", b"%PDF-1.7\n", b"\x1f\x8b\x08", b"PK\x03\x04", b""]) + \
                _random_bytes(rng, rng.randint(1, 4096))
            page = _page(i, outlet, body, headers={"content-type": rng.choice(["text/html", "image/png", ""])})
        elif kind == "utf16":
            page = _page(i, outlet, b"\xff\xfe" + html.decode("utf-8", "replace").encode("utf-16-le")[: rng.randint(1, 5000)])
        elif kind == "deep":
            depth = rng.choice([300, 1000, 5000])
            page = _page(i, outlet, b"<html><body>" + b"<div>" * depth + "রাশিয়া".encode() + b"</div>" * (depth // 2))
        elif kind == "status":
            page = _page(i, outlet, html, status=rng.choice([0, 100, 204, 301, 404, 500, 599, 999, -1]))
        elif kind == "empty":
            page = _page(i, outlet, rng.choice([b"", b" ", b"\n\n", b"<html></html>", b"\x00"]))
        elif kind == "headers":
            page = _page(i, outlet, html, headers={f"x-h{j}": "v" * rng.randint(0, 200) for j in range(rng.randint(0, 300))}
                         | {"content-type": "text/html; charset=\"utf-8\"; charset=utf-16"})
        elif kind == "no_text":
            page = _page(i, outlet, b"<html><head><title></title></head><body>" + b"<img src=x>" * 500 + b"</body></html>")
        elif kind == "gzip_body":  # the crawler decompresses; a still-compressed body must not be trusted
            page = _page(i, outlet, gzip.compress(html), headers={"content-type": "text/html", "content-encoding": "gzip"})
        elif kind == "many_paragraphs":
            page = _page(i, outlet, b"<html><body><h1>t</h1>" + b"<p>\xe0\xa6\x95</p>" * rng.randint(500, 5000) + b"</body></html>")
        elif kind == "bogus_fields":
            page = RawPage(url=rng.choice(["javascript:alert(1)", "not a url", "https://x/" + "y" * 5000, "file:///etc/passwd"]),
                           canonical_url=rng.choice(["", "x"]), outlet=rng.choice(["", "no-such-outlet", "রাশিয়া" * 50]),
                           fetched_at=rng.choice(["", "yesterday", "9999-99-99T99:99:99"]), status=200,
                           headers={}, declared_encoding=rng.choice([None, "", "\x00"]), body=html,
                           discovered_at=rng.choice([None, "never", "2026-13-45"]))
        else:  # control_chars
            page = _page(i, outlet, html.replace(b"<p>", b"<p>\x00\x01\x1b[31m\xef\xbf\xbf\xed\xa0\x80", 5))
        out.append((kind, page))
    for j in range(big):
        i = n - big + j
        outlet, html = real[j % len(real)]
        size = 19 * 1024 * 1024
        if j % 2 == 0:  # one real article with its paragraphs repeated to ~19 MB
            start = html.find(b"<p")
            end = html.rfind(b"</p>")
            chunk = html[start:end + 4] if 0 <= start < end else b"<p>x</p>"
            body = html[:start] + chunk * (size // max(1, len(chunk))) + html[end + 4:]
        else:  # one text node of 19 MB with no markup at all
            body = ("রাশিয়া উত্তর কোরিয়া " * (size // 60)).encode("utf-8")
        out.append(("huge", _page(i, outlet, body)))
    return out


# -- poison payloads (not records of the topic's type) -----------------------------------------------------------

def _valid(kind: str) -> dict:
    if kind == "raw_page":
        return json.loads(RawPage(url="https://dailyinqilab.com/x/news/1", canonical_url="https://dailyinqilab.com/x/news/1",
                                  outlet="dailyinqilab", fetched_at=NOW, status=200, headers={},
                                  declared_encoding=None, body=b"<p>x</p>").to_json())
    if kind == "article":
        return json.loads(Article(url="https://dailyinqilab.com/x/news/1", canonical_url="https://dailyinqilab.com/x/news/1",
                                  outlet="dailyinqilab", title="t", paragraphs=["p"]).to_json())
    return json.loads(Alert(id="s:v1", rule="ru-nk", story_id="s", version=1, articles=[], first_seen=NOW,
                            updated_at=NOW, score=0.5).to_json())


WRONG_TYPES = {
    "raw_page": {"url": 5, "status": "200", "headers": ["a"], "body": 7, "outlet": None, "fetched_at": [],
                 "declared_encoding": 3, "canonical_url": {}, "discovery": 1.5},
    "article": {"title": 5, "paragraphs": "one string", "authors": "a", "entities": {"x": 1}, "rules": "ru-nk",
                "url": None, "outlet": ["x"], "published_at": 12, "language": 0, "content_hash": None},
    "alert": {"version": "2", "articles": "x", "story_id": 5, "score": "high", "rule": None, "first_seen": 1,
              "evidence": "e", "id": [], "title": 3, "updated_at": None},
}


def poison_payloads(kind: str, seed: int = 4, huge_mb: int = 8) -> list[tuple[str, bytes | None]]:
    rng = random.Random(f"{seed}-{kind}")
    base = _valid(kind)
    out: list[tuple[str, bytes | None]] = [
        ("not_json", b"\x00\xff garbage {"),
        ("not_json", b"<html>not json</html>"),
        ("not_json", "রাশিয়া".encode("utf-16")),
        ("not_utf8", b'{"kind": "\xff\xfe"}'),
        ("tombstone", None),
        ("empty", b""),
        ("json_array", b"[1, 2, 3]"),
        ("json_scalar", b'"raw_page"'),
        ("json_null", b"null"),
        ("nested", b"[" * 100_000 + b"]" * 100_000),
        ("wrong_kind", json.dumps({**base, "kind": "something_else"}).encode()),
        ("wrong_kind", json.dumps({**base, "kind": {"raw_page": "article", "article": "alert", "alert": "raw_page"}[kind]}).encode()),
        ("no_kind", json.dumps({k: v for k, v in base.items() if k != "kind"}).encode()),
        ("schema_version", json.dumps({**base, "schema_version": SCHEMA_VERSION + 1}).encode()),
        ("huge", json.dumps({"kind": kind, "junk": "x" * (huge_mb * 1024 * 1024)}).encode()),
    ]
    required = [k for k in base if k not in ("kind", "schema_version")]
    for name in required:
        doc = dict(base)
        del doc[name]
        out.append((f"missing:{name}", json.dumps(doc).encode()))
    for name, value in WRONG_TYPES[kind].items():
        out.append((f"type:{name}", json.dumps({**base, name: value}).encode()))
    for _ in range(10):  # several wrong at once
        doc = dict(base)
        for name in rng.sample(sorted(WRONG_TYPES[kind]), 3):
            doc[name] = WRONG_TYPES[kind][name]
        out.append(("types", json.dumps(doc).encode()))
    if kind == "raw_page":
        out.append(("bad_base64", json.dumps({**base, "body": "not base64!!"}).encode()))
        out.append(("bad_base64", json.dumps({**base, "body": base64.b64encode(b"x").decode()[:-1]}).encode()))
    # fields of the right type that still make no sense
    if kind == "article":
        out.append(("value:paragraphs", json.dumps({**base, "paragraphs": [1, None, {"p": 2}]}).encode()))
        out.append(("value:rules", json.dumps({**base, "rules": [{"name": "ru-nk", "alert": True, "score": "x"}]}).encode()))
        out.append(("value:entities", json.dumps({**base, "entities": ["RU", 5]}).encode()))
    if kind == "alert":
        out.append(("value:articles", json.dumps({**base, "articles": [1, "x", None]}).encode()))
        out.append(("value:version", json.dumps({**base, "version": -3}).encode()))
        out.append(("value:version", json.dumps({**base, "version": True}).encode()))
        out.append(("value:score", json.dumps({**base, "score": float("inf")}).encode()))
    return out
