"""The web page: `/` serves index.html, `/static/...` the page's own CSS and JavaScript modules.

The files live inside the package (`dashboard_backend/web/static`), so `make run` shows the page
with no build step. Only files under that folder are served; anything else is a 404.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from dashboard_backend.api.errors import shorten
from dashboard_backend.errors import NotFoundError

router = APIRouter(tags=["web"], include_in_schema=False)

STATIC_DIR = Path(__file__).resolve().parents[2] / "web" / "static"

# Explicit types: ES modules must be served as JavaScript, and `mimetypes` depends on the host.
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}

# Revalidate on every load (ETag/Last-Modified make that cheap) so an upgrade is never half-cached.
CACHE_HEADERS = {"Cache-Control": "no-cache"}


def static_file(name: str, folder: Path = STATIC_DIR) -> Path:
    """The file `name` inside `folder`; NotFoundError for anything outside it, missing or odd."""
    if "\x00" in name or len(name) > 200:
        raise NotFoundError("no such static file")
    root = folder.resolve()
    path = (root / name).resolve()
    if not path.is_relative_to(root) or not path.is_file() or path.suffix not in MEDIA_TYPES:
        raise NotFoundError(f"no static file {shorten(name)!r}")
    return path


@router.get("/")
async def read_index() -> FileResponse:
    """The single-page dashboard."""
    return FileResponse(
        static_file("index.html"), media_type=MEDIA_TYPES[".html"], headers=CACHE_HEADERS
    )


@router.get("/static/{name:path}")
async def read_static(name: str) -> FileResponse:
    """One of the page's static files."""
    path = static_file(name)
    return FileResponse(path, media_type=MEDIA_TYPES[path.suffix], headers=CACHE_HEADERS)
