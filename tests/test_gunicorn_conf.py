"""Gunicorn's settings: each worker tunes the garbage collector once the app is loaded; the
production profile preloads the app, runs a worker per core and gives each its own pools.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask import Flask

from tracker import create_app, gunicorn_conf
from tracker.extensions import db


@pytest.fixture
def collector() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_a_worker_freezes_the_loaded_app_and_collects_less_often(collector: None) -> None:
    kept = [object() for _ in range(10)]
    gunicorn_conf.post_worker_init(object())
    assert gc.get_freeze_count() >= len(kept)
    assert gc.get_threshold() == gunicorn_conf.GC_THRESHOLDS
    assert gc.get_threshold()[0] > 700  # the default


# The production profile (`make serve`); tests/test_serve.py starts it for real.


@pytest.mark.parametrize(
    ("environ", "cores", "workers"),
    [
        ({}, 2, 2),
        ({}, None, 1),
        ({"WEB_CONCURRENCY": "5"}, 2, 5),
        ({"WEB_CONCURRENCY": " 3 "}, 8, 3),
        ({"WEB_CONCURRENCY": "0"}, 4, 4),
    ],
)
def test_workers_default_to_web_concurrency_else_one_per_core(
    environ: dict[str, str], cores: int | None, workers: int
) -> None:
    assert gunicorn_conf.default_workers(environ, cores) == workers


def test_building_the_app_opens_no_database_connection(tmp_path: Path) -> None:
    """With the app preloaded in gunicorn's master, a connection made while building it
    would be inherited by every worker.
    """
    connects: list[object] = []

    def count(connection: object, _record: object) -> None:
        connects.append(connection)

    sa.event.listen(sa.engine.Engine, "connect", count)
    try:
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'load.sqlite3'}", "SECRET_KEY": "k"}
        )
    finally:
        sa.event.remove(sa.engine.Engine, "connect", count)
    assert connects == []
    with app.app_context():
        db.engine.dispose()


def test_a_worker_forked_from_a_preloaded_app_gets_pools_of_its_own(
    make_app: Callable[..., Flask],
) -> None:
    preloaded = make_app()
    with preloaded.app_context():
        with db.engine.connect():
            pass
        inherited = db.engine.pool
        assert inherited.checkedin() == 1
        gunicorn_conf.post_fork(object(), SimpleNamespace(app=SimpleNamespace(callable=preloaded)))
        assert db.engine.pool is not inherited
        assert db.engine.pool.checkedin() == 0
        inherited.dispose()  # this test's process is no fork: close what it left open


def test_a_worker_without_a_preloaded_app_has_nothing_to_forget(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app()
    with app.app_context():
        with db.engine.connect():
            pass
        pool = db.engine.pool
        gunicorn_conf.post_fork(object(), SimpleNamespace(app=SimpleNamespace(callable=None)))
        assert db.engine.pool is pool
        assert pool.checkedin() == 1
