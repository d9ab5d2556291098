"""python -m devtools.replay [--port 8800] [--host 127.0.0.1] — run the outlet replay in the foreground."""

from __future__ import annotations

import argparse
import logging
import sys

from .server import ReplayServer
from .site import DEFAULT_OUTLETS


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m devtools.replay", description="Serve the modelled outlet sites.")
    ap.add_argument("--port", type=int, default=8800)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--outlets", default=",".join(DEFAULT_OUTLETS), help="comma-separated outlet ids")
    ap.add_argument("-v", "--verbose", action="store_true", help="log every request")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(asctime)s %(message)s")
    server = ReplayServer(port=args.port, host=args.host, outlets=tuple(o for o in args.outlets.split(",") if o))
    spec = ",".join(f"{h}={args.host}:{args.port}" for s in server.sites.values() for h in s.hosts)
    print(f"outlet replay on http://{args.host}:{args.port}/  sites: {', '.join(server.sites)}", flush=True)
    print(f"BNWATCH_REPLAY_HOSTS={spec}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
