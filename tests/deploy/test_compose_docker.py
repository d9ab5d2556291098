"""docker-compose.yml and the Dockerfile, validated offline (no Docker engine): the compose file is valid YAML with
the expected services, every build context and bind-mounted path exists, every bnwatch service runs a real
`bnwatch` sub-command, ports do not clash (Alertmanager alone on 9093), Kafka is configured for KRaft; every
file the Dockerfile COPYs exists and is not excluded by .dockerignore."""

from __future__ import annotations

import base64
import os
import re
import shlex

import pytest
import yaml

from deploy_support import COMPOSE, DEPLOY, DOCKERFILE, ROOT, render_compose, rule_files

STAGES = ("clean", "tag", "stories", "notify")
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}")


def _interpolate(value: str) -> str:
    """Compose variable interpolation as with an empty environment (the defaults)."""
    return _VAR.sub(lambda m: m.group(2) or "", value)


@pytest.fixture(scope="module")
def compose() -> dict:
    """The file as compose renders it with only the required variables set (test_compose_rendered.py)."""
    return render_compose({"GF_SECURITY_ADMIN_PASSWORD": "from-the-environment"})


def _bnwatch_services(compose):
    """The services running a bnwatch sub-command (the image also runs the development receiver)."""
    return {name: s for name, s in compose["services"].items()
            if (s.get("image") == "bnwatch:local" or "build" in s) and name != "receiver"}


def test_receiver_service_runs_the_receiver_module(compose):
    import importlib

    argv = compose["services"]["receiver"]["command"]
    assert argv[:2] == ["python", "-m"] and callable(importlib.import_module(argv[2]).main), argv


def test_expected_services(compose):
    services = set(compose["services"])
    assert {"kafka", "crawler", "prometheus", "alertmanager", "grafana"} <= services
    assert {f"consume-{s}" for s in STAGES} <= services
    # Prometheus scrapes exactly these names
    prom = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text(encoding="utf-8"))
    scraped = {n for sc in prom["scrape_configs"] for sd in sc.get("dns_sd_configs", []) for n in sd["names"]}
    scraped |= {t.split(":")[0] for sc in prom["scrape_configs"] for st in sc.get("static_configs", [])
                for t in st["targets"]}
    scraped -= {"localhost"}
    assert scraped <= services, scraped - services
    am_targets = [t for am in prom["alerting"]["alertmanagers"] for sc in am["static_configs"] for t in sc["targets"]]
    assert am_targets == ["alertmanager:9093"]


def test_build_contexts_and_volume_paths_exist(compose):
    for name, service in compose["services"].items():
        build = service.get("build")
        if build:
            context = build if isinstance(build, str) else build["context"]
            ctx = (COMPOSE.parent / context).resolve()
            assert ctx.is_dir(), f"{name}: build context {ctx} missing"
            dockerfile = ctx / (build.get("dockerfile", "Dockerfile") if isinstance(build, dict) else "Dockerfile")
            assert dockerfile.is_file(), f"{name}: {dockerfile} missing"
        for volume in service.get("volumes", []):
            source = _interpolate(volume).split(":")[0] if isinstance(volume, str) else _interpolate(volume["source"])
            if source.startswith((".", "/")):
                path = (COMPOSE.parent / source).resolve()
                assert path.exists(), f"{name}: bind mount source {source} ({path}) missing"
            else:
                assert source in (compose.get("volumes") or {}), f"{name}: named volume {source} not declared"


def test_every_bnwatch_service_runs_a_real_subcommand(compose):
    from bnwatch.cli import build_parser

    parser = build_parser()
    services = _bnwatch_services(compose)
    assert {"crawler", *(f"consume-{s}" for s in STAGES)} <= set(services)
    stages_run = set()
    ports = {}
    for name, service in services.items():
        command = service["command"]
        argv = shlex.split(command) if isinstance(command, str) else list(command)
        assert argv[0] == "bnwatch", f"{name}: {argv}"
        try:
            args = parser.parse_args(argv[1:])
        except SystemExit:
            pytest.fail(f"{name}: `{' '.join(argv)}` is not a valid bnwatch command line")
        assert args.command in {"crawl", "consume", "run"}, name
        assert args.metrics_port, f"{name}: no --metrics-port, Prometheus could not scrape it"
        ports[name] = args.metrics_port
        if args.command == "consume":
            stages_run.add(args.stage)
            assert name == f"consume-{args.stage}", f"{name} runs stage {args.stage}"
        if args.command == "crawl":
            assert args.follow, "the crawler service must keep polling (--follow)"
        env = {**service.get("environment", {})}
        assert env.get("BNWATCH_KAFKA_BOOTSTRAP") == "kafka:19092", name
        assert env.get("BNWATCH_METRICS_ADDR") == "0.0.0.0", f"{name}: metrics only on the container's loopback"
    assert stages_run == set(STAGES)
    # the ports Prometheus scrapes are the ones the services listen on
    prom = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text(encoding="utf-8"))
    for sc in prom["scrape_configs"]:
        for sd in sc.get("dns_sd_configs", []):
            for host in sd["names"]:
                assert ports[host] == sd["port"], host


