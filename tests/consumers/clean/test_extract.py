"""consumers.clean.extract on real pages: the five seed articles rendered as HTML with their own chrome, the
replay's golden pages through the generic path, the ukbdnews WordPress page (fallback), the Cloudflare challenge
and real listing pages (not articles)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from bnwatch.outlets import Outlet, Registry
from consumers.clean.decode import decode_whatwg_1252
from consumers.clean.extract import (CHALLENGE, ERROR_PAGE, NO_TEXT, SECTION_FRONT, UNDECODABLE, NotAnArticle,
                                     clean_paragraphs, credit_domain, extract, extract_page, parse_credit,
                                     strip_site_suffix)

from tests.fixtures.paths import GOLDEN_GLOB, OUTLET_FIXTURES, real_page

from .seedpages import render, seed_text

ROOT = Path(__file__).resolve().parents[3]
GOLDEN = sorted(OUTLET_FIXTURES.glob(GOLDEN_GLOB))
EMPTY = Registry([])
FIELDS = ["url", "outlet", "title", "body", "published_at", "updated_at", "authors", "section", "credited_source",
          "language"]


#: chrome that must never reach a body
MUST_NOT = ["আরও পড়ুন", "মন্তব্য করুন", "HTML Comment Box", "এই বিভাগের আরও", "সম্পর্কিত সংবাদ", "বিভাগ :",
            "[বিজ্ঞাপন_২]", "Read more", "শেয়ার করুন", "NewsClub.in", "মন্তব্য (0)", "সূত্র: https://"]


def assert_clean(body: str, related: list[str] = ()):
    for phrase in MUST_NOT:
        assert phrase not in body, phrase
    for headline in related:
        assert headline not in body, headline


# -- the seeds as pages ------------------------------------------------------------------------------------------------

def seed_page(prefix: str) -> tuple[str, dict]:
    """(html, facts) for one seed, every line of the copy after the header as a <p> of the content container."""
    lines = seed_text(prefix).splitlines()
    if prefix == "000":
        return render(title=lines[0], byline=lines[2], dateline=lines[4], lines=lines[5:]), {
            "title": lines[0], "published": "2024-11-30T19:35:00+06:00", "credit": "তাস", "section": "আন্তর্জাতিক",
            "first": "পশ্চিমাদের বিরুদ্ধে উত্তর কোরিয়া", "last": "সর্বদা সমর্থন করবে। সূত্র: তাস।",
            "related": ["সিলেটের টানা জয়ে উচ্ছ্বসিত স্বাগতিক দর্শকরা", "১১ জন নিহত"]}
    if prefix == "001":
        title = "রাশিয়ার যেকোনো পদক্ষেপে নিঃশর্ত সমর্থন দেবে উত্তর কোরিয়া: কিম"
        return render(title=title, lines=lines), {
            "title": title, "published": None, "credit": "সময়ের কন্ঠস্বর", "section": None,
            "first": "ইউক্রেনের সঙ্গে যুদ্ধে", "last": "সামনে এলো।এমআর-২",
            "related": ["শেখ হাসিনা-জয়-পুতুলের বিচার শুরু", "মাদারীপুরে ইজিবাইকে", "শনিবার (১২ জুলাই)"]}
    if prefix == "002":
        return render(title=lines[0], dateline=lines[1], lines=lines[2:]), {
            "title": lines[0], "published": "2024-08-17T11:46:00+06:00", "credit": None, "section": "আন্তর্জাতিক",
            "first": "রাশিয়ার সঙ্গে উত্তর কোরিয়ার সম্পর্ক বরাবরই", "last": "অঙ্গীকারবদ্ধ তারা।",
            "related": ["গাজায় ঐতিহাসিক পরাজয় ইসরাইলের", "বায়ুদূষণে আজ সবার শীর্ষে ঢাকা"]}
    if prefix == "003":
        title = "উত্তর কোরিয়ার নেতা কিম জং-উন বলেছেন রাশিয়ার আত্মরক্ষার অধিকার রয়েছে"
        return render(title=title, lines=lines), {
            "title": title, "published": None, "credit": "https://thanhnien.vn/lan-dao-trieu-tien-kim-jong-un-noi-"
                                                           "nga-co-quyen-tu-ve-185241130071849144.htm",
            "section": None, "first": "৩০ নভেম্বর উত্তর কোরিয়ার নেতা", "last": "আক্রমণ শুরু করে।", "related": []}
    if prefix == "004":
        return render(title=lines[2], byline=lines[4], dateline=lines[6], masthead=lines[0], lines=lines[7:]), {
            "title": lines[2], "published": "2024-11-12T11:31:00+06:00", "credit": "আল-জাজিরা",
            "section": "আন্তর্জাতিক", "first": "রাশিয়া ও উত্তর কোরিয়ার মধ্যে সামরিক", "last": "বিবেচনা করবে। তথ্যসূত্র : আল-জাজিরা",
            "related": ["তিলকের সেঞ্চুরিতে", "আলহাজ্ব আবুবকর", "আলহাজ¦", "গাজায় যুদ্ধ শেষ করার সময় এসেছে"]}
    raise KeyError(prefix)


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_seed_pages_generic_extraction(prefix):
    html, facts = seed_page(prefix)
    got = extract_page(html.encode("utf-8"), registry=EMPTY)
    assert list(got) == FIELDS
    assert got["title"] == facts["title"]
    assert got["published_at"] == facts["published"]
    assert got["credited_source"] == facts["credit"]
    assert got["section"] == facts["section"]
    assert got["language"] == "bn"
    paragraphs = got["body"].split("\n\n")
    assert paragraphs[0].startswith(facts["first"])
    assert paragraphs[-1].endswith(facts["last"])
    assert all(p.strip() for p in paragraphs)
    assert_clean(got["body"], facts["related"])


def test_seed_004_masthead_is_not_the_publication_date():
    html, _ = seed_page("004")
    got = extract_page(html, registry=EMPTY)
    assert not got["published_at"].startswith("2024-11-14")  # the masthead's crawl day
    assert got["published_at"] == "2024-11-12T11:31:00+06:00"


def test_body_date_mentions_are_never_the_publication_date():
    """Seed 001 has no date line; its body says 'শনিবার (১২ জুলাই)' and '২০২২ সালের ফেব্রুয়ারিতে'."""
    html, _ = seed_page("001")
    assert extract_page(html, registry=EMPTY)["published_at"] is None


def test_seed_003_ad_placeholder_and_credit_line_leave_the_body():
    html, _ = seed_page("003")
    body = extract_page(html, registry=EMPTY)["body"]
    assert "বিজ্ঞাপন" not in body and "thanhnien" not in body
    assert "মন্তব্য" not in body


def test_inline_credit_stays_in_its_paragraph_and_is_captured():
    html, _ = seed_page("000")
    got = extract_page(html, registry=EMPTY)
    assert got["body"].endswith("সর্বদা সমর্থন করবে। সূত্র: তাস।")
    assert got["credited_source"] == "তাস"


# -- the seeds through outlet selectors ----------------------------------------------------------------------------------

SEED_OUTLET = Outlet.from_dict({
    "id": "seedsite", "name": "Seed Site", "domain": "seed.example", "home": "https://seed.example/",
    "timezone": "Asia/Dhaka",
    "selectors": {"title": "article h1::text", "body": "div.content > p", "published": "div.meta::text",
                  "authors": "div.byline::text"},
    "boilerplate_text": ["Daily Inqilab"],
})


def test_seed_page_via_outlet_selectors_found_from_canonical():
    lines = seed_text("000").splitlines()
    html = render(title=lines[0], byline="ইনকিলাব ডেস্ক", dateline=lines[4], lines=lines[5:],
                  canonical="https://seed.example/international/news/1")
    got = extract_page(html, registry=Registry([SEED_OUTLET]))
    assert got["outlet"] == "seedsite"
    assert got["url"] == "https://seed.example/international/news/1"
    assert got["authors"] == ["ইনকিলাব ডেস্ক"]
    assert got["published_at"] == "2024-11-30T19:35:00+06:00"
    assert got["updated_at"] == "2024-11-30T19:35:00+06:00"
    assert got["section"] == "আন্তর্জাতিক" and got["credited_source"] == "তাস"
    assert len(got["body"].split("\n\n")) == 6
    assert_clean(got["body"], ["সিলেটের টানা জয়ে"])


# -- golden pages through the generic path (no outlet file) --------------------------------------------------------------

def test_globbed_fixtures_are_there():
    """The parametrised tests over GOLDEN and CORPUS_EXPECTED must fail, not collect nothing, on an empty folder."""
    assert len(GOLDEN) >= 60, f"{len(GOLDEN)} golden outlet pages in {OUTLET_FIXTURES}"
    assert CORPUS_EXPECTED, "no hand-checked corpus page expectations in tests/fixtures/corpus/"


@pytest.mark.parametrize("golden", GOLDEN, ids=[f"{p.parent.parent.name}/{p.stem}" for p in GOLDEN])
def test_golden_pages_without_outlet_file(golden):
    """Structured data + trafilatura + the chrome filter must reach the same article as the outlet's selectors."""
    expected = json.loads(golden.read_text(encoding="utf-8"))
    ex = extract(golden.with_suffix(".html").read_bytes(), registry=EMPTY)
    assert ex.outlet is None
    got = ex.as_dict()
    for name in FIELDS:
        if name != "outlet":
            assert got[name] == expected[name], name
    assert_clean(got["body"])


