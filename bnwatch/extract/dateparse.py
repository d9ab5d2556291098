"""Bengali (and machine) dates → timezone-aware datetimes in the outlet's zone; stdlib + zoneinfo only.

What it reads (docs/research/bengali.md §5, outlets.md §3.4):
- Bengali, ASCII and mixed digits (`২০23`); Gregorian month names in Bengali with their spelling variants
  (জানুয়ারী, আগষ্ট/অগাস্ট, সেপ্টেম্বার…) and in English; day ordinals (১লা, ২১শে, ১২ই); DMY, MDY, time-first,
  `DD/MM/YYYY`, `DD-MM-YYYY`, `YYYY-MM-DD`;
- clocks with এএম/পিএম, পূর্বাহ্ণ/অপরাহ্ণ, সকাল/ভোর/দুপুর/বিকাল/বিকেল/সন্ধ্যা/রাত, or 24-hour;
- weekdays (রবিবার and রোববার…) are skipped; Bangla-calendar (৩০ কার্তিক ১৪৩১, বঙ্গাব্দ) and Hijri dates are removed
  before anything else is read;
- labels: প্রকাশ/প্রকাশিত (published), আপডেট/হালনাগাদ/সর্বশেষ/শেষ আপডেট/সংশোধিত (updated), so
  "published | আপডেট: updated" lines give both;
- relative times (৫ মিনিট আগে, ১ ঘণ্টা আগে, গতকাল, আজ) against the fetch time;
- machine values: ISO 8601, epoch seconds/milliseconds, RFC 822.

A day and month without a year ("শনিবার (১২ জুলাই)") is never a date here, and neither is "১১ জন" (11 people):
callers only hand this module a date line, never the body.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bnwatch.textnorm import nfc

DEFAULT_TZ = "Asia/Dhaka"
log = logging.getLogger(__name__)
_BN = "\u0980-\u09ff"
_CF = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_TRANS = str.maketrans("০১২৩৪৫৬৭৮৯", "0123456789")


def _n(s: str) -> str:
    return unicodedata.normalize("NFC", s)


# -- vocabulary (all NFC, longest first inside each alternation) ------------------------------------------------------

_MONTHS: dict[str, int] = {}
for _num, _names in enumerate([
    ["জানুয়ারি", "জানুয়ারী", "জানুআরি", "জানু", "january", "jan"],
    ["ফেব্রুয়ারি", "ফেব্রুয়ারী", "ফেব্রুআরি", "ফেব্রু", "february", "feb"],
    ["মার্চ", "march", "mar"],
    ["এপ্রিল", "april", "apr"],
    ["মে", "may"],
    ["জুন", "june", "jun"],
    ["জুলাই", "july", "jul"],
    ["আগস্ট", "আগষ্ট", "অগাস্ট", "অগস্ট", "অগাষ্ট", "august", "aug"],
    ["সেপ্টেম্বর", "সেপ্টেম্বার", "সেপ্টে", "september", "sept", "sep"],
    ["অক্টোবর", "অক্টোবার", "অক্টো", "october", "oct"],
    ["নভেম্বর", "নভেম্বার", "নভে", "november", "nov"],
    ["ডিসেম্বর", "ডিসেম্বার", "ডিসে", "december", "dec"],
], start=1):
    for _name in _names:
        _MONTHS[_n(_name)] = _num

_WEEKDAYS = [_n(w) for w in [
    "রবিবার", "রোববার", "রোববার", "সোমবার", "মঙ্গলবার", "বুধবার", "বৃহস্পতিবার", "বৃহষ্পতিবার", "বিষ্যুদবার",
    "শুক্রবার", "শনিবার", "sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
    "sun", "mon", "tue", "wed", "thu", "fri", "sat"]]
_BANGLA_MONTHS = [_n(m) for m in [
    "বৈশাখ", "জ্যৈষ্ঠ", "জৈষ্ঠ্য", "জ্যৈষ্ঠ্য", "জৈষ্ঠ", "আষাঢ়", "শ্রাবণ", "ভাদ্র", "আশ্বিন", "কার্তিক", "কার্ত্তিক",
    "অগ্রহায়ণ", "অঘ্রাণ", "অঘ্রান", "পৌষ", "মাঘ", "ফাল্গুন", "চৈত্র"]]
_HIJRI_MONTHS = [_n(m) for m in [
    "মহররম", "মুহাররম", "সফর", "রবিউল আউয়াল", "রবিউল আখির", "রবিউস সানি", "রবিউস সানী", "জমাদিউল আউয়াল",
    "জমাদিউল আখির", "জমাদিউস সানি", "জমাদিউল উলা", "রজব", "শাবান", "শা'বান", "রমজান", "রমযান", "শাওয়াল",
    "জিলকদ", "জিলক্বদ", "জিলহজ", "জিলহজ্জ"]]


def _alt(words) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


_END = f"(?![{_BN}a-z])"  # a word ends here (Bengali letters, signs and Latin letters all continue a word)
_MONTH_RE = f"(?P<{{g}}>{_alt(_MONTHS)}){_END}\\.?"
_WEEKDAY_RE = f"(?:{_alt(_WEEKDAYS)}){_END}"
_ORD = _n("(?:লা|রা|ঠা|ই|শে|ে|st|nd|rd|th)?")

_AM = [_n(w) for w in ["এএম", "এ.এম.", "এ.এম", "এ এম", "am", "a.m.", "a.m", "পূর্বাহ্ণ", "পূর্বাহ্ন", "পূর্বাহ্‌ণ"]]
_PM = [_n(w) for w in ["পিএম", "পি.এম.", "পি.এম", "পি এম", "pm", "p.m.", "p.m", "অপরাহ্ণ", "অপরাহ্ন", "অপরাহ্‌ণ"]]
_DAYPART = {**{_n(w): "morning" for w in ["সকাল", "ভোর"]},
            **{_n(w): "noon" for w in ["দুপুর", "দুপুরে"]},
            **{_n(w): "afternoon" for w in ["বিকাল", "বিকেল", "বিকালে", "বিকেলে", "সন্ধ্যা", "সন্ধ্যায়", "সন্ধ্যে"]},
            **{_n(w): "night" for w in ["রাত", "রাতে"]}}
_MERIDIEM = {**{w: "am" for w in _AM}, **{w: "pm" for w in _PM}, **_DAYPART}
_MERIDIEM_RE = f"(?:{_alt(_MERIDIEM)})(?![{_BN}a-z])"

_PUBLISHED_LABELS = [_n(w) for w in ["প্রকাশিত", "প্রকাশ", "প্রকাশের সময়", "published", "posted", "publish"]]
_UPDATED_LABELS = [_n(w) for w in ["শেষ আপডেট", "সর্বশেষ আপডেট", "আপডেট", "আপডেটেড", "হালনাগাদ", "সর্বশেষ",
                                   "সংশোধিত", "updated", "last updated", "modified", "update"]]
# the patterns below only ever read `prepare`d text, which is lower-cased: no re.I (it makes Bengali lines two to five
# times slower to scan), and every literal in them is lower case
_LABEL_RE = re.compile(
    f"(?P<label>{_alt(_PUBLISHED_LABELS + _UPDATED_LABELS)})(?![{_BN}a-z])\\s*(?:[:ঃ：\\-–]\\s*)?")
_UPDATED_SET = {w.lower() for w in _UPDATED_LABELS}

_TIME_RE = re.compile(
    f"(?:(?P<pre>{_MERIDIEM_RE})\\s*)?"
    r"(?<![\d:])(?P<h>[01]?\d|2[0-3])\s*[:.]\s*(?P<m>[0-5]\d)(?:\s*[:.]\s*(?P<s>[0-5]\d))?(?![\d])"
    f"(?:\\s*(?:মিনিট|মি\\.?)?\\s*(?P<post>{_MERIDIEM_RE}))?")

_DMY = re.compile(
    r"(?<![\d.:/-])(?P<d>[0-3]?\d)" + _ORD + r"\s*[-\s.,/]?\s*"
    + f"(?:\\(?{_WEEKDAY_RE}\\)?\\s*,?\\s*)?" + _MONTH_RE.format(g="mon")
    + f"\\s*,?\\s*(?:\\(?{_WEEKDAY_RE}\\)?\\s*,?\\s*)?" + r"(?P<y>\d{4})(?!\d)")
_MDY = re.compile(
    _MONTH_RE.format(g="mon") + r"\s*(?P<d>[0-3]?\d)" + _ORD + r"\s*,?\s*(?P<y>\d{4})(?!\d)")
_NUM_DMY = re.compile(r"(?<![\d.:/-])(?P<d>[0-3]?\d)[/.-](?P<m>[01]?\d)[/.-](?P<y>\d{4})(?![\d/.-]?\d)")
_NUM_YMD = re.compile(r"(?<![\d.:/-])(?P<y>(?:19|20)\d\d)[/.-](?P<m>[01]?\d)[/.-](?P<d>[0-3]?\d)(?![\d])")

_BANGLA_DATE = re.compile(
    f"(?:(?<!\\d)[0-3]?\\d{_ORD}\\s*,?\\s*(?:{_alt(_BANGLA_MONTHS + _HIJRI_MONTHS)})(?![{_BN}])\\s*,?\\s*(?:\\d{{4}})?"
    f"|(?:{_alt(_BANGLA_MONTHS + _HIJRI_MONTHS)})(?![{_BN}])\\s*[0-3]?\\d{_ORD}\\s*,?\\s*\\d{{4}}"
    f"|\\d{{4}}\\s*(?:{_alt([_n('বঙ্গাব্দ'), _n('বাংলা'), _n('হিজরি'), _n('হিজরী')])}))")

_RELATIVE = re.compile(
    f"(?P<n>\\d+|{_alt([_n(w) for w in ['এক', 'দুই', 'তিন', 'চার', 'পাঁচ']])})\\s*"
    f"(?P<unit>{_alt([_n(w) for w in ['সেকেন্ড', 'মিনিট', 'ঘণ্টা', 'ঘন্টা', 'দিন', 'সপ্তাহ', 'মাস', 'বছর']])}|"
    r"seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)\s*"
    f"(?:{_alt([_n('আগে'), _n('পূর্বে'), 'ago'])})")  # prepared text only, as the patterns above: no re.I
_YESTERDAY = re.compile(_alt([_n("গতকাল"), _n("গত কাল"), "yesterday"]))
_TODAY = re.compile(f"(?<![{_BN}])(?:{_alt([_n('আজ'), _n('আজকে'), 'today'])})(?![{_BN}a-z])")
_JUST_NOW = re.compile(_alt([_n("এইমাত্র"), _n("এই মাত্র"), _n("এখনই"), "just now"]))
_WORD_NUMBERS = {_n("এক"): 1, _n("দুই"): 2, _n("তিন"): 3, _n("চার"): 4, _n("পাঁচ"): 5}
_UNIT_SECONDS = {"সেকেন্ড": 1, "sec": 1, "মিনিট": 60, "min": 60, "ঘণ্টা": 3600, "ঘন্টা": 3600, "hour": 3600,
                 "hr": 3600, "দিন": 86400, "day": 86400, "সপ্তাহ": 7 * 86400, "week": 7 * 86400,
                 "মাস": 30 * 86400, "month": 30 * 86400, "বছর": 365 * 86400, "year": 365 * 86400}


@lru_cache(maxsize=64)
def zone(name: str | None) -> tzinfo:
    if not name:
        name = DEFAULT_TZ
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TZ)


def _tz(tz: str | tzinfo | None) -> tzinfo:
    return tz if isinstance(tz, tzinfo) else zone(tz)


_PREPARE_SPACES = re.compile(r"[\u00a0\u2000-\u200a\u202f\u3000\s]+")


def prepare(text: str) -> str:
    """NFC, invisible characters out, Bengali digits → ASCII, visarga-as-colon → colon, spaces collapsed."""
    text = nfc(text).translate(_CF).translate(_TRANS)
    text = _PREPARE_SPACES.sub(" ", text)
    return text.replace("\u0983", ":").lower()


def _fix_hour(hour: int, marker: str | None) -> int:
    kind = _MERIDIEM.get(marker or "") if marker else None
    if kind is None or hour > 12:
        return hour
    if kind == "am":
        return 0 if hour == 12 else hour
    if kind == "pm":
        return hour if hour == 12 else hour + 12
    if kind == "morning":
        return hour
    if kind == "noon":  # দুপুর ১২টা = 12:00, দুপুর ২টা = 14:00
        return hour + 12 if 1 <= hour <= 5 else hour
    if kind == "afternoon":
        return hour if hour == 12 else hour + 12
    if kind == "night":  # রাত ১২টা = 00:00, রাত ২টা = 02:00, রাত ১০টা = 22:00
        if hour == 12:
            return 0
        return hour if hour <= 3 else hour + 12
    return hour


@dataclass(frozen=True)
class _Found:
    start: int
    end: int
    value: object


def _find_dates(text: str) -> list[_Found]:
    found: list[_Found] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    for rx, kind in ((_DMY, "dmy"), (_MDY, "mdy"), (_NUM_YMD, "ymd"), (_NUM_DMY, "num")):
        for m in rx.finditer(text):
            if not free(m.start(), m.end()):
                continue
            try:
                month = _MONTHS[m.group("mon")] if kind in ("dmy", "mdy") else int(m.group("m"))
                d = date(int(m.group("y")), month, int(m.group("d")))
            except (ValueError, KeyError):
                continue
            if not 1900 <= d.year <= 2200:
                continue
            found.append(_Found(m.start(), m.end(), d))
            taken.append((m.start(), m.end()))
    found.sort(key=lambda f: f.start)
    return found


def _find_times(text: str, dates: list[_Found]) -> list[_Found]:
    out = []
    for m in _TIME_RE.finditer(text):
        s, e = m.start("h"), m.end("m")
        if any(not (e <= f.start or s >= f.end) for f in dates):
            continue
        marker = m.group("post") or m.group("pre")
        hour = _fix_hour(int(m.group("h")), marker.strip() if marker else None)
        try:
            t = time(hour, int(m.group("m")), int(m.group("s") or 0))
        except ValueError:
            continue
        out.append(_Found(m.start(), m.end(), t))
    return out


def _combine(d: date, t: time | None, tz: tzinfo) -> datetime:
    return datetime.combine(d, t or time(0, 0), tzinfo=tz)


def _segment_dates(seg: str, tz: tzinfo, fetched_at: datetime | None) -> list[datetime]:
    """Every absolute or relative date/time in one label segment, in order."""
    dates = _find_dates(seg)
    if not dates and fetched_at is None:
        return []  # no date, and nothing to count a relative time from: no clock is read
    times = _find_times(seg, dates)
    results: list[tuple[int, datetime]] = []
    used: set[int] = set()
    for f in dates:
        # the nearest unused time in the segment (before or after the date)
        best = None
        for i, t in enumerate(times):
            if i in used:
                continue
            dist = t.start - f.end if t.start >= f.end else f.start - t.end
            if best is None or dist < best[0]:
                best = (dist, i)
        tm = None
        if best is not None and best[0] <= 40:
            used.add(best[1])
            tm = times[best[1]].value
        results.append((f.start, _combine(f.value, tm, tz)))
    if not dates and fetched_at is not None:
        now = fetched_at.astimezone(tz)
        m = _RELATIVE.search(seg)
        if m:
            n = m.group("n")
            n_val = int(n) if n.isdigit() else _WORD_NUMBERS.get(n, 1)
            unit = m.group("unit")
            secs = next((v for k, v in _UNIT_SECONDS.items() if unit.startswith(k)), 60)
            results.append((m.start(), now - timedelta(seconds=n_val * secs)))
        elif _JUST_NOW.search(seg):
            results.append((0, now))
        else:
            for rx, delta in ((_YESTERDAY, 1), (_TODAY, 0)):
                m = rx.search(seg)
                if m:
                    day = now.date() - timedelta(days=delta)
                    tm = times[0].value if times else None
                    results.append((m.start(), _combine(day, tm, tz) if tm else now - timedelta(days=delta)))
                    break
    results.sort(key=lambda r: r[0])
    return [r[1] for r in results]


def strip_bangla_calendar(text: str) -> str:
    """Remove Bangla-calendar and Hijri dates from a prepared line (they would read as noise or wrong dates)."""
    return _BANGLA_DATE.sub(" | ", text)


def looks_like_masthead(text: str) -> bool:
    """Today's date as a page header prints it: a Bangla-calendar (or Hijri) date next to the Gregorian one, and
    no clock. Such a line is never an article's publication date."""
    line = prepare(text)
    return bool(_BANGLA_DATE.search(line)) and not _TIME_RE.search(strip_bangla_calendar(line))


