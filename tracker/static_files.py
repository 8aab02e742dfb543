"""Static files served compressed, fingerprinted and cached for a year.

A cold board used to move 1.4 MB, uncompressed, and every page revalidated five to seven
files (``Cache-Control: no-cache``). At start the app copies ``static/`` once into a build
folder in the system's temporary directory (never ``instance/``: a machine keeps no state of
its own, and this is a cache any start rebuilds): each file under its own name and under a
name carrying its content hash (``css/tracker.3f9a0c1d2e4b.css``), each with a gzip copy
(and a brotli copy when the ``brotli`` package is installed). WhiteNoise answers
``/static/...`` from there, choosing the copy by ``Accept-Encoding``, so nothing is
compressed per request.

``url_for('static', filename=...)`` answers the hashed name, which never changes content and
is cached ``immutable`` for a year: a repeat visit asks for none of them. The plain name still
works and is revalidated (``no-cache``), for links kept from before a deployment.

A build is named after the hash of all its files and written whole into a scratch folder, then
renamed, so workers starting side by side never serve half a build; a start with the same files
reuses the existing build.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from wsgiref.headers import Headers

from flask import Flask
from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

from tracker import headers as security_headers

logger = logging.getLogger(__name__)

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
# Characters of the SHA-256 hex digest kept in a fingerprinted name.
HASH_LENGTH = 12
# Builds of other file sets kept beside the current one (a worker of the previous deployment
# may still be serving one).
KEEP_BUILDS = 3


def fingerprinted_name(relative: str, digest: str) -> str:
    """``css/tracker.css`` → ``css/tracker.<hash>.css`` (the hash goes before the last suffix)."""
    folder, _, name = relative.rpartition("/")
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem:
        stem, suffix = name, ""
    hashed = f"{stem}.{digest[:HASH_LENGTH]}" + (f".{suffix}" if suffix else "")
    return f"{folder}/{hashed}" if folder else hashed


def _files(root: Path) -> Iterator[Path]:
    """The files to serve, in a stable order; hidden files and folders are left out, and so is
    a ``node_modules`` left behind by a vendored library's build."""
    for path in sorted(root.rglob("*")):
        parts = path.relative_to(root).parts
        if path.is_file() and not any(p.startswith(".") or p == "node_modules" for p in parts):
            yield path


def manifest(root: Path) -> dict[str, str]:
    """Each file under ``root`` (POSIX relative path) → its fingerprinted name."""
    names: dict[str, str] = {}
    for path in _files(root):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        relative = path.relative_to(root).as_posix()
        names[relative] = fingerprinted_name(relative, digest)
    return names


def _build_id(names: dict[str, str]) -> str:
    """One hash for the whole set of files (their names and, through them, their contents)."""
    joined = "\n".join(f"{k} {v}" for k, v in sorted(names.items()))
    return hashlib.sha256(joined.encode()).hexdigest()[:HASH_LENGTH]


def _write_build(source: Path, target: Path, names: dict[str, str]) -> None:
    """Copy every file under both names, and compress the text ones, into ``target``."""
    compressor = Compressor(quiet=True)
    for relative, hashed in names.items():
        for name in (relative, hashed):
            destination = target / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / relative, destination)
            if compressor.should_compress(name):
                list(compressor.compress(str(destination)))


def _prune(builds: Path, current: Path) -> None:
    """Remove all but the newest few builds of other file sets (and stale scratch folders)."""
    others = sorted(
        (p for p in builds.iterdir() if p.is_dir() and p != current),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in others[KEEP_BUILDS:]:
        shutil.rmtree(old, ignore_errors=True)


def build(source: Path, builds: Path) -> tuple[Path, dict[str, str]]:
    """Make (or reuse) the build of ``source`` under ``builds``; answer its folder and names."""
    names = manifest(source)
    current = builds / f"static-{_build_id(names)}"
    if not current.is_dir():
        builds.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(dir=builds, prefix=".scratch-"))
        try:
            _write_build(source, scratch, names)
            os.rename(scratch, current)
            logger.info("built the static files: %s", current)
        except OSError:
            # Another worker renamed its identical build into place first.
            if not current.is_dir():
                raise
        finally:
            with contextlib.suppress(OSError):
                shutil.rmtree(scratch)
        _prune(builds, current)
    return current, names


def build_root(source: Path) -> Path:
    """Where the builds of ``source`` go: the temporary directory, one folder per checkout (so
    pruning one checkout's old builds never removes a build another one serves).
    """
    checkout = hashlib.sha256(str(source.resolve()).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / "plan-tracker-static" / checkout


def init_app(app: Flask) -> None:
    """Serve ``/static`` through WhiteNoise from the build, and link the hashed names."""
    source, url_path = app.static_folder, app.static_url_path
    if source is None or url_path is None:
        return
    try:
        folder, names = build(Path(source), build_root(Path(source)))
    except OSError as error:
        # Pages still work, only heavier: Flask serves the plain files, revalidated each time.
        logger.error("the static files could not be built, served as they are: %s", error)
        return
    immutable = {f"{url_path}/{hashed}" for hashed in names.values()}
    secure = bool(app.config["SESSION_COOKIE_SECURE"])

    def add_headers(headers: Headers, _path: str, url: str) -> None:
        headers["Cache-Control"] = IMMUTABLE if url in immutable else REVALIDATE
        for name, value in security_headers.baseline_headers(secure=secure).items():
            headers.setdefault(name, value)

    whitenoise = WhiteNoise(
        app.wsgi_app, max_age=None, allow_all_origins=False, add_headers_function=add_headers
    )
    whitenoise.add_files(str(folder), prefix=url_path)
    app.wsgi_app = whitenoise  # type: ignore[method-assign]
    app.extensions["tracker_static_names"] = names

    @app.url_defaults
    def _fingerprint(endpoint: str, values: dict[str, str]) -> None:
        if endpoint == "static" and "filename" in values:
            values["filename"] = names.get(values["filename"], values["filename"])
