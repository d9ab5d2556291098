"""Whole-page Bijoy (SutonnyMJ ASCII glyph encoding) → Unicode Bengali; pure Python, stdlib only.

Bijoy text is Bengali typed with the Bijoy keyboard and shown with a SutonnyMJ-family font: every glyph is an
ASCII or Windows-1252 character (`ivwkqv` = রাশিয়া, `DËi †Kvwiqv` = উত্তর কোরিয়া), in *visual* order — the pre-base
vowel signs ি ে ৈ are typed before the consonant (cluster) they follow in Unicode, and the reph (`©` = র্) after the
consonant (cluster) it precedes. Conversion (docs/research/bengali.md §4.1) is therefore:

1. glyph map, longest key first (`Av` = আ before `A` = অ); the reph becomes a private marker;
2. `্্` → `্` (a half form followed by a fola: `¯’` = স্ + ্থ);
3. reph: the marker moves in front of the consonant cluster (C(্C)*) it was typed after;
4. pre-base vowel signs move behind the cluster they were typed before (ে … া → ো, ে … ৗ → ৌ);
5. chandrabindu after a following post-base sign, `অা` → `আ`, a digit's `ঃ` back to `:`;
6. NFC (so য় ড় ঢ় come out as base + nukta, like every other stored text).

Table choices where published converters disagree (research §4.1): `ø` and U+00AD are ্ল (the `ভøাদিমির` residue
seen on live pages), `¦` is ্ব (`AvjnvR¦` = আলহাজ্ব), `æ` is ু (`দ্রæতই` residue), `Í` is ্ত (`ev¯Íe` = বাস্তব).

Detection (`looks_like_bijoy`): a page declared Bengali (`lang="bn"`, og:locale bn) or naming a SutonnyMJ-family
font, whose visible text has (almost) no Bengali-block letters while `w v q ‡ †` and the Latin-1/cp1252 glyph
characters make up more than 15 % of its letters. Ordinary English text stays far below that (w+v+q ≈ 3 %).
"""

from __future__ import annotations

import html as _html
import re
import unicodedata

BIJOY_CONVERTED = "bijoy_converted"  # DecodeResult flag after a whole-page conversion

_REPH = "\ue000"  # private-use marker for `©` until it is moved

