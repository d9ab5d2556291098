"""consumers.clean.dates on every format of docs/research/bengali.md §5 and outlets.md §3.4."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from consumers.clean.dates import (looks_like_masthead, parse_date, parse_dateline, parse_machine_date,
                                   to_iso)

FETCHED = datetime(2024, 11, 14, 6, 0, tzinfo=timezone.utc)  # 12:00 in Dhaka


def pub(text: str, tz: str = "Asia/Dhaka") -> str | None:
    return to_iso(parse_dateline(text, tz, fetched_at=FETCHED).published)


def upd(text: str, tz: str = "Asia/Dhaka") -> str | None:
    return to_iso(parse_dateline(text, tz, fetched_at=FETCHED).updated)


@pytest.mark.parametrize("text,published,updated", [
    # seed 000 (Inqilab): published | আপডেট: updated, 12-hour clock
    ("৩০ নভেম্বর ২০২৪, ০৭:৩৫ পিএম | আপডেট: ৩০ নভেম্বর ২০২৪, ০৮:১০ পিএম",
     "2024-11-30T19:35:00+06:00", "2024-11-30T20:10:00+06:00"),
    # seed 004
    ("১২ নভেম্বর ২০২৪, ১১:৩১ এএম | আপডেট: ১২ নভেম্বর ২০২৪, ১১:৩১ এএম",
     "2024-11-12T11:31:00+06:00", "2024-11-12T11:31:00+06:00"),
    # ajkalusa: time first, weekday last
    ("প্রকাশিত : ১১:৩৯ এএম, ২৪ এপ্রিল ২০১৯ বুধবার", "2019-04-24T11:39:00+06:00", None),
    # saradin: MDY, অপরাহ্ণ, 12:20 PM stays 12:20
    ("প্রকাশিত: ১২:২০ অপরাহ্ণ, ডিসেম্বর ৩১, ২০২৩", "2023-12-31T12:20:00+06:00", None),
    # newspost24: ঈ spelling, mixed digits, হালনাগাদ = updated, no clock
    ("প্রকাশিত:রবিবার ১৯ ফেব্রুয়ারী ২০২৩ | হালনাগাদ:সোমবার ২০ মার্চ ২০23",
     "2023-02-19T00:00:00+06:00", "2023-03-20T00:00:00+06:00"),
    # Samakal: date | time; আপডেটঃ with visarga as colon
    ("২২ আগস্ট ২০২৬ | ০৭:৩৪", "2026-08-22T07:34:00+06:00", None),
    ("আপডেটঃ ০৬ জুন ২০২৬ | ০৭:০৭", None, "2026-06-06T07:07:00+06:00"),
    ("প্রকাশ: ২০ আগস্ট ২০২৬, ০১:২৩ পিএম", "2026-08-20T13:23:00+06:00", None),  # Khaborer Kagoj
    ("১৫ নভেম্বর ২০২৫, ০৭:৫০ এএম", "2025-11-15T07:50:00+06:00", None),  # Banglanews24
    ("৩ মে ২০২৬, ১৪:০৪", "2026-05-03T14:04:00+06:00", None),  # Dhaka Post, 24 h
    ("১১ এপ্রিল (শনিবার), ২০২৬", "2026-04-11T00:00:00+06:00", None),  # Manab Zamin
    ("এপ্রিল ২, ২০২৬,  ০৪:২১ পিএম", "2026-04-02T16:21:00+06:00", None),  # Rupali BD, month first
    ("প্রকাশ : ২১ মার্চ ২০২৬, ১০:১৮", "2026-03-21T10:18:00+06:00", None),  # Ittefaq
    ("প্রকাশিত : ০৯:১৬, ১২ সেপ্টেম্বর ২০২৩", "2023-09-12T09:16:00+06:00", None),  # Ekushey TV
    ("১০:৩২ এএম | ০৯ অক্টোবর, ২০২০", "2020-10-09T10:32:00+06:00", None),  # Barta24
    ("১৩ সেপ্টেম্বর ২০২৪ ২০:১৭", "2024-09-13T20:17:00+06:00", None),  # Sarabangla
    ("03-05-2026 13:23:25", "2026-05-03T13:23:25+06:00", None),  # Dhaka Mail DD-MM-YYYY
    ("VietnamPlus 11/09/2025", "2025-09-11T00:00:00+06:00", None),  # vietnam.vn DD/MM/YYYY
    ("২০২৪/০৮/১২", "2024-08-12T00:00:00+06:00", None),  # iamaber dataset
    # Gregorian + Bangla + Hijri in one line (ajkalusa): only the Gregorian date
    ("শুক্রবার ২৯ আগস্ট ২০২৫ ভাদ্র ১৩ ১৪৩২ ০৫ রবিউল আউয়াল ১৪৪৭", "2025-08-29T00:00:00+06:00", None),
    ("৮ ভাদ্র ১৪৩৩, রোববার, ২৩ আগস্ট ২০২৬", "2026-08-23T00:00:00+06:00", None),
])
def test_formats_seen_in_the_wild(text, published, updated):
    assert pub(text) == published
    assert upd(text) == updated


@pytest.mark.parametrize("text,expected", [
    ("০৭ জানুয়ারী ২০২৫ দুপুর ০২:১৫", "2025-01-07T14:15:00+06:00"),
    ("০৭ জানুয়ারি ২০২৫ দুপুর ১২:১৫", "2025-01-07T12:15:00+06:00"),
    ("রাত ১১:২০, ২১শে ফেব্রুয়ারি ২০২৪", "2024-02-21T23:20:00+06:00"),
    ("রাত ১২:৩০, ২১শে ফেব্রুয়ারি ২০২৪", "2024-02-21T00:30:00+06:00"),
    ("রাত ২:১০, ২১শে ফেব্রুয়ারি ২০২৪", "2024-02-21T02:10:00+06:00"),
    ("১২:০৫ এএম, ১লা জানুয়ারি ২০২৪", "2024-01-01T00:05:00+06:00"),
    ("১২:০৫ পিএম, ১লা জানুয়ারি ২০২৪", "2024-01-01T12:05:00+06:00"),
    ("১৭ আগষ্ট ২০২৪ সকাল ৮:০৫", "2024-08-17T08:05:00+06:00"),
    ("৫ অগাস্ট ২০২৪ সন্ধ্যা ৭:১৫", "2024-08-05T19:15:00+06:00"),
    ("২৯ সেপ্টেম্বার ২০২৪ বিকেল ৪:৩০", "2024-09-29T16:30:00+06:00"),
    ("২৯ সেপ্টেম্বর ২০২৪ বিকাল ০৪:৩০", "2024-09-29T16:30:00+06:00"),
    ("১২ ডিসেম্বার ২০২৪, ০৯:০০ পূর্বাহ্ণ", "2024-12-12T09:00:00+06:00"),
    ("১২ অক্টোবার ২০২৪, ০৯:০০ অপরাহ্ন", "2024-10-12T21:00:00+06:00"),
    ("১২ই মার্চ ২০২৪, ০৯:০০ পি.এম.", "2024-03-12T21:00:00+06:00"),
    ("২রা জুলাই ২০২৪", "2024-07-02T00:00:00+06:00"),
    ("৪ঠা জুন ২০২৪", "2024-06-04T00:00:00+06:00"),
    ("৩ নভেম্বার ২০২৪", "2024-11-03T00:00:00+06:00"),
    ("রোববার, ১৭ নভেম্বর ২০২৪", "2024-11-17T00:00:00+06:00"),
    ("বৃহষ্পতিবার, ১৪ নভেম্বর ২০২৪", "2024-11-14T00:00:00+06:00"),
    ("Published: 30 November 2024, 07:35 PM", "2024-11-30T19:35:00+06:00"),
    ("জানু\u09dfারি ৭, ২০২৫", "2025-01-07T00:00:00+06:00"),  # precomposed য় in the month name
])
def test_clocks_ordinals_spellings(text, expected):
    assert pub(text) == expected


def test_timezone_is_the_outlets():
    assert upd("শেষ আপডেট: ০১ নভেম্বর ২০১৪ ০২:২৭", "Asia/Kolkata") == "2014-11-01T02:27:00+05:30"
    assert pub("৩০ নভেম্বর ২০২৪, ০৭:৩৫ পিএম", "Asia/Ho_Chi_Minh") == "2024-11-30T19:35:00+07:00"


@pytest.mark.parametrize("text", [
    "তিন দিনে মোট ১১ জন নিহত, আহত ৩৫",  # 11 people, not 11 June
    "ফরিদপুরে পৃথক সড়ক দুর্ঘটনায় তিন দিনে মোট ১১ জন নিহত",
    "শনিবার (১২ জুলাই) বিকেল সাড়ে ৫টার দিকে",  # a day and month without a year: an event in the body
    "শুক্রবার (২৯ নভেম্বর) পিয়ংইয়ংয়ে পৌঁছানো",
    "বৃহস্পতিবার (১৫ আগস্ট) এই তথ্য জানিয়েছে",
    "৩০ কার্তিক ১৪৩১",  # Bangla calendar only
    "১৪৩১ বঙ্গাব্দ",
    "১১,০০০ উত্তর কোরিয়ান সেনা",
    "",
])
def test_not_dates(text):
    line = parse_dateline(text, fetched_at=FETCHED)
    assert line.published is None and line.updated is None


def test_masthead_is_recognised():
    masthead = "ঢাকা   বৃহস্পতিবার, ১৪ নভেম্বর ২০২৪ | ৩০ কার্তিক ১৪৩১"  # seed 004: the crawl day
    assert looks_like_masthead(masthead)
    assert looks_like_masthead("৮ ভাদ্র ১৪৩৩, রোববার, ২৩ আগস্ট ২০২৬")
    assert not looks_like_masthead("১২ নভেম্বর ২০২৪, ১১:৩১ এএম | আপডেট: ১২ নভেম্বর ২০২৪, ১১:৩১ এএম")
    # parsed on its own it is just a date (the extractor never hands it over): the Bangla date is not read
    assert pub(masthead) == "2024-11-14T00:00:00+06:00"


@pytest.mark.parametrize("text,expected", [
    ("৫ মিনিট আগে", "2024-11-14T11:55:00+06:00"),
    ("১ ঘণ্টা আগে", "2024-11-14T11:00:00+06:00"),
    ("২ ঘন্টা আগে", "2024-11-14T10:00:00+06:00"),
    ("৩০ সেকেন্ড আগে", "2024-11-14T11:59:30+06:00"),
    ("২ দিন আগে", "2024-11-12T12:00:00+06:00"),
    ("এক সপ্তাহ পূর্বে", "2024-11-07T12:00:00+06:00"),
    ("গতকাল", "2024-11-13T12:00:00+06:00"),
    ("গতকাল রাত ১১:২০", "2024-11-13T23:20:00+06:00"),
    ("আজ সকাল ৯:১৫", "2024-11-14T09:15:00+06:00"),
    ("এইমাত্র", "2024-11-14T12:00:00+06:00"),
    ("3 hours ago", "2024-11-14T09:00:00+06:00"),
])
def test_relative_times_against_fetch_time(text, expected):
    assert pub(text) == expected


def test_relative_time_without_fetch_time_is_unknown():
    assert parse_dateline("৫ মিনিট আগে").published is None


@pytest.mark.parametrize("value,expected", [
    ("2026-03-21T10:18:32+06:00", "2026-03-21T10:18:32+06:00"),  # Ittefaq data-published
    ("2026-04-24T09:07:05.453827+06:00", "2026-04-24T09:07:05+06:00"),  # Ajker Patrika
    ("2020-08-29T09:46:06+00:00", "2020-08-29T15:46:06+06:00"),  # WordPress article:published_time
    ("2024-11-30T13:35:00Z", "2024-11-30T19:35:00+06:00"),
    ("2024-05-13T19:47:12", "2024-05-13T19:47:12+06:00"),  # naive: the outlet's zone
    ("2024-01-02", "2024-01-02T00:00:00+06:00"),
    ("২০২৪-১১-৩০T১৯:৩৫:০০+০৬:০০", "2024-11-30T19:35:00+06:00"),  # Bengali digits in a meta tag
    (1787411840691, "2026-08-22T21:17:20+06:00"),  # Quintype epoch ms
    ("1567592763", "2019-09-04T16:26:03+06:00"),  # BBC CPS epoch s
    ("1567593102811", "2019-09-04T16:31:42+06:00"),  # BBC CPS epoch ms
    ("Sat, 22 Aug 2026 12:04:14 +0000", "2026-08-22T18:04:14+06:00"),  # RFC 822 feeds
    ("Sun, 16 Nov 2025 11:13:30 GMT", "2025-11-16T17:13:30+06:00"),
    ("Mon, 17 Mar 2026 10:30:00 +0600", "2026-03-17T10:30:00+06:00"),
])
def test_machine_dates(value, expected):
    assert to_iso(parse_machine_date(value, "Asia/Dhaka")) == expected


def test_machine_dates_keep_offset_for_unknown_outlets():
    assert to_iso(parse_machine_date("2024-08-12T08:00:00+07:00", keep_offset=True)) == "2024-08-12T08:00:00+07:00"


@pytest.mark.parametrize("value", ["not a date", "১১ জন", None, True, "", "12345"])
def test_machine_dates_reject(value):
    assert parse_machine_date(value) is None


def test_parse_date_tries_machine_then_bengali():
    assert to_iso(parse_date("2024-11-30T19:35:00+06:00")) == "2024-11-30T19:35:00+06:00"
    assert to_iso(parse_date("৩০ নভেম্বর ২০২৪, ০৭:৩৫ পিএম")) == "2024-11-30T19:35:00+06:00"
    assert parse_date("১১ জন নিহত") is None


# -- the Bangla calendar as a cross-check (research §5.3) ------------------------------------------------------------

def test_bangla_calendar_conversion_fixed_points():
    from datetime import date

    from consumers.clean.dates import bangla_calendar_dates, bangla_to_gregorian

    assert bangla_to_gregorian(1, 1, 1431) == date(2024, 4, 14)  # পহেলা বৈশাখ
    assert bangla_to_gregorian(1, 9, 1431) == date(2024, 12, 16)  # 16 Dec = 1 Poush (revised 2019 rule)
    assert bangla_to_gregorian(8, 11, 1431) == date(2025, 2, 21)  # 21 Feb = 8 Falgun
    # seed 004's masthead: 14 Nov 2024 = 30 Kartik 1431 on the pre-2019 rule, 29 Kartik on the revised one
    assert bangla_calendar_dates("ঢাকা বৃহস্পতিবার, ১৪ নভেম্বর ২০২৪ | ৩০ কার্তিক ১৪৩১") == [date(2024, 11, 15)]
    # the golden fixtures' masthead and ajkalusa's month-first form
    assert bangla_calendar_dates("রবিবার, ২০ জুলাই ২০২৫ | ৫ শ্রাবণ ১৪৩২") == [date(2025, 7, 20)]
    assert bangla_calendar_dates("শুক্রবার ২৯ আগস্ট ২০২৫ ভাদ্র ১৩ ১৪৩২ ০৫ রবিউল আউয়াল ১৪৪৭") == [date(2025, 8, 28)]


@pytest.mark.parametrize("text,day,mismatch", [
    ("ঢাকা বৃহস্পতিবার, ১৪ নভেম্বর ২০২৪ | ৩০ কার্তিক ১৪৩১", "2024-11-14", False),  # a day apart (old vs revised rule)
    ("শুক্রবার ২৯ আগস্ট ২০২৫ ভাদ্র ১৩ ১৪৩২ ০৫ রবিউল আউয়াল ১৪৪৭", "2025-08-29", False),
    ("৮ ভাদ্র ১৪৩৩, রোববার, ২৩ আগস্ট ২০২৬", "2026-08-23", False),
    ("১২ নভেম্বর ২০২৪, ১১:৩১ এএম | ৩০ কার্তিক ১৪৩১", "2024-11-12", True),  # three days apart
    ("৩০ নভেম্বর ২০২৪, ০৭:৩৫ পিএম | আপডেট: ৩০ নভেম্বর ২০২৪, ০৭:৩৫ পিএম", "2024-11-30", False),  # no Bangla date
])
def test_bangla_calendar_cross_check_never_changes_the_date(text, day, mismatch):
    line = parse_dateline(text)
    assert line.published.date().isoformat() == day  # the Gregorian date, whatever the Bangla one says
    assert line.calendar_mismatch is mismatch
    assert line.confidence == (0.5 if mismatch else 1.0)


@pytest.mark.parametrize("text,expected", [
    # htmldate reads this as 2024-01-01 (research §5.2): ASCII digits in a Bengali line
    ("প্রকাশ: 30 নভেম্বর 2024, 07:35 PM", "2024-11-30T19:35:00+06:00"),
    # dateparser strips Mn marks so জন (people) = জুন (June): "১৯ জন ২০২৪" must not be 19 June
    ("১৯ জন ২০২৪", None),
    # mixed-script digits inside one number (newspost24, bdtodays)
    ("প্রকাশিত: ১২ মার্চ 20২৩", "2023-03-12T00:00:00+06:00"),
    # search_dates silently drops পিএম (07:35 instead of 19:35)
    ("৩০ নভেম্বর ২০২৪, ০৭:৩৫ পিএম", "2024-11-30T19:35:00+06:00"),
])
def test_traps_of_the_date_libraries(text, expected):
    assert pub(text) == expected
