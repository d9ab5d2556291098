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


# (Ittefaq's "প্রকাশ : ২১ মার্চ ২০২৬, ১০:১৮", outlets.md §2.6, is "bn24" below)

def dateline_pipe_24h(dt: datetime) -> str:
    """২২ আগস্ট ২০২৬ | ০৭:৩৪ (Samakal, outlets.md §2.5 / §3.4; read as a 24-hour clock)"""
    return f"{date_bn(dt)} | {_clock24(dt)}"


def dateline_day_24h(dt: datetime) -> str:
    """৩ মে ২০২৬, ১৪:০৪ (Dhaka Post style: day without a leading zero, 24-hour clock; outlets.md §3.4)"""
    return f"{bn_digits(dt.day)} {MONTHS[dt.month - 1]} {bn_digits(dt.year)}, {_clock24(dt)}"


def dateline_weekday_paren(dt: datetime) -> str:
    """১১ এপ্রিল (শনিবার), ২০২৬ (Manab Zamin: a date without a time of day; outlets.md §2.9 / §3.4)"""
    return f"{bn_digits(f'{dt.day:02d}')} {MONTHS[dt.month - 1]} ({WEEKDAYS[dt.weekday()]}), {bn_digits(dt.year)}"


def masthead_bn_comma(dt: date) -> str:
    """শনিবার, ২২ আগস্ট, ২০২৬ (Bangladesh Pratidin header date, outlets.md §2.4)"""
    return f"{WEEKDAYS[dt.weekday()]}, {bn_digits(f'{dt.day:02d}')} {MONTHS[dt.month - 1]}, {bn_digits(dt.year)}"


def masthead_bangla_first(dt: date) -> str:
    """৮ ভাদ্র ১৪৩৩, রোববার, ২৩ আগস্ট ২০২৬ (Bangla calendar first, রোববার for Sunday: Khaborer Kagoj's header in
    corpus/pages/khaborerkagoj/listing_opinion.html; outlets.md §3.4)"""
    day, month, year = bangla_date(dt)
    weekday = WEEKDAYS[dt.weekday()] if dt.weekday() != 6 else unicodedata.normalize("NFC", "রোববার")
    return (f"{bn_digits(day)} {BANGLA_MONTHS[month]} {bn_digits(year)}, {weekday}, "
            f"{bn_digits(dt.day)} {MONTHS[dt.month - 1]} {bn_digits(dt.year)}")


FORMATS = {
    "inqilab": dateline_inqilab,
    "time_first": dateline_time_first,
    "dmy": dateline_dmy,
    "pipe_24h": dateline_pipe_24h,
    "day_24h": dateline_day_24h,
    "weekday_paren": dateline_weekday_paren,
}
MASTHEADS = {"bn": masthead_bn, "dmy": masthead_dmy, "bn_comma": masthead_bn_comma,
             "bangla_first": masthead_bangla_first}


def iso(dt: datetime) -> str:
    return dt.isoformat(timespec="seconds")


def rfc822(dt: datetime) -> str:
    """Mon, 17 Mar 2026 10:30:00 +0600 (RSS pubDate in the outlet's own offset)"""
    return format_datetime(dt)


def http_date(ts: float) -> str:
    return format_datetime(datetime.fromtimestamp(int(ts), timezone.utc), usegmt=True)


# -- more outlets' datelines (West Bengal spellings, English datelines of Indian outlets, month-first, ASCII) ------

# West Bengal papers write অগাস্ট (Bangladeshi papers: আগস্ট); the other months are spelt alike
MONTHS_WB = [("অগাস্ট" if i == 7 else m) for i, m in enumerate(MONTHS)]
MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _clock24(dt: datetime) -> str:
    return bn_digits(f"{dt.hour:02d}:{dt.minute:02d}")


def _en_clock(dt: datetime, upper: bool = False) -> str:
    text = f"{dt.hour % 12 or 12}:{dt.minute:02d} " + ("am" if dt.hour < 12 else "pm")
    return text.upper() if upper else text