# glyph → Unicode (the standard SutonnyMJ layout; multi-character keys win over their prefixes)
_TABLE: dict[str, str] = {
    # independent vowels
    "Av": "আ", "A": "অ", "B": "ই", "C": "ঈ", "D": "উ", "E": "ঊ", "F": "ঋ", "G": "এ", "H": "ঐ", "I": "ও", "J": "ঔ",
    # consonants and signs
    "K": "ক", "L": "খ", "M": "গ", "N": "ঘ", "O": "ঙ", "P": "চ", "Q": "ছ", "R": "জ", "S": "ঝ", "T": "ঞ",
    "U": "ট", "V": "ঠ", "W": "ড", "X": "ঢ", "Y": "ণ", "Z": "ত", "_": "থ", "`": "দ", "a": "ধ", "b": "ন",
    "c": "প", "d": "ফ", "e": "ব", "f": "ভ", "g": "ম", "h": "য", "i": "র", "j": "ল", "k": "শ", "l": "ষ",
    "m": "স", "n": "হ", "o": "ড\u09bc", "p": "ঢ\u09bc", "q": "য\u09bc", "r": "ৎ", "s": "ং", "t": "ঃ", "u": "ঁ",
    # digits
    **{str(d): chr(0x09E6 + d) for d in range(10)},
    # vowel signs
    "v": "া", "w": "ি", "x": "ী", "y": "ু", "z": "ু", "\u201c": "ু", "\u2013": "ু", "æ": "ু",
    "~": "ূ", "ƒ": "ূ", "\u201a": "ূ", "„„": "ৃ", "„": "ৃ", "…": "ৃ",
    "†": "ে", "‡": "ে", "ˆ": "ৈ", "‰": "ৈ", "Š": "ৗ",
    # punctuation
    "|": "।", "&": "্", "Ð": "-", "Ñ": "-", "Ò": "“", "Ó": "”", "Ô": "‘", "Õ": "’",
    # folas and half forms
    "^": "্ব", "\u2018": "্তু", "\u2019": "্থ", "‹": "্ক", "Œ": "্ক্র", "\u201d": "চ্", "\u2014": "্ত",
    "˜": "দ্", "™": "দ্", "š": "ন্", "›": "ন্", "œ": "্ন", "Ÿ": "্ব", "¡": "্ব", "¢": "্ভ", "£": "্ভ্র",
    "¤": "ম্", "¥": "্ম", "¦": "্ব", "§": "্ম", "¨": "্য", "©": _REPH, "ª": "্র", "«": "্র", "¬": "্ল",
    "\u00ad": "্ল", "®": "ষ্", "¯": "স্", "•": "ঙ্", "Ö": "্র", "è": "্ন", "ú": "্প", "ø": "্ল", "Í": "্ত",
    "¿": "্ত্র",
    # conjuncts
    "°": "ক্ক", "±": "ক্ট", "²": "ক্ষ্ম", "³": "ক্ত", "´": "ক্ম", "µ": "ক্র", "¶": "ক্ষ", "ÿ": "ক্ষ", "·": "ক্স",
    "¸": "গু", "¹": "জ্ঞ", "º": "গ্দ", "»": "গ্ধ", "¼": "ঙ্ক", "½": "ঙ্গ", "¾": "জ্জ", "À": "জ্ঝ", "Á": "জ্ঞ",
    "Â": "ঞ্চ", "Ã": "ঞ্ছ", "Ä": "ঞ্জ", "Å": "ঞ্ঝ", "Æ": "ট্ট", "Ç": "ড্ড", "È": "ণ্ট", "É": "ণ্ঠ", "Ê": "ণ্ড",
    "Ë": "ত্ত", "Ì": "ত্থ", "Î": "ত্র", "Ï": "দ্দ", "×": "দ্ধ", "Ø": "দ্ব", "Ù": "দ্ম", "Ú": "ন্ঠ", "Û": "ন্ড",
    "Ü": "ন্ধ", "Ý": "ন্স", "Þ": "প্ট", "ß": "প্ত", "à": "প্প", "á": "প্স", "â": "ব্জ", "ã": "ব্দ", "ä": "ব্ধ",
    "å": "ভ্র", "ç": "ম্ফ", "é": "ল্ক", "ê": "ল্গ", "ë": "ল্ট", "ì": "ল্ড", "í": "ল্প", "î": "ল্ফ", "ï": "শু",
    "ð": "শ্চ", "ñ": "শ্ছ", "ò": "ষ্ণ", "ó": "ষ্ট", "ô": "ষ্ঠ", "õ": "ষ্ফ", "ö": "স্খ", "÷": "স্ট", "ù": "স্ফ",
    "û": "হু", "ü": "হৃ", "ý": "হ্ন", "þ": "হ্ম",
}
_KEYS = re.compile("|".join(re.escape(k) for k in sorted(_TABLE, key=len, reverse=True)))

_CONSONANTS = set("কখগঘঙচছজঝঞটঠডঢণতথদধনপফবভমযরলশষসহৎ")
_NUKTA = "\u09bc"
_VIRAMA = "\u09cd"
_PRE_KARS = set("িেৈ")
_POST_KARS = set("াীুূৃৗোৌ")
_CHANDRABINDU = "ঁ"


def _cluster_end(s: list[str], i: int) -> int:
    """End (exclusive) of the consonant cluster C[়](্C[়])* starting at i, or i if s[i] is no consonant."""
    n = len(s)
    if i >= n or s[i] not in _CONSONANTS:
        return i
    j = i + 1
    if j < n and s[j] == _NUKTA:
        j += 1
    while j + 1 < n and s[j] == _VIRAMA and s[j + 1] in _CONSONANTS:
        j += 2
        if j < n and s[j] == _NUKTA:
            j += 1
    return j


