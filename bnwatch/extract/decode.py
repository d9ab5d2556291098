"""Bytes → text for fetched pages, without ever losing a Bengali virama to a wrong label.

Order (docs/research/bengali.md §4.2): a BOM; then "is it valid UTF-8?" (a page labelled windows-1252/ISO-8859-1 whose
bytes are valid UTF-8 *is* UTF-8: a cp1252 decode would turn every ্ (e0 a7 8d) into an undefined byte); then the
HTTP Content-Type charset, the RawPage's declared encoding and <meta charset>/http-equiv; charset-normalizer last.
A legacy single-byte label is decoded the WHATWG way (windows-1252 with the five undefined bytes kept as C1
controls) so nothing is replaced and mojibake stays reversible.

Mojibake — UTF-8 Bengali that somebody decoded as cp1252/latin-1 and re-encoded (`à¦¬à¦¾à¦‚à¦²à¦¾`), possibly twice —
is repaired sequence by sequence; what cannot be repaired (a byte already replaced by U+FFFD or dropped) is left
and the result is flagged `mojibake_unrepairable`, so the clean stage can drop the page instead of storing garbage.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

# flags
MISLABELLED = "mislabelled"  # declared a legacy charset, but the bytes are valid UTF-8 (decoded as UTF-8)
INVALID_BYTES = "invalid_bytes"  # mostly UTF-8 with a few invalid bytes (replaced with U+FFFD)
MOJIBAKE_REPAIRED = "mojibake_repaired"
MOJIBAKE_UNREPAIRABLE = "mojibake_unrepairable"
BINARY = "binary"  # not text at all
UNDETECTED = "undetected"  # no label and charset-normalizer found nothing either

#: flags after which the text must not be trusted as an article
UNUSABLE = frozenset({BINARY, MOJIBAKE_UNREPAIRABLE})


@dataclass(frozen=True)
class DecodeResult:
    text: str
    encoding: str  # the codec actually used, normalised ("utf-8", "windows-1252", …)
    confidence: float  # 0..1
    source: str  # where the encoding came from: bom, utf-8, http, declared, meta, detected, fallback, str
    declared: str | None = None  # what the page/headers claimed, if anything
    flags: tuple[str, ...] = field(default_factory=tuple)

    @property
    def usable(self) -> bool:
        return not (set(self.flags) & UNUSABLE)


# -- WHATWG windows-1252 (the browser's "latin-1"/"iso-8859-1"/"ascii") ---------------------------------------------

def _build_cp1252() -> tuple[str, dict[int, int]]:
    chars = []
    for b in range(256):
        try:
            chars.append(bytes([b]).decode("cp1252"))
        except UnicodeDecodeError:  # 0x81 0x8d 0x8f 0x90 0x9d: browsers map them to the C1 control of that value
            chars.append(chr(b))
    table = "".join(chars)
    inverse: dict[int, int] = {}
    for b in range(256):
        inverse[ord(table[b])] = b
        inverse.setdefault(b, b)  # latin-1 reading: U+0080-U+009F are bytes too
    return table, inverse


_CP1252_TABLE, _CP1252_INVERSE = _build_cp1252()
_LEGACY_LABELS = {"latin1", "latin-1", "iso-8859-1", "iso8859-1", "iso_8859-1", "l1", "cp1252", "windows-1252",
                  "x-cp1252", "ascii", "us-ascii", "cp819", "ibm819", "iso-ir-100", "csisolatin1", "iso88591"}


def decode_whatwg_1252(data: bytes) -> str:
    return data.decode("latin-1").translate(_CP1252_LATIN1_TO_WHATWG)


_CP1252_LATIN1_TO_WHATWG = {b: _CP1252_TABLE[b] for b in range(0x80, 0xA0) if _CP1252_TABLE[b] != chr(b)}


# -- mojibake --------------------------------------------------------------------------------------------------------

_CONT_CHARS = "".join(sorted({re.escape(ch) for ch, b in ((chr(k), v) for k, v in _CP1252_INVERSE.items())
                              if 0x80 <= b <= 0xBF}))
_CONT = f"[{_CONT_CHARS}]"
_MOJI_SEQ = re.compile(f"(?:[\u00e0-\u00ef]{_CONT}{{2}}|[\u00c2-\u00df]{_CONT}|[\u00f0-\u00f4]{_CONT}{{3}})+")
#: how UTF-8 Bengali (e0 a6 xx / e0 a7 xx) reads as cp1252 or latin-1
_BENGALI_MOJI = re.compile("\u00e0[\u00a6\u00a7]")


#: the same after a second wrong round trip (à → Ã\xa0, ¦ → Â¦)
_DOUBLE_MOJI = re.compile("\u00c3\u00a0\u00c2[\u00a6\u00a7]")


def mojibake_count(text: str) -> int:
    """Occurrences of `à¦`/`à§`: each is one Bengali character that went through a wrong 8-bit decode."""
    return len(_BENGALI_MOJI.findall(text))


def _unmoji(match: re.Match[str]) -> str:
    run = match.group(0)
    try:
        return bytes(_CP1252_INVERSE[ord(c)] for c in run).decode("utf-8")
    except (UnicodeDecodeError, KeyError):
        return run


def repair_mojibake(text: str, max_rounds: int = 3) -> tuple[str, bool]:
    """Undo cp1252/latin-1 mis-decodes of UTF-8 (repeatedly, for double encoding). Returns (text, changed)."""
    changed = False
    for _ in range(max_rounds):
        repaired = _MOJI_SEQ.sub(_unmoji, text)
        if repaired == text:
            break
        # accept a round only if it yields Bengali (or exposes an inner layer of Bengali mojibake): Latin text
        # that merely looks like a UTF-8 sequence (e.g. "Ã©" written on purpose) is left alone
        if not (mojibake_count(text) or mojibake_count(repaired) > 0
                or _bengali_count(repaired) > _bengali_count(text)):
            break
        text, changed = repaired, True
    return text, changed


# -- labels ----------------------------------------------------------------------------------------------------------

_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.I)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig", "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32", "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16", "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "utf-16"),
)


def header_charset(headers: Mapping[str, object] | None) -> str | None:
    if not headers:
        return None
    for key, value in headers.items():
        if str(key).lower() == "content-type":
            if isinstance(value, (list, tuple)):
                value = value[0] if value else ""
            if isinstance(value, bytes):
                value = value.decode("latin-1")
            m = _HEADER_CHARSET.search(str(value))
            return m.group(1) if m else None
    return None


def meta_charset(data: bytes) -> str | None:
    m = _META_CHARSET.search(data[:8192])
    return m.group(1).decode("ascii", "ignore") if m else None


def _codec(label: str | None) -> str | None:
    """A Python codec name for a charset label, or None if unknown. Legacy latin labels → 'windows-1252'."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in _LEGACY_LABELS:
        return "windows-1252"
    try:
        name = codecs.lookup(label).name
    except (LookupError, ValueError):  # unknown label, or one codecs refuses (an embedded NUL)
        return None
    if name in ("cp1252", "latin-1", "iso8859-1", "ascii"):
        return "windows-1252"
    return "utf-8" if name in ("utf-8", "utf-8-sig") else name


