"""The HTML pages: a cookie session over the API's services and policy table.

`router` gathers every page; `api/main.py` includes it. How pages are built:
docs/pages.md.
"""

from fastapi import APIRouter

from api.pages import auth, inbox, runs, work
from api.pages.common import install

__all__ = ["install", "router"]

router = APIRouter(include_in_schema=False)
for pages in (auth.router, work.router, inbox.router, runs.router):
    router.include_router(pages)
