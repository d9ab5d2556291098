"""Dates as the modelled outlets print them: Bengali digits and month names, 12-hour এএম/পিএম clocks, the
masthead's Bangla-calendar date, RFC 822 for feeds and ISO 8601 with offset for sitemaps, meta tags and JSON-LD.

Only formatting lives here (the replay writes dates; the clean stage parses them).
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime, timezone
from email.utils import format_datetime

_BN_DIGITS = str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯")


def _nfc(words: list[str]) -> list[str]:
    # the seed pages use NFC (decomposed য় = য + nukta); keep the replay's own strings in the same form
    return [unicodedata.normalize("NFC", w) for w in words]


MONTHS = _nfc(["জানুয়ারি", "ফেব্রুয়ারি", "মার্চ", "এপ্রিল", "মে", "জুন", "জুলাই", "আগস্ট", "সেপ্টেম্বর",
               "অক্টোবর", "নভেম্বর", "ডিসেম্বর"])
WEEKDAYS = _nfc(["সোমবার", "মঙ্গলবার", "বুধবার", "বৃহস্পতিবার", "শুক্রবার", "শনিবার", "রবিবার"])  # Monday first
BANGLA_MONTHS = _nfc(["বৈশাখ", "জ্যৈষ্ঠ", "আষাঢ়", "শ্রাবণ", "ভাদ্র", "আশ্বিন", "কার্তিক", "অগ্রহায়ণ", "পৌষ", "মাঘ",
                      "ফাল্গুন", "চৈত্র"])


def bn_digits(value: object) -> str:
    return str(value).translate(_BN_DIGITS)


def _clock12(dt: datetime) -> str:
    hour = dt.hour % 12 or 12
    return bn_digits(f"{hour:02d}:{dt.minute:02d}") + (" এএম" if dt.hour < 12 else " পিএম")


def bangla_date(d: date) -> tuple[int, int, int]:
    """(day, month index 0-11, year) in the Bangla calendar as Inqilab's masthead prints it: 1 Boishakh = 14 April,
    Boishakh–Bhadro 31 days, the rest 30, Falgun 31 in a Gregorian leap year (the 1987 Bangla Academy rule; seed 004:
    Thursday 14 November 2024 = ৩০ কার্তিক ১৪৩১)."""
    start_year = d.year if (d.month, d.day) >= (4, 14) else d.year - 1
    offset = (d - date(start_year, 4, 14)).days
    leap = (start_year + 1) % 4 == 0 and ((start_year + 1) % 100 != 0 or (start_year + 1) % 400 == 0)
    lengths = [31] * 5 + [30] * 5 + [31 if leap else 30, 30]
    month = 0
    while offset >= lengths[month]:
        offset -= lengths[month]
        month += 1
    return offset + 1, month, start_year - 593


def date_bn(dt: date) -> str:
    """১৪ নভেম্বর ২০২৪"""
    return f"{bn_digits(f'{dt.day:02d}')} {MONTHS[dt.month - 1]} {bn_digits(dt.year)}"


def dateline_inqilab(dt: datetime) -> str:
    """৩০ নভেম্বর ২০২৪, ০৭:৩৫ পিএম (seeds 000, 002, 004)"""
    return f"{date_bn(dt)}, {_clock12(dt)}"


def dateline_time_first(dt: datetime) -> str:
    """১০:১২ এএম, ১৩ জুলাই, ২০২৫ (time first, then date with a comma before the year; cf. Barta24 in outlets.md §2.23b)"""
    return f"{_clock12(dt)}, {bn_digits(f'{dt.day:02d}')} {MONTHS[dt.month - 1]}, {bn_digits(dt.year)}"


def dateline_dmy(dt: datetime) -> str:
    """30/11/2024 (vietnam.vn source + date line, DD/MM/YYYY in ASCII digits)"""
    return f"{dt.day:02d}/{dt.month:02d}/{dt.year}"


def masthead_bn(dt: date) -> str:
    """বৃহস্পতিবার, ১৪ নভেম্বর ২০২৪ | ৩০ কার্তিক ১৪৩১ (seed 004)"""
    day, month, year = bangla_date(dt)
    return f"{WEEKDAYS[dt.weekday()]}, {date_bn(dt)} | {bn_digits(day)} {BANGLA_MONTHS[month]} {bn_digits(year)}"


def masthead_dmy(dt: date) -> str:
    """শনিবার, 30/11/2024"""
    return f"{WEEKDAYS[dt.weekday()]}, {dt.day:02d}/{dt.month:02d}/{dt.year}"


FORMATS = {
    "inqilab": dateline_inqilab,
    "time_first": dateline_time_first,
    "dmy": dateline_dmy,
}
MASTHEADS = {"bn": masthead_bn, "dmy": masthead_dmy}


def iso(dt: datetime) -> str:
    return dt.isoformat(timespec="seconds")


def rfc822(dt: datetime) -> str:
    """Mon, 17 Mar 2026 10:30:00 +0600 (RSS pubDate in the outlet's own offset)"""
    return format_datetime(dt)


def http_date(ts: float) -> str:
    return format_datetime(datetime.fromtimestamp(int(ts), timezone.utc), usegmt=True)
