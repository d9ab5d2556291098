"""`bnwatch replay` and `bnwatch demo` need the outlet replay, a development tool the installed wheel does not
carry: without it they say so in one line and exit 2 (checked on a real wheel by hand, see the lead's report)."""

from __future__ import annotations

import sys

import pytest

from bnwatch import cli
from bnwatch.app import devtools


@pytest.fixture
def no_devtools(monkeypatch, tmp_path):
    """As in an installed wheel: no devtools package importable, no checkout around the bnwatch package."""
    for name in [n for n in sys.modules if n == "devtools" or n.startswith("devtools.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "devtools", None)  # import devtools... -> ModuleNotFoundError
    monkeypatch.setattr(devtools, "CHECKOUT", tmp_path)


@pytest.mark.parametrize("command", [["replay", "--port", "0"], ["demo", "--timeout", "5"]])
def test_without_the_replay_one_line_and_exit_2(no_devtools, capsys, command):
    assert cli.main(command) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"bnwatch {command[0]}: the outlet replay (devtools/replay) is a development tool")


def test_from_a_checkout_the_replay_is_found():
    server_class = devtools.replay_server_class()
    assert server_class.__module__ == "devtools.replay.server"


def test_the_product_does_not_carry_or_import_the_replay():
    import re
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    include = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"][
        "find"]["include"]
    assert include and not any(p.split("*")[0] and "devtools".startswith(p.split("*")[0]) for p in include)
    importers = [p.relative_to(root).as_posix() for pkg in ("bnwatch", "crawler", "consumers")
                 for p in (root / pkg).rglob("*.py")
                 if re.search(r"(?m)^\s*(?:from|import) devtools\b", p.read_text(encoding="utf-8"))]
    assert importers == []  # only through bnwatch.app.devtools.dev_module, which says when it is absent
