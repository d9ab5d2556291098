"""`bnwatch extract / classify / stories` on the inputs an operator really has: `-`, UTF-16 and BOM files from
Windows tools, a mistyped name among good ones, a directory, a binary file. The real command runs in a subprocess.

The article texts are items of tests/fixtures/labelled/labelled.jsonl (seed-000: an alerting Russia–North Korea
article from Daily Inqilab; jugantor-4: a non-alerting Jugantor article), written out as `.txt` articles (title on
the first line) in the encodings under test.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LABELLED = ROOT / "tests" / "fixtures" / "labelled" / "labelled.jsonl"
OUTLET_PAGE = ROOT / "crawler" / "outlets" / "ajkerpatrika" / "golden" / "ajp460oi92mup.html"


def _item(item_id: str) -> dict:
    with LABELLED.open(encoding="utf-8") as fh:
        for line in fh:
            item = json.loads(line)
            if item["id"] == item_id:
                return item
    raise AssertionError(f"{item_id} not in {LABELLED}")


def _text(item_id: str) -> str:
    item = _item(item_id)
    return item["title"] + "\n" + "\n".join(item["paragraphs"]) + "\n"


ALERTING = _text("seed-000")
QUIET = _text("jugantor-4")


def bnwatch(*args: str, stdin: bytes | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bnwatch.cli", *args], input=stdin, capture_output=True,
                          cwd=cwd or ROOT, timeout=120, check=False)


def _results(proc: subprocess.CompletedProcess) -> list[dict]:
    return [json.loads(line) for line in proc.stdout.decode("utf-8").splitlines() if line.strip()]


def _errors(proc: subprocess.CompletedProcess) -> list[str]:
    return [line for line in proc.stderr.decode("utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def utf8_score(tmp_path_factory) -> float:
    path = tmp_path_factory.mktemp("utf8") / "alerting.txt"
    path.write_text(ALERTING, encoding="utf-8")
    proc = bnwatch("classify", str(path))
    assert proc.returncode == 0, proc.stderr
    [result] = _results(proc)
    assert result["alert"] is True and result["score"] > 0
    return result["score"]


@pytest.mark.parametrize("encoding, bom", [
    ("utf-16", b""),  # Python's utf-16 writes a BOM (little-endian here)
    ("utf-16-be", b"\xfe\xff"),
    ("utf-16-le", b"\xff\xfe"),
    ("utf-16-le", b""),  # BOM-less UTF-16, detected
    ("utf-16-be", b""),
    ("utf-8", b"\xef\xbb\xbf"),  # UTF-8 with a BOM (Notepad)
])
def test_classify_alerts_on_an_alerting_text_in_any_unicode_encoding(tmp_path, utf8_score, encoding, bom):
    path = tmp_path / "alerting.txt"
    path.write_bytes(bom + ALERTING.encode(encoding))
    proc = bnwatch("classify", str(path))
    assert proc.returncode == 0, proc.stderr
    [result] = _results(proc)
    assert result["alert"] is True
    assert result["score"] == utf8_score
    assert _errors(proc) == []


def test_classify_reads_standard_input_for_a_dash(utf8_score):
    proc = bnwatch("classify", "-", stdin=ALERTING.encode("utf-16"))
    assert proc.returncode == 0, proc.stderr
    [result] = _results(proc)
    assert result == {**result, "input": "-", "alert": True, "score": utf8_score}


def test_classify_goes_on_after_a_missing_file_and_exits_1(tmp_path):
    good, quiet = tmp_path / "good.txt", tmp_path / "quiet.txt"
    good.write_text(ALERTING, encoding="utf-8")
    quiet.write_text(QUIET, encoding="utf-8")
    missing = tmp_path / "missing.txt"
    proc = bnwatch("classify", str(good), str(missing), str(quiet))
    assert proc.returncode == 1
    results = _results(proc)
    assert [(r["input"], r["alert"]) for r in results] == [(str(good), True), (str(quiet), False)]
    assert _errors(proc) == [f"bnwatch classify: {missing}: no such file"]


def test_classify_reports_a_directory_on_one_line(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(ALERTING, encoding="utf-8")
    proc = bnwatch("classify", str(tmp_path), str(good))
    assert proc.returncode == 1
    assert [r["input"] for r in _results(proc)] == [str(good)]
    assert _errors(proc) == [f"bnwatch classify: {tmp_path}: is a directory"]


def test_classify_refuses_a_binary_file_on_one_line(tmp_path):
    binary = tmp_path / "alerting.txt.gz"
    binary.write_bytes(gzip.compress(ALERTING.encode("utf-8")))
    proc = bnwatch("classify", str(binary))
    assert proc.returncode == 1
    assert _results(proc) == []
    [line] = _errors(proc)
    assert line.startswith(f"bnwatch classify: {binary}: not text")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a mode-000 file")
def test_classify_reports_an_unreadable_file(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text(ALERTING, encoding="utf-8")
    path.chmod(0)
    proc = bnwatch("classify", str(path))
    assert proc.returncode == 1
    assert _errors(proc) == [f"bnwatch classify: {path}: permission denied"]


def test_stories_goes_on_after_a_missing_file_and_exits_1(tmp_path):
    good = tmp_path / "good.txt"
    good.write_bytes(ALERTING.encode("utf-16"))
    proc = bnwatch("stories", str(tmp_path / "nope.txt"), str(good))
    assert proc.returncode == 1
    [result] = _results(proc)
    assert result["input"] == str(good) and result["story"]
    assert _errors(proc) == [f"bnwatch stories: {tmp_path / 'nope.txt'}: no such file"]


def test_an_empty_text_or_a_page_with_no_article_is_refused_not_judged(tmp_path):
    """Read as an empty article, such an input was 'no alert' (classify) or a story of its own (stories), exit 0:
    a run on the wrong files looked as if it had worked."""
    good, empty, blank = tmp_path / "good.txt", tmp_path / "empty.txt", tmp_path / "blank.txt"
    good.write_text(ALERTING, encoding="utf-8")
    empty.write_bytes(b"")
    blank.write_text("\n  \n\n", encoding="utf-8")
    page = tmp_path / "listing.html"
    page.write_text("<!doctype html><html><head><title>Just a moment...</title></head>"
                    "<body>Checking your browser</body></html>", encoding="utf-8")
    for command in ("classify", "stories"):
        proc = bnwatch(command, str(empty), str(good), str(blank), str(page))
        assert proc.returncode == 1, command
        assert [r["input"] for r in _results(proc)] == [str(good)]
        errors = _errors(proc)
        assert errors[:2] == [f"bnwatch {command}: {empty}: empty: no title and no text",
                              f"bnwatch {command}: {blank}: empty: no title and no text"]
        assert len(errors) == 3 and errors[2].startswith(f"bnwatch {command}: {page}: not an article: ")


def test_extract_of_a_missing_file_is_one_line_and_exit_1(tmp_path):
    proc = bnwatch("extract", str(tmp_path / "page.html"))
    assert proc.returncode == 1
    assert proc.stdout == b""
    assert _errors(proc) == [f"bnwatch extract: {tmp_path / 'page.html'}: no such file"]


def test_extract_reads_a_page_from_standard_input_as_from_its_file():
    expected = json.loads(OUTLET_PAGE.with_suffix(".json").read_text(encoding="utf-8"))
    from_file = bnwatch("extract", str(OUTLET_PAGE))
    from_stdin = bnwatch("extract", "-", stdin=OUTLET_PAGE.read_bytes())
    assert from_file.returncode == from_stdin.returncode == 0, from_stdin.stderr
    assert _results(from_stdin) == _results(from_file)
    assert _results(from_stdin)[0]["title"] == expected["title"]


def test_extract_reads_a_utf16_page(tmp_path):
    page = tmp_path / "page.html"
    page.write_bytes(OUTLET_PAGE.read_bytes().decode("utf-8").encode("utf-16"))
    proc = bnwatch("extract", str(page))
    assert proc.returncode == 0, proc.stderr
    assert _results(proc) == _results(bnwatch("extract", str(OUTLET_PAGE)))


def test_extract_keeps_exit_3_for_a_page_that_is_no_article(tmp_path):
    page = tmp_path / "challenge.html"
    page.write_text("<html><head><title>Just a moment...</title></head><body>Checking your browser</body></html>",
                    encoding="utf-8")
    proc = bnwatch("extract", str(page))
    assert proc.returncode == 3
    [line] = _errors(proc)
    assert line.startswith("bnwatch extract: not an article:")