@dataclass(frozen=True)
class DateLine:
    published: datetime | None = None
    updated: datetime | None = None
    #: the line also carries a Bangla-calendar date more than a day away from its Gregorian date (a cross-check
    #: only: the Gregorian date is kept, the confidence drops)
    calendar_mismatch: bool = False

    def __bool__(self) -> bool:
        return self.published is not None or self.updated is not None

    @property
    def confidence(self) -> float:
        return 0.5 if self.calendar_mismatch else 1.0


# -- the Bangla calendar, as a cross-check -----------------------------------------------------------------------------

_BANGLA_MONTH_NUMBER = {_n(name): number for number, names in enumerate([
    ["বৈশাখ"], ["জ্যৈষ্ঠ", "জৈষ্ঠ্য", "জ্যৈষ্ঠ্য", "জৈষ্ঠ"], ["আষাঢ়"], ["শ্রাবণ"], ["ভাদ্র"], ["আশ্বিন"],
    ["কার্তিক", "কার্ত্তিক"], ["অগ্রহায়ণ", "অঘ্রাণ", "অঘ্রান"], ["পৌষ"], ["মাঘ"], ["ফাল্গুন"], ["চৈত্র"]], start=1)
    for name in names}
_BANGLA_MONTH_RE = f"(?P<mon>{_alt(_BANGLA_MONTH_NUMBER)})(?![{_BN}])"
_BANGLA_DMY = re.compile(f"(?<!\\d)(?P<d>[0-3]?\\d){_ORD}\\s*,?\\s*{_BANGLA_MONTH_RE}\\s*,?\\s*(?P<y>1[3-5]\\d\\d)(?!\\d)")
_BANGLA_MDY = re.compile(f"{_BANGLA_MONTH_RE}\\s*(?P<d>[0-3]?\\d){_ORD}\\s*,?\\s*(?P<y>1[3-5]\\d\\d)(?!\\d)")


