"""The Grafana side without Grafana: provisioning files, the dashboard JSON model, and every panel query —
each must parse (checked by a real Prometheus's query API) and must only name metrics that bnwatch/metrics.py
declares (or standard ones), so a panel can never silently query a metric nobody exports."""

from __future__ import annotations

import pytest
import yaml

from deploy_support import (DASHBOARDS_DIR, DATASOURCE_UID, GRAFANA_PROVISIONING, STANDARD_NAMES, STANDARD_PREFIXES,
                            TARGET_LABELS, alert_rules, all_panels, dashboard_variables, dashboards, declared_metrics,
                            grafana_to_promql, load_dashboard, metric_names, recording_rules, selector_labels)

DASHBOARDS = dashboards()
DATASOURCE_VARIABLE = "datasource"
DATASOURCE_REF = {"type": "prometheus", "uid": "${" + DATASOURCE_VARIABLE + "}"}


def _queries():
    """(dashboard file, panel title, raw expr) for every target, plus template-variable queries."""
    out = []
    for path in DASHBOARDS:
        d = load_dashboard(path)
        for panel in all_panels(d):
            for target in panel.get("targets", []):
                out.append((path.name, panel.get("title"), target.get("expr", "")))
    return out


def _known_name(name: str, declared: dict, recorded: set[str]) -> bool:
    return name in declared or name in recorded or name in STANDARD_NAMES or name.startswith(STANDARD_PREFIXES)


def test_datasource_provisioning_gives_the_default_prometheus():
    """The dashboards' datasource variable starts on the default Prometheus datasource: this one."""
    doc = yaml.safe_load((GRAFANA_PROVISIONING / "datasources" / "prometheus.yml").read_text(encoding="utf-8"))
    assert doc["apiVersion"] == 1
    (ds,) = doc["datasources"]
    assert ds["type"] == "prometheus" and ds["uid"] == DATASOURCE_UID and ds["isDefault"] is True
    assert ds["url"].startswith("http://prometheus:9090")


def test_dashboard_provisioning_points_at_the_mounted_dashboards():
    doc = yaml.safe_load((GRAFANA_PROVISIONING / "dashboards" / "bnwatch.yml").read_text(encoding="utf-8"))
    assert doc["apiVersion"] == 1
    (provider,) = doc["providers"]
    assert provider["type"] == "file"
    assert provider["options"]["path"] == "/var/lib/grafana/dashboards"


def test_expected_dashboards_exist():
    uids = {load_dashboard(p)["uid"] for p in DASHBOARDS}
    assert {"bnwatch-pipeline", "bnwatch-outlets", "bnwatch-alerts"} <= uids
    titles = [p.get("title", "") for path in DASHBOARDS for p in all_panels(load_dashboard(path))]
    assert any("Russia–North Korea" in t and "per day by outlet" in t for t in titles)


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_dashboard_json_model(path):
    d = load_dashboard(path)
    assert isinstance(d.get("schemaVersion"), int) and d["schemaVersion"] >= 36
    assert d.get("uid") and len(d["uid"]) <= 40 and d.get("title")
    assert d.get("id") is None
    assert "time" in d and "templating" in d
    panels = all_panels(d)
    assert panels
    ids = [p["id"] for p in d["panels"]] + [p["id"] for r in d["panels"] if r["type"] == "row" for p in r["panels"]]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    for p in d["panels"]:
        g = p["gridPos"]
        assert 0 <= g["x"] and g["x"] + g["w"] <= 24 and g["h"] > 0, p.get("title")
    for panel in panels:
        title = panel.get("title")
        assert panel.get("type") and title
        assert panel.get("datasource") == DATASOURCE_REF, title
        targets = panel.get("targets")
        assert targets, f"panel {title!r} has no target"
        ref_ids = [t.get("refId") for t in targets]
        assert len(set(ref_ids)) == len(ref_ids), title
        for t in targets:
            assert t.get("expr", "").strip(), f"panel {title!r} has an empty expr"
            assert t.get("datasource") == DATASOURCE_REF, title
    for var in d["templating"]["list"]:
        if var["type"] == "query":
            assert var["datasource"] == DATASOURCE_REF, var["name"]


