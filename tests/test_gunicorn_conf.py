"""Gunicorn's settings: each worker tunes the garbage collector once the app is loaded."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from tracker import gunicorn_conf


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
