"""Load the tag-stage gazetteer (consumers/tag/gazetteer.yaml) and fold every form with bnwatch.textnorm.fold().

The YAML keeps the research layout (concepts with variants and src codes, suffixes, hard negatives); this module
turns it into plain frozen objects the matcher compiles. Nothing here matches text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bnwatch.textnorm import fold

DEFAULT_PATH = Path(__file__).with_name("gazetteer.yaml")

#: concept kind (YAML) -> entity type reported on articles
TYPE_OF_KIND = {
    "country": "country",
    "person": "person",
    "person_history": "person",
    "place": "place",
    "institution": "org",
    "media": "org",
    "event": "event",
}


def fold_form(form: str) -> str:
    """Fold a gazetteer form the same way page text is folded, plus Latin casefold (the matcher lowercases text)."""
    return fold(str(form)).strip().lower()


@dataclass(frozen=True)
class Context:
    """A form counts only if one of `any` occurs within `window` characters of it."""

    window: int
    any: tuple[str, ...]


@dataclass(frozen=True)
class Variant:
    form: str  # folded
    src: str = "U"
    latin: bool = False
    context: Context | None = None
    after_full_name: bool = False  # only after a non-bare hit of the same concept earlier in the article


@dataclass(frozen=True)
class Concept:
    id: str
    side: str  # RU | NK | BOTH | OTHER
    kind: str  # YAML kind
    type: str  # person | country | place | org | event
    role: str  # actor | source | cue | history | other
    variants: tuple[Variant, ...]
    exclude_if_followed_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class Gazetteer:
    concepts: dict[str, Concept]
    suffixes: tuple[str, ...]
    joiners: tuple[str, ...]
    #: hard-negative group -> folded forms
    negatives: dict[str, tuple[str, ...]]
    topic_words: tuple[str, ...]
    chrome_cut: tuple[str, ...]
    chrome_max_len: int
    path: str = ""
    version: Any = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def side_concepts(self, side: str) -> set[str]:
        return {cid for cid, c in self.concepts.items() if c.side == side}


_PAREN = re.compile(r"\s*\(.*?\)\s*$")


def _context(spec: Any) -> Context | None:
    if not spec or not isinstance(spec, dict):
        return None
    return Context(int(spec.get("window", 40)), tuple(fold_form(x) for x in spec.get("any", []) if x))


def load_gazetteer(path: str | Path | None = None) -> Gazetteer:
    path = Path(path) if path else DEFAULT_PATH
    return _load(str(path.resolve()))


@lru_cache(maxsize=8)
def _load(path: str) -> Gazetteer:
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    meta = data.get("meta", {})
    roles = {**{"country": "actor", "person": "actor", "place": "actor", "institution": "actor",
                "media": "source", "event": "cue", "person_history": "history"}, **(data.get("roles") or {})}
    concepts: dict[str, Concept] = {}
    for cid, spec in (data.get("concepts") or {}).items():
        kind = spec.get("kind", "country")
        concept_ctx = _context(spec.get("context"))
        variants: list[Variant] = []
        seen: set[str] = set()
        for v in spec.get("variants") or []:
            form = fold_form(v["form"] if isinstance(v, dict) else v)
            if not form or form in seen:
                continue
            seen.add(form)
            if isinstance(v, dict):
                variants.append(Variant(form, str(v.get("src", "U")), False,
                                        _context(v.get("context")) or concept_ctx, bool(v.get("after_full_name"))))
            else:
                variants.append(Variant(form, "U", False, concept_ctx))
        for latin in spec.get("latin") or []:
            form = fold_form(latin)
            if form and form not in seen:
                seen.add(form)
                variants.append(Variant(form, "L", True, concept_ctx))
        concepts[cid] = Concept(
            id=cid,
            side=str(spec.get("side", "OTHER")),
            kind=kind,
            type=TYPE_OF_KIND.get(kind, "org"),
            role=roles.get(kind, "actor"),
            variants=tuple(variants),
            exclude_if_followed_by=tuple(fold_form(x) for x in spec.get("exclude_if_followed_by") or []),
        )
    for cid, forms in (data.get("third_parties") or {}).items():
        key = f"other:{cid}"
        variants = tuple(Variant(fold_form(f), "B", not re.search("[\u0980-\u09ff]", str(f))) for f in forms)
        concepts[key] = Concept(key, "OTHER", "country", "country", "other", variants)
    negatives: dict[str, tuple[str, ...]] = {}
    for group, spec in (data.get("hard_negatives") or {}).items():
        forms = []
        for f in spec.get("forms") or []:
            f = _PAREN.sub("", str(f))  # 'পুটিন (poutine)' -> 'পুটিন'
            ff = fold_form(f)
            if ff:
                forms.append(ff)
        negatives[group] = tuple(forms)
    suffixes = tuple(sorted({fold_form(s) for s in meta.get("suffixes") or [] if s} | _EXTRA_SUFFIXES,
                            key=len, reverse=True))
    chrome = data.get("chrome") or {}
    return Gazetteer(
        concepts=concepts,
        suffixes=suffixes,
        joiners=("'", "’", "‘", "-", " -"),
        negatives=negatives,
        topic_words=tuple(fold_form(t) for t in data.get("topic_words") or []),
        chrome_cut=tuple(fold_form(c) for c in chrome.get("cut") or []),
        chrome_max_len=int(chrome.get("max_len", 40)),
        path=path,
        version=meta.get("version"),
        raw=data,
    )


# A few more endings seen in the seeds and corpus (emphatic/plural combinations).
_EXTRA_SUFFIXES = {fold(s) for s in ("রাও", "কেই", "তেই", "এরও", "এরই", "দেরও", "য়েই", "য়ই", "গুলোকে", "দেরকে")}
