"""`bnwatch outlets check`: the field checks and verdicts (pure), the newest-article choice, and the command over
the outlet replay: every registered outlet OK, an outlet with a broken selector DEGRADED naming the field."""

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bnwatch.app import canary_fields as cf
from crawler.canary import newest, stamp_time

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
BN_TITLE = "রাশিয়ার সঙ্গে উত্তর কোরিয়ার সম্পর্ক আরও গভীর হচ্ছে"
BN_PARAGRAPH = "উত্তর কোরিয়ার নেতা কিম জং-উন বলেছেন রাশিয়ার আত্মরক্ষার অধিকার রয়েছে এবং পিয়ংইয়ং মস্কোর পাশে থাকবে।"
BN_BODY = "\n\n".join([BN_PARAGRAPH] * 4)


# -- field checks ---------------------------------------------------------------------------------------------------

def test_bengali_share_counts_letters_and_marks_only():
    assert cf.bengali_share("কিম ১২৩ !!") == 1.0
    assert cf.bengali_share("Kim Jong-un") == 0.0
    assert 0.4 < cf.bengali_share("কিম Kim") < 0.6
    assert cf.bengali_share("123 …") == 0.0


def test_title_present_bounded_and_bengali():
    assert cf.check_title(BN_TITLE).outcome == cf.OK
    assert cf.check_title("").outcome == cf.MISSING
    assert cf.check_title(None).outcome == cf.MISSING
    assert cf.check_title("কিম").outcome == cf.SUSPICIOUS  # shorter than 10 characters
    assert cf.check_title("ক" * 301).outcome == cf.SUSPICIOUS
    latin = cf.check_title("Just a moment... | Cloudflare")
    assert latin.outcome == cf.SUSPICIOUS and "Bengali share" in latin.reason
    drift = cf.check_title(BN_TITLE, selector_matched=False)
    assert drift.outcome == cf.SUSPICIOUS and "selector" in drift.reason


def test_body_long_bengali_and_without_chrome():
    assert cf.check_body(BN_BODY).outcome == cf.OK
    assert cf.check_body("").outcome == cf.MISSING
    short = cf.check_body(BN_PARAGRAPH)
    assert short.outcome == cf.SUSPICIOUS and "characters" in short.reason
    assert cf.check_body("Cookies help us deliver our services. " * 20).outcome == cf.SUSPICIOUS
    chrome = cf.check_body(BN_BODY + "\n\nআরও পড়ুন: কিমের রাশিয়া সফর")
    assert chrome.outcome == cf.SUSPICIOUS and "আরও পড়ুন" in chrome.reason
    own = cf.check_body(BN_BODY + "\n\nবিভাগ : আন্তর্জাতিক", boilerplate=("বিভাগ :",))
    assert own.outcome == cf.SUSPICIOUS and "বিভাগ :" in own.reason
    assert cf.check_body(BN_BODY, selector_matched=False).outcome == cf.SUSPICIOUS


def test_published_present_parses_not_future_not_stale():
    assert cf.check_published("2026-12-01T17:30:00+06:00", NOW).outcome == cf.OK
    assert cf.check_published(None, NOW).outcome == cf.MISSING
    assert cf.check_published("১ ডিসেম্বর ২০২৬", NOW).outcome == cf.SUSPICIOUS
    future = cf.check_published("2026-12-01T19:00:00+06:00", NOW)  # 13:00 UTC: an hour ahead (a wrong zone)
    assert future.outcome == cf.SUSPICIOUS and "future" in future.reason
    old = cf.check_published("2026-10-01T10:00:00+06:00", NOW)
    assert old.outcome == cf.SUSPICIOUS and "30 days" in old.reason
    assert cf.check_published("2024-01-01T10:00:00+06:00", NOW, max_age=None).outcome == cf.OK  # the replay


def test_language():
    assert cf.check_language("bn").outcome == cf.OK
    assert cf.check_language(None).outcome == cf.MISSING
    assert cf.check_language("en").outcome == cf.SUSPICIOUS


