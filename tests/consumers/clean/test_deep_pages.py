"""Pages nested thousands of tags deep (issue #16: a 20 MB page raised RecursionError in the clean stage).

Nothing walks the tree by recursion any more, and a page nested deeper than bnwatch.html_depth.MAX_DEPTH (256,
libxml2's own limit without huge_tree; real pages nest 10-25 deep) is "not an article: too_deep": libxml2 stops
parsing such a page at its depth limit and drops everything after it, so what is left is a fragment, never the
article. A page nested deeply but within the limit is extracted as usual. (These pages are read on lxml: they hold
more tags than lexbor is given; a registered outlet's page small enough for lexbor is read whole there —
tests/bnwatch/test_extract_two_trees.py.)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree
from parsel import Selector
from prometheus_client import REGISTRY

from bnwatch.html_depth import MAX_DEPTH, deeper_than
from bnwatch.outlets import Registry
from bnwatch.records import RawPage
from consumers.clean.extract import element_paragraphs
from consumers.clean.stage import CleanStage
from consumers.stage import Drop
from crawler.seen import content_fingerprint

ROOT = Path(__file__).resolve().parents[3]
GOLDEN = ROOT / "crawler" / "outlets" / "prothomalo" / "golden" / "183sr4nk9l"
PAGE = GOLDEN.with_suffix(".html").read_text(encoding="utf-8")
EXPECTED = json.loads(GOLDEN.with_suffix(".json").read_text(encoding="utf-8"))
FIRST_PARAGRAPH = EXPECTED["body"].split("\n\n")[0]


def body_wrapped(levels: int, tag: str = "div") -> str:
    """The real page with everything inside <body> wrapped in `levels` nested tags."""
    start, end = PAGE.index("<body>") + len("<body>"), PAGE.index("</body>")
    return PAGE[:start] + f"<{tag}>" * levels + PAGE[start:end] + f"</{tag}>" * levels + PAGE[end:]


def first_paragraph_wrapped(size: int) -> str:
    """The real page grown to `size` bytes by nesting the text of the article's first paragraph in <span>s."""
    start = PAGE.index(FIRST_PARAGRAPH[:20], PAGE.index("story-element-text"))
    levels = (size - len(PAGE.encode("utf-8"))) // len("<span></span>")
    return PAGE[:start] + "<span>" * levels + PAGE[start:start + 30] + "</span>" * levels + PAGE[start + 30:]


def raw_page(html: str) -> RawPage:
    return RawPage(url=EXPECTED["url"], canonical_url=EXPECTED["url"], outlet="prothomalo",
                   fetched_at="2025-07-20T03:00:00+00:00", status=200,
                   headers={"Content-Type": "text/html; charset=utf-8"}, declared_encoding=None,
                   body=html.encode("utf-8"), discovery="sitemap", discovered_at="2025-07-20T02:59:00+00:00")


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.load()


@pytest.fixture(scope="module")
def stage(registry) -> CleanStage:
    return CleanStage(registry)


def too_deep_count() -> float:
    return REGISTRY.get_sample_value("bnwatch_not_articles_total", {"outlet": "prothomalo", "reason": "too_deep"}) or 0


def fingerprint(registry: Registry, html: str) -> str | None:
    site = registry.get("prothomalo")
    return content_fingerprint(html.encode("utf-8"), site.selectors, site.drop, site.boilerplate_text)


def test_paragraphs_of_a_tree_5000_elements_deep():
    """The walk behind every text the extractor reads: a <p> holding 5,000 nested <span>s (five times Python's
    recursion limit; built with lxml's API, which has no depth limit but builds deep chains in quadratic time)
    gives its text, tails in document order, instead of RecursionError."""
    p = etree.Element("p")
    p.text = "শুরু "
    node = p
    for _ in range(5_000):
        node = etree.SubElement(node, "span")
    node.text = "গভীরে"
    node.tail = " ফেরা"
    etree.SubElement(p, "br").tail = "শেষ"
    assert element_paragraphs(p) == ["শুরু গভীরে ফেরা", "শেষ"]
    assert deeper_than(p) and not deeper_than(node)


@pytest.mark.parametrize("html", [
    pytest.param(lambda: body_wrapped(100_000), id="body-in-100000-divs"),
    pytest.param(lambda: first_paragraph_wrapped(20 * 1024 * 1024), id="20MB-of-nested-spans"),
])
def test_page_nested_past_the_parser_limit_is_not_an_article(stage, registry, html):
    """Why the verdict and not the article: libxml2 stops at its depth limit and keeps nothing after it, so the
    tree holds none of the article's eight paragraphs (asserted below); extracting from it would publish a
    fragment (or, before the fix, raised RecursionError)."""
    html = html()
    parsed_body = " ".join(Selector(text=html).xpath("//body//text()").getall())
    assert FIRST_PARAGRAPH[:20] in html and FIRST_PARAGRAPH[:20] not in parsed_body  # cut by the parser
    before = too_deep_count()
    with pytest.raises(Drop, match=f"not an article: too_deep: nesting deeper than {MAX_DEPTH} elements"):
        stage.process(raw_page(html))
    assert too_deep_count() == before + 1
    # the crawler's content fingerprint on the same page: none (callers compare the page bytes), no error
    assert fingerprint(registry, html) is None


def test_page_nested_within_the_limit_is_extracted(stage, registry):
    """200 extra levels around the body (deeper than any real page, within the parser's limit): the same
    article as the golden fixture, and the same content fingerprint as the page unwrapped."""
    html = body_wrapped(200)
    assert deeper_than(Selector(text=html).root, 200) and not deeper_than(Selector(text=html).root)
    [article] = stage.process(raw_page(html))
    assert article.title == EXPECTED["title"]
    assert article.body == EXPECTED["body"]
    assert fingerprint(registry, html) == fingerprint(registry, PAGE) is not None


def test_json_ld_nested_past_the_json_decoder_is_skipped(stage):
    """A JSON-LD block nested 100,000 arrays deep (json.loads raises RecursionError on it) is skipped like any
    unreadable block; the article still comes from the outlet's selectors."""
    html = PAGE.replace("</head>", '<script type="application/ld+json">' + "[" * 100_000 + "]" * 100_000
                        + "</script></head>", 1)
    [article] = stage.process(raw_page(html))
    assert article.title == EXPECTED["title"] and article.body == EXPECTED["body"]
