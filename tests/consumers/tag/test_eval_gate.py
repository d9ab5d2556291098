"""Gate: the default RU–NK rule keeps precision and recall >= 0.97 on the labelled set, and beats the naive
matcher (both country names anywhere). Uses bench/eval_rules.py's own scoring, so the gate and the report agree."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
GATE = 0.97


@pytest.fixture(scope="module")
def scores(labelled):
    spec = importlib.util.spec_from_file_location("eval_rules", ROOT / "bench" / "eval_rules.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.evaluate(labelled)


def test_default_rule_precision_and_recall_gate(scores, labelled):
    rule = scores["rule"]
    assert sum(r["label"] for r in labelled) >= 5 and len(labelled) >= 150
    assert rule["precision"] >= GATE, (rule, scores["errors"])
    assert rule["recall"] >= GATE, (rule, scores["errors"])


def test_naive_matcher_is_measurably_worse(scores):
    assert scores["naive"]["f1"] < scores["rule"]["f1"]
    assert scores["naive"]["fp"] > scores["rule"]["fp"]
