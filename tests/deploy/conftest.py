"""Fixtures for the deployment tests; the helpers live in deploy_support.py (this directory goes on sys.path so
test modules can import it under --import-mode=importlib)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from deploy_support import Prometheus, binary  # noqa: E402


@pytest.fixture(scope="session")
def bare_prometheus(tmp_path_factory):
    """A Prometheus with nothing to scrape: a PromQL parser/evaluator for the dashboard queries."""
    binary("prometheus")
    prom = Prometheus(tmp_path_factory.mktemp("prom-bare"), {"global": {"scrape_interval": "15s"}})
    try:
        yield prom
    finally:
        prom.stop()
