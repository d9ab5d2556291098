"""The top layer: wires the crawler and the consumer stages into the jobs the CLI runs.

Everything else in `bnwatch` is the shared base that the crawler and the consumers import; this subpackage (with
`bnwatch.cli`) is the only place that imports both of them.
"""