def bangla_to_gregorian(day: int, month: int, year: int) -> date | None:
    """A Bangla-calendar date (Bangladesh, revised 2019 rule: 1 Boishakh = 14 April; Boishakh–Ashwin 31 days,
    Falgun 29 or 30 in a Gregorian leap year, the others 30) as a Gregorian date. Outlets still on the pre-2019
    rule, and West Bengal's calendar, land a day or so away: compare with a tolerance."""
    if not (1 <= month <= 12 and 1 <= day <= 32 and 1300 <= year <= 1599):
        return None
    g_year = year + 593
    leap = (g_year + 1) % 4 == 0 and ((g_year + 1) % 100 != 0 or (g_year + 1) % 400 == 0)
    lengths = [31] * 6 + [30] * 4 + [30 if leap else 29, 30]
    return date(g_year, 4, 14) + timedelta(days=sum(lengths[:month - 1]) + day - 1)


def bangla_calendar_dates(text: str) -> list[date]:
    """Every Bangla-calendar date of a line, as Gregorian dates (`৩০ কার্তিক ১৪৩১` → 2024-11-15)."""
    return _bangla_dates(text if text.isascii() else prepare(text))


def _bangla_dates(line: str) -> list[date]:
    """bangla_calendar_dates of a line that is `prepare`d already."""
    out = []
    for rx in (_BANGLA_DMY, _BANGLA_MDY):
        for m in rx.finditer(line):
            d = bangla_to_gregorian(int(m.group("d")), _BANGLA_MONTH_NUMBER[m.group("mon")], int(m.group("y")))
            if d is not None:
                out.append(d)
    return out