def _cluster_start(s: list[str], end: int) -> int:
    """Start of the consonant cluster C[়](্C[়])* that ends (exclusive) at `end`, or `end` if there is none."""
    j = end - 1
    if j >= 0 and s[j] == _NUKTA:
        j -= 1
    if j < 0 or s[j] not in _CONSONANTS:
        return end
    start = j
    while start >= 2 and s[start - 1] == _VIRAMA:
        m = start - 2
        if s[m] == _NUKTA:
            m -= 1
        if m < 0 or s[m] not in _CONSONANTS:
            break
        start = m
    return start


def _reorder(text: str) -> str:
    s = list(text)
    # reph: typed after its cluster (and after a post-base sign typed in between), belongs before the cluster
    i = 0
    while i < len(s):
        if s[i] == _REPH:
            end = i
            if end > 0 and s[end - 1] in _POST_KARS:
                end -= 1
            start = _cluster_start(s, end)
            if start < end:
                s[start:i + 1] = ["র", _VIRAMA] + s[start:i]
                i += 1
            else:
                s[i:i + 1] = ["র", _VIRAMA]
                i += 1
        i += 1
    # pre-base vowel signs: typed before their cluster, stored after it
    out: list[str] = []
    i = 0
    n = len(s)
    while i < n:
        c = s[i]
        if c in _PRE_KARS:
            end = _cluster_end(s, i + 1)
            if end > i + 1:
                out.extend(s[i + 1:end])
                k = end
                bindu = k < n and s[k] == _CHANDRABINDU
                nxt = s[k + 1] if bindu and k + 1 < n else (s[k] if k < n else "")
                if c == "ে" and nxt in ("া", "ৗ"):
                    out.append("ো" if nxt == "া" else "ৌ")
                    if bindu:
                        out.append(_CHANDRABINDU)
                    i = k + 2 if bindu else k + 1
                else:
                    out.append(c)
                    i = end
                continue
        out.append(c)
        i += 1
    s = out
    # chandrabindu typed before a post-base sign; a sign typed before a hasanta+consonant
    for i in range(len(s) - 1):
        if s[i] == _CHANDRABINDU and s[i + 1] in _POST_KARS:
            s[i], s[i + 1] = s[i + 1], s[i]
    return "".join(s)


_DIGIT_VISARGA = re.compile("([০-৯]) ?ঃ(?=[০-৯ ])")


def bijoy_to_unicode(text: str) -> str:
    """Convert Bijoy/SutonnyMJ text to NFC Unicode Bengali. `ivwkqv` → `রাশিয়া`, `AvjnvR¦` → `আলহাজ্ব`."""
    if not text:
        return text
    text = text.replace("yy", "y").replace("vv", "v")
    mapped = _KEYS.sub(lambda m: _TABLE[m.group(0)], text)
    while _VIRAMA + _VIRAMA in mapped:
        mapped = mapped.replace(_VIRAMA + _VIRAMA, _VIRAMA)
    out = _reorder(mapped).replace("অা", "আ")
    out = _DIGIT_VISARGA.sub(r"\1:", out)
    return unicodedata.normalize("NFC", out)


# -- detection -------------------------------------------------------------------------------------------------------

_GLYPHS = frozenset(k for k in _TABLE if len(k) == 1 and not k.isascii())
_SOFT_MARKERS = frozenset("wvq")
_HARD = "".join(sorted(_GLYPHS))
_LETTERS = re.compile(f"[A-Za-z{re.escape(_HARD)}]")
_BENGALI = re.compile("[\u0980-\u09ff]")
_SCRIPT_STYLE = re.compile(r"<(script|style|noscript|template)\b.*?</\1\s*>|<!--.*?-->", re.S | re.I)
_TAG = re.compile(r"<[^>]*>")
_DECLARED_BN = re.compile(r"""<html[^>]*\blang\s*=\s*["']?(?:bn|be?n[-_])|content\s*=\s*["']bn[-_]?|"""
                          r"""og:locale["'][^>]*content\s*=\s*["']bn""", re.I)
