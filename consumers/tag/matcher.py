"""Gazetteer matching over folded Bengali text with pyahocorasick.

Aho-Corasick finds raw substrings, so every hit is checked with explicit Bengali-aware boundaries
(docs/research/bengali.md §2.4: stdlib `\\b` treats vowel signs, nukta and virama as non-word characters):

- left: the character before the hit is not in `[\\u0980-\\u09FF\\w]`;
- right: after the form, an optional joiner (`'`, `’`, `-`, ` -`) plus one suffix from the gazetteer list
  (longest first), then a character not in `[\\u0980-\\u09FF\\w]`. Listing suffixes rather than accepting any
  continuation is what keeps রুশদি, রাশিফল and কিমচি out.

Multi-word forms are expanded to every separator between their tokens ('', ' ', '-', ' -', '- ', ' - '), so
'কিম জং উন' also matches 'কিম জং-উন', 'কিম জং–উন' (after fold) and 'কিমজংউন'. Overlapping hits resolve to the
longest leftmost; a hard-negative hit that strictly contains a concept hit suppresses it (তাস খেলা, রুশ বিপ্লব,
রাশান সালাদ, কিম কার্দাশিয়ান, ভ্লাদিমির জেলেনস্কি ...). Offsets are into the folded paragraph (or title).
"""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass, field
from typing import Any

import ahocorasick

from bnwatch.textnorm import fold

from .gazetteer import Concept, Gazetteer, Variant, load_gazetteer

WORD = "\u0980-\u09ff\\w"
_WORD_RE = re.compile(f"[{WORD}]")
_SEPARATORS = ("", " ", "-", " -", "- ", " - ")
_TOKEN_SPLIT = re.compile(r"[ \-]+")
# '.' ends a sentence after three non-space, non-dot characters and before whitespace. The dot is matched before
# the look-behind so that re can scan for the first character ([।!?\n.]) instead of trying every position.
_SENTENCE_END = re.compile(r"[।!?\n]+|\.(?<=[^\s.]{3}\.)(?=\s)")
# a sentence that ends as prose does (।, !, ? or a '.' after three letters, then closing quotes): the lead starts at
# the first such sentence, or at the first of 80 characters — a dateline or a byline ends in neither way
_PROSE_END = re.compile(r"(?:[।!?]|(?<=[^\s.]{3})\.)[\s\"'’”)\]]*$")
_URL = re.compile(r"(?:https?://|www\.)\S+")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


_ASCII_UPPER = re.compile("[A-Z]+")


def lower_ascii(text: str) -> str:
    """Lowercase Latin letters only, so offsets stay the same as in the folded text.

    str.translate with a dict table walks non-ASCII text character by character in Python-object space (~75 ns a
    character for Bengali); most lines have no capital Latin letter at all, so look for one first."""
    if _ASCII_UPPER.search(text) is None:
        return text
    return _ASCII_UPPER.sub(_lower_match, text)


def _lower_match(m: re.Match) -> str:
    return m.group(0).translate(_ASCII_LOWER)


@dataclass(frozen=True)
class Entity:
    id: str  # concept id
    type: str  # person | country | place | org | event
    side: str  # RU | NK | BOTH | OTHER
    role: str  # actor | source | cue | history | other
    form: str  # the text matched, suffix included
    variant: str  # the gazetteer form that matched
    start: int
    end: int
    where: str  # title | lead | body
    paragraph: int | None  # index into Article.paragraphs (None for the title)
    sentence: int  # sentence index within that paragraph (or title)
    unit: int  # index of the text unit (title = 0), for co-occurrence

    def to_dict(self) -> dict[str, Any]:
        # what dataclasses.asdict gave minus 'unit' (asdict deep-copies field by field: ~10 µs an entity)
        return {"id": self.id, "type": self.type, "side": self.side, "role": self.role, "form": self.form,
                "variant": self.variant, "start": self.start, "end": self.end, "where": self.where,
                "paragraph": self.paragraph, "sentence": self.sentence}


