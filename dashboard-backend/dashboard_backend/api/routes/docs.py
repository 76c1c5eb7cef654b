"""`/docs` (Swagger UI) and `/redoc` (ReDoc) served from files installed with the packages.

The Swagger UI and ReDoc bundles come from the `fastapi-offline` package (which ships them inside
its wheel), the two pages and Swagger's start-up script from `dashboard_backend/web/docs`: nothing
is fetched from a CDN, so the documentation works offline. No inline script either: the pages
carry a Content-Security-Policy with `script-src 'self'` (`DOCS_CSP`).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from dashboard_backend.api.routes.web import MEDIA_TYPES, static_file

router = APIRouter(tags=["docs"], include_in_schema=False)

DOCS_DIR = Path(__file__).resolve().parents[2] / "web" / "docs"
# The bundles the fastapi-offline wheel installs (swagger-ui-bundle.js, swagger-ui.css,
# redoc.standalone.js, favicon.png).
BUNDLE_DIR = Path(str(files("fastapi_offline") / "static"))
# Everything from this origin, no inline script. The viewers set inline styles (React style
# attributes, styled-components), and ReDoc's footer shows a logo from its CDN (with a fallback
# when it fails): images load from here only, so the offline page never even tries.
DOCS_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; "
    "connect-src 'self'; frame-ancestors 'none'"
)
PAGE_HEADERS = {"Content-Security-Policy": DOCS_CSP}
# Immutable per installed version; a day of caching spares re-reading 2.8 MB on every visit.
ASSET_HEADERS = {"Cache-Control": "public, max-age=86400"}


@router.get("/docs")
async def read_swagger_ui() -> FileResponse:
    """Interactive API documentation (Swagger UI)."""
    path = static_file("swagger.html", DOCS_DIR)
    return FileResponse(path, media_type=MEDIA_TYPES[".html"], headers=PAGE_HEADERS)


@router.get("/redoc")
async def read_redoc() -> FileResponse:
    """Reference API documentation (ReDoc)."""
    path = static_file("redoc.html", DOCS_DIR)
    return FileResponse(path, media_type=MEDIA_TYPES[".html"], headers=PAGE_HEADERS)


@router.get("/docs-assets/{name}")
async def read_docs_asset(name: str) -> FileResponse:
    """A file of the documentation pages: our start-up script, else a bundled asset."""
    folder = DOCS_DIR if (DOCS_DIR / name).is_file() else BUNDLE_DIR
    path = static_file(name, folder)
    return FileResponse(path, media_type=MEDIA_TYPES[path.suffix], headers=ASSET_HEADERS)
