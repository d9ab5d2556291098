"""bnwatch.extract field by field: each module's fallback chain, rung by rung, on a real page (the ukbdnews
WordPress article in tests/fixtures/corpus, provenance in its README) with the evidence of the earlier rungs
taken out, and the Page parsed once."""

from __future__ import annotations

import re

import pytest

from bnwatch.extract import Page, authors, body, credit, dates, section, selectors, title
from bnwatch.extract.dateparse import to_iso
from bnwatch.textnorm import nfc
from tests.fixtures.paths import CORPUS_PAGES

HTML = nfc((CORPUS_PAGES / "ukbdnews" / "article_2020-08_23646.html").read_text(encoding="utf-8"))
HEADLINE = nfc("এমপির ভাইকে নিজ বাড়ির সামনেই কুপিয়ে হত্যা")
NAMES = ("ukbdnews.com",)
NO_LD = HTML.replace("application/ld+json", "text/plain")


def page(html: str = HTML) -> Page:
    return Page(nfc(html))


def without_h1(html: str) -> str:
    return re.sub(r"<h1 class=\"entry-title\">.*?</h1>", "", html)


def test_the_page_is_parsed_once_and_its_pieces_cached():
    p = page()
    assert p.root is p.root and p.jsonld is p.jsonld
    assert p.article_ld is not None and p.article_ld["datePublished"] == "2020-08-29T09:46:06+00:00"
    assert p.meta("og:title") == f"{HEADLINE} | UKBDNEWS"


def test_one_selector_interpreter_reads_an_elements_whole_text():
    root = Page("<html><body><h1>কিম <b>রাশিয়া</b>   সফর</h1><a href='/x'>লিংক</a></body></html>").root
    assert selectors.texts(root, "h1::text") == selectors.texts(root, "h1") == ["কিম রাশিয়া সফর"]
    assert selectors.texts(root, "a::attr(href)") == ["/x"]
    assert selectors.texts(root, "h1[") == []  # a bad selector in a data file matches nothing
    assert selectors.compiled("h1") is selectors.compiled("h1")  # compiled once per selector string


def test_title_chain():
    og = "meta[property='og:title']::attr(content)"
    assert title.find_title(page(), {"title": og}, NAMES) == f"{HEADLINE} | UKBDNEWS"  # the outlet's selector first
    assert title.find_title(page(), {}, NAMES) == HEADLINE  # the h1 that agrees with og:title
    no_h1 = without_h1(HTML).replace(f"{HEADLINE} | UKBDNEWS\"", "অন্য শিরোনাম | UKBDNEWS\"")
    assert title.find_title(page(no_h1), {}, NAMES) == "অন্য শিরোনাম"  # og:title without its site tail
    bare = re.sub(r"<meta property=\"og:title\"[^>]*>", "", without_h1(HTML))
    assert title.find_title(page(bare), {}, NAMES) == HEADLINE  # <title> without its site tail


def _dates(html: str, sel: dict | None = None) -> tuple[str | None, str | None]:
    got = dates.find_dates(page(html), sel or {}, HEADLINE, "Asia/Dhaka", url="http://ukbdnews.com/2020/08/23646/",
                           fetched_at=None, keep_offset=True)
    return to_iso(got.published), to_iso(got.updated)


def test_dates_chain():
    sel = {"published": "h1::text"}  # a selector that finds no date falls through to the next rung
    assert _dates(HTML, sel) == ("2020-08-29T09:46:06+00:00", "2020-08-29T09:46:06+00:00")  # JSON-LD
    meta = NO_LD.replace('article:published_time" content="2020-08-29T09:46:06+00:00"',
                         'article:published_time" content="2020-08-30T10:00:00+00:00"')
    assert _dates(meta)[0] == "2020-08-30T10:00:00+00:00"  # meta when there is no JSON-LD
    bare = re.sub(r"<meta (?:property=\"article:published_time\"|itemprop=\"date(?:Published|Modified)\")[^>]*>", "",
                  NO_LD)
    bare = re.sub(r"<time[^>]*>", "<time>", bare)
    dated = bare.replace(f">{HEADLINE}</h1>", f">{HEADLINE}</h1><div>প্রকাশ: ৩০ আগস্ট ২০২০, ১০:১৫ এএম</div>")
    assert _dates(dated)[0] == "2020-08-30T10:15:00+06:00"  # the dateline by the headline
    assert _dates(HTML, {"published": "h1::text, meta[property='article:published_time']::attr(content)"})[0] == \
        "2020-08-29T15:46:06+06:00"  # an outlet selector's value, in the outlet's zone


def test_authors_chain():
    assert authors.find_authors(page(), {"authors": "h1::text"}, HEADLINE) == [HEADLINE]  # the outlet's selector
    assert authors.find_authors(page(), {"authors": "address"}, HEADLINE) == []  # ...even when it finds nothing
    assert authors.find_authors(page(), {}, HEADLINE) == ["satter"]  # JSON-LD Person
    meta = NO_LD.replace("<head>", '<head><meta name="author" content="লেখক: রহিম">', 1)
    assert authors.find_authors(page(meta), {}, HEADLINE) == ["রহিম"]  # meta author, its label taken off
    assert authors.find_authors(page(NO_LD), {}, HEADLINE) == []  # the page's byline is in the header (chrome)
    byline = NO_LD.replace(f">{HEADLINE}</h1>", f">{HEADLINE}</h1><div>নিজস্ব প্রতিবেদক</div>")
    assert authors.find_authors(page(byline), {}, HEADLINE) == ["নিজস্ব প্রতিবেদক"]  # the line under the headline
    assert authors.person_names([{"@type": "Organization", "name": "UKBDNEWS"}, {"name": "রহিম"}]) == ["রহিম"]


