"""consumers.clean.decode: charsets, mislabelled UTF-8, BOMs, mojibake repair, garbage flagged."""

from __future__ import annotations

import codecs
import random

import pytest

from consumers.clean.decode import (BINARY, INVALID_BYTES, MISLABELLED, MOJIBAKE_REPAIRED, MOJIBAKE_UNREPAIRABLE,
                                    decode_html, decode_whatwg_1252, header_charset, meta_charset, mojibake_count,
                                    repair_mojibake)

# seed 000 (Inqilab): virama (e0 a7 8d), chandrabindu (e0 a6 81) and এ (e0 a6 8f) are the bytes cp1252 leaves undefined
BENGALI = ("দুই দেশের মধ্যে প্রতিরক্ষা সহযোগিতা নিয়ে আলোচনা করতে শুক্রবার (২৯ নভেম্বর) পিয়ংইয়ংয়ে পৌঁছানো "
           "রাশিয়ার প্রতিরক্ষামন্ত্রী আন্দ্রে বেলুসভের সঙ্গে এক বৈঠকে কিম এ মন্তব্য করেন।")
PAGE = f'<html><head><title>কিম</title></head><body><p>{BENGALI}</p></body></html>'


def page_with_meta(charset: str) -> bytes:
    return f'<html><head><meta charset="{charset}"></head><body><p>{BENGALI}</p></body></html>'.encode("utf-8")


def test_bytes_cp1252_would_destroy():
    raw = BENGALI.encode("utf-8")
    assert {0x81, 0x8D, 0x8F} & set(raw)
    with pytest.raises(UnicodeDecodeError):
        raw.decode("cp1252")


@pytest.mark.parametrize("label", ["windows-1252", "ISO-8859-1", "latin-1", "us-ascii"])
def test_valid_utf8_labelled_legacy_in_http_header_decodes_as_utf8(label):
    result = decode_html(PAGE.encode("utf-8"), {"Content-Type": f"text/html; charset={label}"})
    assert result.text == PAGE
    assert result.encoding == "utf-8"
    assert MISLABELLED in result.flags
    assert "\u09cd" in result.text  # the virama survived
    assert result.usable


def test_valid_utf8_with_wrong_meta_and_declared_encoding():
    result = decode_html(page_with_meta("windows-1252"), {}, declared_encoding="cp1252")
    assert BENGALI in result.text and result.encoding == "utf-8" and MISLABELLED in result.flags


def test_plain_utf8_without_any_label():
    result = decode_html(PAGE.encode("utf-8"))
    assert result.text == PAGE and result.flags == () and result.confidence == 1.0


@pytest.mark.parametrize("bom,codec", [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                                       (codecs.BOM_UTF16_BE, "utf-16-be")])
def test_bom_wins(bom, codec):
    data = bom + PAGE.encode(codec)
    result = decode_html(data, {"Content-Type": "text/html; charset=windows-1252"})
    assert result.text.lstrip("\ufeff") == PAGE
    assert result.source == "bom"


def test_meta_charset_for_a_real_legacy_page():
    text = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251"></head>' \
           "<body>Новости Москвы</body></html>"
    result = decode_html(text.encode("cp1251"))
    assert "Новости Москвы" in result.text
    assert result.encoding == "cp1251" and result.source == "meta"


def test_header_and_meta_helpers():
    assert header_charset({"content-type": 'text/html; charset="UTF-8"'}) == "UTF-8"
    assert header_charset({"Content-Type": ["text/html;charset=windows-1252"]}) == "windows-1252"
    assert header_charset({"Content-Type": "text/html"}) is None
    assert meta_charset(b'<meta charset="utf-8">') == "utf-8"
    assert meta_charset(b'<meta http-equiv="content-type" content="text/html; charset=iso-8859-1">') == "iso-8859-1"


def test_latin1_mojibake_is_repaired():
    mojibake = BENGALI.encode("utf-8").decode("latin-1")
    assert mojibake_count(mojibake) > 10
    result = decode_html(mojibake)
    assert result.text == BENGALI
    assert MOJIBAKE_REPAIRED in result.flags and result.usable


def test_cp1252_mojibake_reencoded_as_utf8_is_repaired():
    """A server decoded UTF-8 as windows-1252 (browser style) and served the result as UTF-8."""
    served = decode_whatwg_1252(PAGE.encode("utf-8")).encode("utf-8")
    result = decode_html(served, {"Content-Type": "text/html; charset=utf-8"})
    assert result.text == PAGE
    assert MOJIBAKE_REPAIRED in result.flags


def test_double_encoded_page_is_repaired():
    once = decode_whatwg_1252(BENGALI.encode("utf-8"))
    twice = decode_whatwg_1252(once.encode("utf-8"))
    assert repair_mojibake(twice) == (BENGALI, True)


def test_mojibake_with_dropped_c1_bytes_is_flagged_unrepairable():
    """sokalsandhya.com (research §4.2): mojibake saved as cp1252 with the undefined bytes dropped. Decoded per
    its label; the sequences that still hold all their bytes are repaired, the page is flagged."""
    data = decode_whatwg_1252(PAGE.encode("utf-8")).encode("cp1252", errors="ignore")
    result = decode_html(data, {"Content-Type": "text/html; charset=windows-1252"})
    assert result.source == "http"
    assert "দেশের" in result.text and "রাশিয়ার" in result.text  # repaired where nothing was lost
    assert MOJIBAKE_UNREPAIRABLE in result.flags and not result.usable


def test_replacement_character_mojibake_is_flagged_unrepairable():
    """cp1252 with errors='replace' lost every virama for good (research §4.2): flag it, never store it."""
    broken = BENGALI.encode("utf-8").decode("cp1252", errors="replace") * 3
    result = decode_html(broken)
    assert MOJIBAKE_UNREPAIRABLE in result.flags
    assert not result.usable


def test_latin_text_is_not_touched():
    text = "Ã© is written on purpose; naïve café — “quotes”"
    assert decode_html(text).text == text
    assert decode_html(text.encode("utf-8")).flags == ()


def test_binary_garbage_is_flagged():
    rnd = random.Random(7)
    garbage = bytes(rnd.randrange(256) for _ in range(4000))
    result = decode_html(garbage)
    assert BINARY in result.flags and not result.usable
    assert BINARY in decode_html(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200)).flags


def test_mostly_utf8_with_a_stray_byte_stays_utf8():
    data = PAGE.encode("utf-8").replace(b"</p>", b"\xa0</p>")
    result = decode_html(data, {"Content-Type": "text/html; charset=iso-8859-1"})
    assert BENGALI in result.text
    assert INVALID_BYTES in result.flags