# -- real pages from the corpus ----------------------------------------------------------------------------------------

def test_ukbdnews_wordpress_article_via_fallback():
    page = real_page("ukbdnews/article_2020-08_23646.html").read_bytes()
    got = extract_page(page, registry=EMPTY)
    assert got["outlet"] is None
    assert got["url"] == "http://ukbdnews.com/2020/08/23646/"
    assert got["title"] == "এমপির ভাইকে নিজ বাড়ির সামনেই কুপিয়ে হত্যা"  # not "… | UKBDNEWS"
    assert got["published_at"] == "2020-08-29T09:46:06+00:00"
    body = got["body"]
    assert body.startswith("কুষ্টিয়া-১ (দৌলতপুর) আসনের সংসদ সদস্য")
    assert "তাকে জিজ্ঞাসাবাদ করার পর প্রকৃত ঘটনা জানা যাবে।" in body
    assert "আ.লীগ নেতা ও তার ভাইয়ের বিরুদ্ধে যুদ্ধাপরাধের অভিযোগ" not in body  # next-post link
    assert "করোনায় আরও ৩২ জনের মৃত্যু" not in body  # previous-post link
    assert got["authors"] == ["satter"]


def test_cloudflare_challenge_is_not_an_article():
    page = real_page("banglanews24/cloudflare_challenge_opinion.html").read_bytes()
    with pytest.raises(NotAnArticle) as exc:
        extract_page(page, url="https://www.banglanews24.com/category/opinion", registry=EMPTY)
    assert exc.value.reason == CHALLENGE