def test_section_chain():
    assert section.declared_section(page(), {"section": "h1::text"}) == HEADLINE
    assert section.declared_section(page(), {}) is None  # no articleSection, no article:section on this page
    tagged = HTML.replace("<head>", '<head><meta property="article:section" content="জাতীয়">', 1)
    assert section.declared_section(page(tagged), {}) == "জাতীয়"
    assert section.printed_section(page(), HEADLINE) == "বাংলাদেশ"  # the breadcrumb, not home, not the headline


def test_credit_chain():
    assert credit.selector_credit(page(), {"credit": "h1::text"}) == HEADLINE  # a bare selector value
    assert credit.credit_anywhere(page()) is None  # this page credits no one
    credited = HTML.replace('<div class="td-post-content', '<p>সূত্র: বাসস।</p><div class="td-post-content', 1)
    assert credit.credit_anywhere(page(credited)) == "বাসস"
    assert credit.parse_credit("…করবে। সূত্র: তাস।") == ("…করবে।", "তাস")


def test_body_chain():
    p = page()
    paras, method = body.raw_paragraphs(p, None, {"body": ".td-post-content > p"}, None)
    assert method == "selectors" and paras[0].startswith("কুষ্টিয়া-১ (দৌলতপুর) আসনের")
    generic, method = body.raw_paragraphs(page(), None, {}, None)  # one unmistakable container of paragraphs
    assert method == "container" and any(x.startswith("কুষ্টিয়া-১ (দৌলতপুর) আসনের") for x in generic)
    other = '<div><p>' + "অন্য লেখা। " * 100 + '</p></div>'  # as much <p> text again, in another element
    split = NO_LD.replace('<div class="td-post-content', other + '<div class="td-post-content', 1)
    generic, method = body.raw_paragraphs(page(split), None, {}, None)  # the container is not clearly the article
    assert method == "trafilatura" and any(x.startswith("কুষ্টিয়া-১ (দৌলতপুর) আসনের") for x in generic)
    article_body = "প্রথম অনুচ্ছেদ। " * 10 + "\\n" + "দ্বিতীয়। " * 10
    with_ld = NO_LD.replace("</head>", '<script type="application/ld+json">{"@type": "NewsArticle", "articleBody": "'
                            + article_body + '"}</script></head>')
    from_ld, method = body.raw_paragraphs(page(with_ld), None, {}, None)
    assert method == "jsonld" and len(from_ld) == 2
    facts = body.BodyFacts()
    cleaned = body.clean_paragraphs([*paras, "সূত্র: বাসস।", "আরও পড়ুন", "শিরোনাম এক", "শিরোনাম দুই"], title=HEADLINE,
                                    facts=facts)
    assert cleaned == paras[:len(cleaned)] and facts.credit == "বাসস"


@pytest.mark.parametrize("drop", [(".td-post-content > p:first-of-type",)])
def test_the_drop_list_is_applied_once_and_rebuilds_the_meta_index(drop):
    p = page()
    assert p.meta("og:title")
    first = selectors.first_text(p.root, ".td-post-content > p")
    p.drop(drop)
    p.drop(drop)  # once: the second call does not remove the next paragraph
    assert selectors.first_text(p.root, ".td-post-content > p") != first
    assert p.dropped == drop and p.meta("og:title") == f"{HEADLINE} | UKBDNEWS"


def test_element_paragraphs_reads_a_childless_element_as_the_full_walk_does():
    """The shortcut for elements without children gives what the walk over the tree gives."""
    import lxml.html

    from bnwatch.extract.text import element_paragraphs

    doc = lxml.html.fromstring(
        "<div><p>  এক\u00a0 বাক্য।  </p><p></p><script>var x;</script><p>দুই <b>তিন</b></p><h2>\n</h2>"
        "<p class='share'>শেয়ার</p></div>")
    for el in doc.iter():
        if len(el) == 0:  # compare the shortcut against the walk over a copy that has a child to force it
            import copy

            twin = copy.deepcopy(el)
            twin.append(lxml.html.fromstring("<span></span>"))
            assert element_paragraphs(el) == element_paragraphs(twin), lxml.html.tostring(el)
    assert element_paragraphs(doc.xpath("//p")[0]) == ["এক বাক্য।"]
    assert element_paragraphs(doc.xpath("//script")[0]) == []
    assert element_paragraphs(doc.xpath("//p")[1]) == []
    assert element_paragraphs(doc.xpath("//p[@class='share']")[0]) == ["শেয়ার"]  # the root itself is never junk


@pytest.mark.parametrize("href", [
    "https://a.com/p?", "https://a.com/p#", "https://a.com", "https://a.com/x/../y", "http://a.com//b", "https://A.COM/P",
    "https://a.com:443/p", "https://user:pw@a.com/p", "https://a.com/প্রথম-পাতা", "https://a.com/p q", "https://a.com/p\tq",
    " https://a.com/p", "https://a.com/p;x", "https://[::1]/p", "/rel/x", "x", "//c.net/p", "https://a.com/p?q=1#f"])
def test_absolute_url_is_urljoin(href):
    """The canonical link's fast path (a plain absolute link is kept as it is) gives what urljoin gives."""
    from urllib.parse import urljoin

    from bnwatch.extract import absolute_url

    for base in ("https://a.com/x/y", "http://b.org/"):
        assert absolute_url(base, href) == urljoin(base, href)
