"""The outlet replay: local copies of real outlet sites (chrome, feeds, sitemaps, listings, articles) so the crawler
and the clean stage can run and be tested offline. See server.py for the HTTP and control API, site.py for the
site models, build_data.py for where the article data comes from."""

from .server import ReplayError, ReplayServer
from .site import DEFAULT_OUTLETS, Page, ReplayArticle, Site, build_default_sites

__all__ = ["ReplayServer", "ReplayError", "Site", "ReplayArticle", "Page", "build_default_sites", "DEFAULT_OUTLETS"]