@dataclass(frozen=True)
class Mark:
    """A hard-negative or topic-word hit."""

    kind: str  # negative group name, or 'topic'
    form: str
    start: int
    end: int
    unit: int
    sentence: int


@dataclass
class Unit:
    """One line of text the matcher works on: the title, or one line of a body paragraph."""

    index: int
    where: str
    paragraph: int | None
    offset: int  # offset of this line inside the folded paragraph
    text: str  # folded
    lowered: str
    sentence_starts: list[int] = field(default_factory=list)
    sentence_base: int = 0  # sentence index of the first sentence of this unit within its paragraph

    def sentence_of(self, pos: int) -> int:
        return bisect.bisect_right(self.sentence_starts, pos) - 1

    def sentence_text(self, local: int) -> str:
        starts = self.sentence_starts + [len(self.text)]
        return self.text[starts[local]:starts[local + 1]].strip()


@dataclass
class TagResult:
    units: list[Unit]
    entities: list[Entity]
    negatives: list[Mark]
    topics: list[Mark]
    chrome_cut_at: int | None = None  # body paragraph index where page chrome was cut

    def concepts(self) -> list[str]:
        return sorted({e.id for e in self.entities if e.side != "OTHER"})


#: the lead: at most this many sentences, and no more once it holds this many characters
LEAD_SENTENCES = 3
LEAD_CHARS = 400


def _sentence_starts(text: str) -> list[int]:
    """Where each sentence of `text` starts: 0, then after every sentence end that is not the text's end (match
    ends strictly increase: the list is sorted and unique as built)."""
    end = len(text)
    return [0, *(m.end() for m in _SENTENCE_END.finditer(text) if m.end() < end)]