@pytest.mark.parametrize("page", ["banglanews24/listing_opinion_2025-11-15.html", "dhakapost/listing_opinion_rendered.html",
                                  "khaborerkagoj/listing_opinion.html", "prothomalo/listing_opinion_rendered.html",
                                  "prothomalo/listing_opinion_rendered_2025-09-07_ru_nk.html"])
def test_section_fronts_are_not_articles(page):
    with pytest.raises(NotAnArticle) as exc:
        extract_page(real_page(page).read_bytes(), registry=EMPTY)
    assert exc.value.reason == SECTION_FRONT


# -- not articles ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("html,reason", [
    (b"", NO_TEXT),
    (b"   \n", NO_TEXT),
    ("<html><head><title>403 Forbidden</title></head><body><h1>Forbidden</h1></body></html>", ERROR_PAGE),
    ("<html><head><title>Access Denied</title></head><body>You don't have permission</body></html>", ERROR_PAGE),
    ("<html><head><title>Just a moment...</title></head><body>Checking</body></html>", CHALLENGE),
    ("<html><body><h1>খবর</h1><p>সংক্ষিপ্ত।</p></body></html>", NO_TEXT),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(300), UNDECODABLE),
])
def test_not_an_article(html, reason):
    with pytest.raises(NotAnArticle) as exc:
        extract_page(html, registry=EMPTY)
    assert exc.value.reason == reason