def test_kafka_is_kraft_single_node(compose):
    kafka = compose["services"]["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    env = {k: str(v) for k, v in kafka["environment"].items()}
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == f"{env['KAFKA_NODE_ID']}@kafka:29093"
    listeners = dict(part.split("://") for part in env["KAFKA_LISTENERS"].split(","))
    advertised = dict(part.split("://") for part in env["KAFKA_ADVERTISED_LISTENERS"].split(","))
    protocol_map = dict(part.split(":") for part in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(","))
    assert env["KAFKA_CONTROLLER_LISTENER_NAMES"] in listeners
    assert env["KAFKA_INTER_BROKER_LISTENER_NAME"] in advertised
    assert set(listeners) <= set(protocol_map) and set(advertised) <= set(protocol_map)
    assert env["KAFKA_CONTROLLER_LISTENER_NAMES"] not in advertised
    assert advertised["PLAINTEXT"] == "kafka:19092"  # what BNWATCH_KAFKA_BOOTSTRAP points at
    # Kafka never takes 9093 (Alertmanager's default)
    kafka_ports = {int(addr.rsplit(":", 1)[1]) for addr in listeners.values()}
    assert 9093 not in kafka_ports
    for key in ("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
                "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"):
        assert env[key] == "1", key
    assert len(base64.urlsafe_b64decode(env["CLUSTER_ID"] + "==")) == 16, "CLUSTER_ID must be a base64 UUID"
    assert any(v.split(":")[1] == env["KAFKA_LOG_DIRS"] for v in kafka["volumes"]), "Kafka data is not persisted"
    assert "healthcheck" in kafka


def test_published_ports_do_not_clash_and_alertmanager_has_9093(compose):
    published = {}
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            host_port = int(str(port).split(":")[-2] if str(port).count(":") else str(port))
            assert host_port not in published, f"{name} and {published.get(host_port)} both publish {host_port}"
            published[host_port] = name
    assert published[9093] == "alertmanager"
    assert published[9090] == "prometheus" and published[3000] == "grafana"


def test_observability_services_mount_the_repository_config(compose):
    s = compose["services"]
    prom_mounts = [_interpolate(v) for v in s["prometheus"]["volumes"]]
    assert "./prometheus:/etc/prometheus:ro" in prom_mounts
    assert any(a.startswith("--config.file=/etc/prometheus/prometheus.yml") for a in s["prometheus"]["command"])
    assert all((DEPLOY / "prometheus" / "rules").resolve() == p.parent for p in rule_files())
    am_mounts = [_interpolate(v) for v in s["alertmanager"]["volumes"]]
    assert "./alertmanager/alertmanager.yml:/etc/alertmanager/alertmanager.yml:ro" in am_mounts
    graf = [_interpolate(v) for v in s["grafana"]["volumes"]]
    assert "./grafana/provisioning:/etc/grafana/provisioning:ro" in graf
    provider = yaml.safe_load((DEPLOY / "grafana/provisioning/dashboards/bnwatch.yml").read_text())["providers"][0]
    assert f"./grafana/dashboards:{provider['options']['path']}:ro" in graf


# -- Dockerfile -------------------------------------------------------------------------------------------------


def _dockerfile_instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text(encoding="utf-8")
    text = re.sub(r"\\\n", " ", text)
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        op, _, rest = line.partition(" ")
        out.append((op.upper(), rest.strip()))
    return out


def _dockerignore_excludes(rel: str) -> bool:
    """Whether .dockerignore excludes `rel` (Docker semantics: last matching pattern wins, `!` re-includes;
    a pattern matching a parent directory matches everything under it)."""
    path = ROOT / ".dockerignore"
    if not path.exists():
        return False
    excluded = False
    parts = rel.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for raw in path.read_text().splitlines():
        pattern = raw.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip("/")
        regex = ""
        i = 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                regex += "(?:.*/)?"
                i += 3
            elif pattern.startswith("**", i):
                regex += ".*"
                i += 2
            elif pattern[i] == "*":
                regex += "[^/]*"
                i += 1
            elif pattern[i] == "?":
                regex += "[^/]"
                i += 1
            else:
                regex += re.escape(pattern[i])
                i += 1
        if any(re.fullmatch(regex, c) for c in candidates):
            excluded = not negate
    return excluded


def test_dockerfile_base_user_and_copies():
    instructions = _dockerfile_instructions()
    args = {}
    for op, rest in instructions:
        if op == "ARG" and "=" in rest:
            k, v = rest.split("=", 1)
            args[k] = v
    froms = [_VAR.sub(lambda m: args.get(m.group(1), ""), rest.replace("$PYTHON_IMAGE", "${PYTHON_IMAGE}"))
             for op, rest in instructions if op == "FROM"]
    assert froms and all(f.split()[0] == "python:3.11-slim" for f in froms), froms
    users = [rest for op, rest in instructions if op == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}, "the image must run as a non-root user"
    assert any(op == "ARG" and rest.startswith("WITH_CHROMIUM") for op, rest in instructions)
    assert any(op == "RUN" and "pip install" in rest for op, rest in instructions)
    copied = []
    for op, rest in instructions:
        if op != "COPY":
            continue
        words = [w for w in shlex.split(rest) if not w.startswith("--")]
        if "--from=" in rest:
            continue
        for source in words[:-1]:
            copied.append(source)
            path = ROOT / source
            assert path.exists(), f"Dockerfile COPYs {source}, which does not exist"
            assert not _dockerignore_excludes(source.rstrip("/")), f".dockerignore excludes {source}"
    for needed in ("pyproject.toml", "README.md", "bnwatch", "crawler", "consumers"):
        assert needed in copied, f"pip install . needs {needed} in the image"
    # files pyproject's package-data names must survive .dockerignore
    for data, pattern in (("crawler/outlets", "*/outlet.yaml"), ("consumers/tag", "*.yaml")):
        files = list((ROOT / data).glob(pattern))
        assert files, f"no {pattern} in {data}"
        for f in files:
            assert not _dockerignore_excludes(str(f.relative_to(ROOT))), f


def test_dockerignore_keeps_local_state_out():
    for rel in (".venv/bin/python", ".kafka/libs/x.jar", "var/crawler/seen.sqlite", ".git/HEAD",
                "bnwatch/__pycache__/cli.cpython-311.pyc", "tests/conftest.py"):
        assert _dockerignore_excludes(rel), rel
    for rel in ("bnwatch/cli.py", "deploy/subscribers.yaml", "pyproject.toml"):
        assert not _dockerignore_excludes(rel), rel


def test_image_defaults_point_at_writable_state():
    env_lines = " ".join(rest for op, rest in _dockerfile_instructions() if op == "ENV")
    assert "BNWATCH_DATA_DIR=/var/lib/bnwatch" in env_lines
    assert "BNWATCH_SUBSCRIBERS=/etc/bnwatch/subscribers.yaml" in env_lines
    assert "BNWATCH_METRICS_ADDR=0.0.0.0" in env_lines


def test_metrics_address_is_configurable(tmp_path):
    """BNWATCH_METRICS_ADDR (set in the image) makes /metrics listen beyond loopback."""
    import subprocess
    import sys

    code = ("import bnwatch.metrics as m; from bnwatch.config import Settings; s = Settings.from_env(); "
            "p = m.serve(0, s.metrics_addr); print(m._server_addr, p)")
    env = {**os.environ, "BNWATCH_METRICS_ADDR": "0.0.0.0"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60,
                         cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[0] == "0.0.0.0"
    env.pop("BNWATCH_METRICS_ADDR")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60,
                         cwd=ROOT)
    assert out.stdout.split()[0] == "127.0.0.1"


def test_compose_config_with_a_real_compose_when_available():
    """`docker compose config` validates against the compose spec without an engine; skipped without the plugin."""
    import shutil
    import subprocess

    docker = shutil.which("docker")
    if not docker or subprocess.run([docker, "compose", "version"], capture_output=True, timeout=30).returncode:
        pytest.skip("the docker compose plugin is not installed (validated by the structural tests above)")
    result = subprocess.run([docker, "compose", "-f", str(COMPOSE), "config", "-q"], capture_output=True, text=True,
                            timeout=60, cwd=COMPOSE.parent)
    assert result.returncode == 0, result.stderr