def calendar_mismatch(text: str, when: datetime | date | None, tolerance_days: int = 1) -> bool:
    """True when `text` has a Bangla-calendar date and none of them is within `tolerance_days` of `when`."""
    if when is None:
        return False
    bangla = bangla_calendar_dates(text)
    day = when.date() if isinstance(when, datetime) else when
    return bool(bangla) and all(abs((b - day).days) > tolerance_days for b in bangla)


def parse_dateline(text: str, tz: str | tzinfo | None = DEFAULT_TZ, *, fetched_at: datetime | None = None) -> DateLine:
    """Published and updated times from a byline/date line.

    `৩০ নভেম্বর ২০২৪, ০৭:৩৫ পিএম | আপডেট: ৩০ নভেম্বর ২০২৪, ০৮:১০ পিএম` → (19:35, 20:10) +06:00.
    Unlabelled dates count as published; a second unlabelled date later than the first counts as updated."""
    if not text:
        return DateLine()
    zone_ = _tz(tz)
    prepared = prepare(text)
    line = strip_bangla_calendar(prepared)
    segments: list[tuple[str | None, str]] = []
    pos, label = 0, None
    for m in _LABEL_RE.finditer(line):
        segments.append((label, line[pos:m.start()]))
        label = "updated" if m.group("label") in _UPDATED_SET else "published"
        pos = m.end()
    segments.append((label, line[pos:]))
    published = updated = None
    unlabelled: list[datetime] = []
    for kind, seg in segments:
        if not seg.strip():
            continue
        found = _segment_dates(seg, zone_, fetched_at)
        if not found:
            continue
        if kind == "updated":
            updated = updated or found[0]
        elif kind == "published":
            published = published or found[0]
        else:
            unlabelled.extend(found)
    if unlabelled:
        if published is None:
            published = unlabelled.pop(0)
        if updated is None and unlabelled and unlabelled[0] > published:
            updated = unlabelled[0]
    mismatch = False
    if published is not None or updated is not None:
        bangla = _bangla_dates(prepared)
        if bangla:
            days = [d.date() for d in (published, updated) if d is not None]
            mismatch = all(abs((b - d).days) > 1 for b in bangla for d in days)
            if mismatch:
                log.warning("date line %r: the Bangla-calendar date %s is more than a day from %s; keeping the "
                            "Gregorian date, confidence lowered", text[:120], bangla[0].isoformat(),
                            days[0].isoformat())
    return DateLine(published, updated, mismatch)