# -- decoding inside extraction ----------------------------------------------------------------------------------------

def test_mislabelled_utf8_page_keeps_its_viramas():
    html, facts = seed_page("002")
    got = extract_page(html.encode("utf-8"), headers={"Content-Type": "text/html; charset=windows-1252"},
                       registry=EMPTY)
    assert got["title"] == facts["title"]
    assert "প্রেসিডেন্ট পুতিন" in got["body"]


def test_mojibake_page_is_repaired_before_extraction():
    html, facts = seed_page("002")
    served = decode_whatwg_1252(html.encode("utf-8")).encode("utf-8")
    got = extract_page(served, registry=EMPTY)
    assert got["title"] == facts["title"]
    assert "প্রেসিডেন্ট পুতিন" in got["body"]


# -- helpers -----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("line,text,source", [
    ("সমর্থন করবে। সূত্র: তাস।", "সমর্থন করবে।", "তাস"),
    ("বিবেচনা করবে। তথ্যসূত্র : আল-জাজিরা", "বিবেচনা করবে।", "আল-জাজিরা"),
    ("Source: সময়ের কন্ঠস্বর", "", "সময়ের কন্ঠস্বর"),
    ("সূত্র: https://thanhnien.vn/a-b-185241130071849144.htm", "", "https://thanhnien.vn/a-b-185241130071849144.htm"),
    ("সূত্র: রয়টার্স, এএফপি", "", "রয়টার্স, এএফপি"),
    ("দেশটির সংবাদমাধ্যম সূত্রে খবর, স্বাধীনতার বর্ষপূর্তি উপলক্ষে", "দেশটির সংবাদমাধ্যম সূত্রে খবর, স্বাধীনতার বর্ষপূর্তি উপলক্ষে",
     None),
])
def test_parse_credit(line, text, source):
    assert parse_credit(line) == (text, source)


def test_credit_domain():
    assert credit_domain("https://thanhnien.vn/lan-dao-185241130071849144.htm") == "thanhnien.vn"
    assert credit_domain("https://www.aljazeera.com/news") == "aljazeera.com"
    assert credit_domain("তাস") == "তাস"


@pytest.mark.parametrize("title,expected", [
    ("এমপির ভাইকে নিজ বাড়ির সামনেই কুপিয়ে হত্যা | UKBDNEWS", "এমপির ভাইকে নিজ বাড়ির সামনেই কুপিয়ে হত্যা"),
    ("আত্মরক্ষার অধিকার আছে রাশিয়ার | দৈনিক ইনকিলাব", "আত্মরক্ষার অধিকার আছে রাশিয়ার"),
    ("সংবিধানে জুলাই বিপ্লবের স্বীকৃতি লিপিবদ্ধ থাকতে হবে - সারজিস আলম", "সংবিধানে জুলাই বিপ্লবের স্বীকৃতি লিপিবদ্ধ থাকতে হবে - সারজিস আলম"),
])
def test_strip_site_suffix(title, expected):
    assert strip_site_suffix(title, ("দৈনিক ইনকিলাব",)) == expected


def test_clean_paragraphs_chrome_rules():
    paragraphs = [
        "\u00a0",
        "শেয়ার করুন: Facebook Twitter WhatsApp",
        "প্রথম অনুচ্ছেদ, এখানে খবর শুরু।",
        "আরও পড়ুন: ইউক্রেনকে উপযুক্ত জবাব দেওয়া হবে: পুতিন",
        "[বিজ্ঞাপন_২]",
        "দ্বিতীয় অনুচ্ছেদ, ভøাদিমির পুতিন বলেন।",
        "আরও পড়ুন",
        "ইউক্রেনকে উপযুক্ত জবাব দেওয়া হবে: পুতিন",
        "তৃতীয় অনুচ্ছেদ। এটাও খবর।",
        "বিভাগ : আন্তর্জাতিক",
        "মন্তব্য করুন",
        "সিলেটের টানা জয়ে উচ্ছ্বসিত স্বাগতিক দর্শকরা",
    ]
    from consumers.clean.extract import _BodyFacts

    facts = _BodyFacts()
    out = clean_paragraphs(paragraphs, facts=facts)
    assert out == ["প্রথম অনুচ্ছেদ, এখানে খবর শুরু।", "দ্বিতীয় অনুচ্ছেদ, ভ্লাদিমির পুতিন বলেন।", "তৃতীয় অনুচ্ছেদ। এটাও খবর।"]
    assert facts.section == "আন্তর্জাতিক"


