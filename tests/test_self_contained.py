"""The repository stands alone: no code, test, script, config or document refers to a path outside it.

A fresh clone has no sibling folders and none of the author's machine paths. This scan reads every tracked (and
not ignored) source, script, test, config and Markdown file and names file:line for each reference that would only
work on the machine it was written on: a sibling `shared` folder, a `Path(__file__)` / `os.path.dirname` / `../`
climb that resolves above the repository root, and absolute paths of a workstation (/work/, /root/, /home/, /tmp/
as literals). System paths (/usr/bin/chromium, /etc, /proc, /var/lib) are fine. It also checks that the fixture
folders the tests glob over are filled and that each copied file has its provenance row.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.fixtures.paths import CORPUS_PAGES, GOLDEN_GLOB, OUTLET_FIXTURES, SEED_COUNT, SEEDS, SEEDS_DIR

ROOT = Path(__file__).resolve().parents[1]
SUFFIXES = {".py", ".sh", ".cfg", ".toml", ".yml", ".yaml", ".md", ".ini"}
NAMES = {"Dockerfile", "run.sh"}
PATHS = {".ci/run"}
SKIP_DIRS = {".git", ".venv", "var", ".kafka", "__pycache__", "build", "dist", "node_modules", ".pytest_cache"}
THIS = Path(__file__).resolve().relative_to(ROOT).as_posix()  # holds the patterns and their bad examples

CHAIN = r"((?:\.parents\[\d+\]|\.parent\b)*)"
FILE_PATH = r"Path\(__file__\)(?:\.resolve\(\)|\.absolute\(\))*"
RULES = [
    (re.compile(r"\.\./+shared\b"), "a sibling folder ../shared"),
    (re.compile(r"""(?:/\s*|["']\.\.["']\s*,\s*)["']shared["']"""), "a path join into a 'shared' folder"),
    (re.compile(r"(?<![\w.:/~-])/work/"), "an absolute path of the author's machine (/work/)"),
    (re.compile(r"""["'`](/(?:root|home|tmp|Users)/)"""), "an absolute home/temp path as a literal"),
]
FILE_CHAIN = re.compile(FILE_PATH + CHAIN)
ASSIGN_FILE = re.compile(r"^\s*([A-Za-z_]\w*)\s*(?::[^=]+)?=\s*" + FILE_PATH + CHAIN)
ASSIGN_VAR = re.compile(r"^\s*([A-Za-z_]\w*)\s*(?::[^=]+)?=\s*([A-Za-z_]\w*)" + r"((?:\.parents\[\d+\]|\.parent\b)+)")
DIRNAME_FILE = re.compile(r"((?:os\.path\.dirname\(\s*)+)(?:os\.path\.(?:abspath|realpath)\(\s*)?__file__")
SH_DIRNAME = re.compile(r"""dirname\s+["']?\$(?:0|\{BASH_SOURCE\[0\]\}|BASH_SOURCE)["']?\s*\)["']?((?:/\.\.)*)""")
DOT_DOT = re.compile(r"(?<![\w./-])((?:\.\./)+)")


def ups(chain: str) -> int:
    """How many folders a `.parents[N]` / `.parent` chain climbs."""
    return sum(int(n) + 1 for n in re.findall(r"\.parents\[(\d+)\]", chain)) + len(re.findall(r"\.parent\b", chain))


def problems(rel: str, text: str) -> list[str]:
    """`file:line: what` for every reference outside the repository in `text`, the content of the file at `rel`."""
    parts = Path(rel).parts
    depth = len(parts)  # climbing more than this many folders from the file leaves the repository
    is_py, is_sh = rel.endswith(".py"), rel.endswith(".sh") or rel in {".ci/run", "run.sh"}
    known: dict[str, int] = {}  # variables holding Path(__file__)-based paths -> folders climbed
    found = []
    for no, line in enumerate(text.splitlines(), 1):
        where = f"{rel}:{no}"
        for pattern, what in RULES:
            if pattern.search(line):
                found.append(f"{where}: {what}: {line.strip()}")
        for m in DOT_DOT.finditer(line):
            if m.group(1).count("../") > depth - 1:
                found.append(f"{where}: a relative path climbing above the repository root: {line.strip()}")
        if is_py:
            climbs = [ups(m.group(1)) for m in FILE_CHAIN.finditer(line)]
            climbs += [m.group(1).count("dirname(") for m in DIRNAME_FILE.finditer(line)]
            for name, n in known.items():
                climbs += [n + ups(m.group(1)) for m in re.finditer(rf"\b{name}((?:\.parents\[\d+\]|\.parent\b)+)", line)]
            if any(n > depth for n in climbs):
                found.append(f"{where}: a __file__-relative path above the repository root: {line.strip()}")
            if m := ASSIGN_FILE.match(line):
                known[m.group(1)] = ups(m.group(2))
            elif (m := ASSIGN_VAR.match(line)) and m.group(2) in known:
                known[m.group(1)] = known[m.group(2)] + ups(m.group(3))
        if is_sh:
            for m in SH_DIRNAME.finditer(line):
                if 1 + m.group(1).count("/..") > depth:
                    found.append(f"{where}: a script-relative path above the repository root: {line.strip()}")
    return found


def scanned_files() -> list[str]:
    """Tracked and untracked-but-not-ignored files (git), or a walk of the tree when git is unavailable."""
    try:
        out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                             capture_output=True, check=True).stdout.decode()
        files = [f for f in out.split("\0") if f]
    except (OSError, subprocess.CalledProcessError):
        files = []
        for here, dirs, names in os.walk(ROOT):
            dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info")]
            files += [(Path(here) / n).relative_to(ROOT).as_posix() for n in names]
    return sorted(f for f in files if (Path(f).suffix in SUFFIXES or Path(f).name in NAMES or f in PATHS)
                  and f != THIS and (ROOT / f).is_file())