def date_wb(dt: date) -> str:
    """১৩ অগাস্ট ২০২৪"""
    return f"{bn_digits(dt.day)} {MONTHS_WB[dt.month - 1]} {bn_digits(dt.year)}"


def dateline_wb24(dt: datetime) -> str:
    """১৩ অগাস্ট ২০২৪ ১০:৩২ (West Bengal spelling, 24-hour clock)"""
    return f"{date_wb(dt)} {_clock24(dt)}"


def dateline_wb12(dt: datetime) -> str:
    """১৩ অগাস্ট, ২০২৪, ১০:৩২ এএম"""
    return f"{bn_digits(dt.day)} {MONTHS_WB[dt.month - 1]}, {bn_digits(dt.year)}, {_clock12(dt)}"


def dateline_wb_date(dt: datetime) -> str:
    """১৩ অগাস্ট ২০২৪ (date only, as BBC News Bangla prints it under the headline)"""
    return date_wb(dt)


def dateline_bn24(dt: datetime) -> str:
    """১৩ আগস্ট ২০২৪, ১০:৩২"""
    return f"{date_bn(dt)}, {_clock24(dt)}"


def dateline_bn_mdy(dt: datetime) -> str:
    """আগস্ট ১৩, ২০২৪ (month first, date only)"""
    return f"{MONTHS[dt.month - 1]} {bn_digits(dt.day)}, {bn_digits(dt.year)}"


def dateline_bn_mdy_tz(dt: datetime) -> str:
    """আগস্ট ১৩, ২০২৪ ১০:৩২ Asia/Dhaka (month first, 24-hour clock, the zone's name)"""
    return f"{dateline_bn_mdy(dt)} {_clock24(dt)} {dt.tzinfo}"


def dateline_bn_dmy_slash(dt: datetime) -> str:
    """১৩/০৮/২০২৪"""
    return bn_digits(f"{dt.day:02d}/{dt.month:02d}/{dt.year}")


def dateline_ascii_ymd(dt: datetime) -> str:
    """2024-08-13 10:32:00"""
    return f"{dt:%Y-%m-%d %H:%M:%S}"


def dateline_en_mdy(dt: datetime) -> str:
    """Aug 13, 2024, 10:32 AM IST"""
    return f"{MONTHS_EN[dt.month - 1]} {dt.day}, {dt.year}, {_en_clock(dt, True)} {dt.tzname()}"


def dateline_en_time_first(dt: datetime) -> str:
    """10:32 am Aug 13, 2024"""
    return f"{_en_clock(dt)} {MONTHS_EN[dt.month - 1]} {dt.day:02d}, {dt.year}"


def dateline_en_dmy(dt: datetime) -> str:
    """13 Aug 2024, 10:32 am"""
    return f"{dt.day} {MONTHS_EN[dt.month - 1]} {dt.year}, {_en_clock(dt)}"


def masthead_wb(dt: date) -> str:
    """মঙ্গলবার ১৩ অগাস্ট ২০২৪ (West Bengal papers: no Bangla-calendar date)"""
    return f"{WEEKDAYS[dt.weekday()]} {date_wb(dt)}"


def masthead_none(dt: date) -> str:
    """Sites that print no date in their header (BBC, DW, VOA)."""
    return ""


FORMATS.update({
    "wb24": dateline_wb24, "wb12": dateline_wb12, "wb_date": dateline_wb_date, "bn24": dateline_bn24,
    "bn_mdy": dateline_bn_mdy, "bn_mdy_tz": dateline_bn_mdy_tz, "bn_dmy_slash": dateline_bn_dmy_slash,
    "ascii_ymd": dateline_ascii_ymd, "en_mdy": dateline_en_mdy, "en_time_first": dateline_en_time_first,
    "en_dmy": dateline_en_dmy,
})
MASTHEADS.update({"wb": masthead_wb, "none": masthead_none})