def test_extract_page_with_fetched_at_resolves_relative_dateline():
    html = ("<html><head><title>x</title></head><body><article><h1>উত্তর কোরিয়ার সঙ্গে চুক্তি অনুমোদন করল রাশিয়া</h1>"
            "<div class='time'>প্রকাশ: ৫ মিনিট আগে</div><div class='content'>"
            + "".join(f"<p>রাশিয়ার সংসদ এই চুক্তি অনুমোদন করেছে। অনুচ্ছেদ {i}। উত্তর কোরিয়ার সঙ্গে সম্পর্ক গভীর হচ্ছে।</p>"
                      for i in range(4))
            + "</div></article></body></html>")
    got = extract_page(html, fetched_at=datetime.fromisoformat("2024-11-14T12:00:00+06:00"), registry=EMPTY)
    assert got["published_at"] == "2024-11-14T11:55:00+06:00"


def _page(meta: str, body_extra: str = "") -> str:
    paragraphs = "".join(f"<p>রাশিয়ার সংসদ এই চুক্তি অনুমোদন করেছে। অনুচ্ছেদ {i}। উত্তর কোরিয়ার সঙ্গে সম্পর্ক গভীর হচ্ছে।</p>"
                         for i in range(4))
    return (f"<html><head><title>x</title>{meta}</head><body><header><div class='date'>বৃহস্পতিবার, ১৪ নভেম্বর ২০২৪ | "
            f"৩০ কার্তিক ১৪৩১</div></header><article><h1>উত্তর কোরিয়ার সঙ্গে চুক্তি অনুমোদন করল রাশিয়া</h1>"
            f"<div class='content'>{paragraphs}</div>{body_extra}</article></body></html>")


def test_related_list_time_stamps_are_not_the_publication_date():
    related = ("<div class='related-news'><ul><li><a href='/1'>ইউক্রেনকে উপযুক্ত জবাব দেওয়া হবে: পুতিন</a>"
               "<time datetime='2024-11-13T08:00:00+06:00'>১৩ নভেম্বর</time></li></ul></div>")
    got = extract_page(_page("", related), registry=EMPTY)
    assert got["published_at"] is None  # neither the masthead nor the related story's time
    assert "ইউক্রেনকে উপযুক্ত জবাব" not in got["body"]


def test_json_ld_supplies_clock_and_authors():
    ld = ('<script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"NewsArticle",'
          '"headline":"উত্তর কোরিয়ার সঙ্গে চুক্তি অনুমোদন করল রাশিয়া","datePublished":"2024-11-12T11:31:00+06:00",'
          '"dateModified":"2024-11-12T12:00:00+06:00","author":[{"@id":"#p1"},{"@type":"Organization","name":"X"}],'
          '"articleSection":"আন্তর্জাতিক"},{"@type":"Person","@id":"#p1","name":"অনলাইন ডেস্ক"}]}</script>')
    got = extract_page(_page(ld), registry=EMPTY)
    assert got["published_at"] == "2024-11-12T11:31:00+06:00"
    assert got["updated_at"] == "2024-11-12T12:00:00+06:00"
    assert got["authors"] == ["অনলাইন ডেস্ক"]
    assert got["section"] == "আন্তর্জাতিক"


# -- the generic rules behind the golden pages (no outlet file) ----------------------------------------------------------

