"""The built page works on a disconnected intranet: nothing in web/dashboard/dist names another host.
(XML namespace names such as http://www.w3.org/2000/svg are identifiers, never fetched.) `make test`
builds the page first; run `make web` before running this file alone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DIST = Path(__file__).resolve().parents[3] / "web" / "dashboard" / "dist"
URL = re.compile(r"""(?:https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}[^\s"'`)<>]*""")
NAMESPACES = {
    "http://www.w3.org/2000/svg",
    "http://www.w3.org/1999/xlink",
    "http://www.w3.org/1999/xhtml",
    "http://www.w3.org/XML/1998/namespace",
    "http://www.w3.org/2000/xmlns/",
}


def built_files() -> list[Path]:
    if not (DIST / "index.html").is_file():
        pytest.fail("the dashboard is not built: run `make web` (make test does it)")
    return [p for p in DIST.rglob("*") if p.suffix in {".html", ".js", ".css", ".json", ".svg"}]


def test_the_built_page_names_no_other_host() -> None:
    files = built_files()
    assert any(p.suffix == ".js" for p in files) and any(p.suffix == ".css" for p in files)
    found = {
        f"{path.relative_to(DIST)}: {match}"
        for path in files
        for match in URL.findall(path.read_text(encoding="utf-8", errors="replace"))
        if match.rstrip("/") not in {n.rstrip("/") for n in NAMESPACES} and match.startswith(("http", "//"))
    }
    assert not found, sorted(found)


def test_the_page_loads_only_its_own_files() -> None:
    index = (DIST / "index.html").read_text(encoding="utf-8") if built_files() else ""
    references = re.findall(r"""(?:src|href)="([^"]+)\"""", index)
    assert references and all(ref.startswith("/dashboard/") and "//" not in ref[1:] for ref in references), references
