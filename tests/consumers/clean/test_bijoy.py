"""Whole-page Bijoy (SutonnyMJ) → Unicode: the converter on the Bijoy strings of docs/research/bengali.md §4.1, the
reordering rules (pre-base ি ে ৈ, reph, ো/ৌ, chandrabindu), the detector, and a whole Bijoy page through extract."""

from __future__ import annotations

import unicodedata

import pytest

from bnwatch.outlets import Registry
from bnwatch.textnorm import fold
from consumers.clean.bijoy import (BIJOY_CONVERTED, bijoy_share, bijoy_to_unicode, convert_bijoy_html,
                                   looks_like_bijoy, looks_like_bijoy_page)
from consumers.clean.extract import extract

EMPTY = Registry([])


def nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


# the eight-string check of research §4.1 names these five with their answers
@pytest.mark.parametrize("bijoy,unicode", [
    ("ivwkqv", "রাশিয়া"),
    ("DËi †Kvwiqv", "উত্তর কোরিয়া"),
    ("wKg Rs Db", "কিম জং উন"),
    ("cywZb", "পুতিন"),
    ("AvjnvR¦", "আলহাজ্ব"),  # the `¦` two of four converters get wrong — the residue seen on Inqilab (seed 004)
])
def test_research_bijoy_strings(bijoy, unicode):
    assert bijoy_to_unicode(bijoy) == nfc(unicode)


def test_output_is_nfc_with_decomposed_nukta():
    out = bijoy_to_unicode("ivwkqv")
    assert unicodedata.is_normalized("NFC", out)
    assert "\u09df" not in out and "\u09af\u09bc" in out  # য় as য + nukta, like every stored text


@pytest.mark.parametrize("bijoy,unicode", [
    # the residue glyphs of research §4.1, whole words
    ("føvw`wgi cywZb", "ভ্লাদিমির পুতিন"),  # ø = ্ল (ভøাদিমির on dailyinqilab/ajkerbazzar)
    ("`ªæZB", "দ্রুতই"),  # æ = ু after ্র (দ্রæতই on dakshinanchal24)
    ("føvw`f¯—‡K", "ভ্লাদিভস্তকে"),  # cni24's ভøাদিভস্তকে: half form স্ + fola ্ত, ে behind the cluster
    # pre-base vowel signs move behind their cluster
    ("wKg", "কিম"), ("†bZv", "নেতা"), ("‰Zwi", "তৈরি"), ("Pzw³", "চুক্তি"), ("†cÖwm‡W›U", "প্রেসিডেন্ট"),
    # ে…া → ো, ে…ৗ → ৌ, with a chandrabindu in between
    ("‡Kvwiqv", "কোরিয়া"), ("‡cuŠQv‡bv", "পৌঁছানো"), ("‡gŠjfx", "মৌলভী"),
    # reph typed after its cluster
    ("Kg©KZ©v", "কর্মকর্তা"), ("wbe©vPb", "নির্বাচন"), ("wbw`©ó", "নির্দিষ্ট"), ("A_©vr", "অর্থাৎ"),
    ("iqUv‡m©i", "রয়টার্সের"),
    # half form + fola (্্ collapses): স্থ, স্ব
    ("Dcw¯’Z", "উপস্থিত"), ("¯^v¶i", "স্বাক্ষর"),
    # a digit's ঃ is a colon again; | is the danda in Bijoy text
    ("cÖKvk: 12 b‡f¤^i 2024, 11t31", "প্রকাশ: ১২ নভেম্বর ২০২৪, ১১:৩১"),
    ("ivwkqv I DËi †Kvwiqvi g‡a¨ mvgwiK Pzw³|", "রাশিয়া ও উত্তর কোরিয়ার মধ্যে সামরিক চুক্তি।"),
])
def test_reordering_rules(bijoy, unicode):
    assert bijoy_to_unicode(bijoy) == nfc(unicode)


def test_soft_hyphen_is_lo_fola_so_it_is_converted_before_any_fold():
    """Research §2.5: in Bijoy U+00AD stands for ্ল — deleting soft hyphens first would lose a letter."""
    bijoy = "mswk\u00adóiv Dcw¯’Z wQ‡jb"
    assert bijoy_to_unicode(bijoy) == nfc("সংশ্লিষ্টরা উপস্থিত ছিলেন")
    assert fold(bijoy_to_unicode(bijoy)) == nfc("সংশ্লিষ্টরা উপস্থিত ছিলেন")
    assert "সংশ্লিষ্টরা" not in fold(bijoy)  # the wrong order: fold drops U+00AD, nothing can convert it after


# -- detection -------------------------------------------------------------------------------------------------------

BIJOY_PARAGRAPHS = [
    "iæk †cÖwm‡W›U føvw`wgi cywZb I DËi †Kvwiqvi †bZv wKg Rs Db cvi¯úwiK cÖwZi¶v Pzw³‡Z ¯^v¶i K‡i‡Qb|",
    "Pzw³wU‡Z ejv n‡q‡Q, †Kv‡bv GKwU †`k Avµvš— n‡j Ab¨ †`kwU me©kw³ w`‡q mvgwiK mnvqZv †`‡e|",
    "AvjnvR¦ Avey eKi wmwÏKx e‡jb, GB Pzw³ AÂ‡ji wbivcËvi Rb¨ ¸iæZ¡c~Y©|",
]
UNICODE_PARAGRAPHS = [
    "রুশ প্রেসিডেন্ট ভ্লাদিমির পুতিন ও উত্তর কোরিয়ার নেতা কিম জং উন পারস্পরিক প্রতিরক্ষা চুক্তিতে স্বাক্ষর করেছেন।",
    "চুক্তিটিতে বলা হয়েছে, কোনো একটি দেশ আক্রান্ত হলে অন্য দেশটি সর্বশক্তি দিয়ে সামরিক সহায়তা দেবে।",
    "আলহাজ্ব আবু বকর সিদ্দিকী বলেন, এই চুক্তি অঞ্চলের নিরাপত্তার জন্য গুরুত্বপূর্ণ।",
]
ENGLISH = ("Russian President Vladimir Putin and North Korean leader Kim Jong Un signed a mutual defence treaty "
           "in Pyongyang on Wednesday, the Korean Central News Agency reported.")


