"""Gunicorn settings for Plan Tracker.

Start with ``gunicorn -c python:tracker.gunicorn_conf 'tracker:create_app()'``. The access
log goes to standard output through :class:`tracker.log_redaction.AccessLogger`, so
big-screen tokens and credentials never reach it.
"""

import gc
import os
from collections.abc import Mapping

from flask import Flask

from tracker.extensions import db

logger_class = "tracker.log_redaction.AccessLogger"
accesslog = "-"
# Gunicorn's default line, then the request id the app answered with (tracker.request_log).
access_log_format = (
    '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %({x-request-id}o)s'
)

# A cold board at scale makes tens of thousands of objects (milestones, results, template
# output): with the collector's defaults, collections ran every few hundred of them and walked
# the whole app each time, a third of the request (measured: cold as-of board 445 → 345 ms).
# The app's own objects, loaded once, are moved out of the collector's sight, and the young
# generation is collected less often; memory stays bounded, as reference counting frees
# almost everything at once.
GC_THRESHOLDS = (20_000, 20, 20)


def post_worker_init(_worker: object) -> None:
    """Freeze what the worker loaded (the app) and space out garbage collections."""
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


# The production profile (`make serve`). Gunicorn's command line overrides these
# (`-w N`, `--graceful-timeout S`), as the live-server tests and the bench do with `-w`.


def default_workers(environ: Mapping[str, str], cores: int | None) -> int:
    """``WEB_CONCURRENCY`` when given (gunicorn's own convention, which a config file's
    ``workers`` would otherwise hide), else one worker per core: a request is mostly Python
    work, so more workers than cores only queue behind each other.
    """
    given = environ.get("WEB_CONCURRENCY", "").strip()
    if given.isdigit() and int(given) > 0:
        return int(given)
    return max(cores or 1, 1)


workers = default_workers(os.environ, os.cpu_count())

# The app is built once in the master and the workers are forked from it: a broken
# configuration (no TRACKER_SECRET_KEY in production) stops the start with one message
# instead of every worker failing in turn, and workers share the loaded code's memory.
preload_app = True

# On a restart or stop, a worker gets as long to finish the request in hand (an evidence
# upload on a slow line) as it would be given for any request.
graceful_timeout = 30


def post_fork(_server: object, worker: object) -> None:
    """Give a worker forked from a preloaded app connection pools of its own.

    Nothing connects while the app is built today (a test checks), so the pools are empty;
    should that change, two workers must never talk over one inherited database socket.
    ``close=False`` leaves the parent's connections alone rather than closing them from here.
    """
    app = getattr(getattr(worker, "app", None), "callable", None)
    if not isinstance(app, Flask):  # not preloaded: the worker builds the app itself
        return
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)
