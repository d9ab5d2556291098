"""CleanStage: RawPage → Article with folded text, carried-over times, metrics, and Drop for non-articles."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from bnwatch.outlets import Registry
from bnwatch.records import Article, RawPage
from consumers.clean.stage import CleanStage
from consumers.stage import Drop, Stage
from tests.fixtures.paths import real_page

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "crawler" / "outlets"  # golden pages: <outlet>/golden/
GOLDEN = sorted(FIXTURES.glob("*/golden/*.json"))


def raw_page(body: bytes, url: str, outlet: str, status: int = 200, headers: dict | None = None) -> RawPage:
    return RawPage(url=url, canonical_url=url, outlet=outlet, fetched_at="2025-07-20T03:00:00+00:00", status=status,
                   headers=headers or {"Content-Type": "text/html; charset=utf-8"}, declared_encoding=None, body=body,
                   discovery="sitemap", discovered_at="2025-07-20T02:59:00+00:00")


def sample(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture(scope="module")
def stage() -> CleanStage:
    return CleanStage(Registry.load())


def test_is_a_stage(stage):
    assert isinstance(stage, Stage)
    assert stage.name == "clean" and stage.input_type is RawPage


def test_golden_fixtures_are_there():
    """test_golden_page_to_article must fail, not collect nothing, when the fixtures folder is empty."""
    assert len(GOLDEN) >= 60, f"{len(GOLDEN)} golden outlet pages in {FIXTURES}"


@pytest.mark.parametrize("golden", GOLDEN, ids=[f"{p.parent.parent.name}/{p.stem}" for p in GOLDEN])
def test_golden_page_to_article(stage, golden):
    expected = json.loads(golden.read_text(encoding="utf-8"))
    raw = raw_page(golden.with_suffix(".html").read_bytes(), expected["url"], expected["outlet"])
    before = sample("bnwatch_articles_total", outlet=expected["outlet"])
    [article] = stage.process(raw)
    assert isinstance(article, Article)
    assert article.title == expected["title"]
    assert article.body == expected["body"]
    assert article.published_at == expected["published_at"] and article.updated_at == expected["updated_at"]
    assert article.authors == expected["authors"] and article.section == expected["section"]
    assert article.credited_source == expected["credited_source"]
    assert article.fetched_at == raw.fetched_at and article.discovered_at == raw.discovered_at
    assert article.canonical_url == raw.canonical_url and article.outlet == raw.outlet
    assert article.content_hash == Article.hash_content(article.title, article.paragraphs)
    assert all(unicodedata.is_normalized("NFC", p) for p in article.paragraphs)
    assert sample("bnwatch_articles_total", outlet=expected["outlet"]) == before + 1
    # the record survives its wire format
    assert Article.from_json(article.to_json()) == article


def test_text_is_folded(stage):
    paragraphs = "".join(f"<p>রুশ প্রেসিডেন্ট ভøাদিমির পুতিন ও কিম জং\u2011উন বৈঠক করেছেন। আল্লামা আলহাজ¦ অনুচ্ছেদ {i}।</p>"
                         for i in range(3))
    html = (f"<html><head><title>ভøাদিমির পুতিন | Example</title></head><body><article><h1>রাশি\u09dfা ও উত্তর কোরি\u09dfা</h1>"
            f"<div class='content'>{paragraphs}</div></article></body></html>")
    [article] = stage.process(raw_page(html.encode("utf-8"), "https://unknown.example/a/1", "unknown-outlet"))
    assert article.title == "রাশিয়া ও উত্তর কোরিয়া"  # U+09DF folded to য + nukta
    assert "ভ্লাদিমির পুতিন" in article.body and "আলহাজ্ব" in article.body and "কিম জং-উন" in article.body
    assert "ø" not in article.body and "¦" not in article.body
    assert article.outlet == "unknown-outlet"


def test_challenge_page_is_dropped_and_counted(stage):
    page = real_page("banglanews24/cloudflare_challenge_opinion.html").read_bytes()
    before = sample("bnwatch_not_articles_total", outlet="banglanews24", reason="challenge")
    with pytest.raises(Drop) as exc:
        stage.process(raw_page(page, "https://www.banglanews24.com/category/opinion", "banglanews24"))
    assert "not an article" in exc.value.reason
    assert sample("bnwatch_not_articles_total", outlet="banglanews24", reason="challenge") == before + 1


@pytest.mark.parametrize("status", [403, 404, 503])
def test_http_errors_are_dropped(stage, status):
    before = sample("bnwatch_not_articles_total", outlet="dailyinqilab", reason="http_error")
    with pytest.raises(Drop):
        stage.process(raw_page(b"<html><body>Forbidden</body></html>", "https://dailyinqilab.com/x", "dailyinqilab",
                               status=status))
    assert sample("bnwatch_not_articles_total", outlet="dailyinqilab", reason="http_error") == before + 1


def test_mislabelled_utf8_is_decoded_as_utf8(stage):
    golden = FIXTURES / "dailyinqilab" / "golden" / "international-723543"
    if not golden.with_suffix(".json").exists():
        pytest.skip("fixture missing")
    expected = json.loads(golden.with_suffix(".json").read_text(encoding="utf-8"))
    raw = raw_page(golden.with_suffix(".html").read_bytes(), expected["url"], "dailyinqilab",
                   headers={"Content-Type": "text/html; charset=ISO-8859-1"})
    [article] = stage.process(raw)
    assert article.body == expected["body"]


def test_rejects_other_records(stage):
    with pytest.raises(TypeError):
        stage.process(Article(url="u", canonical_url="u", outlet="o", title="t", paragraphs=[]))


@pytest.mark.parametrize("page,url,outlet", [
    ("prothomalo/listing_opinion_rendered.html", "https://www.prothomalo.com/opinion", "prothomalo"),
    ("khaborerkagoj/listing_opinion.html", "https://www.khaborerkagoj.com/opinion", "khaborerkagoj"),
    ("banglanews24/listing_opinion_2025-11-15.html", "https://www.banglanews24.com/category/opinion", "banglanews24"),
])
def test_section_front_is_dropped_and_counted(stage, page, url, outlet):
    before = sample("bnwatch_not_articles_total", outlet=outlet, reason="section_front")
    with pytest.raises(Drop) as exc:
        stage.process(raw_page(real_page(page).read_bytes(), url, outlet))
    assert "not an article" in exc.value.reason
    assert sample("bnwatch_not_articles_total", outlet=outlet, reason="section_front") == before + 1


@pytest.mark.parametrize("body", [b"", b"<html><body></body></html>", b"<html><body><h1>\xe0\xa6\x96\xe0\xa6\xac\xe0\xa6\xb0</h1></body></html>"])
def test_empty_page_is_dropped_and_counted(stage, body):
    before = sample("bnwatch_not_articles_total", outlet="unknown-outlet", reason="no_text")
    with pytest.raises(Drop):
        stage.process(raw_page(body, "https://unknown.example/news/1", "unknown-outlet"))
    assert sample("bnwatch_not_articles_total", outlet="unknown-outlet", reason="no_text") == before + 1