def test_paragraph_conversion():
    assert [bijoy_to_unicode(p) for p in BIJOY_PARAGRAPHS] == [nfc(p) for p in UNICODE_PARAGRAPHS]


def test_detector_shares():
    bn, markers, lat = bijoy_share(" ".join(BIJOY_PARAGRAPHS))
    assert bn == 0 and markers > 0.3 and lat > 100
    _, en_markers, _ = bijoy_share(ENGLISH)
    assert en_markers < 0.06  # w+v+q in English prose
    assert looks_like_bijoy(" ".join(BIJOY_PARAGRAPHS), declared_bengali=True)
    assert looks_like_bijoy(" ".join(BIJOY_PARAGRAPHS), font_hint=True)
    assert not looks_like_bijoy(" ".join(BIJOY_PARAGRAPHS))  # nothing says the page is Bengali
    assert not looks_like_bijoy(ENGLISH, declared_bengali=True)
    assert not looks_like_bijoy(" ".join(UNICODE_PARAGRAPHS), declared_bengali=True)


def bijoy_page(*, lang: str = "bn", font: bool = True, paragraphs=BIJOY_PARAGRAPHS) -> str:
    style = "<style>.news-body{font-family:'SutonnyMJ',serif}</style>" if font else ""
    body = "".join(f"<p>{p.replace('&', '&amp;')}</p>" for p in paragraphs)
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>ivwkqv I DËi †Kvwiqvi g‡a¨ '
            f'mvgwiK Pzw³ | Example</title><meta property="og:title" content="ivwkqv I DËi †Kvwiqvi g‡a¨ mvgwiK Pzw³">'
            f'{style}</head><body><header><nav><a href="/">Home</a> <a href="/world">World</a></nav></header>'
            f'<article><h1>ivwkqv I DËi †Kvwiqvi g‡a¨ mvgwiK Pzw³</h1><div class="author">AvšÍR©vwZK †W¯‹</div>'
            f'<div class="date">cÖKvk: 12 b‡f¤^i 2024, 11:31</div><div class="news-body">{body}</div></article>'
            f'<footer><p>Follow us on Facebook</p></footer></body></html>')


def test_whole_bijoy_page_is_detected_and_converted_before_extraction():
    page = bijoy_page()
    assert looks_like_bijoy_page(page)
    ex = extract(page.encode("utf-8"), registry=EMPTY)
    assert ex.title == nfc("রাশিয়া ও উত্তর কোরিয়ার মধ্যে সামরিক চুক্তি")
    assert ex.paragraphs == [nfc(p) for p in UNICODE_PARAGRAPHS]
    assert ex.published_at == "2024-11-12T11:31:00+06:00"  # the dateline's Bijoy digits read after conversion
    assert ex.authors == [nfc("আন্তর্জাতিক ডেস্ক")]
    assert ex.language == "bn"
    assert BIJOY_CONVERTED in ex.decode.flags


def test_bijoy_page_served_as_windows_1252():
    """SutonnyMJ pages predate UTF-8 sites: the glyph bytes arrive as cp1252 (‡ = 0x87, † = 0x86, © = 0xa9)."""
    page = bijoy_page().replace('<meta charset="utf-8">', '<meta charset="windows-1252">').encode("cp1252")
    ex = extract(page, registry=EMPTY)
    assert ex.paragraphs[0] == nfc(UNICODE_PARAGRAPHS[0])
    assert BIJOY_CONVERTED in ex.decode.flags


def test_conversion_leaves_latin_chrome_urls_and_scripts_alone():
    html = bijoy_page() + "<script>var w = 'vwq‡';</script>"
    out = convert_bijoy_html(html)
    assert "Follow us on Facebook" in out and ">Home<" in out and ">World<" in out
    assert "font-family:'SutonnyMJ'" in out and "var w = 'vwq‡';" in out


@pytest.mark.parametrize("page", [
    bijoy_page(lang="en", font=False),  # not declared Bengali, no Bijoy font: left alone
    bijoy_page(paragraphs=UNICODE_PARAGRAPHS).replace("‡", "ে").replace("†", "ে"),  # Unicode Bengali
    f'<html lang="bn"><body><article><h1>Putin–Kim treaty</h1><p>{ENGLISH} † footnote</p></article></body></html>',
])
def test_pages_that_are_not_bijoy(page):
    assert not looks_like_bijoy_page(page)


def test_unicode_page_with_bijoy_residue_is_not_converted_wholesale():
    """Residue inside a Unicode page (seed 004's আলহাজ¦) is textnorm's job, word by word — never a page conversion."""
    page = ('<html lang="bn"><body><article><h1>উত্তর কোরিয়া</h1><p>আল্লামা আলহাজ¦ আবুবকর সিদ্দিকি † ভøাদিমির পুতিন '
            + "রাশিয়া ও উত্তর কোরিয়ার মধ্যে সামরিক চুক্তি। " * 5 + "</p></article></body></html>")
    assert not looks_like_bijoy_page(page)
