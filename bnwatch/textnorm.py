"""Bengali text folding shared by every stage that stores or matches text.

The order matters (docs/research/bengali.md §2.5): NFC first, because NFC decomposes য় ড় ঢ় and both the page and
every pattern must agree; the legacy khanda-ta sequence before ZWJ is removed; Bijoy residue only inside
Bengali words; newlines are kept because paragraphs and date lines depend on them.
"""

from __future__ import annotations

import re
import unicodedata

_KHANDA_TA_LEGACY = "\u09a4\u09cd\u200d"
_BENGALI = "\u0980-\u09ff"
_BIJOY_RESIDUE = {"ø": "\u09cd\u09b2", "¦": "\u09cd\u09ac", "æ": "\u09c1", "¨": "\u09cd\u09af"}
_BIJOY_RE = re.compile(f"(?<=[{_BENGALI}])[{''.join(_BIJOY_RESIDUE)}]")
_DELETE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_HYPHENS = {ord(c): "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"}
_SPACES = {ord(c): " " for c in "\u00a0\u202f\u3000" + "".join(chr(c) for c in range(0x2000, 0x200B))}
_NEWLINES = {ord("\r"): "\n", 0x2028: "\n", 0x2029: "\n", 0x85: "\n"}
# ৷ U+09F7 (BENGALI CURRENCY NUMERATOR FOUR) typed as a danda (docs/research/bengali.md): as a letter of the Bengali
# block it hid the name before it from the matcher and ended no sentence
_FAKE_DANDA = {0x09F7: "\u0964"}
# ʼ U+02BC (a modifier letter, so a word character to a regex) typed for the apostrophe: রাশিয়াʼর hid রাশিয়া
_APOSTROPHE = {0x02BC: "\u2019"}
_TABLE = {**_DELETE, **_HYPHENS, **_SPACES, **_NEWLINES, **_FAKE_DANDA, **_APOSTROPHE}
_RUNS = re.compile(r"[ \t]+")
# translate(_TABLE) over non-ASCII text walks a dict per character; most paragraphs hold none of these characters:
# one class search finds out, then `in` + replace per character present (replacements never produce another key)
_TABLE_PAIRS = tuple((chr(c), v or "") for c, v in _TABLE.items())
_TABLE_CHARS = re.compile("[" + "".join(re.escape(chr(c)) for c in _TABLE) + "]")
_BN_DIGITS = str.maketrans("০১২৩৪৫৬৭৮৯", "0123456789")

#: Characters of Bengali news text (ASCII, Latin-1, Bengali, the danda, general punctuation, the rupee sign): a
#: text made only of these is already NFC unless it holds one of the `_nfc_unsafe` characters or pairs, found by
#: brute force at import (so it is exact for this repertoire, not a hand-made list).
_NFC_RANGES = ((0x00, 0x100), (0x964, 0x966), (0x980, 0xA00), (0x2000, 0x2070), (0x20B9, 0x20BA))


def _nfc_unsafe() -> tuple[re.Pattern[str], tuple[str, ...]]:
    chars = [chr(c) for a, b in _NFC_RANGES for c in range(a, b)]
    # not stable under NFC on its own (য় U+09DF, U+2000 …), or decomposing to combining marks (Latin é …)
    unsafe = {c for c in chars if unicodedata.normalize("NFC", c) != c
              or (unicodedata.normalize("NFD", c) != c
                  and any(unicodedata.combining(x) for x in unicodedata.normalize("NFD", c)))}
    # two neighbours NFC changes (composition: ে + া → ো; reordering: ্ + ় → ় + ্). Only neighbours matter
    # here: no character of the repertoire with a non-zero combining class composes with anything, and the
    # starters that compose (া U+09BE, ৗ U+09D7) are blocked by any character in between
    pairs = []
    for a in chars:
        if a in unsafe:
            continue
        for b in chars:
            if b in unsafe or (a < "\x80" and b < "\x80"):
                continue
            if unicodedata.normalize("NFC", a + b) != a + b:
                pairs.append(a + b)
    # one negated class of the safe characters (a single class is a fast scan; an alternation is not), the few
    # pairs as substrings
    safe = "".join(re.escape(c) for c in chars if c not in unsafe)
    return re.compile(f"[^{safe}]"), tuple(pairs)


