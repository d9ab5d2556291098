"""Which registered outlet a page belongs to, the names it goes by, and the page's language."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from bnwatch.outlets import Outlet, Registry


def find_outlet(registry: Registry, page, url: str | None, outlet: str | None) -> Outlet | None:
    """The outlet named, else the one owning the URL, else the one owning the page's canonical/og:url."""
    if outlet and outlet in registry:
        return registry.get(outlet)
    if url:
        found = registry.for_url(url)
        if found:
            return found
    if page is not None:
        for candidate in (page.first('//link[@rel="canonical"]/@href'), page.meta("og:url")):
            if candidate and candidate.startswith(("http://", "https://", "//")):
                found = registry.for_url(candidate if "://" in candidate else "https:" + candidate)
                if found:
                    return found
    return None


def site_names(site: Outlet | None, page, url: str | None) -> tuple[str, ...]:
    """Names a " | Outlet" title tail may use: the outlet's names and domain, og:site_name, the URL's host."""
    host = (urlsplit(url).hostname or "").removeprefix("www.") if url else None
    return tuple(x for x in (site.name if site else None, site.name_bn if site else None, page.meta("og:site_name"),
                             site.domain if site else None, host) if x)


_BN_LETTER = re.compile("[" + "".join(re.escape(chr(c)) for c in range(0x980, 0xA00) if chr(c).isalpha()) + "]")
_ASCII_LETTER = re.compile("[A-Za-z]")
_OTHER = re.compile("[^\\x00-\\x7f\u0980-\u09ff]")  # neither ASCII nor Bengali: tested one by one


def detect_language(text: str, html_lang: str | None = None) -> str:
    """"bn" when at least 30 % of the letters are Bengali, else the page's <html lang>, else "en"."""
    sample = text[:5000]
    # counted by regexes instead of a Python loop over every character (the same counts: str.isalpha); a
    # Bengali page answers from its Bengali letters alone (there cannot be more letters than characters)
    bn = len(_BN_LETTER.findall(sample))
    if bn and bn >= 0.3 * len(sample):
        return "bn"
    letters = bn + len(_ASCII_LETTER.findall(sample)) + sum(1 for c in _OTHER.findall(sample) if c.isalpha())
    if letters and bn >= 0.3 * letters:
        return "bn"
    if html_lang:
        return html_lang.split("-")[0].lower()
    return "en" if letters else "bn"
