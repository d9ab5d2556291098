"""Default RU–NK rule vs the naive matcher (both country names anywhere) on the labelled set, and pairwise story
scores, as one markdown report printed and written to bench/results/eval_rules.md.

    .venv/bin/python bench/eval_rules.py [--labelled tests/fixtures/labelled/labelled.jsonl] [--source DIR]
                                         [--out bench/results/eval_rules.md]

Tables: precision / recall / F1 and TP / FP / FN for both matchers; false positives per category; story pairwise
precision / recall / F1 (i) on the five seeds (four gold stories; 000 and 003 are one event from two outlets),
with and without publication times, and (ii) on real non-seed text: the labelled same-event groups (STORY_GROUPS in
build.py) among every other labelled article naming Russia, each of those its own story. The corpus has no other
multi-outlet group. The header carries the labelled-set size and the corpus checksum (build.py's recipe,
recomputed from --source when given — the research folder with seeds/ and corpus/ that build.py read — and
compared with labelled.meta.json; without it the recorded checksum is shown).
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bnwatch.textnorm import fold  # noqa: E402
from consumers.stories import assign_stories  # noqa: E402
from consumers.tag import classify  # noqa: E402

LABELLED = ROOT / "tests/fixtures/labelled/labelled.jsonl"
NAIVE_RU = [fold(x) for x in ("রাশিয়া", "রুশ")]
NAIVE_NK = [fold(x) for x in ("উত্তর কোরিয়া",)]
RU_WORD = re.compile("(?<![\u0980-\u09ff\\w])(?:" + "|".join(fold(x) for x in ("রাশিয়া", "রুশ", "পুতিন", "মস্কো",
                                                                               "ক্রেমলিন")) + ")")


def naive(title: str, paragraphs: list[str]) -> bool:
    """Both country names anywhere (substring), the baseline the issue compares against."""
    text = fold(title + "\n" + "\n".join(paragraphs))
    return any(f in text for f in NAIVE_RU) and any(f in text for f in NAIVE_NK)


def prf(pairs) -> dict:
    tp = sum(1 for y, p in pairs if y and p)
    fp = sum(1 for y, p in pairs if not y and p)
    fn = sum(1 for y, p in pairs if y and not p)
    pr = tp / (tp + fp) if tp + fp else 1.0
    rc = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * pr * rc / (pr + rc) if pr + rc else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": pr, "recall": rc, "f1": f1}


def load(path: Path = LABELLED) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def evaluate(records: list[dict]) -> dict:
    """Classification scores of the default rule and the naive matcher, per-category false positives, errors."""
    rule_pairs, naive_pairs, errors = [], [], []
    cats: dict[str, dict[str, int]] = {}
    for r in records:
        res = classify(r["title"], r["paragraphs"])
        nv = naive(r["title"], r["paragraphs"])
        y = bool(r["label"])
        rule_pairs.append((y, res["alert"]))
        naive_pairs.append((y, nv))
        c = cats.setdefault(r["category"], {"n": 0, "pos": 0, "rule_fp": 0, "naive_fp": 0, "rule_fn": 0,
                                            "naive_fn": 0})
        c["n"] += 1
        c["pos"] += y
        c["rule_fp"] += (not y) and res["alert"]
        c["naive_fp"] += (not y) and nv
        c["rule_fn"] += y and not res["alert"]
        c["naive_fn"] += y and not nv
        if res["alert"] != y or nv != y:
            errors.append({"id": r["id"], "label": int(y), "rule": res["alert"], "score": res["score"], "naive": nv,
                           "category": r["category"]})
    return {"rule": prf(rule_pairs), "naive": prf(naive_pairs), "categories": cats, "errors": errors}


def story_pairs(items: list[dict], with_time: bool = True) -> dict:
    assigned = dict(assign_stories([(r["id"], r["title"], r["paragraphs"], r.get("published_at") if with_time
                                     else None) for r in items]))
    gold = {r["id"]: r.get("story") or f"single:{r['id']}" for r in items}
    pairs = [(gold[a] == gold[b], assigned[a] == assigned[b]) for a, b in itertools.combinations(sorted(gold), 2)]
    out = prf(pairs)
    out.update(n=len(items), gold=len(set(gold.values())), predicted=len(set(assigned.values())))
    return out


def corpus_checksum(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted([*(root / "seeds").glob("*.txt"), *(root / "corpus").rglob("*")]):
        if p.is_file():
            h.update(f"{p.relative_to(root)}\0{hashlib.sha256(p.read_bytes()).hexdigest()}\n".encode())
    return h.hexdigest()


def report(records: list[dict], labelled_path: Path, source: Path | None) -> str:
    ev = evaluate(records)
    meta_path = labelled_path.with_name("labelled.meta.json")
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
    recorded = meta.get("corpus_sha256", "?")
    if source:
        now = corpus_checksum(source)
        checksum = f"`{now}`" + ("" if now == recorded else f" (labelled.meta.json says `{recorded}`: rebuild!)")
    else:
        checksum = f"`{recorded}` (from labelled.meta.json; no --source given)"
    npos = sum(1 for r in records if r["label"])
    lines = [
        "# Default RU–NK rule vs naive matcher",
        "",
        f"- labelled set: `{labelled_path.relative_to(ROOT) if labelled_path.is_relative_to(ROOT) else labelled_path}`"
        f", {len(records)} articles ({npos} positive, {len(records) - npos} negative), "
        f"{len({r['category'] for r in records})} categories",
        f"- corpus checksum (sha256 over seeds + corpus files): {checksum}",
        "- naive matcher: alert when রাশিয়া/রুশ and উত্তর কোরিয়া both occur anywhere (substring)",
        "",
        "| matcher | TP | FP | FN | precision | recall | F1 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, key in (("default rule (ru-nk)", "rule"), ("naive (both countries)", "naive")):
        m = ev[key]
        lines.append(f"| {name} | {m['tp']} | {m['fp']} | {m['fn']} | {m['precision']:.3f} | {m['recall']:.3f} | "
                     f"{m['f1']:.3f} |")
    lines += ["", "False positives (and false negatives) per category:", "",
              "| category | n | positives | rule FP | naive FP | rule FN | naive FN |",
              "|---|---:|---:|---:|---:|---:|---:|"]
    for cat, c in sorted(ev["categories"].items(), key=lambda kv: (-kv[1]["pos"], kv[0])):
        lines.append(f"| {cat} | {c['n']} | {c['pos']} | {c['rule_fp']} | {c['naive_fp']} | {c['rule_fn']} | "
                     f"{c['naive_fn']} |")
    if ev["errors"]:
        lines += ["", "Articles either matcher gets wrong:", "", "| id | category | label | rule (score) | naive |",
                  "|---|---|---:|---|---|"]
        for e in ev["errors"]:
            lines.append(f"| {e['id']} | {e['category']} | {e['label']} | {e['rule']} ({e['score']}) | {e['naive']} |")
    seeds = [r for r in records if r["label"] == 1 and r.get("story")]
    russia = [r for r in records if r["label"] == 0 and (r.get("story") or RU_WORD.search(
        fold(r["title"] + "\n" + "\n".join(r["paragraphs"]))))]
    grouped = Counter(r["story"] for r in russia if r.get("story"))
    rows = [
        ("seeds (with published_at)", story_pairs(seeds, True)),
        ("seeds (no published_at, the `bnwatch stories` .txt case)", story_pairs(seeds, False)),
        (f"real negatives naming Russia: {len(grouped)} same-event groups among singletons", story_pairs(russia, False)),
    ]
    lines += ["", "Stories, pairwise (a pair is positive when both articles share a gold story):", "",
              "| set | articles | gold stories | predicted | TP | FP | FN | precision | recall | F1 |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, s in rows:
        lines.append(f"| {name} | {s['n']} | {s['gold']} | {s['predicted']} | {s['tp']} | {s['fp']} | {s['fn']} | "
                     f"{s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} |")
    lines += ["", "Multi-outlet groups: only seeds 000 (Daily Inqilab) + 003 (Thanh Nien via vietnam.vn); the corpus "
                  "holds no other event reported by two outlets. The same-event groups are one outlet each "
                  "(re-published or updated versions, one item under two feed links).", ""]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("labelled_pos", nargs="?", help=argparse.SUPPRESS)
    ap.add_argument("--labelled", default=str(LABELLED))
    ap.add_argument("--source", type=Path, help="the research folder (seeds/, corpus/) labelled.jsonl was built from, "
                    "to recompute its checksum")
    ap.add_argument("--out", default=str(ROOT / "bench/results/eval_rules.md"))
    args = ap.parse_args()
    path = Path(args.labelled_pos or args.labelled).resolve()
    if args.source and not (args.source / "seeds").is_dir():
        print(f"eval_rules: --source {args.source} has no seeds/ folder (give the folder build.py read)", file=sys.stderr)
        raise SystemExit(2)
    text = report(load(path), path, args.source)
    print(text)
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
