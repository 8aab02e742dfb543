"""Static files: fingerprinted names, compressed copies made once, a year of caching.

Deputy District Head Zhang opens the board on a phone over the district's network: the first
visit should move at most 500 KB, and the next one should ask for none of the scripts and
styles again.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import load_plan
from tests.factories import create_user, signed_in
from tracker import static_files

STATIC = Path(__file__).resolve().parents[1] / "static"
BOARD = "/plans/shinan-2020/"
COLD_BOARD_LIMIT = 500_000
HASHED = re.compile(r"\.[0-9a-f]{12}(\.[a-z0-9]+)?$")


def fetch(client: FlaskClient, url: str, **headers: str) -> TestResponse:
    """GET a URL, reading the whole answer (WhiteNoise answers with an open file)."""
    return client.get(url, headers=headers, buffered=True)


def assets_of(html: str) -> list[str]:
    """Every script, style sheet and icon a page links."""
    return re.findall(r'<script src="([^"]+)"', html) + re.findall(
        r'<link rel="(?:stylesheet|icon)" href="([^"]+)"', html
    )


@pytest.fixture
def leader(app: Flask) -> FlaskClient:
    load_plan()
    create_user("zhang", "leader")
    return signed_in(app, "zhang")


def test_fingerprinted_name_puts_the_hash_before_the_suffix() -> None:
    digest = "0123456789abcdef" * 4
    assert static_files.fingerprinted_name("css/tracker.css", digest) == (
        "css/tracker.0123456789ab.css"
    )
    assert static_files.fingerprinted_name("vendor/x/echarts.custom.min.js", digest) == (
        "vendor/x/echarts.custom.min.0123456789ab.js"
    )
    assert static_files.fingerprinted_name("LICENSE", digest) == "LICENSE.0123456789ab"


def test_a_fingerprinted_name_changes_when_the_file_changes_and_only_then(tmp_path: Path) -> None:
    source = tmp_path / "static"
    (source / "css").mkdir(parents=True)
    (source / "css" / "a.css").write_text("body { color: red; }\n" * 100)
    (source / "b.js").write_text("var b = 1;\n")
    (source / ".hidden").write_text("secret\n")
    (source / "vendor" / "node_modules" / "x").mkdir(parents=True)
    (source / "vendor" / "node_modules" / "x" / "x.js").write_text("var x;\n")
    builds = tmp_path / "builds"

    first, names = static_files.build(source, builds)
    assert sorted(names) == ["b.js", "css/a.css"]
    assert HASHED.search(names["css/a.css"])
    assert (first / names["css/a.css"]).read_bytes() == (source / "css" / "a.css").read_bytes()
    assert (first / "css" / "a.css").is_file()
    # The compressed copy is made here, once, not per request.
    gz = first / (names["css/a.css"] + ".gz")
    assert gzip.decompress(gz.read_bytes()) == (source / "css" / "a.css").read_bytes()

    again, same = static_files.build(source, builds)
    assert (again, same) == (first, names)

    (source / "css" / "a.css").write_text("body { color: blue; }\n" * 100)
    second, changed = static_files.build(source, builds)
    assert changed["css/a.css"] != names["css/a.css"]
    assert changed["b.js"] == names["b.js"]
    assert second != first
    assert "color: blue" in (second / changed["css/a.css"]).read_text()


def test_the_board_links_fingerprinted_assets_cached_for_a_year(leader: FlaskClient) -> None:
    html = leader.get(BOARD).get_data(as_text=True)
    assets = assets_of(html)
    assert len(assets) >= 5, assets
    for url in assets:
        assert HASHED.search(url), f"{url} is not fingerprinted"
        response = fetch(leader, url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        # The security headers are kept on static files too.
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        original = re.sub(r"\.[0-9a-f]{12}(?=\.[a-z0-9]+$|$)", "", url.removeprefix("/static/"))
        assert response.data == (STATIC / original).read_bytes(), url


def test_text_assets_come_gzipped_when_the_browser_accepts_it(leader: FlaskClient) -> None:
    html = leader.get(BOARD).get_data(as_text=True)
    script = next(u for u in assets_of(html) if "echarts" in u)
    plain = fetch(leader, script)
    packed = fetch(leader, script, **{"Accept-Encoding": "gzip, deflate"})
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert packed.headers["Vary"] == "Accept-Encoding"
    assert gzip.decompress(packed.data) == plain.data
    assert len(packed.data) < len(plain.data) / 2


def test_plain_urls_still_work_and_are_revalidated(client: FlaskClient) -> None:
    response = fetch(client, "/static/css/tracker.css")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.data == (STATIC / "css" / "tracker.css").read_bytes()
    again = fetch(client, "/static/css/tracker.css", **{"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""


def test_an_unknown_static_file_is_not_found(client: FlaskClient) -> None:
    assert fetch(client, "/static/css/tracker.000000000000.css").status_code == 404
    assert fetch(client, "/static/nothing.js").status_code == 404


def test_cold_board_moves_at_most_500_kb(leader: FlaskClient) -> None:
    """The board page and every asset it links, compressed as a browser asks for them."""
    page = leader.get(BOARD, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert page.status_code == 200
    sizes = {BOARD: len(page.data)}
    for url in assets_of(page.get_data(as_text=True)):
        response = fetch(leader, url, **{"Accept-Encoding": "gzip, deflate, br"})
        assert response.status_code == 200, url
        sizes[url] = len(response.data)
    assert sum(sizes.values()) <= COLD_BOARD_LIMIT, sizes


def test_without_a_writable_build_folder_the_plain_files_are_served(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    source = tmp_path / "static"
    source.mkdir()
    (source / "a.css").write_text("body { color: red; }\n")
    blocked = static_files.build_root(source)
    blocked.parent.mkdir(parents=True, exist_ok=True)
    blocked.write_text("a file where the build folder should be")
    app = Flask("fallback", static_folder=str(source), instance_path=str(tmp_path / "instance"))
    app.config["SESSION_COOKIE_SECURE"] = False
    static_files.init_app(app)

    assert "could not be built" in caplog.text
    with app.test_request_context():
        assert url_for("static", filename="a.css") == "/static/a.css"
    response = fetch(app.test_client(), "/static/a.css")
    assert response.status_code == 200
    assert response.data == b"body { color: red; }\n"
    blocked.unlink()


def test_the_build_is_kept_outside_the_instance_folder(app: Flask) -> None:
    """An app machine keeps no files of its own under instance/ (only the development key and
    the SQLite file): the build is a cache in the temporary directory.
    """
    assert not (Path(app.instance_path) / "static-build").exists()
    folder = static_files.build_root(Path(app.static_folder or ""))
    assert folder.is_dir()
    assert not folder.is_relative_to(Path(app.instance_path))
