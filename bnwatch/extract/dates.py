"""Published and updated times: outlet selectors → JSON-LD → meta tags → the dateline by the headline → a date in
the URL. Reading a date line is bnwatch.extract.dateparse's job; this module only decides where to look."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from .dateparse import DateLine, looks_like_masthead, parse_dateline, parse_machine_date
from .text import element_paragraphs, in_chrome, is_junk, n
from .title import headline_element

_URL_DATE = re.compile(r"/((?:19|20)\d\d)/(0?[1-9]|1[0-2])/(0?[1-9]|[12]\d|3[01])(?:/|$)")
_LABEL_HINT = re.compile(n(r"প্রকাশ|আপডেট|হালনাগাদ|সর্বশেষ|published|updated|posted"), re.I)
TIME_HINT = re.compile(r"[\d০-৯]{1,2}\s*[:.]\s*[\d০-৯]{2}")
_PUBLISHED_META = ("article:published_time", "datePublished", "pubdate", "publishdate", "publish-date", "dc.date",
                   "DC.date.issued", "sailthru.date", "parsely-pub-date")
_UPDATED_META = ("article:modified_time", "og:updated_time", "dateModified", "lastmod", "last-modified")


@dataclass
class Dates:
    published: datetime | None
    updated: datetime | None
    calendar_mismatch: bool = False  # the date line's Bangla-calendar date disagrees with its Gregorian date


def find_dates(page, selectors: dict, title: str, tz: str, *, url: str | None, fetched_at: datetime | None,
               keep_offset: bool) -> Dates:
    """The fallback chain (module docstring); `keep_offset` keeps a machine date's own offset (unknown outlets)."""
    def machine(value: object) -> datetime | None:
        return parse_machine_date(value, tz, keep_offset=keep_offset)

    line = parse_values(page.select(selectors.get("published")), tz, fetched_at)
    got = Dates(line.published, line.updated, line.calendar_mismatch)
    if selectors.get("updated"):
        upd = parse_values(page.select(selectors.get("updated")), tz, fetched_at)
        got.updated = upd.updated or upd.published or got.updated
    ld = page.article_ld
    ld_published = machine(ld.get("datePublished")) or machine(ld.get("dateCreated")) if ld else None
    if got.published is None:
        got.published = ld_published
    elif ld_published is not None and got.published.time() == datetime.min.time() and \
            ld_published.astimezone(got.published.tzinfo).date() == got.published.date():
        got.published = ld_published  # the printed line has only the day; structured data has the clock
    if got.updated is None and ld:
        got.updated = machine(ld.get("dateModified"))
    if got.published is None:
        got.published = machine(page.meta(*_PUBLISHED_META))
    if got.updated is None:
        got.updated = machine(page.meta(*_UPDATED_META))
    if got.published is None:
        near = dateline_near_title(page, title, tz, fetched_at)
        got.calendar_mismatch = got.calendar_mismatch or near.calendar_mismatch
        got.published = near.published
        got.updated = got.updated or near.updated
    if got.published is None and url:
        m = _URL_DATE.search(urlsplit(url).path)
        if m:
            got.published = parse_machine_date(f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}",
                                               tz)
    if got.updated is not None and got.published is not None and got.updated < got.published:
        got.updated = None
    return got


def parse_values(values: list[str], tz: str, fetched_at: datetime | None) -> DateLine:
    """The first published/updated time in selector values: machine formats first, then a Bengali date line."""
    published = updated = None
    mismatch = False
    for v in values:
        machine = parse_machine_date(v, tz)
        if machine is not None:
            published = published or machine
            continue
        line = parse_dateline(v, tz, fetched_at=fetched_at)
        published = published or line.published
        updated = updated or line.updated
        mismatch = mismatch or line.calendar_mismatch
    return DateLine(published, updated, mismatch)


def _candidates(page, title: str) -> list:
    """Elements that may hold the dateline: after the headline, after its parent, the one before the parent,
    then <time datetime> / itemprop date elements outside page chrome."""
    h1 = headline_element(page, title)
    candidates = []
    if h1 is not None:
        for seen, el in enumerate(h1.itersiblings()):
            candidates.append(el)
            if seen >= 8:
                break
        parent = h1.getparent()
        if parent is not None:
            for el in parent.itersiblings():
                candidates.append(el)
                if len(candidates) > 16:
                    break
            for el in parent.itersiblings(preceding=True):  # some outlets print the date above the headline
                candidates.append(el)
                break
    for el in page.xpath('//time[@datetime] | //*[@itemprop="datePublished" or @itemprop="dateModified"]'):
        # not the time stamps of a related-stories list or a sidebar
        if not in_chrome(el) and not any(is_junk(a) for a in el.iterancestors()):
            candidates.append(el)
    return candidates


def dateline_near_title(page, title: str, tz: str, fetched_at: datetime | None) -> DateLine:
    """The byline/date line next to the headline: the first candidate element with a short text holding a date
    and a clock or a প্রকাশ/আপডেট label. The masthead (Bangla-calendar date, no clock) and year-less body
    mentions never qualify."""
    published = updated = None
    mismatch = False
    first = None  # index of the candidate that gave the first date
    for i, el in enumerate(_candidates(page, title)):
        if first is not None and (i - first > 2 or (published is not None and updated is not None)):
            break  # the published/updated pair sits in one line or in neighbouring elements, never further apart
        if not isinstance(el.tag, str):
            continue
        machine_hit = False
        for attr in ("datetime", "content", "data-published", "data-time"):
            value = el.get(attr)
            if value:
                dt = parse_machine_date(value, tz)
                if dt is not None:
                    if el.get("itemprop") == "dateModified":
                        updated = updated or dt
                    elif published is None:
                        published = dt
                    machine_hit = True
                    break
        if machine_hit:
            first = i if first is None else first
            continue
        for text in element_paragraphs(el, skip_junk=False)[:6]:
            if len(text) > 200 or looks_like_masthead(text):
                continue
            if not (TIME_HINT.search(text) or _LABEL_HINT.search(text)):
                continue
            line = parse_dateline(text, tz, fetched_at=fetched_at)
            if not line:
                continue
            mismatch = mismatch or line.calendar_mismatch
            if first is None:
                first = i
                published, updated = line.published, line.updated
            elif line.updated is not None and updated is None:
                # a separate "আপডেট: …" element next to the published one (only a labelled or second date counts)
                updated = line.updated
            elif published is None and line.published is not None:
                published = line.published
    return DateLine(published, updated, mismatch)