def _datasource_refs(node, path="$"):
    """Every `datasource` object anywhere in a dashboard, with where it is."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "datasource" and isinstance(value, dict):
                yield path, value
            yield from _datasource_refs(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _datasource_refs(value, f"{path}[{i}]")


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_dashboard_uses_a_datasource_variable_not_a_pinned_uid(path):
    """Imported next to another Prometheus (or one with another uid), the dashboard still works: the datasource
    is a template variable, chosen in the dashboard, defaulting to the default Prometheus."""
    d = load_dashboard(path)
    (var,) = [v for v in d["templating"]["list"] if v["type"] == "datasource"]
    assert var["name"] == DATASOURCE_VARIABLE and var["query"] == "prometheus"
    assert not var.get("current"), "the variable must start on the default datasource, not a pinned one"
    refs = list(_datasource_refs(d))
    assert len(refs) > len(all_panels(d))            # panels and their targets at least
    pinned = [f"{where}: {ref}" for where, ref in refs
              if ref.get("type") != "grafana" and ref != DATASOURCE_REF]   # Grafana's built-in annotations
    assert not pinned, "\n".join(pinned)
    assert f'"uid": "{DATASOURCE_UID}"' not in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_every_panel_has_a_unit(path):
    """A number without a unit is read wrong (bytes as counts, ratios as 0.3 'things'); 'short' for counts."""
    known = {"short", "none", "ops", "reqps", "s", "ms", "bytes", "Bps", "percentunit", "percent", "dateTimeAsIso"}
    missing = []
    for panel in all_panels(load_dashboard(path)):
        unit = panel.get("fieldConfig", {}).get("defaults", {}).get("unit")
        if unit not in known:
            missing.append(f"{panel['title']}: {unit!r}")
    assert not missing, "panels without a known unit:\n" + "\n".join(missing)


def test_every_metric_a_panel_or_rule_names_is_exported():
    declared = declared_metrics()
    recorded = {r["record"] for r in recording_rules()}
    missing = []
    exprs = [(f"{f}: {title}", e) for f, title, e in _queries()]
    for path in DASHBOARDS:
        for var in load_dashboard(path)["templating"]["list"]:
            q = var.get("definition", "")
            if q.startswith("label_values("):
                inner = q[len("label_values("):-1].rsplit(",", 1)[0]
                exprs.append((f"{path.name}: variable {var['name']}", inner))
    exprs += [(f"rule {r.get('alert') or r.get('record')}", r["expr"]) for r in alert_rules() + recording_rules()]
    assert exprs
    for where, expr in exprs:
        names = metric_names(grafana_to_promql(expr, {"outlet": ".*", "rule": ".*"}))
        assert names, f"{where}: no metric found in {expr!r}"
        for name in names:
            if not _known_name(name, declared, recorded):
                missing.append(f"{where}: {name}")
    assert not missing, "metrics nobody exports:\n" + "\n".join(missing)


def test_label_matchers_use_labels_the_metric_has():
    declared = declared_metrics()
    wrong = []
    exprs = [(f"{f}: {t}", e) for f, t, e in _queries()]
    exprs += [(f"rule {r.get('alert') or r.get('record')}", r["expr"]) for r in alert_rules() + recording_rules()]
    for where, expr in exprs:
        for name, labels in selector_labels(grafana_to_promql(expr)):
            if name in declared:
                unknown = labels - declared[name] - TARGET_LABELS
                if unknown:
                    wrong.append(f"{where}: {name} has no label(s) {sorted(unknown)}")
    assert not wrong, "\n".join(wrong)


def test_the_static_check_catches_a_metric_nobody_exports():
    declared = declared_metrics()
    names = metric_names('sum by (outlet) (rate(bnwatch_pages_fetched_total{status!~"2.."}[5m]))'
                         ' / on (outlet) group_left bnwatch_no_such_metric_total offset 5m')
    assert names == {"bnwatch_pages_fetched_total", "bnwatch_no_such_metric_total"}
    assert [n for n in names if not _known_name(n, declared, set())] == ["bnwatch_no_such_metric_total"]
    # prometheus-client naming: a Counter declared as bnwatch_x is exported as bnwatch_x_total
    assert "bnwatch_pages_fetched_total" in declared and "bnwatch_pages_fetched" not in declared


@pytest.mark.parametrize("where, title, expr", _queries(), ids=lambda v: v if isinstance(v, str) else None)
def test_panel_query_parses(bare_prometheus, where, title, expr):
    d = load_dashboard(DASHBOARDS_DIR / where)
    result = bare_prometheus.query(grafana_to_promql(expr, dashboard_variables(d)))
    assert result.get("status") == "success", f"{where} / {title}: {expr}\n{result}"