def test_nothing_refers_outside_the_repository():
    files = scanned_files()
    assert len(files) > 100, f"only {len(files)} files found to scan under {ROOT}"
    found = [p for f in files for p in problems(f, (ROOT / f).read_text(encoding="utf-8", errors="replace"))]
    assert not found, "references outside the repository:\n" + "\n".join(found)


BAD = [  # each a case removed from this repository, at the file it was in
    ("tests/consumers/clean/seedpages.py", 'SEEDS_DIR = Path(__file__).resolve().parents[3].parent / "shared" / "seeds"'),
    ("tests/crawler/test_challenge.py", 'CORPUS = Path(__file__).resolve().parents[3] / "corpus" / "pages"'),
    ("tests/bnwatch/test_cli.py", 'ROOT = Path(__file__).resolve().parents[2]\nSEEDS = sorted((ROOT.parent / "x").glob("*"))'),
    ("tests/bnwatch/test_cli.py", 'page = ROOT / ".." / "shared" / "corpus"'),
    ("bench/x.py", 'HERE = Path(__file__).resolve().parent\nUP = HERE.parent\nDATA = UP.parent / "data"'),
    ("bench/x.py", 'DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "data")'),
    ("bench/x.py", 'DATA = os.path.join(ROOT, "..", "shared", "seeds")'),
    ("crawler/replay/build_data.py", '    ap.add_argument("--source", default="/work/material", type=Path)'),
    ("tests/fixtures/labelled/build.py", 'SRC = Path(sys.argv[1] if len(sys.argv) > 1 else "/work/material")'),
    ("bench/x.py", 'ap.add_argument("--out", default="/tmp/bnwatch-results")'),
    ("bench/x.py", "CACHE = Path('/home/alice/.cache/bnwatch')"),
    ("README.md", "Where the code departs from `" + ".." + "/shared/DESIGN.md`, and why"),
    ("README.md", "see [the design](../../DESIGN.md)"),
    ("crawler/replay/sites/x/site.yaml", "# the real pages in " + ".." + "/shared/corpus/pages/banglanews24/"),
    ("bench/results/x.md", "69 golden pages (/work/main/tests/fixtures/outlets)"),
    ("scripts/x.sh", 'cd "$(dirname "$0")/../.."'),
]
GOOD = [  # legitimate system paths and climbs that stay inside
    ("crawler/browser.py", 'CHROMIUM = "/usr/bin/chromium"'),
    ("Dockerfile", "COPY deploy/subscribers.yaml /etc/bnwatch/subscribers.yaml"),
    ("tests/crawler/test_discovery.py", 'b"""<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'),
    ("tests/x/test_y.py", 'ROOT = Path(__file__).resolve().parents[2]\nX = ROOT / "crawler"'),
    ("tests/consumers/clean/test_x.py", 'ROOT = Path(__file__).resolve().parents[3]\nF = ROOT / "tests" / "fixtures"'),
    ("bnwatch/config.py", "PROJECT_ROOT = Path(__file__).resolve().parent.parent"),
    ("deploy/prometheus/tests/bnwatch.rules.test.yml", "  - ../rules/bnwatch.rules.yml"),
    ("scripts/setup.sh", 'cd "$(dirname "$0")/.."'),
    ("crawler/outlets/bonikbarta.yaml", "# also as the API's /home/<section>/…/ and https://example.com/work/x"),
    ("consumers/stories/index.py", "shared = f.distinctive & other.distinctive"),
    ("tests/consumers/notify/postgres_support.py", 'self.root = Path(tempfile.mkdtemp(prefix="bnwatch-pg-"))  # /tmp'),
]


@pytest.mark.parametrize("rel,text", BAD, ids=[f"{r}:{t[:30]}" for r, t in BAD])
def test_the_scan_finds_each_removed_case(rel, text):
    found = problems(rel, text)
    assert found and all(f.startswith(f"{rel}:") for f in found), found


@pytest.mark.parametrize("rel,text", GOOD, ids=[f"{r}:{t[:30]}" for r, t in GOOD])
def test_the_scan_allows_system_paths_and_climbs_inside(rel, text):
    assert problems(rel, text) == []


def test_fixture_folders_are_filled_and_each_file_has_its_provenance():
    """The tests glob these folders: an empty or partial copy must fail here, not collect nothing."""
    assert len(SEEDS) == SEED_COUNT, f"{len(SEEDS)} seed articles in {SEEDS_DIR}, expected {SEED_COUNT}"
    assert len(list(OUTLET_FIXTURES.glob(GOLDEN_GLOB))) >= 60, f"golden outlet pages missing in {OUTLET_FIXTURES}"
    pages = sorted(p for p in CORPUS_PAGES.rglob("*") if p.is_file() and p.name != "README.md")
    # registered outlets keep their real pages in their own folder, crawler/outlets/<outlet>/real/
    real = {d: sorted(p for p in d.iterdir() if p.name != "README.md") for d in OUTLET_FIXTURES.glob("*/real")}
    assert len(pages) + sum(map(len, real.values())) >= 8, f"real pages missing in {CORPUS_PAGES} and */real/"
    for folder, files in ((SEEDS_DIR, SEEDS), (CORPUS_PAGES, pages), *real.items()):
        readme = (folder / "README.md").read_text(encoding="utf-8")
        for f in files:
            assert f"`{f.relative_to(folder).as_posix()}`" in readme, f"{f} has no provenance row in {folder}/README.md"
