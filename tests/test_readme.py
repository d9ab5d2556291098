"""README's bad-input table is a promise: every test it names exists (issue #14: 'each row a test')."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _bad_input_rows() -> list[str]:
    section = README.split("**Bad input → message → exit code.**", 1)[1].split("\n\n", 2)[1]
    return [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| bad input")
            and not line.startswith("|---")]


def _test_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}


def test_every_bad_input_row_names_tests_that_exist():
    rows = _bad_input_rows()
    assert len(rows) >= 25, "the table lost its rows"
    for row in rows:
        refs = re.findall(r"`([\w/]+\.py)(?:::(\w+))?`|`…::(\w+)`", row.rsplit("|", 2)[-2])
        assert refs, f"no test named in: {row}"
        current = None
        for path, name, continued in refs:
            if path:
                current = ROOT / "tests" / path
                assert current.is_file(), f"{path} (README row: {row[:60]}…)"
            name = name or continued
            if name:
                assert current is not None and name in _test_names(current), f"{current.name}::{name} does not exist"


def test_every_configuration_variable_is_in_the_configuration_table():
    from bnwatch.config import VARIABLES

    section = README.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    table = {m for line in section.splitlines() if line.startswith("| `") for m in re.findall(r"`(BNWATCH_\w+)`", line)}
    assert len(VARIABLES) >= 30
    missing = [v.name for v in VARIABLES if v.name not in table]
    assert not missing, f"README's configuration table lacks {missing}"