_NFC_UNSAFE_CHAR, _NFC_UNSAFE_PAIRS = _nfc_unsafe()


def _maybe_not_nfc(text: str) -> bool:
    """False when `text` is certainly NFC (see `_nfc_unsafe`)."""
    if _NFC_UNSAFE_CHAR.search(text) is not None:
        return True
    for pair in _NFC_UNSAFE_PAIRS:  # a plain loop: a generator in any() costs more than the five scans
        if pair in text:
            return True
    return False


#: য় ড় ঢ় as one code point: NFC *decomposes* them (composition exclusions), and they are what most Bengali pages
#: hold that is not NFC — replacing them by their decompositions is NFC's own result, at str.replace speed
_EXCLUSIONS = (("\u09df", "\u09af\u09bc"), ("\u09dc", "\u09a1\u09bc"), ("\u09dd", "\u09a2\u09bc"))


def nfc(text: str) -> str:
    """unicodedata.normalize("NFC", text), without the full normalisation pass for text that is NFC already
    (most Bengali text, once folded: CPython's quick check answers "maybe" for every া, so it always re-normalises)
    or that only needs its precomposed য় ড় ঢ় decomposed."""
    if text.isascii() or not _maybe_not_nfc(text):
        return text
    decomposed = text
    for precomposed, pair in _EXCLUSIONS:
        if precomposed in decomposed:
            decomposed = decomposed.replace(precomposed, pair)
    if decomposed is not text and not _maybe_not_nfc(decomposed):
        return decomposed  # canonically equivalent to `text` and NFC: what normalize would return
    return unicodedata.normalize("NFC", text)


def repair_bijoy_residue(text: str) -> str:
    """Map the glyph-encoding leftovers of a Bijoy→Unicode conversion (ভøাদিমির → ভ্লাদিমির) inside Bengali words.
    Repeated until nothing changes: a leftover after a repaired one (¨æ) is inside a Bengali word only then."""
    while True:
        repaired = _BIJOY_RE.sub(lambda m: _BIJOY_RESIDUE[m.group(0)], text)
        if repaired == text:
            return text
        text = repaired


def fold(text: str, *, bijoy: bool = True) -> str:
    """Normalise Bengali text for storage and matching (NFC, invisible characters, hyphens, spaces; CR, CRLF and
    U+2028/U+2029 become newlines)."""
    text = nfc(text)
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
    if _KHANDA_TA_LEGACY in text:
        text = text.replace(_KHANDA_TA_LEGACY, "\u09ce")
    joined = False  # characters removed or inserted: the neighbours they separated may compose now (ে‌া → ো)
    if _TABLE_CHARS.search(text):  # one class scan; most paragraphs hold none of them
        for ch, replacement in _TABLE_PAIRS:
            if ch in text:
                text = text.replace(ch, replacement)
        joined = True
    # after the invisible characters are gone (a ZWNJ between ভ and ø hid the letter from the repair)
    if bijoy and ("ø" in text or "¦" in text or "æ" in text or "¨" in text):
        text = repair_bijoy_residue(text)
        joined = True
    # a run of one space is replaced by one space: only tabs and double spaces change anything
    if "\t" in text or "  " in text:
        text = _RUNS.sub(" ", text)
    return nfc(text) if joined else text  # so fold(fold(x)) == fold(x): stored text is NFC


def ascii_digits(text: str) -> str:
    """Bengali digits to ASCII, for the date and number pass only (the stored text keeps its digits)."""
    return text.translate(_BN_DIGITS)
