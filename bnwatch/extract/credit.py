"""The credited source ("সূত্র: তাস।" → "তাস"): outlet selector → a credit line in the body (found by the body
module) → a "সূত্র: …" line anywhere outside the body."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from .text import clean, n, short_texts

_CREDIT = re.compile(
    n(r"(?:^|(?<=[।.!?\"'’”)\s]))\s*(?P<label>তথ্যসূত্র|তথ্য সূত্র|সূত্র|সূত্রঃ|খবর|Source|Sources|Courtesy)\s*[:ঃ：]\s*"
      r"(?P<v>[^\n।:ঃ]{1,120}?|https?://\S+)\s*[।.]?\s*$"), re.I)
_LABEL = re.compile(n(r"^(?:তথ্যসূত্র|সূত্র|Source)\s*[:ঃ]?\s*"), re.I)
_ANYWHERE = ("//body//*[self::div or self::p or self::span or self::section or self::footer or self::small]"
             "[starts-with(normalize-space(.), 'সূত্র') or starts-with(normalize-space(.), 'তথ্যসূত্র') or "
             "starts-with(normalize-space(.), 'Source')]")


def credit_from(value: str) -> str | None:
    """The credited source as printed, without its label's leftovers: "তাস।" → "তাস", "আল-জাজিরা" → "আল-জাজিরা",
    a source URL stays the URL (the golden fixtures keep "https://thanhnien.vn/…"; `credit_domain` shortens it)."""
    value = clean(value).strip(" ।,;:ঃ")
    if re.match(r"(?:https?://|www\.)\S+$", value):
        return value
    value = value.rstrip(".")
    return value or None


def credit_domain(source: str | None) -> str | None:
    """"https://www.thanhnien.vn/…" → "thanhnien.vn"; anything that is not a URL is returned unchanged."""
    if not source:
        return source
    url = re.match(r"(?:https?://|www\.)\S+", source)
    if not url:
        return source
    host = urlsplit(url.group(0) if "://" in url.group(0) else "http://" + url.group(0)).hostname or ""
    return host.removeprefix("www.") or source


def _may_credit(line: str) -> bool:
    """Whether _CREDIT can match at all: one of its labels is in the line (a substring test is far cheaper than
    the pattern's search, which tries its look-behind at every position). Casefolded like re.I ('ſ' → 's')."""
    if "সূত্র" in line or "খবর" in line:  # তথ্যসূত্র, তথ্য সূত্র and সূত্রঃ hold সূত্র
        return True
    folded = line.casefold()
    return "source" in folded or "courtesy" in folded


def parse_credit(line: str) -> tuple[str, str | None]:
    """Split a paragraph into (text without the credit, credited source). "…করবে। সূত্র: তাস।" → ("…করবে।", "তাস")."""
    if not _may_credit(line):
        return line, None
    m = _CREDIT.search(line)
    if not m:
        return line, None
    source = credit_from(m.group("v"))
    if source is None or len(source.split()) > 8:
        return line, None
    return line[: m.start()].rstrip(), source


def selector_credit(page, selectors: dict) -> str | None:
    """The outlet's credit selector: a labelled line, or the bare source it points at."""
    for value in page.select(selectors.get("credit")):
        _, credit = parse_credit(value)
        credit = credit or credit_from(_LABEL.sub("", value))
        if credit:
            return credit
    return None


def credit_anywhere(page) -> str | None:
    """A "সূত্র: …"/"তথ্যসূত্র : …"/"Source: …" line outside the body container."""
    if "সূত্র" not in page.all_text and "Source" not in page.all_text:  # তথ্যসূত্র contains সূত্র
        return None
    for _el, text in short_texts(page, _ANYWHERE, 240):
        _, credit = parse_credit(text)
        if credit:
            return credit
    return None