def _counts(**per_field):
    counts = {f: {o: 0 for o in cf.OUTCOMES} for f in cf.FIELDS}
    for name, (ok, missing, suspicious) in per_field.items():
        counts[name] = {cf.OK: ok, cf.MISSING: missing, cf.SUSPICIOUS: suspicious}
    return counts


def test_verdicts():
    whole = {f: (3, 0, 0) for f in cf.FIELDS}
    assert cf.verdict(3, _counts(**whole)) == cf.VERDICT_OK
    assert cf.verdict(3, _counts(**{**whole, "body": (2, 0, 1)})) == cf.VERDICT_OK  # one short news item
    assert cf.verdict(3, _counts(**{**whole, "title": (1, 0, 2)})) == cf.DEGRADED
    assert cf.verdict(3, _counts(**{**whole, "published_at": (2, 1, 0)})) == cf.DEGRADED
    assert cf.verdict(3, _counts(**whole), fetch_errors=1) == cf.DEGRADED
    assert cf.verdict(3, _counts(**{**whole, "body": (0, 3, 0)})) == cf.BROKEN
    assert cf.verdict(0, _counts()) == cf.BROKEN


# -- choosing the newest articles -----------------------------------------------------------------------------------

def test_stamps_in_feed_and_sitemap_forms():
    assert stamp_time("2026-12-01T10:00:00+06:00") == datetime(2026, 12, 1, 4, 0, tzinfo=timezone.utc)
    assert stamp_time("Tue, 01 Dec 2026 04:00:00 GMT") == datetime(2026, 12, 1, 4, 0, tzinfo=timezone.utc)
    assert stamp_time("2026-12-01") == datetime(2026, 12, 1, tzinfo=timezone.utc)  # a sitemap's bare <lastmod>
    assert stamp_time("yesterday") is None and stamp_time(None) is None


def test_newest_stamped_first_then_listing_order():
    t = datetime(2026, 12, 1, tzinfo=timezone.utc)
    found = [("https://x.com/a", (t - timedelta(hours=5)).isoformat()), ("https://x.com/l1", None),
             ("https://x.com/b", t.isoformat()), ("https://x.com/l2", None),
             ("https://x.com/a", None),  # the listing finds it again: it keeps its stamp
             ("https://x.com/c", (t - timedelta(days=2)).isoformat())]
    assert newest(found, 3) == ["https://x.com/b", "https://x.com/a", "https://x.com/c"]
    assert newest(found, 10)[3:] == ["https://x.com/l1", "https://x.com/l2"]


# -- the command, over the outlet replay ----------------------------------------------------------------------------

def _check(*args, env_extra=None, timeout=240):
    env = {k: v for k, v in os.environ.items() if k not in ("BNWATCH_REPLAY_HOSTS", "BNWATCH_OUTLETS_DIR")}
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "bnwatch.cli", "outlets", "check", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def _registered_outlets() -> list[str]:
    from bnwatch.outlets import Registry

    return sorted(o.id for o in Registry.load(ROOT / "crawler" / "outlets"))


@pytest.mark.integration
def test_every_registered_outlet_is_ok_on_the_replay(tmp_path):
    textfile = tmp_path / "bnwatch_canary.prom"
    proc = _check("--replay", "--json", "--textfile", str(textfile))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads(proc.stdout)
    outlets = {o["outlet"]: o for o in report["outlets"]}
    assert sorted(outlets) == _registered_outlets() and len(outlets) >= 32
    for name, o in outlets.items():
        assert o["verdict"] == "OK", (name, o["problems"])
        assert o["articles"] == 3, name
        for f in ("title", "body", "published_at", "language"):
            assert o["fields"][f]["missing"] == 0, (name, f)
    prom = textfile.read_text(encoding="utf-8")
    assert 'bnwatch_canary_fields{field="title",outcome="ok",outlet="dailyinqilab"} 3.0' in prom
    assert 'bnwatch_canary_articles{outlet="vietnamvn"} 3.0' in prom
    assert re.search(r'bnwatch_canary_last_run_timestamp_seconds\{outlet="prothomalo"\} \d\.\d+e\+09', prom)


