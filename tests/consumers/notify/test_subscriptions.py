"""Subscribers file: parsing, validation messages, ${ENV} expansion, matching, reload on change."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from consumers.notify.subscriptions import (
    SubscriptionError,
    Subscriptions,
    decode_secret,
    load_subscribers,
    new_secret,
    parse_subscribers,
)

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
PROJECT = Path(__file__).resolve().parents[3]


def doc(**sub):
    base = {"name": "desk", "channels": [{"type": "webhook", "url": "http://127.0.0.1:9/h", "secret": SECRET}]}
    base.update(sub)
    return {"subscribers": [base]}


def test_defaults_and_fields():
    [s] = parse_subscribers(doc(), env={})
    assert s.rules == ("ru-nk",) and s.min_score == 0 and s.outlets is None and s.mode == "instant"
    assert s.channels[0].id == "webhook" and s.channels[0].timeout == 10.0
    assert SECRET not in repr(s)  # secrets stay out of logs
    two = doc(channels=[{"type": "webhook", "url": "http://a.example/h", "secret": SECRET}] * 2)
    assert [c.id for c in parse_subscribers(two, env={})[0].channels] == ["webhook", "webhook-2"]
    assert parse_subscribers(None) == [] and parse_subscribers({"subscribers": []}) == []


def test_env_expansion():
    d = doc(channels=[{"type": "webhook", "url": "${HOOK_URL}/x", "secret": "${HOOK_SECRET}",
                       "headers": {"Authorization": "Bearer ${TOKEN}"}}])
    env = {"HOOK_URL": "https://desk.example", "HOOK_SECRET": SECRET, "TOKEN": "t0k"}
    ch = parse_subscribers(d, env=env)[0].channels[0]
    assert (ch.url, ch.secret, ch.headers["Authorization"]) == ("https://desk.example/x", SECRET, "Bearer t0k")
    with pytest.raises(SubscriptionError, match=r"channels\[0\]\.secret: environment variable HOOK_SECRET is not set"):
        parse_subscribers(d, source="subs.yaml", env={"HOOK_URL": "https://x", "TOKEN": "t"})


@pytest.mark.parametrize(
    "change, message",
    [
        ({"name": ""}, r"subscribers\[0\]\.name: required string"),
        ({"rules": []}, r"\(desk\)\.rules: must be a non-empty list"),
        ({"min_score": -1}, r"min_score: must be a number from 0 to 1"),
        ({"min_score": float("nan")}, r"min_score: must be a number from 0 to 1"),  # NaN let every alert through
        ({"timezone": "Asia"}, r"timezone: unknown time zone 'Asia'"),  # a directory of the tz database
        ({"channels": [{"type": "slack", "url": "http://[::1/x"}]}, r"channels\[0\]\.url: not a URL"),
        ({"channels": [{"type": "slack", "url": "http://h:99999/x"}]}, r"channels\[0\]\.url: not a URL"),
        ({"min_score": "high"}, r"min_score"),
        ({"mode": "hourly"}, r"mode: must be one of instant, digest"),
        ({"quiet_hours": "late"}, r"quiet_hours: must look like '23:00-07:00'"),
        ({"colour": "red"}, r"unknown key\(s\) colour"),
        ({"channels": []}, r"channels: must be a non-empty list"),
        ({"channels": [{"type": "pigeon"}]}, r"channels\[0\]\.type: must be one of webhook"),
        ({"channels": [{"type": "slack", "url": "ftp://x"}]}, r"channels\[0\]\.url: must be an http\(s\) URL"),
        ({"channels": [{"type": "webhook", "url": "ftp://x/y", "secret": SECRET}]}, r"url: must be an http\(s\) URL"),
        ({"channels": [{"type": "webhook", "url": "http://x/y"}]}, r"channels\[0\]\.secret: required string"),
        ({"channels": [{"type": "webhook", "url": "http://x/y", "secret": "hunter2"}]}, r"must start with 'whsec_'"),
        ({"channels": [{"type": "webhook", "url": "http://x/y", "secret": "whsec_!!"}]}, r"not valid base64"),
        ({"channels": [{"type": "webhook", "url": "http://x/y", "secret": "whsec_c2hvcnQ="}]}, r"24 to 64 bytes"),
    ],
)
def test_validation_errors_name_file_subscriber_and_field(change, message):
    with pytest.raises(SubscriptionError, match=message) as info:
        parse_subscribers(doc(**change), source="deploy/subscribers.yaml", env={})
    assert str(info.value).startswith("deploy/subscribers.yaml: subscribers[0]")


def test_duplicate_names_and_bad_documents():
    d = doc()
    d["subscribers"].append(d["subscribers"][0])
    with pytest.raises(SubscriptionError, match="duplicate subscriber name 'desk'"):
        parse_subscribers(d, env={})
    with pytest.raises(SubscriptionError, match="one key, 'subscribers'"):
        parse_subscribers([1, 2], env={})


def test_secrets():
    assert len(decode_secret(new_secret())) == 32
    assert new_secret() != new_secret()


def test_matching_by_rule_score_outlets(alert_factory):
    d = {"subscribers": [
        {**doc()["subscribers"][0], "name": "all-ru-nk"},
        {**doc()["subscribers"][0], "name": "strict", "min_score": 0.8},
        {**doc()["subscribers"][0], "name": "other-rule", "rules": ["bd-india"]},
        {**doc()["subscribers"][0], "name": "any-rule", "rules": ["*"]},
        {**doc()["subscribers"][0], "name": "jugantor-only", "outlets": ["jugantor"]},
        {**doc()["subscribers"][0], "name": "off", "enabled": False},
    ]}
    subs = Subscriptions.from_list(parse_subscribers(d, env={}))
    names = lambda alert: [s.name for s in subs.matching(alert)]  # noqa: E731
    assert names(alert_factory(score=0.9)) == ["all-ru-nk", "strict", "any-rule", "jugantor-only"]
    assert names(alert_factory(score=0.5)) == ["all-ru-nk", "any-rule", "jugantor-only"]
    assert names(alert_factory(score=0.8)) == ["all-ru-nk", "strict", "any-rule", "jugantor-only"]
    assert names(alert_factory(outlets=("prothomalo",), version=0)) == ["all-ru-nk", "strict", "any-rule"]
    assert names(alert_factory(rule="bd-india")) == ["other-rule", "any-rule"]


YAML = """
subscribers:
  - name: desk
    min_score: {score}
    channels:
      - type: webhook
        url: http://127.0.0.1:9/hooks
        secret: ${{DESK_SECRET}}
