"""Bengali text folding shared by every stage that stores or matches text.

The order matters (research/bengali.md §2.5): NFC first, because NFC decomposes য় ড় ঢ় and both the page and
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
_TABLE = {**_DELETE, **_HYPHENS, **_SPACES, **_NEWLINES}
_RUNS = re.compile(r"[ \t]+")
_BN_DIGITS = str.maketrans("০১২৩৪৫৬৭৮৯", "0123456789")


def repair_bijoy_residue(text: str) -> str:
    """Map the glyph-encoding leftovers of a Bijoy→Unicode conversion (ভøাদিমির → ভ্লাদিমির) inside Bengali words."""
    return _BIJOY_RE.sub(lambda m: _BIJOY_RESIDUE[m.group(0)], text)


def fold(text: str, *, bijoy: bool = True) -> str:
    """Normalise Bengali text for storage and matching (NFC, invisible characters, hyphens, spaces; CR, CRLF and
    U+2028/U+2029 become newlines)."""
    text = unicodedata.normalize("NFC", text)
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
    if _KHANDA_TA_LEGACY in text:
        text = text.replace(_KHANDA_TA_LEGACY, "\u09ce")
    if bijoy:
        text = repair_bijoy_residue(text)
    text = text.translate(_TABLE)
    return _RUNS.sub(" ", text)


def ascii_digits(text: str) -> str:
    """Bengali digits to ASCII, for the date and number pass only (the stored text keeps its digits)."""
    return text.translate(_BN_DIGITS)
