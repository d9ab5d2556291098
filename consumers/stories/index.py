"""Story assignment: which earlier article (if any) reports the same event.

Five ways to join an existing story, tried in order:
1. near duplicate — MinHash (datasketch, LSH) over word 3-shingles of the folded text, estimated Jaccard >= 0.5
   (syndicated copies, light rewrites), unless their times are known to be further apart than the window;
2. same distinctive entity and time — a named participant beyond the two heads of state and capitals (Belousov,
   Lavrov, Shoigu, Choe Son Hui, Vostochny …) shared by both articles, published within the window (72 h) — a page
   without a publication time is placed by when the crawler found it, and without that by a shared event date
   written in the text ('২৯ নভেম্বর') ±1 day;
3. same headline — character 3-gram Jaccard of the folded titles >= 0.7 within the window (outlets that copy an
   agency's headline over a text of their own);
4. rewrite — content-word Jaccard >= 0.3 plus the same time condition;
5. same event words — only when 1–4 found nothing: within 24 h, cosine >= 0.31 of the character 3-grams of the
   *event words* of title + lead (what is left once names, the rule's relation words, and function and war-news words
   are taken out: 'আবাসন', 'নববর্ষের বার্তায়'; two at least on each side); the closest story wins (no margin: on the
   dev half every article close to two stories was close to two halves of one event).
Translations of one event (seed 000 from Inqilab and seed 003 from vietnam.vn/Thanh Nien) share almost no
shingles, so (2) is what joins them; headlines of one event worded apart by each outlet ('আবাসন প্রকল্প উদ্বোধন
কিমের' / '‘পুতিন প্রেমের’ বিরাট আবাসন') share no participant and few words, so (5) is what joins them.

State lives in SQLite so a restart keeps stories; the LSH index and the event-word profiles are rebuilt from it
at start-up. Memory holds the articles seen in the last RETAIN; an article published before them (a backlog, a new
outlet's archive, an edit found days later) is compared with the stored ones seen in its window as well.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import threading
from dataclasses import dataclass, field
from functools import cached_property
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable

from datasketch import MinHash, MinHashLSH

from bnwatch.textnorm import ascii_digits, fold

from .event_words import MONTHS as _MONTHS
from .event_words import WORDS as _WORDS
from .event_words import cosine, event_profile, event_words, lead_sentences, shared_event_words

NUM_PERM = 128
NEAR_DUP = 0.5
REWRITE = 0.3
SAME_HEADLINE = 0.7
WINDOW = timedelta(hours=72)
#: (5) same event words: weaker evidence than (1)–(4), so a narrower window (one news cycle) and a threshold that,
#: with the dev half's events shifted pairwise into one day (210 ordered pairs), joins no two distinct events (the
#: closest below it, 0.28: 'ত্রিপক্ষীয়', Belarus's trilateral ties / the Beijing 'trilateral axis'; 0.23 'উদ্বোধন';
#: the dev half's 'may be the Dec 27 message' item, 0.67, is joined by rule 4 first) and sits below the last same-event
#: pair it gains (0.34: 'বার্তায়'). Dev pairwise P 1.000, R 0.464 -> 0.643 against 0.35 and a margin of 2.0.
EVENT_WINDOW = timedelta(hours=24)
SAME_EVENT_WORDS = 0.31
#: when a second story clears SAME_EVENT_WORDS too, the best must be this many times as close (1.0: the closest wins).
#: On the dev half both such articles were one event already split in two (0.48 / 0.47, 0.41 / 0.40): a margin only
#: kept them apart, and without one the same-day check still joins no two distinct events.
EVENT_MARGIN = 1.0
#: an article with fewer distinct event words than this is not matched on them (one shared word is all it could have:
#: at 1 the same-day check joins Aug 2024's and Dec 2025's 'ties deepen' headlines on 'গভীর', cosine 0.80)
EVENT_MIN_WORDS = 2
#: how much of the text after the title the event words come from when no lead is given (the matcher's LEAD_CHARS)
LEAD_CHARS = 400
#: articles seen longer ago than this leave the in-memory index (an article published before them is compared with
#: the database's)
RETAIN = WINDOW + timedelta(hours=24)
#: at most this many stored articles are read for one article published before memory's horizon (alerting
#: articles only: a month of them is a few thousand)
STORED_CANDIDATES = 5000
#: stories, articles and emitted alerts older than this are deleted from the database: it stays bounded for months
KEEP = timedelta(days=30)
#: outlets joining a story are announced together: an update once this many joined since the last alert (or with
#: the next material change: new participants or figures)
OUTLET_BATCH = 5

#: participants that do not identify an event: every RU–NK story names them
GENERIC = {"russia", "north_korea", "putin", "kim_jong_un", "moscow", "pyongyang", "kremlin", "kursk", "treaty_cues",
           "tass", "ria", "kcna", "rodong_sinmun", "peskov", "kim_family_other"}
DISTINCTIVE_TYPES = {"person", "place"}

_PERMUTATIONS = MinHash(num_perm=NUM_PERM).permutations
_DATE = re.compile(r"(?<!\d)(\d{1,2})\s*(?:ই|লা|শে|এ)?\s*(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) +
                   r")(?![\u0980-\u09ff])")
_NUMBER = re.compile(r"(?<![\d.,])\d[\d,.]*\d|(?<![\d.,])\d{2,}(?![\d.,])")
#: when a text was written, not what it reports: clock times (a dateline's ০৭:৩৫ or ০৭ঃ৩৫), years of a date or
#: of "… সালে", and day-and-month dates (kept apart as `dates`) are not figures of the story; "২০০০ সেনা" is
_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))
_EN_MONTH = (r"\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
             r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?")
_NOT_FIGURES = re.compile(
    r"(?<![\d.,])\d{1,2}\s*[:\u0983]\s*\d{2}(?:\s*[:\u0983]\s*\d{2})?(?!\d|[.,]\d)"  # clock
    r"|(?<![\d.,])(?:19|20)\d\d(?=\s*(?:সাল|সনে|খ্রি))"  # ২০২৪ সালে
    rf"|(?:{_MONTH_NAMES})\s*,?\s*(?:19|20)\d\d(?!\d|[.,]\d)"  # নভেম্বর ২০২৪ (a date without its day)
    # an English dateline ('November 30, 2024', '30 nov 2024'; the text is lower-cased)
    rf"|(?<![\d.,])(?:\d{{1,2}}\s*)?{_EN_MONTH}\s*(?:\d{{1,2}}(?:st|nd|rd|th)?\s*)?,?\s*(?:19|20)\d\d(?!\d|[.,]\d)"
    r"|(?:https?://|www\.)\S+")  # a link's numbers are ids, not figures of the story
#: a day-and-month date with the year that may follow it, taken out before figures are counted
_DATE_YEAR = re.compile(_DATE.pattern + r"(?:\s*,?\s*(?:19|20)\d\d(?!\d|[.,]\d))?")

def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


@dataclass
class Features:
    key: str  # canonical_url#content_hash
    canonical_url: str
    content_hash: str
    outlet: str
    url: str
    title: str
    published_at: str | None
    discovered_at: str | None
    shingles: set[str]
    words: set[str]
    distinctive: set[str]
    entities: set[str]
    dates: set[tuple[int, int]]  # (month, day) written in the text
    numbers: set[str]
    minhash: MinHash | None = None
    headline: frozenset[str] = frozenset()  # character 3-grams of the folded title
    event_words: tuple[str, ...] = ()  # words of title + lead that can tell events apart (rule 5)
    event: dict[str, float] = field(default_factory=dict)  # their character 3-gram profile (empty: too few)

    def __post_init__(self) -> None:
        if not self.headline and self.title:
            self.headline = headline_grams(self.title)
        if not self.event and len(set(self.event_words)) >= EVENT_MIN_WORDS:  # fewer: rule 5 does not match it
            self.event = event_profile(self.event_words)

    @cached_property
    def when(self) -> datetime | None:
        """When it was published, or else when the crawler found it — a page without a date is found within a poll
        of being published, unless it is an old page found late: then the dates its text writes are all far from
        that day, and they alone place it."""
        published = parse_time(self.published_at)
        if published is not None:
            return published
        found = parse_time(self.discovered_at)
        if found is None or not self.dates or _dates_close(self.dates, {(found.month, found.day)}):
            return found
        return None

    def ref_dates(self) -> set[tuple[int, int]]:
        dates = set(self.dates)
        t = self.when
        if t:
            dates.add((t.month, t.day))
        return dates


def headline_grams(title: str) -> frozenset[str]:
    t = " ".join(_WORDS.findall(fold(title or "").lower()))
    return frozenset(t[i:i + 3] for i in range(max(0, len(t) - 2)))


def extract(*, canonical_url: str, content_hash: str, outlet: str, url: str, title: str, texts: list[str],
            published_at: str | None, discovered_at: str | None, entities: Iterable[dict | str],
            lead: list[str] | None = None) -> Features:
    """`texts`: the text after the title; `lead`: its lead sentences (the matcher's), else its first LEAD_CHARS."""
    text = fold("\n".join([title or ""] + list(texts))).lower()
    tokens = _WORDS.findall(text)
    shingles = {" ".join(tokens[i:i + 3]) for i in range(max(0, len(tokens) - 2))} or set(tokens)
    words = {t for t in tokens if len(t) > 2}
    ents: set[str] = set()
    distinctive: set[str] = set()
    for e in entities:
        cid = e if isinstance(e, str) else e.get("id")
        typ = None if isinstance(e, str) else e.get("type")
        side = None if isinstance(e, str) else e.get("side")
        if not cid or side == "OTHER" or str(cid).startswith("other:"):
            continue
        ents.add(cid)
        if cid not in GENERIC and (typ is None or typ in DISTINCTIVE_TYPES):
            distinctive.add(cid)
    digits = ascii_digits(text)
    dates = set()
    for m in _DATE.finditer(digits):
        day = int(m.group(1))
        if 1 <= day <= 31:
            dates.add((_MONTHS[m.group(2)], day))
    figures = _NOT_FIGURES.sub(" ", _DATE_YEAR.sub(" ", digits))  # the whole date first, then what is left
    numbers = {n.replace(",", "") for n in _NUMBER.findall(figures)}
    mh = MinHash(num_perm=NUM_PERM, permutations=_PERMUTATIONS)  # the same (seeded) permutations, computed once
    mh.update_batch([s.encode("utf-8") for s in shingles])
    # a lead line that is not a sentence (a byline, a dateline: 'Daily Inqilab অনলাইন ডেস্ক') tells no event
    lead_text = ("\n".join(lead_sentences(lead)) if lead is not None
                 else "\n".join(texts)[:LEAD_CHARS])
    return Features(f"{canonical_url}#{content_hash}", canonical_url, content_hash, outlet, url, title,
                    published_at, discovered_at, shingles, words, distinctive, ents, dates, numbers, mh,
                    event_words=tuple(event_words(title, lead_text)))


def _day_of_year(month: int, day: int) -> int | None:
    """The day's place in a leap year (the year of a written date is unknown), None for a day that does not exist."""
    try:
        return datetime(2024, month, day).timetuple().tm_yday
    except ValueError:
        return None


def _dates_close(a: set[tuple[int, int]], b: set[tuple[int, int]]) -> bool:
    """A day of `a` within one day of a day of `b`, across a month's or the year's end (31 Dec / 1 Jan), and
    28 Feb / 1 Mar, one day apart in three years of four."""
    days_a = {d for d in (_day_of_year(m, d) for m, d in a) if d}
    days_b = {d for d in (_day_of_year(m, d) for m, d in b) if d}
    for x in days_a:
        for y in days_b:
            apart = abs(x - y)
            if min(apart, 366 - apart) <= 1 or {x, y} == {59, 61}:
                return True
    return False


def time_relation(a: Features, b: Features, window: timedelta = WINDOW) -> bool | None:
    """Within `window` of each other (True), not (False), or unknown (None): a side with neither a time nor a
    date written in its text."""
    ta, tb = a.when, b.when
    if ta and tb:
        return abs(ta - tb) <= window
    da, db = a.ref_dates(), b.ref_dates()
    if not da or not db:
        return None
    return _dates_close(da, db)


def time_compatible(a: Features, b: Features, window: timedelta = WINDOW) -> bool:
    """Known to be within `window` of each other (rules 2-5 need it; an unknown time is not close)."""
    return time_relation(a, b, window) is True


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


@dataclass
class Story:
    story_id: str
    rule: str
    version: int
    title: str
    first_seen: str
    updated_at: str
    discovered_at: str | None
    score: float
    evidence: list[str] = field(default_factory=list)
    outlets: set[str] = field(default_factory=set)
    distinctive: set[str] = field(default_factory=set)
    numbers: set[str] = field(default_factory=set)
    dates: set[tuple[int, int]] = field(default_factory=set)
    articles: list[dict[str, Any]] = field(default_factory=list)
    announced: set[str] = field(default_factory=set)  # the outlets the last alert named


@dataclass
class Assignment:
    story: Story
    kind: str  # new | update | same (joined, nothing new to tell) | duplicate (already counted)
    reason: str


_SCHEMA = """
CREATE TABLE IF NOT EXISTS stories (
  story_id TEXT PRIMARY KEY, rule TEXT NOT NULL, version INTEGER NOT NULL, title TEXT, first_seen TEXT,
  updated_at TEXT, discovered_at TEXT, score REAL, evidence TEXT, outlets TEXT, distinctive TEXT, numbers TEXT,
  dates TEXT, announced TEXT);
CREATE TABLE IF NOT EXISTS articles (
  key TEXT PRIMARY KEY, canonical_url TEXT NOT NULL, content_hash TEXT NOT NULL, story_id TEXT NOT NULL,
  outlet TEXT, url TEXT, title TEXT, published_at TEXT, discovered_at TEXT, added_at TEXT, version INTEGER,
  minhash BLOB, words TEXT, distinctive TEXT, entities TEXT, dates TEXT, numbers TEXT);
CREATE TABLE IF NOT EXISTS emitted (key TEXT PRIMARY KEY, alert TEXT NOT NULL);
-- rule 5's event words, a table of their own: `articles` keeps the columns an earlier release writes by position,
-- so rolling back after an upgrade still works
CREATE TABLE IF NOT EXISTS article_events (key TEXT PRIMARY KEY, event_words TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS articles_url ON articles(canonical_url);
CREATE INDEX IF NOT EXISTS articles_story ON articles(story_id);
CREATE INDEX IF NOT EXISTS articles_added ON articles(added_at);
"""


#: the stored articles of a story's rule, as _features_from_row reads them (event words: none for an article stored by
#: an earlier release, which rule 5 then skips)
_ARTICLE_ROWS = (
    "SELECT a.key, a.canonical_url, a.content_hash, a.story_id, a.outlet, a.url, a.title, a.published_at,"
    " a.discovered_at, a.minhash, a.words, a.distinctive, a.entities, a.dates, a.numbers, a.added_at, e.event_words"
    " FROM articles a JOIN stories s ON s.story_id = a.story_id LEFT JOIN article_events e ON e.key = a.key")


def _features_from_row(row: tuple) -> tuple[Features, str, str]:
    """(features, story id, added_at) of a stored article (no shingles: the MinHash stands for them)."""
    (key, curl, chash, sid, outlet, url, title, pub, disc, mh_blob, words, dist, ents, dates, nums, added_at,
     event) = row
    mh = None
    if mh_blob:
        import numpy as np

        mh = MinHash(num_perm=NUM_PERM, hashvalues=np.frombuffer(mh_blob, dtype=np.uint64).copy(),
                     permutations=_PERMUTATIONS)
    f = Features(key, curl, chash, outlet, url, title, pub, disc, set(), set(json.loads(words or "[]")),
                 set(json.loads(dist or "[]")), set(json.loads(ents or "[]")),
                 {tuple(d) for d in json.loads(dates or "[]")}, set(json.loads(nums or "[]")), mh,
                 event_words=tuple(json.loads(event or "[]")))
    return f, sid, added_at


def _utc_iso(t: datetime) -> str:
    """One spelling of a time (UTC, seconds) for the stored `added_at`, which is compared as text."""
    return t.astimezone(timezone.utc).replace(microsecond=0).isoformat()


class StoryIndex:
    """Stories of one rule, persisted in SQLite (":memory:" for a throw-away index)."""

    def __init__(self, db_path: str | Path = ":memory:", rule: str = "ru-nk", window: timedelta = WINDOW,
                 near_dup: float = NEAR_DUP, rewrite: float = REWRITE, retain: timedelta = RETAIN,
                 keep: timedelta = KEEP, outlet_batch: int = OUTLET_BATCH, event_window: timedelta = EVENT_WINDOW,
                 same_event: float = SAME_EVENT_WORDS, event_margin: float = EVENT_MARGIN):
        self.rule = rule
        self.window = window
        self.event_window, self.same_event, self.event_margin = event_window, same_event, event_margin
        self.near_dup = near_dup
        self.rewrite = rewrite
        self.retain, self.keep, self.outlet_batch = retain, keep, outlet_batch
        if str(db_path) != ":memory:":
            Path(db_path).parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(db_path), check_same_thread=False)
        self.db.executescript(_SCHEMA)
        if "announced" not in {row[1] for row in self.db.execute("PRAGMA table_info(stories)")}:
            with self.db:  # a database of an earlier release
                self.db.execute("ALTER TABLE stories ADD COLUMN announced TEXT")
        self.lock = threading.Lock()
        self.lsh = MinHashLSH(threshold=near_dup, num_perm=NUM_PERM)
        self.features: dict[str, Features] = {}
        self.story_of: dict[str, str] = {}
        self.added: dict[str, str] = {}  # key -> added_at (ISO, UTC), for expiry
        self._pruned_at: datetime | None = None
        # memory holds the articles seen since this (the last expiry's cutoff); older ones only the database
        self._horizon: datetime | None = datetime.now(timezone.utc) - self.retain
        self._load()

    # -- persistence ------------------------------------------------------------------------------------------------
    def _load(self) -> None:
        since = _utc_iso(datetime.now(timezone.utc) - self.retain)
        rows = self.db.execute(_ARTICLE_ROWS + " WHERE s.rule = ? AND a.added_at >= ? ORDER BY a.added_at",
                               (self.rule, since)).fetchall()
        for row in rows:
            f, sid, added_at = _features_from_row(row)
            self._remember(f, sid, added_at)

    def _remember(self, f: Features, story_id: str, added_at: str) -> None:
        self.features[f.key] = f
        self.added[f.key] = added_at
        self.story_of[f.key] = story_id
        if f.minhash is not None and f.key not in self.lsh:
            self.lsh.insert(f.key, f.minhash)

    def expire(self, now: datetime) -> None:
        """Forget (in memory) the articles seen before now - retain, and delete (on disk, at most hourly) what is
        older than now - keep: the index stays bounded however long the stage runs. Dedupe of a redelivered
        article does not depend on memory: known() and emitted() read the database."""
        self._horizon = now - self.retain
        cutoff = _utc_iso(self._horizon)
        while self.added:
            key, added_at = next(iter(self.added.items()))  # insertion order = added_at order
            if added_at >= cutoff:
                break
            del self.added[key]
            f = self.features.pop(key, None)
            self.story_of.pop(key, None)
            if f is not None and f.minhash is not None and key in self.lsh:
                self.lsh.remove(key)
        if self._pruned_at is None or now - self._pruned_at >= timedelta(hours=1):
            self._pruned_at = now
            old = _utc_iso(now - self.keep)
            with self.db:
                self.db.execute("DELETE FROM emitted WHERE key IN (SELECT key FROM articles WHERE added_at < ?)",
                                (old,))
                self.db.execute("DELETE FROM article_events WHERE key IN"
                                " (SELECT key FROM articles WHERE added_at < ?)", (old,))
                self.db.execute("DELETE FROM articles WHERE added_at < ?", (old,))
                self.db.execute("DELETE FROM stories WHERE rule = ? AND story_id NOT IN"
                                " (SELECT DISTINCT story_id FROM articles)", (self.rule,))

    def story(self, story_id: str) -> Story | None:
        row = self.db.execute("SELECT story_id, rule, version, title, first_seen, updated_at, discovered_at, score,"
                              " evidence, outlets, distinctive, numbers, dates, announced FROM stories"
                              " WHERE story_id = ?", (story_id,)).fetchone()
        if not row:
            return None
        outlets = set(json.loads(row[9] or "[]"))
        s = Story(*row[:8], evidence=json.loads(row[8] or "[]"), outlets=outlets,
                  distinctive=set(json.loads(row[10] or "[]")), numbers=set(json.loads(row[11] or "[]")),
                  dates={tuple(d) for d in json.loads(row[12] or "[]")},
                  announced=set(json.loads(row[13])) if row[13] is not None else set(outlets))
        s.articles = [
            {"outlet": o, "url": u, "canonical_url": c, "title": t, "published_at": p, "discovered_at": d}
            for o, u, c, t, p, d in self.db.execute(
                "SELECT outlet, url, canonical_url, title, published_at, discovered_at FROM articles"
                " WHERE story_id = ? ORDER BY added_at, rowid", (story_id,))
        ]
        return s

    def known(self, canonical_url: str, content_hash: str) -> str | None:
        """The story of an article already assigned (also one that has left the in-memory index)."""
        key = f"{canonical_url}#{content_hash}"
        if key in self.story_of:
            return self.story_of[key]
        row = self.db.execute("SELECT story_id FROM articles WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    # -- matching ---------------------------------------------------------------------------------------------------
    def find(self, f: Features) -> tuple[str | None, str]:
        """The story this article belongs to, and why (or None): among the articles in memory, then, for an
        article published before them (a backlog, a new outlet's archive, an edit found days later), among the
        stored articles seen in its window."""
        # same URL, new content: the story it was in (the database: an edit can come after memory forgot it)
        row = self.db.execute("SELECT a.story_id FROM articles a JOIN stories s ON s.story_id = a.story_id"
                              " WHERE a.canonical_url = ? AND a.key != ? AND s.rule = ? ORDER BY a.added_at LIMIT 1",
                              (f.canonical_url, f.key, self.rule)).fetchone()
        if row:
            return row[0], "same url, new content"
        near = list(self.lsh.query(f.minhash)) if f.minhash is not None else []
        older, older_story_of = self._stored_before_memory(f)
        if not older:
            return self._match(f, self.features, self.story_of, near)
        # ranked together: a weak match in memory must not beat a copy that has left it
        return self._match(f, {**older, **self.features}, {**older_story_of, **self.story_of},
                           near + [k for k in older if k not in self.features])

    def _match(self, f: Features, pool: dict[str, Features], story_of: dict[str, str],
               near: Iterable[str]) -> tuple[str | None, str]:
        """Rules 1-5 against the articles of `pool` (`near`: the keys worth a near-duplicate test)."""
        best: tuple[float, str, str] | None = None
        if f.minhash is not None:
            for key in near:
                other = pool.get(key)
                if other is None or other.minhash is None:
                    continue
                sim = f.minhash.jaccard(other.minhash)
                # a near duplicate needs no time: only one known to be far off keeps it apart
                if sim >= self.near_dup and time_relation(f, other, self.window) is not False:
                    cand = (1.0 + sim, story_of[key], f"near duplicate of {other.url} (jaccard {sim:.2f})")
                    best = max(best, cand) if best else cand
        if best:
            return best[1], best[2]
        for key, other in pool.items():
            if not self._time_ok(f, other):
                continue
            shared = f.distinctive & other.distinctive
            words = jaccard(f.words, other.words)
            same_title = jaccard(f.headline, other.headline)
            if same_title >= SAME_HEADLINE:
                cand = (0.9 + same_title, story_of[key],
                        f"same headline as {other.url} (jaccard {same_title:.2f})")
            elif shared:
                cand = (0.5 + 0.1 * len(shared) + words, story_of[key],
                        f"same participants {','.join(sorted(shared))} as {other.url}")
            elif words >= self.rewrite:
                cand = (words, story_of[key], f"rewrite of {other.url} (word jaccard {words:.2f})")
            else:
                continue
            best = max(best, cand) if best else cand
        if best:
            return best[1], best[2]
        return self._same_event_words(f, pool, story_of)

    def _same_event_words(self, f: Features, pool: dict[str, Features],
                          story_of: dict[str, str]) -> tuple[str | None, str]:
        """Rule 5: the story whose articles within EVENT_WINDOW share the most event words with this one (its best
        article), when that clears SAME_EVENT_WORDS and, if a second story clears it too, is EVENT_MARGIN times that
        one's (at 1.0 the closer story wins; above it an article as close to two stories joins neither)."""
        if not f.event:  # fewer than EVENT_MIN_WORDS distinct event words (Features)
            return None, "new"
        by_story: dict[str, tuple[float, Features]] = {}
        for key, other in pool.items():
            if not other.event or not time_compatible(f, other, self.event_window):
                continue
            sim = cosine(f.event, other.event)
            sid = story_of[key]
            if sim > by_story.get(sid, (0.0, other))[0]:
                by_story[sid] = (sim, other)
        ranked = sorted(by_story.items(), key=lambda x: x[1][0], reverse=True)
        if not ranked or ranked[0][1][0] < self.same_event:
            return None, "new"
        sid, (sim, other) = ranked[0]
        second = ranked[1][1][0] if len(ranked) > 1 and ranked[1][1][0] >= self.same_event else 0.0
        if sim < self.event_margin * second:
            return None, f"new (event words as close to two stories: {sim:.2f} / {second:.2f})"
        words = ",".join(shared_event_words(f.event_words, other.event_words)) or "-"
        return sid, f"same event words as {other.url} ({words}; cosine {sim:.2f})"

    def _stored_before_memory(self, f: Features) -> tuple[dict[str, Features], dict[str, str]]:
        """The stored articles this one could join that have left memory: an article published (or found) at t
        joins articles of t ± window, and those were seen from t - window on (a day more for an outlet's clock);
        memory holds those seen since the last expiry's horizon. None when its window is all in memory."""
        t = f.when
        if t is None or self._horizon is None or t - self.window >= self._horizon:
            return {}, {}  # every article of its window was seen since the horizon: memory has them (the hot path)
        since = t - self.window - timedelta(days=1)
        rows = self.db.execute(
            _ARTICLE_ROWS + " WHERE s.rule = ? AND a.added_at >= ? AND a.added_at < ? ORDER BY a.added_at"
            " LIMIT ?", (self.rule, _utc_iso(since), _utc_iso(self._horizon), STORED_CANDIDATES)).fetchall()
        pool, story_of = {}, {}
        for row in rows:
            when = parse_time(row[7]) or parse_time(row[8])  # published_at, discovered_at
            if when is not None and abs(when - t) > self.window:
                continue  # no rule could join it: not worth reading
            other, sid, _added = _features_from_row(row)
            if other.key != f.key:
                pool[other.key], story_of[other.key] = other, sid
        return pool, story_of

    def _time_ok(self, a: Features, b: Features) -> bool:
        return time_compatible(a, b, self.window)

    # -- assignment -------------------------------------------------------------------------------------------------
    def emitted(self, key: str) -> str | None:
        """The alert (JSON) that assigning this article produced, if it produced one."""
        row = self.db.execute("SELECT alert FROM emitted WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def assign(self, f: Features, *, score: float = 0.0, evidence: list[str] | None = None,
               seen_at: str | None = None, emit=None) -> Assignment:
        """Put an article in a story (creating it if needed) and persist it. Idempotent per (url, content hash).

        `emit(assignment) -> str | None` builds the alert this assignment raises; it is stored in the same
        transaction as the assignment, so a redelivered article re-emits exactly the alert it raised before
        (the notifier delivers each (story, version) once) instead of losing it when the stage crashed after
        saving the story but before its output was acknowledged."""
        with self.lock:
            existing = self.known(f.canonical_url, f.content_hash)
            if existing:
                return Assignment(self.story(existing), "duplicate", "already counted")
            seen = parse_time(seen_at) or datetime.now(timezone.utc)
            seen_at = _utc_iso(seen)
            self.expire(seen)
            story_id, reason = self.find(f)
            own_id = f"{self.rule}-" + hashlib.sha1(f.key.encode("utf-8")).hexdigest()[:12]
            if story_id is None and self.story(own_id) is not None:
                # the story's first article again, after its own record was deleted (KEEP) while later ones kept
                # the story: that story, not a new one written over it (its alerts were delivered already)
                story_id, reason = own_id, "first article of this story, seen again"
            if story_id is None:
                story_id = own_id
                story = Story(story_id, self.rule, 1, f.title, seen_at, seen_at, f.discovered_at, score,
                              list(evidence or []), {f.outlet}, set(f.distinctive), set(f.numbers), set(f.dates),
                              announced={f.outlet})
                kind = "new"
            else:
                story = self.story(story_id)
                story.outlets.add(f.outlet)
                new_people = f.distinctive - story.distinctive
                new_numbers = f.numbers - story.numbers
                joined = story.outlets - story.announced
                # material news is an update; outlets joining are announced together, not one update each
                if new_people or len(new_numbers) >= 2 or len(joined) >= self.outlet_batch:
                    story.version += 1
                    kind = "update"
                    what = [f"participants {','.join(sorted(new_people))}"] if new_people else []
                    what += ["new figures"] if len(new_numbers) >= 2 else []
                    what += [f"outlets joined {','.join(sorted(joined))}"] if joined else []
                    reason = f"{reason}; {'; '.join(what)}"
                    story.updated_at = seen_at
                    story.evidence = list(evidence or story.evidence)
                    story.announced = set(story.outlets)
                else:
                    kind = "same"
                story.distinctive |= f.distinctive
                story.numbers |= f.numbers
                story.dates |= f.dates
                story.score = max(story.score, score)
                if f.discovered_at and (not story.discovered_at or f.discovered_at < story.discovered_at):
                    story.discovered_at = f.discovered_at
            with self.db:
                self.db.execute(
                    "INSERT OR REPLACE INTO stories (story_id, rule, version, title, first_seen, updated_at,"
                    " discovered_at, score, evidence, outlets, distinctive, numbers, dates, announced)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (story.story_id, self.rule, story.version, story.title, story.first_seen, story.updated_at,
                     story.discovered_at, story.score, json.dumps(story.evidence, ensure_ascii=False),
                     json.dumps(sorted(story.outlets)), json.dumps(sorted(story.distinctive)),
                     json.dumps(sorted(story.numbers)), json.dumps(sorted(story.dates)),
                     json.dumps(sorted(story.announced))))
                self.db.execute(
                    "INSERT OR IGNORE INTO articles (key, canonical_url, content_hash, story_id, outlet, url, title,"
                    " published_at, discovered_at, added_at, version, minhash, words, distinctive, entities, dates,"
                    " numbers) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (f.key, f.canonical_url, f.content_hash, story.story_id, f.outlet, f.url, f.title,
                     f.published_at, f.discovered_at, seen_at, story.version,
                     f.minhash.hashvalues.tobytes() if f.minhash is not None else None,
                     json.dumps(sorted(f.words), ensure_ascii=False), json.dumps(sorted(f.distinctive)),
                     json.dumps(sorted(f.entities)), json.dumps(sorted(f.dates)), json.dumps(sorted(f.numbers))))
                self.db.execute("INSERT OR IGNORE INTO article_events VALUES (?,?)",
                                (f.key, json.dumps(list(f.event_words), ensure_ascii=False)))
                if emit is not None:
                    alert = emit(Assignment(self.story(story.story_id), kind, reason))
                    if alert is not None:
                        self.db.execute("INSERT OR REPLACE INTO emitted VALUES (?, ?)", (f.key, alert))
            self._remember(f, story.story_id, seen_at)
            return Assignment(self.story(story.story_id), kind, reason)

    def close(self) -> None:
        self.db.close()
