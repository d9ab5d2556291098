"""Development tools of the repository: the outlet replay (replay/) and the local Kafka broker (kafka_local.py),
used by tests, benchmarks and, from a checkout, `bnwatch replay`, `bnwatch demo` and `bnwatch kafka`; never part
of the installed bnwatch (pyproject.toml packages only bnwatch, crawler and consumers)."""
