"""Precision/recall/F1 of the default RU–NK rule vs a naive matcher (both country names anywhere) on the
labelled set, plus pairwise story F1 on the labelled positives (the seeds). Prints tables.

    .venv/bin/python bench/eval_rules.py [tests/fixtures/labelled/labelled.jsonl]
"""

from __future__ import annotations

import itertools
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bnwatch.textnorm import fold  # noqa: E402
from consumers.stories import assign_stories  # noqa: E402
from consumers.tag import classify  # noqa: E402

NAIVE_RU = [fold(x) for x in ("রাশিয়া", "রুশ")]
NAIVE_NK = [fold(x) for x in ("উত্তর কোরিয়া",)]


def naive(title: str, paragraphs: list[str]) -> bool:
    text = fold(title + "\n" + "\n".join(paragraphs))
    return any(f in text for f in NAIVE_RU) and any(f in text for f in NAIVE_NK)


def prf(pairs):
    tp = sum(1 for y, p in pairs if y and p)
    fp = sum(1 for y, p in pairs if not y and p)
    fn = sum(1 for y, p in pairs if y and not p)
    pr = tp / (tp + fp) if tp + fp else 1.0
    rc = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * pr * rc / (pr + rc) if pr + rc else 0.0
    return tp, fp, fn, pr, rc, f1


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "tests/fixtures/labelled/labelled.jsonl"
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    counts = Counter(r["label"] for r in records)
    print(f"labelled set: {len(records)} articles ({counts[1]} positive, {counts[0]} negative) from {path.name}\n")
    rule_pairs, naive_pairs, errors = [], [], []
    by_cat: dict[str, list[int]] = {}
    for r in records:
        res = classify(r["title"], r["paragraphs"])
        rule_pairs.append((r["label"], res["alert"]))
        naive_pairs.append((r["label"], naive(r["title"], r["paragraphs"])))
        c = by_cat.setdefault(r["category"], [0, 0, 0])
        c[0] += 1
        c[1] += res["alert"]
        c[2] += naive_pairs[-1][1]
        if res["alert"] != bool(r["label"]):
            errors.append((r["id"], r["label"], res["score"]))
    print(f"{'matcher':<28}{'TP':>4}{'FP':>4}{'FN':>4}{'precision':>11}{'recall':>8}{'F1':>7}")
    for name, pairs in (("default rule (ru-nk)", rule_pairs), ("naive (both countries)", naive_pairs)):
        tp, fp, fn, p, r, f = prf(pairs)
        print(f"{name:<28}{tp:>4}{fp:>4}{fn:>4}{p:>11.3f}{r:>8.3f}{f:>7.3f}")
    print(f"\n{'category':<22}{'n':>5}{'rule alerts':>13}{'naive alerts':>14}")
    for cat, (n, a, b) in sorted(by_cat.items()):
        print(f"{cat:<22}{n:>5}{a:>13}{b:>14}")
    if errors:
        print("\nrule errors:", errors)
    # pairwise story F1 on the positives
    pos = [r for r in records if r["label"] == 1 and r.get("story")]
    assigned = dict(assign_stories([(r["id"], r["title"], r["paragraphs"], r.get("published_at")) for r in pos]))
    gold = {r["id"]: r["story"] for r in pos}
    pairs = []
    for a, b in itertools.combinations(sorted(gold), 2):
        pairs.append((gold[a] == gold[b], assigned[a] == assigned[b]))
    tp, fp, fn, p, r, f = prf(pairs)
    print(f"\nstories on {len(pos)} positives ({len(set(gold.values()))} gold stories, "
          f"{len(set(assigned.values()))} predicted): pairwise TP={tp} FP={fp} FN={fn} "
          f"precision={p:.3f} recall={r:.3f} F1={f:.3f}")
    # the same without publication times (the `bnwatch stories` .txt case)
    assigned = dict(assign_stories([(r["id"], r["title"], r["paragraphs"], None) for r in pos]))
    pairs = [(gold[a] == gold[b], assigned[a] == assigned[b]) for a, b in itertools.combinations(sorted(gold), 2)]
    tp, fp, fn, p, r, f = prf(pairs)
    print(f"  without published_at: pairwise TP={tp} FP={fp} FN={fn} precision={p:.3f} recall={r:.3f} F1={f:.3f}")


if __name__ == "__main__":
    main()