"""


def _bump(path: Path, text: str) -> None:
    st = path.stat()
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))  # a new mtime even on coarse clocks


def test_reload_when_the_file_changes(tmp_path, alert_factory, caplog):
    path = tmp_path / "subscribers.yaml"
    path.write_text(YAML.format(score=0.95), encoding="utf-8")
    env = {"DESK_SECRET": SECRET}
    subs = Subscriptions(path, env=env)
    assert subs.matching(alert_factory(score=0.9)) == []
    assert subs.maybe_reload() is False  # unchanged: just a stat
    _bump(path, YAML.format(score=0.5))
    assert [s.name for s in subs.matching(alert_factory(score=0.9))] == ["desk"]
    assert subs.reloads == 1
    # a broken edit is logged and ignored; the last good configuration stays
    with caplog.at_level(logging.ERROR):
        _bump(path, "subscribers:\n  - name: desk\n    channels: nope\n")
        assert [s.name for s in subs.matching(alert_factory(score=0.9))] == ["desk"]
    assert "invalid, keeping the previous configuration" in caplog.text and subs.reload_errors == 1
    _bump(path, "subscribers: []\n")
    assert subs.matching(alert_factory()) == []


def test_a_file_that_is_not_utf8_is_one_clear_error(tmp_path):
    path = tmp_path / "subscribers.yaml"
    path.write_bytes(YAML.format(score=0.5).replace("desk", "Désk").encode("utf-16"))
    with pytest.raises(SubscriptionError, match=r"not UTF-8 text \(byte 0\); save it as UTF-8"):
        load_subscribers(path, env={"DESK_SECRET": SECRET})


def test_an_edit_that_breaks_in_an_unforeseen_way_keeps_the_previous_configuration(tmp_path, alert_factory, caplog):
    """An edit that raised anything but SubscriptionError (a Latin-1 file, 'timezone: Asia', a broken IPv6 URL) used to
    fail the alert being delivered, which was then dead-lettered for every subscriber."""
    path = tmp_path / "subscribers.yaml"
    path.write_text(YAML.format(score=0.5), encoding="utf-8")
    subs = Subscriptions(path, env={"DESK_SECRET": SECRET})
    for broken in ((YAML.format(score=0.5) + "    timezone: Asia\n").encode("utf-8"),
                   YAML.format(score=0.5).replace("desk", "d\xe9sk").encode("latin-1")):
        st = path.stat()
        path.write_bytes(broken)
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
        with caplog.at_level(logging.ERROR):
            assert [s.name for s in subs.matching(alert_factory(score=0.9))] == ["desk"]
    assert subs.reload_errors == 2 and "keeping the previous configuration" in caplog.text


def test_missing_file_means_no_subscribers_until_it_appears(tmp_path, alert_factory):
    path = tmp_path / "subscribers.yaml"
    subs = Subscriptions(path, env={"DESK_SECRET": SECRET})
    assert subs.subscribers == ()
    path.write_text(YAML.format(score=0), encoding="utf-8")
    assert [s.name for s in subs.matching(alert_factory())] == ["desk"]


def test_invalid_file_at_start_fails_fast(tmp_path):
    path = tmp_path / "subscribers.yaml"
    path.write_text("subscribers: [", encoding="utf-8")
    with pytest.raises(SubscriptionError, match="not valid YAML"):
        Subscriptions(path)


def test_example_file_in_deploy_is_valid():
    subs = load_subscribers(PROJECT / "deploy" / "subscribers.yaml", env={"BNWATCH_LOCAL_WEBHOOK_SECRET": SECRET})
    assert subs and all(s.channels for s in subs)
