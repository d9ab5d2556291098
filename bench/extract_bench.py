"""Extraction benchmark on the replay's golden pages (tests/fixtures/outlets/*/*.json): bnwatch's clean stage
(outlet selectors; and generic, with no outlet file) side by side with plain trafilatura on the same pages.

Columns: body token F1 (bag of whitespace tokens, averaged over pages), title exact, published date exact (full
ISO with offset; "day" = same calendar day), leaks (chrome that reached a body: "আরও পড়ুন", comment widgets, ad
placeholders, related headlines = link texts of the page that are not in the expected body), pages/s.

    python bench/extract_bench.py [--repeat N] [--fixtures DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from parsel import Selector  # noqa: E402

from bnwatch.outlets import Registry  # noqa: E402
from bnwatch.textnorm import fold  # noqa: E402
from consumers.clean.extract import NotAnArticle, extract_page  # noqa: E402

CHROME = ["আরও পড়ুন", "মন্তব্য করুন", "HTML Comment Box", "এই বিভাগের আরও", "সম্পর্কিত সংবাদ", "বিভাগ :",
          "[বিজ্ঞাপন_", "Read more", "শেয়ার করুন", "Facebook", "মন্তব্য (", "সূত্র: http"]


def tokens(text: str) -> Counter:
    return Counter(fold(text or "").split())


def f1(got: str, expected: str) -> float:
    g, e = tokens(got), tokens(expected)
    if not g and not e:
        return 1.0
    common = sum((g & e).values())
    if not common:
        return 0.0
    p, r = common / sum(g.values()), common / sum(e.values())
    return 2 * p * r / (p + r)


def leaks(body: str, html: str, expected_body: str) -> int:
    body = fold(body or "")
    count = sum(1 for c in CHROME if fold(c) in body and fold(c) not in fold(expected_body))
    expected = fold(expected_body)
    for text in set(Selector(text=html).xpath("//a//text()").getall()):
        text = fold(" ".join(text.split())).rstrip("…")
        if len(text) >= 20 and text in body and text not in expected:
            count += 1
    return count


def run_bnwatch(html: bytes, registry: Registry) -> dict:
    try:
        return extract_page(html, registry=registry)
    except NotAnArticle:
        return {"title": "", "body": "", "published_at": None}


def run_trafilatura(html: bytes) -> dict:
    import trafilatura

    doc = trafilatura.bare_extraction(html.decode("utf-8", "replace"), favor_precision=True, include_comments=False,
                                      include_tables=False, with_metadata=True)
    if doc is None:
        return {"title": "", "body": "", "published_at": None}
    d = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    paragraphs = [p.strip() for p in (d.get("text") or "").split("\n") if p.strip()]
    return {"title": d.get("title") or "", "body": "\n\n".join(paragraphs), "published_at": d.get("date")}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fixtures", default=str(ROOT / "tests" / "fixtures" / "outlets"))
    ap.add_argument("--repeat", type=int, default=5, help="passes over the pages for the speed column")
    args = ap.parse_args(argv)
    goldens = sorted(Path(args.fixtures).glob("*/*.json"))
    if not goldens:
        print(f"no golden pages under {args.fixtures}")
        return 1
    pages = [(json.loads(p.read_text(encoding="utf-8")), p.with_suffix(".html").read_bytes()) for p in goldens]
    registry, empty = Registry.load(), Registry([])
    systems = {
        "bnwatch (outlet selectors)": lambda html: run_bnwatch(html, registry),
        "bnwatch (generic, no outlet file)": lambda html: run_bnwatch(html, empty),
        "trafilatura 2 (favor_precision)": run_trafilatura,
    }
    rows = []
    for name, fn in systems.items():
        fn(pages[0][1])  # warm-up (imports, caches)
        scores, titles, dates, days, leak = [], 0, 0, 0, 0
        for expected, html in pages:
            got = fn(html)
            scores.append(f1(got.get("body") or "", expected["body"]))
            titles += got.get("title") == expected["title"]
            pub, exp = got.get("published_at"), expected.get("published_at")
            dates += pub == exp
            days += bool(pub and exp and str(pub)[:10] == exp[:10]) or (pub is None and exp is None)
            leak += leaks(got.get("body") or "", html.decode("utf-8", "replace"), expected["body"])
        start = time.perf_counter()
        for _ in range(args.repeat):
            for _expected, html in pages:
                fn(html)
        speed = args.repeat * len(pages) / (time.perf_counter() - start)
        rows.append((name, sum(scores) / len(scores), min(scores), titles, dates, days, leak, speed))
    n = len(pages)
    header = f"{'system':36} {'body F1':>8} {'min F1':>7} {'title':>7} {'date':>7} {'day':>7} {'leaks':>6} {'pages/s':>8}"
    print(f"{n} golden pages from {args.fixtures}")
    print(header)
    print("-" * len(header))
    for name, mean, low, t, d, day, lk, sp in rows:
        print(f"{name:36} {mean:8.3f} {low:7.3f} {t:>3}/{n:<3} {d:>3}/{n:<3} {day:>3}/{n:<3} {lk:6d} {sp:8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
