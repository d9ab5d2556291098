"""Rule 5 of story assignment: the *event words* of an article — what is left of its title and lead once names,
the rule's relation words, function, dateline, byline and war-news words are taken out ('আবাসন', 'নববর্ষের
বার্তায়') — and their character 3-gram profile, so one event worded apart by each outlet can still be joined.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Iterable

from bnwatch.textnorm import fold

WORDS = re.compile(r"[\u0980-\u09ff\w]+")
MONTHS = {fold(m): i for i, names in enumerate((
    ("জানুয়ারি", "জানুয়ারী"), ("ফেব্রুয়ারি", "ফেব্রুয়ারী"), ("মার্চ",), ("এপ্রিল",), ("মে",), ("জুন",), ("জুলাই",),
    ("আগস্ট", "আগষ্ট"), ("সেপ্টেম্বর",), ("অক্টোবর",), ("নভেম্বর",), ("ডিসেম্বর",)), start=1) for m in names}

#: words that say nothing about which event an article reports (event words, rule 5): function words, dateline and
#: byline words, weekdays and months, the words of a leader's statement ('বীর আখ্যা দিলেন', 'প্রশংসা করলেন': Kim
#: called soldiers heroes after two different events) and of every Russia–North Korea war story; compared with one
#: inflection taken off (_stems). Names (every gazetteer form), the rule's relation words (gazetteer topic_words),
#: Latin-script words (bylines, agencies) and words with digits are taken out as well.
_NOT_EVENT_WORDS = frozenset(fold(w) for w in """
ও এবং বা কিন্তু তবে যে যা যার যারা যাতে যখন সঙ্গে সাথে জন্য থেকে হতে দিয়ে নিয়ে করে করা করেছে করেছেন করছে
করছেন করলেন করল করবে করবেন করেন করার হয়েছে হয়েছেন হচ্ছে হবে হয় হয়ে হওয়া হলো হল আরও আর এক একটি এই ওই সেই
এটি তার তাদের তিনি তারা তাঁর তাঁরা তাঁদের এর কি কী না নয় নেই বলে বললেন বলেছেন বলা বলেন জানিয়েছেন জানিয়েছে
জানান জানা জানানো দিলেন দিয়েছেন দিয়েছে দেন নতুন পর পরে আগে মধ্যে ওপর উপর বিরুদ্ধে পক্ষে দাবি গেছে যায় এখন আজ
গত প্রায় অন্তত বিষয়ে মতো মত সহ প্রতি আছে ছিল ছিলেন দুই তিন দুটি পারে পারেন দিতে নিতে বেশি কম অনেক
বিভিন্ন সব সকল এমন কোনো কোন ধরন
রবিবার সোমবার মঙ্গলবার বুধবার বৃহস্পতিবার শুক্রবার শনিবার সাল বছর মাস দিন সপ্তাহ বৈশাখ জ্যৈষ্ঠ আষাঢ় শ্রাবণ
ভাদ্র আশ্বিন কার্তিক অগ্রহায়ণ পৌষ মাঘ ফাল্গুন চৈত্র
আপডেট অনলাইন ডেস্ক প্রকাশ প্রকাশিত এএম পিএম প্রতিবেদক সংবাদদাতা ছবি সংগৃহীত সংবাদমাধ্যম সংবাদ খবর প্রতিবেদন
প্রতিবেদনে সূত্র বরাত বরাতে বার্তাসংস্থা এজেন্সি রয়টার্স এএফপি এপি বিবিসি সিএনএন
আখ্যা প্রশংসা ঘোষণা বীর বীরত্ব শহীদ
যুদ্ধ যুদ্ধক্ষেত্র নিহত আহত হাজার লাখ কোটি নেতা প্রেসিডেন্ট প্রধান দেশ দেশটি রাষ্ট্র রাষ্ট্রীয় সরকার মন্ত্রী
""".split())
#: a lead line that reads as a sentence: a danda, or eight words (not a byline or a dateline)
_SENTENCE = re.compile(r"[\u0964?!]|\S(?:\s+\S+){7}")
#: phrases taken out before the words are read ('রাষ্ট্রীয় বার্তা সংস্থা কেসিএনএ' is a source, not a message)
_NOT_EVENT_PHRASES = re.compile("|".join(fold(p) for p in ("বার্তা সংস্থা", "সংবাদ সংস্থা")))
#: one inflection at the end of a word (longest first), for comparing with the lists above
_INFLECTIONS = tuple(sorted({fold(x) for x in (
    "গুলোর", "গুলো", "দের", "য়ের", "ের", "এর", "টির", "টি", "টা", "কে", "তে", "য়", "য়ে", "রা", "র", "ে", "ই", "ও",
    "েরা")}, key=len, reverse=True))


def _stems(word: str) -> tuple[str, ...]:
    return (word,) + tuple(word[:-len(x)] for x in _INFLECTIONS if word.endswith(x) and len(word) > len(x) + 1)


_NAME_WORDS: frozenset[str] | None = None
_TOPIC_STEMS: tuple[str, ...] = ()


def _gazetteer_words() -> tuple[frozenset[str], tuple[str, ...]]:
    """Every word of every name in the tag stage's gazetteer (both sides, third parties, the Ukraine-war names),
    and its single-word relation stems (topic_words: সেনা, সম্পর্ক, জোট, …): no event is told by them."""
    global _NAME_WORDS, _TOPIC_STEMS
    if _NAME_WORDS is None:
        from consumers.tag.gazetteer import load_gazetteer

        g = load_gazetteer()
        forms = [v.form for c in g.concepts.values() for v in c.variants]
        forms += list(g.negatives.get("ukraine_war_russia_only", ()))
        _NAME_WORDS = frozenset(w for f in forms for w in WORDS.findall(f.lower()))
        _TOPIC_STEMS = tuple(t for t in g.topic_words if " " not in t)
    return _NAME_WORDS, _TOPIC_STEMS


def event_words(title: str, lead: str) -> list[str]:
    """The words of title + lead that can tell one event from another (rule 5), in order, folded."""
    names, topics = _gazetteer_words()
    text = _NOT_EVENT_PHRASES.sub(" ", fold(f"{title or ''}\n{lead or ''}").lower())
    out = []
    for w in WORDS.findall(text):
        if len(w) < 3 or w.isascii() or any(c.isdigit() for c in w) or w in MONTHS or w.startswith(topics):
            continue
        stems = _stems(w)
        if any(s in names or s in _NOT_EVENT_WORDS for s in stems):
            continue
        out.append(w)
    return out


def event_profile(words: Iterable[str]) -> dict[str, float]:
    """Character 3-grams of the event words (inside words, with their edges), counted and L2-normalised:
    inflections of one word share most of them ('আবাসন' / 'আবাসনের')."""
    grams: Counter[str] = Counter()
    for w in words:  # a word of the title that the lead repeats counts twice: it is what the story is about
        w = f" {w} "
        grams.update(w[i:i + 3] for i in range(len(w) - 2))
    norm = sum(v * v for v in grams.values()) ** 0.5
    return {g: v / norm for g, v in grams.items()} if norm else {}


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(g, 0.0) for g, v in a.items())


def shared_event_words(a: Iterable[str], b: Iterable[str]) -> list[str]:
    """Words of `a` with the stem of a word of `b` (one inflection off, or the first four letters alike): what rule
    5's reason names."""
    bs = {x for v in b for x in _stems(v)}
    b4 = {v[:4] for v in b if len(v) >= 4}
    return [w for w in dict.fromkeys(a) if bs.intersection(_stems(w)) or (len(w) >= 4 and w[:4] in b4)]


def lead_sentences(lead: Iterable[str]) -> list[str]:
    """The lead lines that read as sentences (a byline or a dateline, 'Daily Inqilab অনলাইন ডেস্ক', tells no event)."""
    return [t for t in lead if _SENTENCE.search(t)]
