import json
from pathlib import Path

import pytest

LABELLED = Path(__file__).resolve().parents[2] / "fixtures" / "labelled" / "labelled.jsonl"


@pytest.fixture(scope="session")
def labelled():
    return [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def seeds(labelled):
    return {r["id"]: r for r in labelled if r["label"] == 1}