def parse_date(text: str, tz: str | tzinfo | None = DEFAULT_TZ, *, fetched_at: datetime | None = None) -> datetime | None:
    """The first date in `text`: a machine value (ISO 8601, epoch, RFC 822) or a Bengali date line."""
    if text is None:
        return None
    machine = parse_machine_date(text, tz)
    if machine is not None:
        return machine
    line = parse_dateline(str(text), tz, fetched_at=fetched_at)
    return line.published or line.updated


_ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?)?$", re.I)
_EPOCH_RE = re.compile(r"\d{9,13}(?:\.\d+)?")
_ISO_SPACE_RE = re.compile(r"^\d{4}-\d{2}-\d{2} \d")
_SPACES_RE = re.compile(r"\s+")
_OFFSET_RE = re.compile(r"([+-]\d{2})(\d{2})$")
_ZULU_RE = re.compile(r"[zZ]$")
_RFC822_RE = re.compile(r"^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}")


def parse_machine_date(value: object, tz: str | tzinfo | None = DEFAULT_TZ, *,
                       keep_offset: bool = False) -> datetime | None:
    """ISO 8601 (naive = the outlet's zone), epoch seconds or milliseconds, RFC 822. Others → None.

    Aware values are converted to `tz` (the outlet's offset) unless `keep_offset` (an unknown outlet: the page's
    own offset is the best guess of its zone)."""
    zone_ = _tz(tz)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return _epoch(float(value), zone_)
    s = str(value).strip().translate(_TRANS)
    if not s:
        return None
    if _EPOCH_RE.fullmatch(s):
        return _epoch(float(s), zone_)
    if _ISO_RE.match(s):
        iso = s.replace(" ", "T", 1) if _ISO_SPACE_RE.match(s) else s
        iso = _SPACES_RE.sub("", iso)
        iso = _OFFSET_RE.sub(r"\1:\2", iso)
        iso = _ZULU_RE.sub("+00:00", iso).replace(",", ".")
        try:
            dt = datetime.fromisoformat(iso)
        except ValueError:
            return None
        return dt.replace(tzinfo=zone_) if dt.tzinfo is None else dt if keep_offset else dt.astimezone(zone_)
    if _RFC822_RE.match(s):
        try:
            dt = parsedate_to_datetime(s)
        except (TypeError, ValueError, IndexError):
            return None
        if dt is None:
            return None
        return dt.replace(tzinfo=zone_) if dt.tzinfo is None else dt if keep_offset else dt.astimezone(zone_)
    return None


def _epoch(v: float, zone_: tzinfo) -> datetime | None:
    if v > 1e11:  # milliseconds (1e11 s is the year 5138)
        v /= 1000.0
    if not 0 < v < 1e11:
        return None
    return datetime.fromtimestamp(v, timezone.utc).astimezone(zone_)


def to_iso(dt: datetime | None) -> str | None:
    """ISO 8601 with offset, to the second (`2024-11-30T19:35:00+06:00`)."""
    if dt is None:
        return None
    return dt.replace(microsecond=0).isoformat(timespec="seconds")