def _break_title_selector(registry: Path, outlet: str) -> None:
    # the outlet's registry file (not its replay model): its id and its selectors
    (path,) = [p for p in registry.rglob("*.yaml")
               if re.search(rf"(?m)^id: {outlet}$", p.read_text("utf-8")) and "\nselectors:" in p.read_text("utf-8")]
    text = path.read_text(encoding="utf-8")
    broken, n = re.subn(r"(?m)^(  title: ).*$", r"\1h1.headline-renamed-by-a-redesign::text", text, count=1)
    assert n == 1
    path.write_text(broken, encoding="utf-8")


@pytest.mark.integration
def test_a_broken_title_selector_makes_its_outlet_degraded(tmp_path):
    registry = tmp_path / "outlets"
    shutil.copytree(ROOT / "crawler" / "outlets", registry)
    _break_title_selector(registry, "dailyinqilab")
    proc = _check("--replay", "dailyinqilab", "vietnamvn", env_extra={"BNWATCH_OUTLETS_DIR": str(registry)})
    assert proc.returncode == 1, proc.stdout + proc.stderr[-3000:]
    rows = {line.split()[0]: line.split() for line in proc.stdout.splitlines()[1:3]}
    assert rows["dailyinqilab"][-1] == "DEGRADED" and rows["dailyinqilab"][2] == "0/0/3"  # TITLE ok/miss/susp
    assert rows["vietnamvn"][-1] == "OK"
    assert "dailyinqilab DEGRADED: title suspicious: the outlet's title selector matched nothing" in proc.stdout


@pytest.mark.integration
def test_an_unreachable_outlet_is_broken(tmp_path):
    # every outlet host sent to a closed local port: discovery fails, nothing to check
    proc = _check("dailyinqilab", "--json", env_extra={"BNWATCH_REPLAY_HOSTS": "*=127.0.0.1:9"})
    assert proc.returncode == 1, proc.stderr[-3000:]
    (o,) = json.loads(proc.stdout)["outlets"]
    assert o["verdict"] == "BROKEN" and o["articles"] == 0
    assert o["discovery_errors"] and "no article to check" in o["problems"][0]["reason"]


def test_usage_errors_exit_2_with_one_line(tmp_path):
    proc = _check("dailyinqilabb", "--replay")
    assert proc.returncode == 2
    assert proc.stderr.strip() == ("bnwatch outlets check: unknown outlet 'dailyinqilabb' "
                                   "(did you mean 'dailyinqilab'?)")
    proc = _check("--textfile", str(tmp_path / "missing" / "x.prom"), "dailyinqilab")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "--textfile" in proc.stderr
    proc = _check("--limit", "0")
    assert proc.returncode == 2 and "--limit" in proc.stderr and "Traceback" not in proc.stderr


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.integration
def test_metrics_port_serves_the_counts_until_stopped():
    import signal
    import time
    import urllib.request

    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("BNWATCH_REPLAY_HOSTS", "BNWATCH_OUTLETS_DIR")}
    proc = subprocess.Popen([sys.executable, "-m", "bnwatch.cli", "outlets", "check", "--replay", "vietnamvn",
                             "--metrics-port", str(port)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline, text = time.monotonic() + 120, ""
        while time.monotonic() < deadline and "bnwatch_canary_last_run_timestamp_seconds{" not in text:
            time.sleep(0.5)
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as resp:
                    text = resp.read().decode()
            except OSError:
                continue
        assert 'bnwatch_canary_fields{field="body",outcome="ok",outlet="vietnamvn"} 3.0' in text
        assert proc.poll() is None, "it keeps serving after the report"
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err[-2000:]
    assert "vietnamvn" in out and out.splitlines()[1].split()[-1] == "OK"