_FONT = re.compile(r"sutonny|bijoy|\w+MJ\b", re.I)


def bijoy_share(text: str) -> tuple[float, float, int]:
    """(Bengali-block share of letters, Bijoy-marker share of Latin letters, Latin letter count)."""
    bn = len(_BENGALI.findall(text))
    letters = _LETTERS.findall(text)
    lat = len(letters)
    if not lat:
        return (1.0 if bn else 0.0), 0.0, 0
    markers = sum(1 for c in letters if c in _SOFT_MARKERS or c in _GLYPHS)
    return bn / (bn + lat), markers / lat, lat


def looks_like_bijoy(text: str, *, declared_bengali: bool = False, font_hint: bool = False) -> bool:
    """Whole-text Bijoy: < 5 % Bengali-block letters, > 15 % Bijoy markers, and a reason to expect Bengali."""
    if not (declared_bengali or font_hint):
        return False
    bn_share, marker_share, lat = bijoy_share(text)
    return lat >= 20 and bn_share < 0.05 and marker_share > 0.15


def visible_text(html: str) -> str:
    body = html
    m = re.search(r"<body\b", html, re.I)
    if m:
        body = html[m.start():]
    return _html.unescape(_TAG.sub(" ", _SCRIPT_STYLE.sub(" ", body)))


def looks_like_bijoy_page(html: str) -> bool:
    """A page whose article text is Bijoy from start to finish (see the module docstring). Cheap for ordinary
    pages: without an e-kar glyph (‡ or †, in every Bijoy paragraph) nothing else is looked at."""
    if "\u2021" not in html and "\u2020" not in html:
        return False
    head = html[:20000]
    return looks_like_bijoy(visible_text(html), declared_bengali=bool(_DECLARED_BN.search(head)),
                            font_hint=bool(_FONT.search(html)))


# -- conversion of a page ----------------------------------------------------------------------------------------------

_TOKENS = re.compile(r"(<(script|style|noscript|template)\b.*?</\2\s*>|<!--.*?-->|<[^>]*>)", re.S | re.I)
_TITLE_META = re.compile(r"""(<meta\b[^>]*(?:og:title|twitter:title|og:description|"description")[^>]*"""
                         r"""\bcontent\s*=\s*)(["'])(.*?)\2""", re.I | re.S)


def _bijoy_run(text: str) -> bool:
    """One text node of a Bijoy page: convert it unless it is Unicode Bengali or plain Latin (a brand, a URL)."""
    if _BENGALI.search(text) or "://" in text or "www." in text or "@" in text:
        return False
    letters = _LETTERS.findall(text)
    if not letters:
        return False
    if any(c in _GLYPHS for c in letters):
        return True
    return sum(1 for c in letters if c in _SOFT_MARKERS) >= max(1, 0.1 * len(letters))


def _convert_run(raw: str) -> str:
    text = _html.unescape(raw)
    if not _bijoy_run(text):
        return raw
    return _html.escape(bijoy_to_unicode(text), quote=False)


def convert_bijoy_html(html: str) -> str:
    """The page with every Bijoy text node (and the og:title/description meta values) converted to Unicode;
    tags, scripts, styles, URLs and Latin text are left as they are."""
    parts = _TOKENS.split(html)
    out: list[str] = []
    i = 0
    while i < len(parts):
        text = parts[i]
        if text:
            out.append(_convert_run(text))
        if i + 1 < len(parts):
            tag = parts[i + 1]
            if tag.startswith("<meta") or tag.startswith("<META"):
                tag = _TITLE_META.sub(lambda m: m.group(1) + m.group(2) +
                                      _html.escape(bijoy_to_unicode(_html.unescape(m.group(3))), quote=True)
                                      if _bijoy_run(_html.unescape(m.group(3))) else m.group(0), tag)
            out.append(tag)
        i += 3  # text, whole tag, inner group of script/style
    return "".join(out)