@pytest.mark.parametrize("line", ["বিডি প্রতিদিন/কালাম", "জেপি/এমএস", "এমএইচ/এএসএম/জিকেএস", "ইউএস/এমকেএইচ"])
def test_desk_sign_off_at_the_end_leaves_the_body(line):
    from consumers.clean.extract import is_sign_off

    assert is_sign_off(line)
    body = ["রাশিয়ার কুরস্ক অঞ্চলে ইউক্রেনীয় বাহিনী ঢুকে পড়েছে।", "রুশ সেনারা পাল্টা হামলা চালাচ্ছে।", line]
    assert clean_paragraphs(body) == body[:2]


@pytest.mark.parametrize("line", ["এমআর-২",  # seed 001's code stays (the golden somoyerkonthosor page keeps it)
                                  "মো. তৌহিদ হোসেন: সাবেক পররাষ্ট্রসচিব", "লেখক ও প্রতিষ্ঠাতা, বিশ্বসাহিত্য কেন্দ্র",
                                  "রাশিয়া/ইউক্রেন যুদ্ধের দুই বছর পূর্তিতে কিয়েভে একটি বড় সমাবেশ হয়েছে।"])
def test_last_lines_that_are_not_sign_offs_stay(line):
    body = ["রাশিয়ার কুরস্ক অঞ্চলে ইউক্রেনীয় বাহিনী ঢুকে পড়েছে।", line]
    assert clean_paragraphs(body) == body


@pytest.mark.parametrize("line", ["অনলাইন ডেস্ক", "ক্রীড়া ডেস্ক", "নিজস্ব প্রতিবেদক", "রাজশাহী প্রতিনিধি", "প্রতিনিধি, বগুড়া",
                                  "স্টাফ রিপোর্টার", "আমাদের সংবাদদাতা", "এই সময় ডিজিটাল ডেস্ক"])
def test_byline_line_above_the_copy_is_the_author_not_body(line):
    from consumers.clean.extract import _BodyFacts

    facts = _BodyFacts()
    body = [line, "রাশিয়ার জানিয়েছে, ইউক্রেনের সেনারা কুরস্কে ঢুকেছে।", "দ্বিতীয় অনুচ্ছেদ।"]
    assert clean_paragraphs(body, facts=facts) == body[1:]
    assert facts.byline == line
    # the same words inside the copy are copy
    assert clean_paragraphs(body[1:] + [line]) == body[1:] + [line]


def _generic_page(head_extra: str = "", above: str = "", headline: str = "h1", meta: str = "") -> str:
    paragraphs = "".join(f"<p>রাশিয়ার সংসদ এই চুক্তি অনুমোদন করেছে। অনুচ্ছেদ {i}। উত্তর কোরিয়ার সঙ্গে সম্পর্ক গভীর হচ্ছে।</p>"
                         for i in range(4))
    return (f"<html lang='bn'><head><title>চুক্তি অনুমোদন | Site</title>{head_extra}</head><body><header><nav>"
            f"<a href='/'>প্রচ্ছদ</a> <a href='/world'>বিশ্ব</a> <a href='/sport'>খেলা</a></nav></header><main>{above}"
            f"<{headline}>উত্তর কোরিয়ার সঙ্গে চুক্তি অনুমোদন করল রাশিয়া</{headline}>{meta}"
            f"<div class='body'>{paragraphs}</div></main></body></html>")


def test_section_link_printed_above_the_headline():
    got = extract_page(_generic_page(above="<div class='kicker'><a href='/world'>বিশ্ব</a></div>"), registry=EMPTY)
    assert got["section"] == "বিশ্ব"
    # a date or a long link above the headline is no section
    for above in ("<div><a href='/x'>১২ নভেম্বর ২০২৪</a></div>",
                  "<div><a href='/x'>পুতিন-কিম বৈঠকের পর কী বদলাবে এশিয়ার নিরাপত্তা</a></div>",
                  "<div>বিশ্ব <a href='/world'>আরও</a></div>"):
        assert extract_page(_generic_page(above=above), registry=EMPTY)["section"] is None, above


def test_headline_styled_as_h2_still_anchors_the_dateline():
    meta = ("<div class='info'><span>প্রকাশ: ১২ আগস্ট ২০২৪, ০৭:৩২ এএম</span> "
            "<span>আপডেট: ১২ আগস্ট ২০২৪, ০৮:০৯ এএম</span></div>")
    got = extract_page(_generic_page(headline="h2", meta=meta), registry=EMPTY)
    assert got["published_at"] == "2024-08-12T07:32:00+06:00"
    assert got["updated_at"] == "2024-08-12T08:09:00+06:00"


