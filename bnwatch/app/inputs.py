"""The inputs of `bnwatch extract / classify / stories`: a file or `-` (standard input), read as text whatever its
encoding, or refused with one line that says what is wrong with it.

Decoding reuses the clean stage's decoder (BOM, UTF-8, <meta charset>, charset-normalizer), so a file reads the
way a fetched page would. The one case it calls binary — UTF-16 without a BOM, whose ASCII characters carry NUL
bytes — is handed to charset-normalizer, and taken only when it names a UTF-16/32 codec: a text saved by Windows
tools must not turn into an empty, never-alerting article.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import NamedTuple

STDIN = "-"

_HTML_START = re.compile(r"\s*<(?:!doctype|html|head|body|meta|article|div|p|title)\b", re.I)


class InputError(Exception):
    """What is wrong with one input, as the one line the CLI prints after the input's name."""


class Article(NamedTuple):
    title: str
    paragraphs: list[str]
    published_at: str | None
    extracted: dict | None  # the `extract` dict for an HTML page, None for a plain-text article


def read_bytes(name: str) -> bytes:
    """The bytes of a file, or of standard input for `-`."""
    if name == STDIN:
        return sys.stdin.buffer.read()
    path = Path(name)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError("no such file") from None
    except IsADirectoryError:
        raise InputError("is a directory") from None
    except PermissionError:
        raise InputError("permission denied") from None
    except OSError as exc:
        raise InputError((exc.strerror or type(exc).__name__).lower()) from None


def decode(data: bytes) -> str:
    """Text of an input in any of BOM / UTF-8 / UTF-16 / a labelled or detectable charset."""
    from bnwatch.extract.decode import BINARY, decode_html

    result = decode_html(data)
    if BINARY in result.flags:
        text = _bomless_utf16(data)
        if text is None:
            raise InputError("not text (binary, or an encoding that cannot be recognised)")
        return text
    if not result.usable:
        raise InputError(f"cannot decode the text ({', '.join(result.flags)})")
    return result.text


def _bomless_utf16(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or not (best.encoding or "").startswith(("utf_16", "utf_32")):
        return None
    return str(best)


def is_html(name: str, text: str) -> bool:
    """A .txt file is a plain-text article (title on the first line); .html/.htm are pages; else look at it."""
    suffix = Path(name).suffix.lower() if name != STDIN else ""
    if suffix == ".txt":
        return False
    if suffix in (".html", ".htm", ".xhtml"):
        return True
    return bool(_HTML_START.match(text))


def text_published_at(paragraphs: list[str], lines: int = 6) -> str | None:
    """A text article's publication time from its date line ('৩০ নভেম্বর ২০২৪, ০৭:৩৫ পিএম | আপডেট: …'): the first
    short line near the top that the extraction library reads as a date line with a year. Dates inside the body
    ('শুক্রবার (২৯ নভেম্বর)') are not a publication time: only short lines before the text are read."""
    from bnwatch.extract.dateparse import parse_dateline, to_iso

    for line in paragraphs[:lines]:
        # a date line, not a sentence that mentions a date: short, and carrying a clock time or a label
        if len(line) <= 120 and (_CLOCK.search(line) or _DATE_LABEL.search(line) or len(line) <= 40):
            found = parse_dateline(line)
            if found.published is not None:
                return to_iso(found.published)
    return None


_CLOCK = re.compile(r"[0-9০-৯]{1,2}\s*:\s*[0-9০-৯]{2}")
_DATE_LABEL = re.compile(r"প্রকাশ|আপডেট|হালনাগাদ|Published|Updated", re.I)


def read_article(name: str) -> Article:
    """An article from a plain-text file or an HTML page (cleaned first). An empty text, or a page that holds no
    article (a listing, a challenge page, an empty body), is refused: read as an empty article it would be judged
    'no alert' or given a story of its own, and the run would look as if it had worked."""
    from bnwatch.extract import NotAnArticle, extract_page

    text = decode(read_bytes(name))
    if not is_html(name, text):
        lines = text.splitlines()
        title = lines[0].strip() if lines else ""
        paragraphs = [p.strip() for p in lines[1:] if p.strip()]
        if not title and not paragraphs:
            raise InputError("empty: no title and no text")
        return Article(title, paragraphs, text_published_at(paragraphs), None)
    try:
        extracted = extract_page(text)
    except NotAnArticle as exc:
        raise InputError(f"not an article: {exc}") from None
    paragraphs = [p for p in (extracted.get("body") or "").split("\n\n") if p.strip()]
    return Article(extracted.get("title") or "", paragraphs, extracted.get("published_at"), extracted)
