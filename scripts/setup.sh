#!/usr/bin/env bash
# Idempotent set-up for bnwatch: virtualenv + pip install, and with --test also the Kafka broker jars (Maven
# Central) and the Debian packages the integration tests use. Safe to run again: each step checks first.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=${PYTHON:-python3}

want_test=0
for arg in "$@"; do
  case "$arg" in
    --test) want_test=1 ;;
  esac
done

log() { printf '[setup] %s\n' "$*" >&2; }

# 1. virtualenv and Python packages (re-installed only when pyproject.toml changed)
if [ ! -x .venv/bin/python ]; then
  log "creating .venv"
  "$PY" -m venv .venv
  .venv/bin/python -m pip install -q -U pip
fi
stamp=".venv/.bnwatch-installed"
want=$(sha256sum pyproject.toml | cut -c1-16)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  log "installing bnwatch and its dependencies into .venv"
  .venv/bin/python -m pip install -q -U pip
  .venv/bin/python -m pip install -q -e '.[dev]'
  echo "$want" > "$stamp"
fi

if [ "$want_test" = 1 ]; then
  # 2. Apache Kafka broker classpath from Maven Central (the broker itself is started by the tests)
  if ! ls .kafka/libs/kafka_2.13-*.jar >/dev/null 2>&1; then
    log "assembling the Kafka broker jars with Maven"
    mvn -B -q -f deploy/kafka/pom.xml -Dkafka.libs.dir="$ROOT/.kafka/libs" package
  fi
  # 3. Debian packages used by integration tests (Chromium for scrapy-playwright, Prometheus + promtool,
  #    Alertmanager + amtool, the PostgreSQL server for the shared delivery outbox; the tests start their own
  #    throw-away cluster); installed only when missing and only where apt is available.
  missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
  command -v amtool >/dev/null 2>&1 || missing+=(prometheus-alertmanager)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || missing+=(postgresql)
  if [ ${#missing[@]} -gt 0 ]; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
      log "installing Debian packages: ${missing[*]}"
      apt-get update -qq >/dev/null
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
        || log "warning: apt-get install failed; tests needing ${missing[*]} will fail under CI (skipped elsewhere)"
    else
      log "warning: cannot install ${missing[*]} (need root and apt-get); tests needing them will fail under CI (skipped elsewhere)"
    fi
  fi
fi
