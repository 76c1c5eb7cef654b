"""The page and its static files as served by the API (real HTTP, no browser)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from dashboard_backend.api.routes.web import STATIC_DIR, static_file
from dashboard_backend.errors import NotFoundError
from tests.e2e.conftest import ApiServer


@pytest.mark.asyncio(loop_scope="session")
async def test_index_and_every_module_it_imports_are_served(api_server: ApiServer) -> None:
    async with httpx.AsyncClient(base_url=api_server.url) as http:
        index = await http.get("/")
        assert index.status_code == 200
        assert index.headers["content-type"].startswith("text/html")
        # Every file of the folder is reachable, each with a type a browser accepts for it.
        names = sorted(p.name for p in STATIC_DIR.iterdir() if p.is_file())
        assert {"index.html", "app.js", "app.css"} <= set(names)
        for name in names:
            response = await http.get(f"/static/{name}")
            assert response.status_code == 200, name
            if name.endswith(".js"):
                assert response.headers["content-type"].startswith("text/javascript")
                # Relative imports only resolve to files that exist (no bundler checks this).
                for target in re.findall(r'from "\./([\w.]+)"', response.text):
                    assert (STATIC_DIR / target).is_file(), f"{name} imports missing {target}"
            elif name.endswith(".css"):
                assert response.headers["content-type"].startswith("text/css")


@pytest.mark.asyncio(loop_scope="session")
async def test_nothing_outside_the_static_folder_is_served(api_server: ApiServer) -> None:
    async with httpx.AsyncClient(base_url=api_server.url) as http:
        for path in (
            "/static/%2e%2e/api/main.py",
            "/static/..%2f..%2fsettings.py",
            "/static/%2fetc%2fpasswd",
            "/static/missing.js",
            "/static/",
        ):
            assert (await http.get(path)).status_code == 404, path


def test_static_paths_cannot_leave_their_folder(tmp_path: Path) -> None:
    folder = tmp_path / "static"
    folder.mkdir()
    (folder / "app.css").write_text("body {}")
    (tmp_path / "secret.css").write_text("not yours")
    (folder / "notes.txt").write_text("not a page file")
    assert static_file("app.css", folder) == (folder / "app.css").resolve()
    for name in ("../secret.css", str(tmp_path / "secret.css"), "notes.txt", "missing.js", "."):
        with pytest.raises(NotFoundError):
            static_file(name, folder)


def test_the_page_loads_nothing_from_outside() -> None:
    """No CDN, web font or remote image: every URL in the page's files is its own."""
    for path in STATIC_DIR.iterdir():
        text = path.read_text()
        for url in re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']|url\(([^)]+)\)""", text):
            target = next(u for u in url if u)
            assert not re.match(r"(https?:)?//", target), f"{path.name} loads {target}"
        assert "@import" not in text