_CONTROL_BYTES = bytes(b for b in range(256) if b < 9 or 13 < b < 32 or b == 127)


def _looks_binary(data: bytes) -> bool:
    head = data[:4096]
    if not head:
        return False
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return controls > len(head) * 0.05


def _bengali_count(text: str) -> int:
    return sum(1 for c in text if "\u0980" <= c <= "\u09ff")


def _finish(text: str, encoding: str, confidence: float, source: str, declared: str | None,
            flags: list[str]) -> DecodeResult:
    if mojibake_count(text) or _DOUBLE_MOJI.search(text):
        text, changed = repair_mojibake(text)
        if changed:
            flags.append(MOJIBAKE_REPAIRED)
            confidence = min(confidence, 0.9)
        left = mojibake_count(text)
        # a few stray sequences in a long Bengali page are tolerable; a page that is mostly mojibake is not
        if left and left * 20 > max(_bengali_count(text), 1) or left >= 50:
            flags.append(MOJIBAKE_UNREPAIRABLE)
            confidence = min(confidence, 0.2)
    if text.count("\ufffd") > max(10, len(text) // 200) and INVALID_BYTES not in flags:
        flags.append(INVALID_BYTES)
        confidence = min(confidence, 0.5)
    return DecodeResult(text, encoding, confidence, source, declared, tuple(dict.fromkeys(flags)))


def decode_html(body: bytes | str, headers: Mapping[str, object] | None = None,
                declared_encoding: str | None = None) -> DecodeResult:
    """Decode a fetched page. `headers` are the HTTP response headers (Content-Type is read), `declared_encoding`
    what the crawler recorded (RawPage.declared_encoding). A str is only checked for mojibake."""
    if isinstance(body, str):
        return _finish(body, "str", 1.0, "str", None, [])
    data = bytes(body)
    http = header_charset(headers)
    declared = http or declared_encoding or meta_charset(data)
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            return _finish(data.decode(codec, errors="replace"), name, 1.0, "bom", declared, [])
    if _looks_binary(data):
        return DecodeResult(data.decode("latin-1"), "binary", 0.0, "binary", declared, (BINARY,))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        flags = []
        codec = _codec(declared)
        if codec and codec != "utf-8" and not data.isascii():
            flags.append(MISLABELLED)
        return _finish(text, "utf-8", 1.0, "utf-8", declared, flags)

    # not valid UTF-8 throughout: is it UTF-8 Bengali with a few bad bytes (truncation, one pasted latin-1 byte)?
    loose = data.decode("utf-8", errors="replace")
    bad = loose.count("\ufffd")
    bn = _bengali_count(loose)
    if bn >= 20 and bad <= max(2, bn // 100):
        return _finish(loose, "utf-8", 0.8, "utf-8", declared, [INVALID_BYTES])

    for label, source in ((http, "http"), (declared_encoding, "declared"), (meta_charset(data), "meta")):
        codec = _codec(label)
        if not codec or codec == "utf-8":
            continue
        if codec == "windows-1252":
            return _finish(decode_whatwg_1252(data), codec, 0.9, source, declared, [])
        return _finish(data.decode(codec, errors="replace"), codec, 0.9, source, declared, [])

    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
    except Exception:  # pragma: no cover - detector failure is not fatal
        best = None
    if best is not None and best.encoding:
        codec = _codec(best.encoding) or best.encoding
        text = decode_whatwg_1252(data) if codec == "windows-1252" else str(best)
        return _finish(text, codec, max(0.0, 1.0 - float(best.chaos)), "detected", declared, [])
    flags = [UNDETECTED]
    if bad > len(loose) * 0.2:
        flags.append(BINARY)
    return _finish(loose, "utf-8", 0.1, "fallback", declared, flags)
