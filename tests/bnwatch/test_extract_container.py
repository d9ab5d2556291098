"""The generic body's container rung (bnwatch.extract.body.container_paragraphs) runs before trafilatura and must
never change what extraction returns: on every stored page where it is sure, its paragraphs after the chrome
filter are exactly trafilatura's; where the page gives it doubt it steps aside."""

from __future__ import annotations

from pathlib import Path

import pytest

from bnwatch.extract import Page, body, title
from tests.fixtures.paths import CORPUS_PAGES, GOLDEN_GLOB, OUTLETS_DIR

PAGES = sorted(OUTLETS_DIR.glob(GOLDEN_GLOB.replace(".json", ".html"))) + sorted(CORPUS_PAGES.glob("*/*.html"))


def cleaned(paragraphs: list[str], page: Page) -> list[str]:
    head = title.find_title(page, {}, ())
    return body.clean_paragraphs(paragraphs, title=head, facts=body.BodyFacts())


def test_the_stored_pages_are_there():
    assert len(PAGES) >= 60


@pytest.mark.parametrize("path", PAGES, ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
def test_where_the_container_is_sure_it_reads_what_trafilatura_reads(path: Path):
    page = Page.from_html(path.read_bytes())
    mine = body.container_paragraphs(page)
    if mine is None:
        pytest.skip("the container rung is unsure here: trafilatura reads this page")
    theirs = body.trafilatura_paragraphs(page.text, None)
    assert cleaned(mine, page) == cleaned(theirs, page)


def test_most_stored_pages_are_read_without_trafilatura():
    sure = sum(body.container_paragraphs(Page.from_html(p.read_bytes())) is not None for p in PAGES)
    assert sure >= 0.75 * len(PAGES)


COPY = "<p>" + "এটি খবরের একটি বাক্য। " * 12 + "</p>"


def html(inner: str) -> str:
    return f"<html><body><header><p>মাস্টহেড</p></header>{inner}<footer><p>ঠিকানা</p></footer></body></html>"


def test_one_container_of_paragraphs_is_taken():
    paras = body.container_paragraphs(Page(html(f"<div class='story'>{COPY * 3}</div>")))
    assert paras is not None and len(paras) == 3 and paras[0].startswith("এটি খবরের")


@pytest.mark.parametrize("inner", [
    f"<div>{COPY * 2}</div><div>{COPY * 2}</div>",  # the copy split over two elements: neither holds 60 %
    f"<div>{COPY * 3}<figure><img src='x.jpg'><figcaption>ছবির ক্যাপশন</figcaption></figure></div>",  # a caption
    f"<aside>{COPY * 3}</aside>",  # page chrome
    f"<div class='related-news'>{COPY * 3}</div>",  # a related-stories list
    "<div><p>ছোট।</p></div>",  # too little text to be sure of anything
], ids=["split", "caption", "aside", "related", "short"])
def test_doubt_leaves_the_page_to_trafilatura(inner: str):
    assert body.container_paragraphs(Page(html(inner))) is None