@pytest.mark.parametrize("meta", [
    # Kaler Kantho's shape: a <time datetime> and, in the next element, "শেষ আপডেট: …"
    ("<time datetime='2024-01-03T21:51:00+06:00'>০৩ জানুয়ারি ২০২৪, ০৯:৫১ পিএম</time>"
     "<div class='small'>শেষ আপডেট: ০৩ জানুয়ারি ২০২৪, ১০:২৮ পিএম</div>"),
    # Naya Diganta's shape: author, time and updated as items of one list
    ("<ul><li>নয়া দিগন্ত অনলাইন</li><li>০৩ জানুয়ারি ২০২৪, ০৯:৫১ পিএম</li>"
     "<li>আপডেট: ০৩ জানুয়ারি ২০২৪, ১০:২৮ পিএম</li></ul>"),
])
def test_updated_time_in_its_own_element_next_to_the_published_one(meta):
    got = extract_page(_generic_page(meta=meta), registry=EMPTY)
    assert got["published_at"] == "2024-01-03T21:51:00+06:00"
    assert got["updated_at"] == "2024-01-03T22:28:00+06:00"


def test_an_unlabelled_later_date_further_down_is_not_the_update():
    meta = "<div class='date'>০৩ জানুয়ারি ২০২৪, ০৯:৫১ পিএম</div><div>০৫ জানুয়ারি ২০২৪, ১০:২৮ পিএম</div>"
    got = extract_page(_generic_page(meta=meta), registry=EMPTY)
    assert got["published_at"] == "2024-01-03T21:51:00+06:00" and got["updated_at"] is None


def test_bangla_calendar_mismatch_lowers_date_confidence_but_keeps_the_date(caplog):
    ok = _generic_page(meta="<div class='date'>১৪ নভেম্বর ২০২৪, ১১:৩১ এএম | ৩০ কার্তিক ১৪৩১</div>")
    bad = _generic_page(meta="<div class='date'>১২ নভেম্বর ২০২৪, ১১:৩১ এএম | ৩০ কার্তিক ১৪৩১</div>")
    good = extract(ok, registry=EMPTY)
    assert good.published_at == "2024-11-14T11:31:00+06:00" and good.date_confidence == 1.0
    with caplog.at_level("WARNING", logger="bnwatch.extract.dateparse"):
        off = extract(bad, registry=EMPTY)
    assert off.published_at == "2024-11-12T11:31:00+06:00"  # never changed by the Bangla date
    assert off.date_confidence == 0.5
    assert any("Bangla-calendar" in r.getMessage() for r in caplog.records)


CORPUS_EXPECTED = sorted((ROOT / "tests" / "fixtures" / "corpus").glob("*/*.json"))


@pytest.mark.parametrize("fixture", CORPUS_EXPECTED, ids=[f"{p.parent.name}/{p.stem}" for p in CORPUS_EXPECTED])
def test_corpus_pages_match_hand_checked_fields(fixture):
    expected = json.loads(fixture.read_text(encoding="utf-8"))
    got = extract_page(real_page(expected["page"]).read_bytes(), registry=EMPTY)
    for name in ("url", "title", "published_at", "section", "authors"):
        assert got[name] == expected[name], name
    assert got["body"].startswith(expected["first_sentence"])
    assert got["body"].endswith(expected["last_sentence"])
    assert got["body"] == expected["body"]
    for phrase in expected["must_not"]:
        assert phrase not in got["body"], phrase


def test_byline_line_under_the_headline_is_the_author_even_without_author_classes():
    meta = "<h6 class='my-4'><span class='writer'>ক্রীড়া ডেস্ক</span></h6>"
    got = extract_page(_generic_page(meta=meta), registry=EMPTY)
    assert got["authors"] == ["ক্রীড়া ডেস্ক"]
    assert "ক্রীড়া ডেস্ক" not in got["body"]
