"""Gunicorn settings for Plan Tracker.

Start with ``gunicorn -c python:tracker.gunicorn_conf 'tracker:create_app()'``. The access
log goes to standard output through :class:`tracker.log_redaction.AccessLogger`, so
big-screen tokens and credentials never reach it.
"""

logger_class = "tracker.log_redaction.AccessLogger"
accesslog = "-"
