"""Rendering the Bengali alert text per platform, and cutting long texts without breaking graphemes or markup."""

from __future__ import annotations

import html
import unicodedata

from bnwatch.records import Alert
from consumers.notify.text import (
    Doc,
    Span,
    alert_doc,
    digest_doc,
    graphemes,
    html_visible_len,
    render,
    render_text,
    split_rendered,
)

NAMES = {"prothomalo": "প্রথম আলো", "jugantor": "যুগান্তর"}


def test_plain_text_has_title_outlets_times_links_and_evidence(alert_factory):
    text = render_text(alert_factory(), NAMES)
    assert "পুতিন-কিম বৈঠকে সামরিক সহযোগিতার চুক্তি" in text
    assert "প্রথম আলো" in text and "যুগান্তর" in text
    assert "প্রথম দেখা: ২০২৬-০১-০৪ ১০:২০ (ঢাকা)" in text  # 04:20Z in Dhaka time, Bengali digits
    assert "https://prothomalo.example/world/story-1-0" in text
    assert "প্রমাণ: রাশিয়া; উত্তর কোরিয়া; কিম জং উন" in text


def test_html_and_mrkdwn_escape_markup_in_titles(alert_factory):
    base = alert_factory()
    evil = Alert(**{**base.__dict__, "title": "<script>কিম & পুতিন</script>",
                    "articles": [{**base.articles[0], "title": "a <b> & c", "url": "https://x.example/?a=1&b=\"2\""}]})
    doc = alert_doc(evil, NAMES)
    h = render(doc, "html")
    assert "<script>" not in h and "&lt;script&gt;কিম &amp; পুতিন&lt;/script&gt;" in h
    assert '<a href="https://x.example/?a=1&amp;b=&quot;2&quot;">a &lt;b&gt; &amp; c</a>' in h
    m = render(doc, "mrkdwn")
    assert "&lt;script&gt;কিম &amp; পুতিন&lt;/script&gt;" in m
    assert "<https://x.example/?a=1&b=\"2\"|a &lt;b&gt; &amp; c>" in m


def test_graphemes_keep_bengali_clusters_whole():
    word = "ক্ষমতায় সংযুক্ত রাষ্ট্র"
    gs = graphemes(word)
    assert "".join(gs) == word
    for g in gs:  # no cluster starts with a mark, and none ends with a hasanta (virama)
        assert unicodedata.category(g[0]) not in ("Mn", "Mc")
        assert g[-1] != "\u09cd"
    assert gs[0] == "ক্ষ" and "ষ্ট্রে" not in gs
    assert graphemes("👩\u200d💻x") == ["👩\u200d💻", "x"]
    assert graphemes("🇧🇩🇰🇵") == ["🇧🇩", "🇰🇵"]


def test_split_on_paragraphs_first():
    doc = Doc("t")
    for i in range(6):
        doc.para(f"অনুচ্ছেদ {i} " + "ক" * 30, "দ্বিতীয় লাইন")
    parts = split_rendered(doc, "plain", 120)
    assert len(parts) > 1 and all(len(p) <= 120 for p in parts)
    assert "\n\n".join(parts) == render(doc)  # nothing lost, cut only between paragraphs
    for p in parts:
        assert p.startswith("অনুচ্ছেদ") and p.endswith("দ্বিতীয় লাইন")


def test_an_overlong_line_is_cut_between_graphemes_and_markup_survives():
    long_line = " ".join(["রাষ্ট্রপতি পুতিন ও কিম জং উনের বৈঠক"] * 40)
    doc = Doc("t")
    doc.para((Span("শিরোনাম", bold=True),))
    doc.para((Span(long_line, href="https://x.example/a?b=1&c=2"),))
    parts = split_rendered(doc, "html", 200, measure=html_visible_len)
    assert all(html_visible_len(p) <= 200 for p in parts)
    assert parts[0] == "<b>শিরোনাম</b>"
    rejoined = "".join(html.unescape(p) for p in parts[1:])
    # the cut line as plain text, its link kept as a bare URL: nothing lost
    assert rejoined == long_line + "\n  https://x.example/a?b=1&c=2"
    for p in parts[1:]:
        assert "<" not in p  # a cut line loses its tags rather than splitting one
        assert unicodedata.category(p[0]) not in ("Mn", "Mc") and p[-1] != "\u09cd"


def test_digest_doc_keeps_the_newest_version_of_each_story(alert_factory):
    alerts = [alert_factory("a", 1), alert_factory("b", 1), alert_factory("a", 2)]
    doc = digest_doc(alerts, NAMES, "ঘণ্টার সারসংক্ষেপ")
    text = render(doc)
    assert text.startswith("সারসংক্ষেপ: ২টি খবর (রাশিয়া–উত্তর কোরিয়া)")
    assert "হালনাগাদ (সংস্করণ ২)" in text and text.count("পুতিন-কিম বৈঠকে") == 2
    assert len(doc.paragraphs) == 3
