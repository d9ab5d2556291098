"""Stopping the bnwatch processes a test started: each asked to stop, each waited for, a hung one killed."""

from __future__ import annotations

import signal
import subprocess


def stop_processes(procs, sig: int = signal.SIGTERM, wait: float = 20) -> None:
    for p in procs:
        if p.poll() is None:
            p.send_signal(sig)
    for p in procs:
        try:
            p.wait(wait)
        except subprocess.TimeoutExpired:
            p.kill()
