"""python -m devtools.replay [--port 8800] [--host 127.0.0.1] — run the outlet replay in the foreground.

`--articles ITEMS.jsonl --registry DIR` serves a list of articles instead ({id, outlet, url, title, paragraphs,
published_at} a line, e.g. tests/fixtures/labelled/rnk/items.jsonl; see listed.py) and writes the outlet registry
the crawler needs for them into DIR (BNWATCH_OUTLETS_DIR=DIR)."""

from __future__ import annotations

import argparse
import json
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
    ap.add_argument("--articles", help="serve the articles of this JSON-lines file (with --registry) instead")
    ap.add_argument("--registry", help="with --articles: write their outlet registry here (BNWATCH_OUTLETS_DIR)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(asctime)s %(message)s")
    if args.articles:
        if not args.registry:
            ap.error("--articles needs --registry DIR")
        server = _listed_server(args)
    else:
        server = ReplayServer(port=args.port, host=args.host, outlets=tuple(o for o in args.outlets.split(",") if o))
    spec = ",".join(f"{h}={args.host}:{args.port}" for s in server.sites.values() for h in s.hosts)
    print(f"outlet replay on http://{args.host}:{args.port}/  sites: {', '.join(server.sites)}", flush=True)
    print(f"BNWATCH_REPLAY_HOSTS={spec}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


def _listed_server(args) -> ReplayServer:
    from pathlib import Path

    from .listed import listed_sites, resolve_outlets, write_registry

    items = [json.loads(x) for x in Path(args.articles).read_text(encoding="utf-8").splitlines() if x.strip()]
    outlets = resolve_outlets(items)
    print(f"BNWATCH_OUTLETS_DIR={write_registry(Path(args.registry), outlets.values())}", flush=True)
    return ReplayServer(port=args.port, host=args.host, sites=listed_sites(items, outlets))


if __name__ == "__main__":
    sys.exit(main())
