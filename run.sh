#!/usr/bin/env bash
# bnwatch's two commands, each doing its own idempotent set-up first:
#   ./run.sh demo   — the main job on the embedded default against the outlet replay (offline)
#   ./run.sh test   — the whole test suite, integration tests on a real Kafka broker included
# Anything else is passed to the `bnwatch` command inside the project's virtualenv (./run.sh kafka status, …).
set -euo pipefail
cd "$(dirname "$0")"
cmd=${1:-demo}
case "$cmd" in
  test)
    shift || true
    scripts/setup.sh --test
    set +e
    .venv/bin/python -m pytest "$@"
    rc=$?
    set -e
    if [ "$rc" = 5 ]; then
      echo "run.sh: pytest collected no tests: that is a failure here" >&2
      exit 1
    fi
    exit "$rc"
    ;;
  *)
    scripts/setup.sh
    exec .venv/bin/bnwatch "$@"
    ;;
esac
