"""Watch rules over a TagResult: the default Russia–North Korea relation rule and user rules from YAML.

The default rule is relation-level, not co-mention: both sides must be present as *actors* (a country, person,
place or institution, not a news-agency credit such as 'খবর রাশিয়ান নিউজ এজেন্সি তাস’র'), and the score grows
with where they meet — both in the title, both in the lead, sentences naming both sides, those sentences carrying a
topic word of the relation (চুক্তি, সেনা, অস্ত্র, সফর, বৈঠক, সহযোগিতা …) — and with named people on both sides.
Passing mentions stay low: a sentence that merely enumerates states or leaders (a list of nuclear powers, a parade
line-up 'সি চিন পিং, ভ্লাদিমির পুতিন ও কিম জং-উন') is a list, not a relation; RU and NK in different paragraphs
only (a page of unrelated headlines) is capped below the threshold.

User rules (YAML, no code):

    rules:
      - name: rooppur                      # required, unique
        terms: [রূপপুর, পারমাণবিক বিদ্যুৎকেন্দ্র]  # any of these (Bengali boundaries + case suffixes)
        all_terms: false                   # true: every term must occur
        require: [russia]                  # concept ids or sides (RU, NK): all must occur (actors)
        exclude: [north_korea]             # none of these may occur
        min_score: 0.5                     # alert threshold (default 0.5)
        outlets: [prothomalo, jugantor]    # only these outlets (default: all)
      - name: ru-nk-strict
        relation: [RU, NK]                 # a relation rule like the default, with its own threshold
        min_score: 0.7
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import yaml

from bnwatch.textnorm import fold

from .gazetteer import fold_form
from .matcher import WORD, Entity, Matcher, TagResult, default_matcher

DEFAULT_RULE = "ru-nk"
DEFAULT_THRESHOLD = 0.5

_ATTRIBUTION = re.compile(
    "^[ ,]*(?:" + "|".join(fold(x) for x in (
        "রাষ্ট্রীয় সংবাদ সংস্থা", "রাষ্ট্রীয় বার্তা সংস্থা", "রাষ্ট্রীয় সংবাদমাধ্যম", "রাষ্ট্রীয় গণমাধ্যম",
        "রাষ্ট্রীয় মিডিয়া", "রাষ্ট্রীয় টেলিভিশন", "সংবাদ সংস্থা", "সংবাদসংস্থা", "বার্তা সংস্থা", "বার্তাসংস্থা",
        "নিউজ এজেন্সি", "সংবাদমাধ্যম", "গণমাধ্যম", "মিডিয়া", "টেলিভিশন", "টিভি")) + ")")
_ENUM_SEP = re.compile("^(?:\\s*[,;/\u2013-]\\s*|\\s+(?:" + "|".join(fold(x) for x in ("ও", "এবং", "আর", "কিংবা", "বা")) +
                       ")\\s+|\\s*,\\s*(?:" + "|".join(fold(x) for x in ("ও", "এবং")) + ")\\s+)$")
_LIST_CUES = tuple(fold(x) for x in ("বিশ্বনেতা", "রাষ্ট্রপ্রধান", "সরকারপ্রধান", "শক্তিধর", "অস্ত্রধর",
                                     "অস্ত্রধারী", "পরাশক্তি", "রাষ্ট্রনেতা"))
#: a gathering hosted by a third party (the Beijing parade, a summit's guest list): Russia and North Korea in it are
#: guests on a line-up unless the sentence also tells of something between the two (_BILATERAL)
_GATHERING = tuple(fold(x) for x in ("কুচকাওয়াজ", "প্যারেড", "অতিথি", "দেশের নেতা", "দেশের রাষ্ট্র"))
#: North Korean forces in the war on Ukraine fight on Russia's side: a sentence with a North Korean actor, Ukraine and
#: one of these words tells of the relation even where Russia goes unnamed ('ইউক্রেন যুদ্ধে নিহত উত্তর কোরীয়
#: সৈন্যদের পরিবারের জন্য আবাসন উদ্বোধন করলেন কিম')
_WAR_FRONT = "other:ukraine"
_WAR_WORDS = tuple(fold(x) for x in ("যুদ্ধ", "সেনা", "সৈন্য", "সৈনিক", "আত্মঘাতী", "বন্দি", "নিহত", "লড়াই"))
_BILATERAL = tuple(fold(x) for x in ("বৈঠক", "দ্বিপক্ষীয়", "দ্বিপাক্ষিক", "চুক্তি", "সেনা", "সৈন্য", "অস্ত্র",
                                     "গোলাবারুদ", "মোতায়েন", "সফর", "সাক্ষাৎ"))


@dataclass
class RuleResult:
    name: str
    score: float
    alert: bool
    evidence: list[str] = field(default_factory=list)
    features: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "score": self.score, "alert": self.alert, "evidence": self.evidence}


def _sides(spec: Iterable[str]) -> set[str]:
    return {str(s) for s in spec}


def _in(entity: Entity, selector: set[str]) -> bool:
    return entity.side in selector or entity.id in selector


class _Doc:
    """Per-document views over a TagResult shared by the rules."""

    def __init__(self, tag: TagResult):
        self.tag = tag
        self.units = {u.index: u for u in tag.units}
        self.actors: list[Entity] = []
        self.sources: list[Entity] = []
        for e in tag.entities:
            if e.role == "actor" and self._is_attribution(e):
                self.sources.append(e)
            elif e.role in ("actor", "other"):
                self.actors.append(e)
            elif e.role == "source":
                self.sources.append(e)
        self.sentences: dict[tuple[int, int], list[Entity]] = {}
        for e in self.actors:
            self.sentences.setdefault(self.key(e), []).append(e)
        self.topic_sentences = {(m.unit, m.sentence) for m in tag.topics}
        self.cue_sentences = {self.key(e) for e in tag.entities if e.role == "cue"}

    def key(self, e: Entity) -> tuple[int, int]:
        unit = self.units[e.unit]
        return (e.unit, unit.sentence_of(e.start - unit.offset))

    def local(self, e: Entity) -> tuple[int, int]:
        off = self.units[e.unit].offset
        return e.start - off, e.end - off

    def _is_attribution(self, e: Entity) -> bool:
        """'রাশিয়ান নিউজ এজেন্সি তাস', 'উত্তর কোরিয়ার রাষ্ট্রীয় মিডিয়া কেসিএনএ': the country is a credit."""
        if e.type != "country":
            return False
        unit = self.units[e.unit]
        _, end = self.local(e)
        return bool(_ATTRIBUTION.match(unit.text[end:end + 40]))

    def sentence_text(self, key: tuple[int, int]) -> str:
        unit = self.units[key[0]]
        text = unit.sentence_text(key[1])
        label = "title" if unit.where == "title" else f"{unit.where} p{unit.paragraph}"
        return f"{label}: {text[:300]}"

    def is_list(self, key: tuple[int, int], sel_a: set[str], sel_b: set[str]) -> bool:
        """Do the A and B mentions of this sentence only occur inside an enumeration of states/leaders?"""
        ents = sorted(self.sentences.get(key, []), key=lambda e: e.start)
        unit = self.units[key[0]]
        # group consecutive mentions separated only by ',', 'ও', 'এবং' ... into enumerations
        groups: list[list[Entity]] = []
        for e in ents:
            if groups:
                prev = groups[-1][-1]
                between = unit.text[self.local(prev)[1]:self.local(e)[0]]
                if _ENUM_SEP.match(between):
                    groups[-1].append(e)
                    continue
            groups.append([e])
        text = unit.sentence_text(key[1])
        if any(c in text for c in _GATHERING) and not any(c in text for c in _BILATERAL):
            return True  # guests of a third party's gathering, nothing between the two
        list_cue = any(c in text for c in _LIST_CUES)
        free_a = free_b = False
        for g in groups:
            n_ids = len({x.id for x in g})
            if n_ids >= 3 or (list_cue and n_ids >= 2):
                continue  # an enumeration of states/leaders
            if any(x.side == "OTHER" for x in g) and any(x.side != "OTHER" for x in g):
                continue  # paired with a third party ('ট্রাম্প-পুতিনের পর …'): not a side of this relation
            free_a = free_a or any(_in(x, sel_a) for x in g)
            free_b = free_b or any(_in(x, sel_b) for x in g)
        return not (free_a and free_b)


class RelationRule:
    """Two sides as actors in one story (the default: RU and NK)."""

    def __init__(self, name: str = DEFAULT_RULE, a: Iterable[str] = ("RU",), b: Iterable[str] = ("NK",),
                 threshold: float = DEFAULT_THRESHOLD, outlets: Iterable[str] | None = None):
        self.name = name
        self.a = _sides(a)
        self.b = _sides(b)
        self.threshold = float(threshold)
        self.outlets = set(outlets) if outlets else None

    @staticmethod
    def _war_front(doc: _Doc, b_act: list[Entity]) -> list[tuple[int, int]]:
        """Sentences where a North Korean actor meets Ukraine and a word of war (see _WAR_WORDS), in order."""
        keys = []
        for key in sorted({doc.key(e) for e in b_act}):
            if not any(e.id == _WAR_FRONT for e in doc.sentences.get(key, [])):
                continue
            unit = doc.units[key[0]]
            if any(w in unit.sentence_text(key[1]) for w in _WAR_WORDS):
                keys.append(key)
        return keys

    def evaluate(self, tag: TagResult, outlet: str | None = None, doc: _Doc | None = None) -> RuleResult:
        doc = doc or _Doc(tag)
        if self.outlets is not None and outlet not in self.outlets:
            return RuleResult(self.name, 0.0, False, [f"outlet {outlet!r} not watched by this rule"])
        a_act = [e for e in doc.actors if _in(e, self.a)]
        b_act = [e for e in doc.actors if _in(e, self.b)]
        a_ids = sorted({e.id for e in a_act})
        b_ids = sorted({e.id for e in b_act})
        feats: dict[str, Any] = {"a": a_ids, "b": b_ids}
        if b_act and not a_act and self.a == {"RU"}:
            fronts = self._war_front(doc, b_act)
            if fronts:
                feats["implied_a"] = "war on Ukraine"
                lead = any(k[0] == 0 or doc.units[k[0]].where == "lead" for k in fronts)
                score = 0.6 if lead else 0.4
                ev = ["North Korean side in Russia's war on Ukraine"] + [doc.sentence_text(k) for k in fronts[:3]]
                return RuleResult(self.name, score, score >= self.threshold, ev, feats)
        if not a_act or not b_act:
            score = 0.1 if (a_act or b_act) else 0.0
            only = "none" if not (a_act or b_act) else ("A-only" if a_act else "B-only")
            ev = [f"{only}: A={','.join(a_ids) or '-'} B={','.join(b_ids) or '-'}"]
            return RuleResult(self.name, score, False, ev, feats)

        score = 0.15
        evidence: list[str] = []
        # sentences where both sides meet as actors, outside enumerations
        rel: list[tuple[int, int]] = []
        lists: list[tuple[int, int]] = []
        for key, ents in sorted(doc.sentences.items()):
            if any(_in(e, self.a) for e in ents) and any(_in(e, self.b) for e in ents):
                (lists if doc.is_list(key, self.a, self.b) else rel).append(key)
        title_rel = any(k[0] == 0 for k in rel)
        title_a = any(e.unit == 0 for e in a_act)
        title_b = any(e.unit == 0 for e in b_act)
        lead_units = {u.index for u in tag.units if u.where == "lead"}
        lead_a = any(e.unit in lead_units for e in a_act)
        lead_b = any(e.unit in lead_units for e in b_act)
        if title_rel:
            score += 0.35
            evidence.append("both sides in the title")
        elif title_a and title_b:
            score += 0.2
        elif (title_a and lead_b) or (title_b and lead_a):
            score += 0.15
        elif title_a or title_b:
            score += 0.05
        body_rel = [k for k in rel if k[0] != 0]
        lead_rel = [k for k in body_rel if k[0] in lead_units]
        if lead_rel:
            score += 0.15
        topical = [k for k in rel if k in doc.topic_sentences or k in doc.cue_sentences]
        score += min(0.3, 0.1 * len(body_rel))
        score += min(0.2, 0.07 * len(topical))
        persons_a = sorted({e.id for e in a_act if e.type in ("person", "org")})
        persons_b = sorted({e.id for e in b_act if e.type in ("person", "org")})
        if persons_a and persons_b:
            score += 0.1
        elif persons_a or persons_b:
            score += 0.05
        cues = sorted({e.form for e in tag.entities if e.role == "cue"})
        if cues:
            score += 0.05
        # passing mentions
        if not rel:
            score = min(score, 0.3)
            evidence.append("sides never meet in one sentence (co-mention only)" if not lists
                            else "sides meet only inside enumerations (passing mention)")
        sports = {m.form for m in tag.negatives if m.kind == "sports"}
        ent = {m.form for m in tag.negatives if m.kind == "korean_entertainment"}
        if len(sports) >= 2 and not (persons_a and persons_b):
            score *= 0.5
            evidence.append(f"sports context: {', '.join(sorted(sports))}")
        if ent and not (persons_a or persons_b):
            score *= 0.5
            evidence.append(f"entertainment context: {', '.join(sorted(ent))}")
        ab = len(a_act) + len(b_act)
        others = sum(1 for e in doc.actors if e.side == "OTHER")
        focus = ab / (ab + others)
        if focus < 0.3 and not title_rel:
            score *= 0.6
            evidence.append(f"other states dominate ({others} vs {ab} mentions)")
        score = round(max(0.0, min(1.0, score)), 3)
        alert = score >= self.threshold
        feats.update(relation_sentences=len(rel), topical=len(topical), lists=len(lists), title=title_rel,
                     persons_a=persons_a, persons_b=persons_b, cues=cues, focus=round(focus, 2))
        evidence.insert(0, f"A={','.join(a_ids)} B={','.join(b_ids)}; relation sentences={len(rel)} "
                           f"(topical {len(topical)}), lists={len(lists)}, persons A={','.join(persons_a) or '-'} "
                           f"B={','.join(persons_b) or '-'}{'; cues=' + ','.join(cues) if cues else ''}")
        shown = list(dict.fromkeys(topical + rel))[:3]  # a set lookup: a list's `in` made 1 MB texts take 9 s
        evidence.extend(doc.sentence_text(k) for k in shown)
        return RuleResult(self.name, score, alert, evidence, feats)


class TermsRule:
    """A user rule: terms and/or required concepts, excluded concepts, outlets, minimum score."""

    def __init__(self, name: str, terms: Iterable[str] = (), all_terms: bool = False,
                 require: Iterable[str] = (), exclude: Iterable[str] = (), min_score: float = DEFAULT_THRESHOLD,
                 outlets: Iterable[str] | None = None, suffixes: Iterable[str] = ()):
        self.name = name
        self.terms = [fold_form(t) for t in terms if str(t).strip()]
        self.all_terms = bool(all_terms)
        self.require = _sides(require)
        self.exclude = _sides(exclude)
        self.threshold = float(min_score)
        self.outlets = set(outlets) if outlets else None
        sfx = "|".join(re.escape(s) for s in sorted(suffixes, key=len, reverse=True))
        tail = f"(?:(?:'|’|-| -)?(?:{sfx}))?" if sfx else ""
        self._res = []
        for t in self.terms:
            body = "[ -]*".join(re.escape(tok) for tok in re.split(r"[ -]+", t) if tok)
            self._res.append(re.compile(f"(?<![{WORD}]){body}{tail}(?![{WORD}])"))

    def evaluate(self, tag: TagResult, outlet: str | None = None, doc: _Doc | None = None) -> RuleResult:
        doc = doc or _Doc(tag)
        if self.outlets is not None and outlet not in self.outlets:
            return RuleResult(self.name, 0.0, False, [f"outlet {outlet!r} not watched by this rule"])
        present = {e.id for e in doc.actors} | {e.side for e in doc.actors} | {e.id for e in tag.entities}
        bad = sorted(x for x in self.exclude if x in present)
        if bad:
            return RuleResult(self.name, 0.0, False, [f"excluded: {', '.join(bad)}"])
        missing = sorted(x for x in self.require if x not in present)
        if missing:
            return RuleResult(self.name, 0.0, False, [f"missing: {', '.join(missing)}"])
        term_hits: dict[int, list[tuple[int, int]]] = {}  # term index -> (unit, sentence)
        for unit in tag.units:
            for i, rx in enumerate(self._res):
                for m in rx.finditer(unit.lowered):
                    term_hits.setdefault(i, []).append((unit.index, unit.sentence_of(m.start())))
        if self.terms:
            ok = len(term_hits) == len(self.terms) if self.all_terms else bool(term_hits)
            if not ok:
                return RuleResult(self.name, 0.0, False, ["terms not found"])
        score = 0.4
        evidence = []
        keys_terms = {k for hits in term_hits.values() for k in hits}
        req_keys: dict[str, set] = {r: {doc.key(e) for e in doc.actors if _in(e, {r})} for r in self.require}
        in_title = any(k[0] == 0 for k in keys_terms) or any(k[0] == 0 for ks in req_keys.values() for k in ks)
        if in_title:
            score += 0.3
            evidence.append("title")
        sentences = keys_terms if self.terms else set().union(*req_keys.values()) if req_keys else set()
        together = [k for k in sentences if all(k in ks for ks in req_keys.values())]
        if together:
            score += 0.3
            evidence += [doc.sentence_text(k) for k in sorted(together)[:3]]
        score = round(min(1.0, score), 3)
        return RuleResult(self.name, score, score >= self.threshold, evidence)


def load_rules(path: str | Path | None = None, data: dict | None = None, *, include_default: bool = True,
               matcher: Matcher | None = None) -> list:
    """Rules from a YAML file (see module doc). The default RU–NK rule comes first unless the file redefines it."""
    if data is None and path is not None:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh) or {}
    specs = (data or {}).get("rules", []) if isinstance(data, dict) else (data or [])
    suffixes = (matcher or default_matcher()).gazetteer.suffixes
    rules: list = []
    names: set[str] = set()
    for spec in specs:
        if not isinstance(spec, dict) or not spec.get("name"):
            raise ValueError(f"rule without a name: {spec!r}")
        name = str(spec["name"])
        if name in names:
            raise ValueError(f"duplicate rule name {name!r}")
        names.add(name)
        if "relation" in spec:
            a, b = spec["relation"]
            rules.append(RelationRule(name, [a] if isinstance(a, str) else a, [b] if isinstance(b, str) else b,
                                      spec.get("min_score", DEFAULT_THRESHOLD), spec.get("outlets")))
        else:
            rules.append(TermsRule(name, spec.get("terms", []), spec.get("all_terms", False), spec.get("require", []),
                                   spec.get("exclude", []), spec.get("min_score", DEFAULT_THRESHOLD),
                                   spec.get("outlets"), suffixes))
    if include_default and DEFAULT_RULE not in names:
        rules.insert(0, RelationRule())
    return rules


def evaluate_all(rules: list, tag: TagResult, outlet: str | None = None) -> list[RuleResult]:
    doc = _Doc(tag)
    return [rule.evaluate(tag, outlet, doc) for rule in rules]


__all__ = ["DEFAULT_RULE", "RelationRule", "TermsRule", "RuleResult", "load_rules", "evaluate_all"]
