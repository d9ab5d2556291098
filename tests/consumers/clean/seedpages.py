"""Render the five seed articles (text copies of real pages, tests/fixtures/seeds) into realistic HTML: a masthead in
the header, the headline, a byline and date line, and every remaining line of the copy — article paragraphs and
the page chrome the copy kept (section line, comment widget, "আরও পড়ুন" lists, credit lines, ad placeholders) —
as <p> elements of one content container, so the extractor has to tell them apart."""

from __future__ import annotations

import html

from tests.fixtures.paths import SEEDS_DIR


def seed_text(prefix: str) -> str:
    path = next(SEEDS_DIR.glob(f"{prefix}_*.txt"))
    return path.read_text(encoding="utf-8")


def render(*, title: str, lines: list[str], byline: str | None = None, dateline: str | None = None,
           masthead: str | None = None, canonical: str | None = None, site: str = "Example") -> str:
    head = [f"<title>{html.escape(title)} | {site}</title>", '<meta charset="utf-8">',
            f'<meta property="og:title" content="{html.escape(title)} | {site}">',
            f'<meta property="og:site_name" content="{site}">']
    if canonical:
        head.append(f'<link rel="canonical" href="{canonical}">')
    body = ["<header>"]
    if masthead:
        body.append(f'<div class="today">{html.escape(masthead)}</div>')
    body.append('<nav><a href="/">প্রচ্ছদ</a> <a href="/international">আন্তর্জাতিক</a> <a href="/sports">খেলা</a></nav>')
    body.append("</header><main><article>")
    body.append(f"<h1>{html.escape(title)}</h1>")
    if byline:
        body.append(f'<div class="byline">{html.escape(byline)}</div>')
    if dateline:
        body.append(f'<div class="meta">{html.escape(dateline)}</div>')
    body.append('<div class="content">')
    for line in lines:
        body.append(f"<p>{html.escape(line)}</p>")
    body.append("</div></article></main><footer><p>© সর্বস্বত্ব সংরক্ষিত</p></footer>")
    return "<!DOCTYPE html><html lang=\"bn\"><head>" + "".join(head) + "</head><body>" + "\n".join(body) + \
        "</body></html>"


def lines_of(text: str) -> list[str]:
    return [ln for ln in text.splitlines()]
