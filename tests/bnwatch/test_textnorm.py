"""bnwatch.textnorm.fold on the traps of docs/research/bengali.md §2 and §4.1, with real strings from the seeds."""

from __future__ import annotations

import unicodedata

from bnwatch.textnorm import ascii_digits, fold, repair_bijoy_residue

PRECOMPOSED = "রাশি\u09dfা"  # য় as U+09DF (Kaler Kantho RSS, banglatelegraph slugs)
DECOMPOSED = "রাশি\u09af\u09bcা"  # য + nukta (every seed)


def test_both_nukta_encodings_compare_equal_after_fold():
    assert PRECOMPOSED != DECOMPOSED
    assert fold(PRECOMPOSED) == fold(DECOMPOSED) == DECOMPOSED
    assert fold("উত্তর কো\u09b0ি\u09dfা") == fold("উত্তর কোরিয়া")
    assert fold("পি\u09dfংই\u09dfং") == "পিয়ংইয়ং"
    # ড় and ঢ় too
    assert fold("\u09dc") == "\u09a1\u09bc" and fold("\u09dd") == "\u09a2\u09bc"


def test_fold_output_is_nfc_and_idempotent():
    text = "ঢাকা\u00a0বৃহস্পতিবার, ১৪ নভেম্বর ২০২৪ | ৩০ কার্তিক ১৪৩১\nকিম জং\u2011উন ভøাদিমির"
    once = fold(text)
    assert unicodedata.is_normalized("NFC", once)
    assert fold(once) == once


def test_fold_is_idempotent_on_bijoy_leftovers_behind_an_invisible_character_or_another_leftover():
    # a ZWNJ before ø hid the letter from the repair, and æ after a repaired ¨ was repaired only on a second fold
    for text, folded in (("ভ\u200cøাদিমির পুতিন", "ভ্লাদিমির পুতিন"), ("ক¨æ", "ক্যু")):
        assert fold(text) == folded
        assert fold(folded) == folded


def test_the_fake_danda_is_a_danda():
    """৷ (U+09F7, a currency numerator) typed as a danda, as in an Ajker Patrika golden page: as a letter of the
    Bengali block it hid the name before it from the matcher and ended no sentence."""
    assert fold("চাইবো ইনশাআল্লাহ৷’ ‘বৈষম্যের") == "চাইবো ইনশাআল্লাহ।’ ‘বৈষম্যের"
    from consumers.tag import classify

    title = "উত্তর কোরিয়ার সঙ্গে সামরিক চুক্তি করল রাশিয়া"
    assert classify(title + "৷", []) == classify(title + "।", [])
    assert classify(title + "৷", [])["alert"]


def test_the_modifier_apostrophe_is_an_apostrophe():
    """ʼ (U+02BC) is a letter to a regex: 'রাশিয়াʼর' hid the name from the matcher."""
    from consumers.tag import classify

    assert fold("রাশিয়াʼর") == "রাশিয়া’র"
    assert classify("উত্তর কোরিয়ার সেনা রাশিয়াʼর যুদ্ধে", []) == classify("উত্তর কোরিয়ার সেনা রাশিয়া’র যুদ্ধে", [])


def test_bijoy_residue_inside_bengali_words():
    assert fold("ভøাদিমির পুতিন") == "ভ্লাদিমির পুতিন"
    assert fold("আল্লামা আলহাজ¦ আবুবকর সিদ্দিকি") == "আল্লামা আলহাজ্ব আবুবকর সিদ্দিকি"
    assert fold("দ্রæতই") == "দ্রুতই"
    assert fold("ভøাদিভস্তকে") == "ভ্লাদিভস্তকে"
    # outside Bengali words the characters are left alone
    assert repair_bijoy_residue("Søren ¦ øre") == "Søren ¦ øre"
    assert fold("আলহাজ¦", bijoy=False) == "আলহাজ¦"


def test_invisible_characters_removed():
    assert fold("র\u200d্যাব") == fold("র্যাব")
    assert fold("কিম\u200bজং") == "কিমজং"
    assert fold("পুতি\u00adন\ufeff") == "পুতিন"
    assert fold("উত\u09cd\u200dস") == "উৎস"  # legacy khanda-ta before ZWJ is dropped


def test_hyphens_spaces_and_newlines():
    assert fold("কিম জং\u2011উন") == fold("কিম জং–উন") == "কিম জং-উন"
    assert fold("ঢাকা\u00a0\u00a0 বৃহস্পতিবার") == "ঢাকা বৃহস্পতিবার"
    assert fold("এক।\r\nদুই।\rতিন।") == "এক।\nদুই।\nতিন।"
    assert fold("প্রথম\n\nদ্বিতীয়") == "প্রথম\n\nদ্বিতীয়"  # paragraphs survive
    assert fold("সমর্থন করবে। | আপডেট") == "সমর্থন করবে। | আপডেট"  # '|' is a field separator, not a danda


def test_ascii_digits_is_only_for_the_date_pass():
    assert ascii_digits("২০২৪ সালে ১১ জন") == "2024 সালে 11 জন"
    assert fold("২০২৪") == "২০২৪"


def test_nfc_equals_unicodedata_on_bengali_strings():
    """nfc's shortcuts (already NFC; only য় ড় ঢ় to decompose) return exactly what unicodedata.normalize returns."""
    import random
    import unicodedata

    from bnwatch.textnorm import nfc

    alphabet = ([chr(c) for c in range(0x980, 0xA00)] + list("ab é,।\u200c\u200d ")
                + ["\u09df", "\u09dc", "\u09dd", "\u09bc", "\u09cd", "\u09be", "\u09c7", "\u09d7"] * 4)
    rnd = random.Random(13)
    changed = 0
    for _ in range(50_000):
        s = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 8)))
        expected = unicodedata.normalize("NFC", s)
        assert nfc(s) == expected, s.encode("unicode_escape")
        changed += expected != s
    assert changed > 1000  # the strings exercised the non-trivial paths
    assert nfc("রাশিয়া") == "রাশিয\u09bcা"


def test_fold_is_idempotent_when_a_removed_character_separated_two_that_compose():
    """ে ZWNJ া: NFC first keeps them apart, removing the ZWNJ joins them; the result must still be NFC."""
    for text in ("কে\u200cাথায়", "কে\u00adাথায়", "ে\u200dৗ", "ভøাদিমির"):
        once = fold(text)
        assert fold(once) == once and unicodedata.is_normalized("NFC", once), text.encode("unicode_escape")
    assert fold("কে\u200cাথায়") == unicodedata.normalize("NFC", "কোথায়")
