"""The HTML pages: a cookie session over the API's services and policy table.

`router` gathers every page; `api/main.py` includes it. How pages are built:
docs/pages.md.
"""

from fastapi import APIRouter

from api.pages import auth, inbox, work, youth_file, youths
from api.pages.common import install

__all__ = ["install", "router"]

router = APIRouter(include_in_schema=False)
for pages in (auth.router, work.router, inbox.router, youths.router, youth_file.router):
    router.include_router(pages)