class Matcher:
    def __init__(self, gazetteer: Gazetteer | None = None):
        self.gazetteer = gazetteer or load_gazetteer()
        g = self.gazetteer
        forms = [(v.form, ("c", c, v)) for c in g.concepts.values() for v in c.variants]
        forms += [(form, ("n", group, form)) for group, group_forms in g.negatives.items() for form in group_forms]
        forms += [(word, ("t", "topic", word)) for word in g.topic_words]
        self._automaton = self._build(forms)
        self._side_automata: dict[frozenset[str], ahocorasick.Automaton] = {}
        joiners = "|".join(re.escape(j) for j in sorted(g.joiners, key=len, reverse=True))
        suffixes = "|".join(re.escape(s) for s in g.suffixes)
        self._tail = re.compile(f"(?:(?:{joiners})?(?:{suffixes}))?(?![{WORD}])")
        self._chrome = tuple(g.chrome_cut)
        self._chrome_prefix = max((len(c) for c in self._chrome), default=0)

    @staticmethod
    def _build(forms: list[tuple[str, Any]]) -> ahocorasick.Automaton:
        """An automaton over every surface of the forms (each multi-word form with every separator between its
        tokens); a surface's value is (its length, the payloads of every form that gives it)."""
        payloads: dict[str, list] = {}
        for form, payload in forms:
            tokens = [t for t in _TOKEN_SPLIT.split(form) if t]
            if not tokens:
                continue
            for seps in itertools.product(_SEPARATORS, repeat=len(tokens) - 1):
                surface = tokens[0] + "".join(s + t for s, t in zip(seps, tokens[1:]))
                payloads.setdefault(surface, []).append(payload)
        automaton = ahocorasick.Automaton()
        for surface, items in payloads.items():
            automaton.add_word(surface, (len(surface), tuple(items)))
        automaton.make_automaton()
        return automaton

    # -- text preparation -----------------------------------------------------------------------------------------
    def units(self, title: str, paragraphs: list[str]) -> tuple[list[Unit], int | None]:
        """Fold, split paragraphs into lines, strip page chrome (related-headline lists), and cut every line into
        its sentences: one unit a sentence, so where an outlet breaks its paragraphs (one paragraph, one sentence a
        paragraph) changes nothing the rules see. The lead is the first LEAD_SENTENCES sentences (up to
        LEAD_CHARS), from the first one that reads as prose: it ends as a sentence does, or is 80 characters long (a
        datelined 'ঢাকা, ২৯ নভেম্বর' line is not)."""
        units: list[Unit] = []
        # a headline is one line: a break inside it (a <br> kept by another producer) must not split its sentence
        t = fold(title or "").strip().replace("\n", " ")
        units.append(Unit(0, "title", None, 0, t, lower_ascii(t)))
        cut_at: int | None = None
        lead_started = False
        lead_sentences = lead_chars = 0
        have_text = False
        for p_index, paragraph in enumerate(paragraphs or []):
            folded_text = fold(paragraph or "")
            stop = False
            pos = 0
            sentence_base = 0
            for line in folded_text.split("\n"):
                offset = pos
                pos += len(line) + 1
                stripped = line.strip()
                if not stripped:
                    continue
                chrome = self._is_chrome(stripped)
                if chrome == "cut" and have_text:
                    stop = True
                    break
                if chrome:
                    continue
                have_text = True
                lowered = lower_ascii(line)  # offsets unchanged: each sentence's lowered text is a slice
                starts = _sentence_starts(line)
                starts.append(len(line))
                for s, e in zip(starts, starts[1:]):
                    text = line[s:e]
                    size = len(text.strip())
                    if not size:
                        continue
                    if not lead_started and (size >= 80 or _PROSE_END.search(text)):
                        lead_started = True  # per sentence, so where the paragraphs break does not move it
                    lead = lead_started and lead_sentences < LEAD_SENTENCES and lead_chars < LEAD_CHARS
                    if lead:
                        lead_sentences += 1
                        lead_chars += size
                    units.append(Unit(len(units), "lead" if lead else "body", p_index, offset + s, text,
                                      lowered[s:e], [0], sentence_base))
                    sentence_base += 1
            if stop:
                cut_at = p_index
                break
        units[0].sentence_starts = _sentence_starts(t)
        return units, cut_at

    def _is_chrome(self, line: str) -> str | None:
        low = lower_ascii(line[:self._chrome_prefix])  # only the start is compared
        if self._chrome and low.startswith(self._chrome):
            return "cut" if len(line) <= self.gazetteer.chrome_max_len else "drop"
        return None

    # -- matching -------------------------------------------------------------------------------------------------
    def mentions_any(self, title: str, paragraphs: list[str], sides: frozenset[str]) -> bool:
        """Whether a form of any concept on one of `sides` occurs as a word (the boundaries _raw_hits checks)
        anywhere in the folded title and paragraphs: a superset of what tag() finds (no context, chrome, URL or
        negative checks; sentences only ever end at a non-word character, so a unit's boundaries are the text's),
        so False means tag() would find no such entity — one automaton pass, for a stage to skip the
        sentence-by-sentence work."""
        automaton = self._side_automata.get(sides)
        if automaton is None:
            automaton = self._side_automata[sides] = self._build(
                [(v.form, None) for c in self.gazetteer.concepts.values() if c.side in sides for v in c.variants])
        if not len(automaton):  # no concept on those sides: nothing to find
            return False
        text = lower_ascii(fold("\n".join([title or "", *(paragraphs or [])])))
        for end, (length, _items) in automaton.iter(text):
            start = end - length + 1
            if (start == 0 or not _WORD_RE.match(text[start - 1])) and self._tail.match(text, end + 1):
                return True  # a whole word, as _raw_hits requires (তাসকিন is not তাস)
        return False

    def _raw_hits(self, unit: Unit):
        text = unit.lowered
        urls = [m.span() for m in _URL.finditer(text)] if ("http" in text or "www." in text) else []
        for end_index, (length, items) in self._automaton.iter(text):
            start = end_index - length + 1
            if urls and any(a <= start < b for a, b in urls):
                continue  # 'kim-jong-un' inside a source URL is not a mention
            if start > 0 and _WORD_RE.match(text[start - 1]):
                continue
            form_end = end_index + 1
            tail = None
            for item in items:
                if item[0] == "t":
                    yield item, start, form_end, form_end
                    continue
                if tail is None:
                    tail = self._tail.match(text, form_end)
                    if tail is None:
                        break
                yield item, start, form_end, tail.end()

    def tag(self, title: str, paragraphs: list[str]) -> TagResult:
        units, cut_at = self.units(title, paragraphs)
        candidates: list[tuple[Unit, Concept, Variant, int, int, int]] = []
        negatives: list[Mark] = []
        topics: list[Mark] = []
        first_neg = 0
        for unit in units:
            unit_cands = []
            for item, start, form_end, end in self._raw_hits(unit):
                kind = item[0]
                if kind == "t":
                    topics.append(Mark("topic", item[2], start, form_end, unit.index, unit.sentence_of(start)))
                elif kind == "n":
                    negatives.append(Mark(item[1], unit.text[start:end], start, end, unit.index, unit.sentence_of(start)))
                else:
                    concept, variant = item[1], item[2]
                    if concept.exclude_if_followed_by and self._followed_by(unit.lowered, form_end,
                                                                           concept.exclude_if_followed_by):
                        continue
                    unit_cands.append((unit, concept, variant, start, form_end, end))
            # longest leftmost, no overlaps
            unit_cands.sort(key=lambda c: (c[3], -(c[4] - c[3]), -(c[5] - c[3])))
            last_end = -1
            unit_negs = negatives[first_neg:]
            first_neg = len(negatives)
            for cand in unit_cands:
                _, concept, variant, start, form_end, end = cand
                if start < last_end:
                    continue
                if any(n.start <= start and form_end <= n.end and (n.end - n.start) > (form_end - start)
                       for n in unit_negs):
                    continue  # a longer hard negative (তাস খেলা, রুশ বিপ্লব, কিম কার্দাশিয়ান ...) covers it
                in_context = bool(variant.context) and self._has_context(unit.lowered, start, end, variant.context)
                if variant.context and not in_context and not variant.after_full_name:
                    continue
                candidates.append((*cand, in_context))
                last_end = end
        # bare forms (কিম) only count once the full name has been seen: anywhere for the title, earlier for the body
        full_seen_at: dict[str, int] = {}
        for unit, concept, variant, start, _fe, _e, _ctx in candidates:
            if not variant.after_full_name:
                key = (unit.index, start)
                full_seen_at.setdefault(concept.id, key)  # candidates are in document order
                full_seen_at[concept.id] = min(full_seen_at[concept.id], key)
        entities: list[Entity] = []
        for unit, concept, variant, start, form_end, end, in_context in candidates:
            if variant.after_full_name and not in_context:  # its context (পুতিন beside a bare কিম) also resolves it
                first = full_seen_at.get(concept.id)
                if first is None or (unit.index != 0 and (unit.index, start) < first):
                    continue
            local_sentence = unit.sentence_of(start)
            entities.append(Entity(
                id=concept.id, type=concept.type, side=concept.side, role=concept.role,
                form=unit.text[start:end], variant=variant.form,
                start=unit.offset + start, end=unit.offset + end,
                where=unit.where, paragraph=unit.paragraph,
                sentence=unit.sentence_base + local_sentence if unit.paragraph is not None else local_sentence,
                unit=unit.index,
            ))
        return TagResult(units, entities, negatives, topics, cut_at)

    def _followed_by(self, text: str, pos: int, tokens: tuple[str, ...]) -> bool:
        """'কিম জং' must not fire before ইল/নাম/চোল (Kim Jong Il, Kim Jong Nam): the next token, any suffix."""
        rest = text[pos:].lstrip(" -")
        return any(rest.startswith(tok) and self._tail.match(rest, len(tok)) for tok in tokens)

    @staticmethod
    def _has_context(text: str, start: int, end: int, ctx) -> bool:
        window = text[max(0, start - ctx.window):end + ctx.window]
        return any(word in window for word in ctx.any)


_DEFAULT: Matcher | None = None


def default_matcher() -> Matcher:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Matcher()
    return _DEFAULT
